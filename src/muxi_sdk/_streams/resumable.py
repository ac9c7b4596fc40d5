"""A stream that survives dropped connections: it reconnects with `Last-Event-ID` (when the server sent ids),
waits the server's `retry:` hint or the retry policy's backoff, and never yields an event twice.

Like the request path, the reconnect loop is written once, as a generator (`_resuming`) that decides
everything and *yields* what it needs done: open the frames of the current connection, read the next frame,
hand an event to the caller, close, sleep, reopen. `ResumableEventStream` drives it with blocking I/O and
`ResumableEventStreamAsync` with awaits; the two differ only in those few lines.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, Union

import httpx
from httpx_sse import ServerSentEvent

from .._core.retries import RetryConfig, RetryState
from ..errors import ConnectionError, MuxiError, StreamInterruptedError
from ..models.shared import ResponseMeta
from .eventstream import EventStream, EventStreamAsync, StreamBase

T = TypeVar("T")


class Reopened(Protocol):
    """What re-opening a stream gives back (the request path's `StreamStart`)."""

    @property
    def response(self) -> httpx.Response: ...

    @property
    def meta(self) -> ResponseMeta: ...


DEDUP_WINDOW = 10_000
"""How many of the latest event ids a resumable stream remembers to skip what a server sends again."""


class _Resumption:
    """The decisions of a resumable stream, shared by its sync and async forms.

    Replayed frames are recognised by id among the last `DEDUP_WINDOW` ids delivered (a window, not every id
    ever seen: memory stays flat on a stream of any length). A server resuming from `Last-Event-ID` repeats
    at most a few recent frames; one that replayed further back than the window would be delivered again.
    """

    def __init__(self, retry_config: RetryConfig | None, terminal: Callable[[Any], bool] | None) -> None:
        self.retry_config = retry_config
        self.terminal = terminal
        self.finished = False  # the terminal event arrived: a drop after it changes nothing
        self.reconnects = 0
        self.yielded = 0
        self.retry_ms: int | None = None  # the server's latest `retry:` hint
        self._seen: set[str] = set()
        self._order: collections.deque[str] = collections.deque()  # the ids in `_seen`, oldest first
        self._position: str | None = None  # the id in force on the current connection
        self._replaying = False  # the current position was delivered on an earlier connection
        self._state: RetryState | None = None

    def new_connection(self) -> None:
        self._position = None
        self._replaying = False

    def accept(self, sse: ServerSentEvent) -> bool:
        """False for frames at or before a position already delivered (a server that replays on resume).

        An `id` marks a position; frames without one share the position of the last id (SSE keeps it).
        """
        if sse.retry is not None and sse.retry >= 0:
            self.retry_ms = sse.retry
        if sse.id and sse.id != self._position:
            self._position = sse.id
            self._replaying = sse.id in self._seen
            if not self._replaying:
                self._seen.add(sse.id)
                self._order.append(sse.id)
                if len(self._order) > DEDUP_WINDOW:
                    self._seen.discard(self._order.popleft())
        return not self._replaying

    def delivered(self, event: Any) -> None:
        self.yielded += 1
        self._state = None  # progress: a later drop gets the whole retry budget again
        if self.terminal is not None and self.terminal(event):
            self.finished = True

    def should_resume(self, error: Exception | None, last_event_id: str | None) -> bool:
        if self.finished:
            return False
        if error is None:  # a clean end: early only if the protocol has a last event that did not come
            return self.terminal is not None and bool(last_event_id)
        return bool(last_event_id) or self.yielded == 0

    def wait(self, retry_after: float | None = None) -> float | None:
        """Seconds to wait before the next reconnection attempt, or None when the budget is spent."""
        cfg = self.retry_config
        if cfg is None or cfg.strategy == "none" or not cfg.retry_connection_errors:
            return None
        now = time.monotonic()
        if self._state is None:
            self._state = RetryState(cfg, now)
            self._state.attempts = 1  # the connection that just dropped
        if retry_after is None and self.retry_ms is not None:
            retry_after = self.retry_ms / 1000.0
        wait: float | None = self._state.delay(retry_after, now)
        if wait is not None:
            self._state.attempts += 1
        return wait

    def reopen_failed(self, exc: MuxiError) -> float | None:
        """A reconnection attempt failed: wait and try again if it is worth it, else None."""
        cfg = self.retry_config
        transient = isinstance(exc, ConnectionError) or (
            cfg is not None and exc.status_code is not None and exc.status_code in cfg.status_codes
        )
        return self.wait(exc.retry_after) if transient else None

    def gave_up(self, stream: StreamBase[Any], error: Exception | None) -> MuxiError:
        tail = f" ({self.reconnects} reconnections)" if self.reconnects else ""
        if error is not None:
            exc = stream._interrupted(error)
            if tail:
                exc.message += tail
                exc.args = (exc.message,)
            return exc
        return StreamInterruptedError(
            f"stream ended before its last event after {stream._progress()}{tail}",
            events_received=stream.events_received,
            received_text=stream._received_text(),
        )


# What the loop asks its driver for. `_OPEN` / `_NEXT` / `_CLOSE` are singletons: one per frame is cheap.
class _Open:
    """Start reading the frames of the current connection (`stream.response`)."""


class _Next:
    """The next frame, `_END` at a clean end, or the `httpx.TransportError` that broke the connection."""


class _Close:
    """Release the current connection."""


@dataclass(frozen=True)
class _Deliver:
    event: Any


@dataclass(frozen=True)
class _Sleep:
    seconds: float


@dataclass(frozen=True)
class _Reopen:
    """Open the stream again from `last_event_id`: a `Reopened`, or the `MuxiError` that attempt raised."""

    last_event_id: str | None


_OPEN, _NEXT, _CLOSE = _Open(), _Next(), _Close()
_END = object()
_Action = Union[_Open, _Next, _Close, _Deliver, _Sleep, _Reopen]


def _resuming(stream: Any, r: _Resumption) -> Generator[_Action, Any, None]:
    """The reconnect loop, sans I/O: every decision of a resumable stream, for both drivers."""
    while True:
        r.new_connection()
        error: Exception | None = None
        stream._check_content_type()
        yield _OPEN
        while True:
            got = yield _NEXT
            if got is _END:
                break
            if isinstance(got, Exception):
                error = got
                break
            if not r.accept(got):
                continue
            event = stream._handle(got)
            if event is not None:
                r.delivered(event)
                yield _Deliver(event)
        if not r.should_resume(error, stream.last_event_id):
            if error is not None and not r.finished:
                raise stream._interrupted(error) from error
            return
        wait = r.wait()
        while True:
            if wait is None:
                raise r.gave_up(stream, error) from error
            yield _CLOSE
            yield _Sleep(wait)
            opened = yield _Reopen(stream.last_event_id)
            if isinstance(opened, MuxiError):
                wait = r.reopen_failed(opened)
                if wait is None:
                    raise opened
                continue
            stream.response, stream.response_meta = opened.response, opened.meta
            r.reconnects += 1
            break


class ResumableEventStream(EventStream[T]):
    """A sync `EventStream` that reconnects after a dropped connection and resumes where it stopped.

    `reopen(last_event_id)` opens the stream again (sending `Last-Event-ID`). Reconnection is bounded by
    `retry_config` (None: never reconnect) and honours the server's `retry:` hint; frames the server sends
    again are skipped by id. `terminal(event)` names the protocol's last event: a clean end before it is a
    drop too. `reconnects` counts the reconnections; `last_event_id` is where the stream stands.
    """

    def __init__(
        self,
        response: httpx.Response,
        decode: Callable[[ServerSentEvent], T | None],
        *,
        reopen: Callable[[str | None], Reopened],
        retry_config: RetryConfig | None,
        terminal: Callable[[T], bool] | None = None,
        **kwargs: Any,
    ) -> None:
        self._reopen = reopen
        self._resume = _Resumption(retry_config, terminal)
        super().__init__(response, decode, **kwargs)

    @property
    def reconnects(self) -> int:
        return self._resume.reconnects

    def _events(self) -> Generator[T, None, None]:
        loop = _resuming(self, self._resume)
        frames: Any = None
        result: Any = None
        try:
            while True:
                try:
                    action = loop.send(result)
                except StopIteration:
                    return
                result = None
                if action is _NEXT:
                    try:
                        result = next(frames, _END)
                    except httpx.TransportError as exc:
                        result = exc
                elif type(action) is _Deliver:
                    yield action.event
                elif action is _OPEN:
                    frames = self._sse()
                elif action is _CLOSE:
                    self.response.close()
                elif type(action) is _Sleep:
                    time.sleep(action.seconds)
                elif type(action) is _Reopen:
                    try:
                        result = self._reopen(action.last_event_id)
                    except MuxiError as exc:
                        result = exc
        finally:
            with contextlib.suppress(ReferenceError):  # the stream was collected; its __del__ closed it
                self.close()


class ResumableEventStreamAsync(EventStreamAsync[T]):
    """The async form of `ResumableEventStream` (`reopen` is a coroutine function)."""

    def __init__(
        self,
        response: httpx.Response,
        decode: Callable[[ServerSentEvent], T | None],
        *,
        reopen: Callable[[str | None], Awaitable[Reopened]],
        retry_config: RetryConfig | None,
        terminal: Callable[[T], bool] | None = None,
        **kwargs: Any,
    ) -> None:
        self._reopen = reopen
        self._resume = _Resumption(retry_config, terminal)
        super().__init__(response, decode, **kwargs)

    @property
    def reconnects(self) -> int:
        return self._resume.reconnects

    async def _events(self) -> AsyncIterator[T]:
        loop = _resuming(self, self._resume)
        frames: Any = None
        result: Any = None
        try:
            while True:
                try:
                    action = loop.send(result)
                except StopIteration:
                    return
                result = None
                if action is _NEXT:
                    try:
                        result = await anext(frames, _END)
                    except httpx.TransportError as exc:
                        result = exc
                elif type(action) is _Deliver:
                    yield action.event
                elif action is _OPEN:
                    frames = self._asse()
                elif action is _CLOSE:
                    await self.response.aclose()
                elif type(action) is _Sleep:
                    await asyncio.sleep(action.seconds)
                elif type(action) is _Reopen:
                    try:
                        result = await self._reopen(action.last_event_id)
                    except MuxiError as exc:
                        result = exc
        finally:
            with contextlib.suppress(ReferenceError):  # the stream was collected; its __del__ closed it
                await self.aclose()


def resumable(
    sdk: Any,
    call: Any,
    decode: Callable[[ServerSentEvent], Any],
    *,
    sync_cls: type[ResumableEventStream[Any]] = ResumableEventStream,
    async_cls: type[ResumableEventStreamAsync[Any]] = ResumableEventStreamAsync,
    terminal: Callable[[Any], bool] | None = None,
) -> Callable[[Any, bool], Any]:
    """The `Call.stream` factory of a resumable GET stream: `call.stream = resumable(self, call, decode)`.

    Reconnections re-send `call` through the same request path (auth, hooks, logging) with a
    `Last-Event-ID` header and without the request path's own retries: the stream's budget, from the
    call's retry policy (per call, else the client's), covers them all.
    """
    retry_config = sdk.sdk_configuration.effective_retry_config(call.options.retries)

    def reopen_call(last_event_id: str | None) -> Any:
        headers = dict(call.input.headers or {})
        if last_event_id:
            headers["Last-Event-ID"] = last_event_id
        return dataclasses.replace(
            call,
            input=dataclasses.replace(call.input, headers=headers),
            options=dataclasses.replace(call.options, retries=None),
            stream=lambda start, _is_async: start,
            post=None,
        )

    def make(start: Any, is_async: bool) -> Any:
        common: dict[str, Any] = {
            "meta": start.meta,
            "client_ref": sdk,
            "retry_config": retry_config,
            "terminal": terminal,
        }
        if is_async:

            async def reopen_async(last_event_id: str | None) -> Reopened:
                opened: Reopened = await sdk._execute_async(reopen_call(last_event_id))
                return opened

            return async_cls(start.response, decode, reopen=reopen_async, **common)

        def reopen(last_event_id: str | None) -> Reopened:
            opened: Reopened = sdk._execute(reopen_call(last_event_id))
            return opened

        return sync_cls(start.response, decode, reopen=reopen, **common)

    return make
