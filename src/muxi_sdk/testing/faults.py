"""Switchable faults for testing clients: latency, error storms, broken bodies, dropped streams."""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass, field
from typing import Any

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
    """

    latency_ms: int = 0
    drop_stream_after: int | None = None
    drop_events_after: int | None = None
    events_retry_ms: int | None = None
    events_error: str | None = None
    body_delay_ms: int = 0
    truncate_next: int = 0
    queued: list[StatusFault] = field(default_factory=list)
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

    def take(self, path: str) -> StatusFault | None:
        with self._lock:
            for i, fault in enumerate(self.queued):
                if fault.path_contains is None or fault.path_contains in path:
                    return self.queued.pop(i)
        return None

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
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        fault = faults.take(scope["path"])
        if fault is not None:
            await _send_fault(fault, send)
            return
        if faults.take_truncation():
            await self.app(scope, receive, _truncating(send))
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
