"""Switchable faults for testing clients: latency, error storms, broken bodies, dropped streams."""

from __future__ import annotations

import asyncio
import functools
import itertools
import json
import threading
import zlib
from dataclasses import dataclass, field
from typing import Any, TypeVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .envelope import error_body


@dataclass
class StatusFault:
    status: int
    retry_after: str | None = None
    body: bytes | None = None
    content_type: str = "application/json"
    path_contains: str | None = None


@dataclass
class DropFault:
    when: str = "before"
    path_contains: str | None = None


@dataclass
class HugeFault:
    body: bytes
    status: int = 200
    gzip: bool = False
    content_type: str = "application/json"
    path_contains: str | None = None


_F = TypeVar("_F", StatusFault, DropFault, HugeFault)


@dataclass
class Faults:
    """Fault switches. Set attributes directly, or use the helpers; `reset()` turns everything off.

    - `latency_ms`: delay before every response's headers.
    - `fail_next(n, status, retry_after=...)`: the next n matching requests answer `status`.
    - `drop_stream_after`: chat streams cut the connection after this many data frames.
    - `drop_events_after`: `/v1/events` streams cut every connection after this many event frames.
    - `events_retry_ms`: `/v1/events` streams send this `retry:` reconnection hint first.
    - `events_error`: `/v1/events` streams end with `data: {"error": ...}` instead of `stream_completed`.
    - `truncate_next`: the next n JSON bodies are cut in half.
    - `body_delay_ms`: pause between chunks of a streamed body.
    - `drop_response_next(n, when=...)`: the next n matching requests RUN (the handler and its side effects,
      idempotency records included), then the connection drops: `"before"` any byte of the response is sent,
      or `"during"` its body (headers and half of the first body chunk arrive). A response lost in transit.
    - `body_stall_ms`: one-piece bodies (JSON answers) send their first half, pause this long, then the rest.
    - `body_drip_ms`: one-piece bodies are sent one byte at a time, this many ms apart (a server that keeps
      every socket read short but never finishes).
    - `huge_next(n, size, gzip=..., status=..., content_type=...)`: the next n matching requests answer a
      body of `size` bytes (after decoding): a JSON envelope padded with one long string, or for
      `text/event-stream` one event that large; `gzip=True` sends it compressed (a decompression bomb).
    - `repeat_pages`: list routes ignore `offset` and `limit`: every page is their default first page.
    - `events_flood`: `/v1/events` streams send this many extra activity frames (with ids) before the end.
    - `events_replay_on_resume`: a resumed `/v1/events` stream first repeats this many frames it had sent.
    """

    latency_ms: int = 0
    drop_stream_after: int | None = None
    drop_events_after: int | None = None
    events_retry_ms: int | None = None
    events_error: str | None = None
    body_delay_ms: int = 0
    truncate_next: int = 0
    queued: list[StatusFault] = field(default_factory=list)
    body_stall_ms: int = 0
    drops: list[DropFault] = field(default_factory=list)
    body_drip_ms: int = 0
    huge: list[HugeFault] = field(default_factory=list)
    repeat_pages: bool = False
    events_flood: int = 0
    events_replay_on_resume: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def fail_next(
        self,
        count: int,
        status: int = 503,
        *,
        retry_after: str | float | None = None,
        body: bytes | str | None = None,
        content_type: str = "application/json",
        path_contains: str | None = None,
    ) -> None:
        raw = body.encode() if isinstance(body, str) else body
        with self._lock:
            for _ in range(count):
                self.queued.append(
                    StatusFault(
                        status,
                        None if retry_after is None else str(retry_after),
                        raw,
                        content_type,
                        path_contains,
                    )
                )

    def reset(self) -> None:
        with self._lock:
            self.latency_ms = 0
            self.drop_stream_after = None
            self.drop_events_after = None
            self.events_retry_ms = None
            self.events_error = None
            self.body_delay_ms = 0
            self.truncate_next = 0
            self.queued.clear()
            self.body_stall_ms = 0
            self.drops.clear()
            self.body_drip_ms = 0
            self.huge.clear()
            self.repeat_pages = False
            self.events_flood = 0
            self.events_replay_on_resume = 0

    def huge_next(
        self,
        count: int,
        size: int,
        *,
        gzip: bool = False,
        status: int = 200,
        content_type: str = "application/json",
        path_contains: str | None = None,
    ) -> None:
        """The next `count` matching requests answer a body of `size` bytes (decoded), gzip-compressed or not.

        The body is built now, in the caller's thread (a compressed one never exists inflated)."""
        body = _huge_body(size, "event-stream" in content_type, gzip)
        with self._lock:
            self.huge.extend(HugeFault(body, status, gzip, content_type, path_contains) for _ in range(count))

    def _take_first(self, queue: list[_F], path: str) -> _F | None:
        """Pop the first queued fault meant for `path` (any path, or one containing its `path_contains`)."""
        with self._lock:
            for i, fault in enumerate(queue):
                if fault.path_contains is None or fault.path_contains in path:
                    return queue.pop(i)
        return None

    def take_huge(self, path: str) -> HugeFault | None:
        return self._take_first(self.huge, path)

    def take(self, path: str) -> StatusFault | None:
        return self._take_first(self.queued, path)

    def drop_response_next(self, count: int = 1, *, when: str = "before", path_contains: str | None = None) -> None:
        """Run the next `count` matching requests, then drop the connection `"before"` or `"during"` the response."""
        if when not in ("before", "during"):
            raise ValueError("when must be 'before' or 'during'")
        with self._lock:
            self.drops.extend(DropFault(when, path_contains) for _ in range(count))

    def take_drop(self, path: str) -> DropFault | None:
        return self._take_first(self.drops, path)

    def take_truncation(self) -> bool:
        with self._lock:
            if self.truncate_next > 0:
                self.truncate_next -= 1
                return True
        return False


class FaultMiddleware:
    """Applies `Faults` to every request before the app sees it."""

    def __init__(self, app: ASGIApp, faults: Faults) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        faults = self.faults
        # Take the queued fault before sleeping: a request that times out while still asleep here must not
        # consume a fault queued for a later request.
        fault = faults.take(scope["path"])
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        if fault is not None:
            await _send_fault(fault, send)
            return
        huge = faults.take_huge(scope["path"])
        if huge is not None:
            await _send_huge(huge, send)
            return
        if faults.repeat_pages and scope.get("query_string"):
            scope = {**scope, "query_string": _without_offset(scope["query_string"])}
        drop = faults.take_drop(scope["path"])
        if drop is not None:
            await self.app(scope, receive, _dropping(send, drop.when))
            await _drop_connection(send, drop.when)
            return
        if faults.take_truncation():
            await self.app(scope, receive, _truncating(send))
            return
        if faults.body_stall_ms:
            await self.app(scope, receive, _stalling(send, faults.body_stall_ms / 1000))
            return
        if faults.body_drip_ms:
            await self.app(scope, receive, _dripping(send, faults.body_drip_ms / 1000))
            return
        await self.app(scope, receive, send)


async def _send_fault(fault: StatusFault, send: Send) -> None:
    body = fault.body
    if body is None:
        body = json.dumps(error_body(fault.status, f"injected fault: HTTP {fault.status}")).encode()
    headers = [(b"content-type", fault.content_type.encode()), (b"content-length", str(len(body)).encode())]
    if fault.retry_after is not None:
        headers.append((b"retry-after", fault.retry_after.encode()))
    await send({"type": "http.response.start", "status": fault.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _truncating(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = dict(message)
            message["headers"] = [(k, v) for k, v in message["headers"] if k.lower() != b"content-length"]
        elif message["type"] == "http.response.body" and message.get("body"):
            body: Any = message["body"]
            message = {**message, "body": body[: max(1, len(body) // 2)]}
        await send(message)

    return wrapped


def _dropping(send: Send, when: str) -> Send:
    """Swallow the response ("before"), or let its headers and half of its first body chunk through ("during")."""
    passed_body = False

    async def wrapped(message: Message) -> None:
        nonlocal passed_body
        if when == "before":
            return
        if message["type"] == "http.response.start":
            await send(message)
        elif message["type"] == "http.response.body" and not passed_body and message.get("body"):
            passed_body = True
            body: Any = message["body"]
            await send({"type": "http.response.body", "body": body[: max(1, len(body) // 2)], "more_body": True})

    return wrapped


class ResponseDropped(ConnectionAbortedError):
    """Raised by the fault middleware so the ASGI server closes a connection mid-response."""


async def _drop_connection(send: Send, when: str) -> None:
    """Close the connection under the response. With uvicorn, "before" closes its transport directly so not a
    byte is written; elsewhere (and for "during") an exception after the response started makes the server
    close the connection with the body incomplete."""
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if when == "before" and transport is not None and hasattr(transport, "close"):
        transport.close()
        for _ in range(100):  # let the server see the connection go, so it does not answer 500 on it
            if getattr(cycle, "disconnected", True):
                break
            await asyncio.sleep(0)
        return
    if when == "before":
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1")]})
    raise ResponseDropped("fault: response dropped")


def _stalling(send: Send, seconds: float) -> Send:
    async def wrapped(message: Message) -> None:
        body: Any = message.get("body")
        if message["type"] == "http.response.body" and not message.get("more_body") and body and len(body) > 1:
            half = len(body) // 2
            await send({"type": "http.response.body", "body": body[:half], "more_body": True})
            await asyncio.sleep(seconds)
            await send({"type": "http.response.body", "body": body[half:], "more_body": False})
            return
        await send(message)

    return wrapped


def _dripping(send: Send, seconds: float) -> Send:
    async def wrapped(message: Message) -> None:
        body: Any = message.get("body")
        if message["type"] == "http.response.body" and not message.get("more_body") and body:
            for i in range(len(body)):
                last = i == len(body) - 1
                await send({"type": "http.response.body", "body": body[i : i + 1], "more_body": not last})
                if not last:
                    await asyncio.sleep(seconds)
            return
        await send(message)

    return wrapped


def _without_offset(query: bytes) -> bytes:
    return b"&".join(p for p in query.split(b"&") if not p.startswith((b"offset=", b"limit=")))


_BLOCK = 1 << 20


@functools.lru_cache(maxsize=8)
def _huge_body(size: int, stream: bool, gzip: bool) -> bytes:
    """`size` bytes: `{"success": true, "data": {"pad": "aaa..."}}`, or one SSE event; compressed in 1 MiB
    blocks when asked (so the fake never holds the inflated body)."""
    head = b'data: {"token": {"type": "content", "content": "' if stream else b'{"success": true, "data": {"pad": "'
    tail = b'"}}\n\n' if stream else b'"}}'
    pad = max(size - len(head) - len(tail), 0)
    block = b"a" * _BLOCK
    pieces = itertools.chain([head], (block[: min(_BLOCK, pad - i)] for i in range(0, pad, _BLOCK)), [tail])
    if not gzip:
        return b"".join(pieces)
    z = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    out = [z.compress(p) for p in pieces]
    out.append(z.flush())
    return b"".join(out)


async def _send_huge(fault: HugeFault, send: Send) -> None:
    body = fault.body
    headers = [(b"content-type", fault.content_type.encode()), (b"content-length", str(len(body)).encode())]
    if fault.gzip:
        headers.append((b"content-encoding", b"gzip"))
    await send({"type": "http.response.start", "status": fault.status, "headers": headers})
    for i in range(0, len(body), _BLOCK):
        await send({"type": "http.response.body", "body": body[i : i + _BLOCK], "more_body": i + _BLOCK < len(body)})
    if not body:
        await send({"type": "http.response.body", "body": b""})
