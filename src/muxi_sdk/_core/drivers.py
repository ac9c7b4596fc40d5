"""The two drivers of a request flow: one runs its I/O with the sync client, one with the async client."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from .actions import Close, Flow, Read, Send, Sleep
from .httpclient import closed_loop_error
from .limits import aread_body, read_body

if TYPE_CHECKING:
    from ..sdkconfiguration import SDKConfiguration

T = TypeVar("T")


def drive(flow: Flow[T], cfg: SDKConfiguration) -> T:
    client = cfg.pool.client
    result: Any = None
    while True:
        try:
            action = flow.send(result)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        result = None
        if type(action) is Send:
            try:
                result = client.send(action.request, stream=True, follow_redirects=False)
            except httpx.TransportError as exc:
                result = exc
        elif type(action) is Read:
            result = read_body(action.response, action.max_bytes, action.deadline)
        elif type(action) is Sleep:
            time.sleep(action.seconds)
        elif type(action) is Close:
            action.response.close()


async def drive_async(flow: Flow[T], cfg: SDKConfiguration) -> T:
    client = cfg.pool.async_client
    # One of the pool's slots (`ClientPool.async_slots`) is held from a send until its body was read or the
    # attempt ended (close, retry sleep); a stream's ends with its headers: an open stream never holds one.
    slots = cfg.pool.async_slots()
    held = False
    result: Any = None
    try:
        while True:
            try:
                action = flow.send(result)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            result = None
            if type(action) is Send:
                if slots is not None and not held:
                    await slots.acquire()
                    held = True
                try:
                    result = await client.send(action.request, stream=True, follow_redirects=False)
                except httpx.TransportError as exc:
                    result = exc
                except RuntimeError as exc:  # an injected client's connections of a closed loop
                    result = closed_loop_error(exc, cfg.pool)
            elif type(action) is Read:
                try:
                    result = await aread_body(action.response, action.max_bytes, action.deadline)
                finally:
                    held = _release(slots, held)
            else:
                held = _release(slots, held)
                if type(action) is Sleep:
                    import asyncio  # here, not at module level: `import muxi_sdk` stays light

                    await asyncio.sleep(action.seconds)
                elif type(action) is Close:
                    await action.response.aclose()
    finally:
        _release(slots, held)


def _release(slots: Any, held: bool) -> bool:
    if held:
        slots.release()
    return False
