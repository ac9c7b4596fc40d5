"""Server-sent event streams: iterate typed events; the connection is released however you leave.

Frames are parsed by httpx-sse; `decode` turns each `ServerSentEvent` into a typed event (or None to skip
it, or raises a typed error). Leaving the stream - exhausted, `break` inside `with`, an exception, `close()`,
or garbage collection - closes the HTTP response so its connection goes back to the pool.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from types import TracebackType
from typing import Any, Generic, Protocol, TypeVar

import httpx
from httpx_sse import ServerSentEvent
from typing_extensions import Self

from .._core.limits import StreamGuard
from .._core.retries import RetryConfig, RetryState
from ..errors import ConnectionError, MuxiError, ResponseValidationError, StreamInterruptedError, TimeoutError
from ..models.shared import ResponseMeta
from .sse import aiter_sse, iter_sse

T = TypeVar("T")

Decoder = Callable[[ServerSentEvent], "T | None"]


def _weak(stream: Any) -> Any:
    """The stream as its iterator sees it: a weak proxy.

    A generator that held the stream strongly would make a reference cycle (stream -> generator -> stream),
    so a stream abandoned mid-way (`for e in stream: break`, no `with`) would keep its pooled connection
    until the cyclic garbage collector happened to run - a pool of N connections is exhausted by N abandoned
    streams. With the proxy, dropping the last reference frees the stream at once and `__del__` closes it.
    """
    return weakref.proxy(stream)


class _StreamBase(Generic[T]):
    def __init__(
        self,
        response: httpx.Response,
        decode: Callable[[ServerSentEvent], T | None],
        *,
        meta: ResponseMeta | None = None,
        client_ref: object | None = None,
        observe: Callable[[T], None] | None = None,
    ) -> None:
        self.response = response
        self.response_meta = meta
        self._decode = decode
        self._observe = observe
        # Keeps the owning SDK (and its HTTP client) alive for as long as the stream is.
        self._client_ref = client_ref
        self._closed = False
        self.events_received = 0
        self.last_event_id: str | None = None

    @property
    def closed(self) -> bool:
        return self._closed

    def _handle(self, sse: ServerSentEvent) -> T | None:
        if sse.id:
            self.last_event_id = sse.id
        try:
            event = self._decode(sse)
        except MuxiError:
            raise
        except Exception as exc:  # e.g. a pydantic ValidationError: never let an untyped error out of a stream
            raise ResponseValidationError(
                f"unreadable stream event after {self._progress()}: {type(exc).__name__}: {str(exc)[:300]}",
                status_code=self.response.status_code,
                body=sse.data[:10_000],
                headers=self.response.headers,
                raw_response=self.response,
            ) from exc
        if event is not None:
            self.events_received += 1
            if self._observe is not None:
                self._observe(event)
        return event

    def _progress(self) -> str:
        return f"{self.events_received} events received"

    def _check_content_type(self) -> None:
        content_type = self.response.headers.get("content-type", "")
        if "text/event-stream" not in content_type:
            raise ResponseValidationError(
                f"expected an event stream, got {content_type or 'no content type'}",
                status_code=self.response.status_code,
                headers=self.response.headers,
                raw_response=self.response,
            )

    def _sse(self) -> Iterator[ServerSentEvent]:
        """The current response's events, each under the call's size and idle limits (`StreamGuard`)."""
        guard = StreamGuard(self.response)
        return guard.events(iter_sse(guard.chunks()))

    def _asse(self) -> AsyncIterator[ServerSentEvent]:
        guard = StreamGuard(self.response)
        return guard.aevents(aiter_sse(guard.achunks()))

    def _interrupted(self, exc: Exception) -> MuxiError:
        if isinstance(exc, MuxiError):  # the idle limit: its own message
            if self.events_received:
                exc.message += f" ({self._progress()})"
                exc.args = (exc.message,)
            return exc
        if isinstance(exc, httpx.TimeoutException):
            return TimeoutError(f"stream timed out after {self._progress()}: {type(exc).__name__}")
        return StreamInterruptedError(
            f"stream dropped after {self._progress()}: {type(exc).__name__}: {exc}",
            events_received=self.events_received,
            received_text=self._received_text(),
        )

    def _received_text(self) -> str:
        return ""


class EventStream(_StreamBase[T]):
    """A sync stream of typed events. Use it as `with ... as events: for event in events: ...`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._iterator = type(self)._events(_weak(self))

    def _events(self) -> Generator[T, None, None]:
        try:
            self._check_content_type()
            for sse in self._sse():
                event = self._handle(sse)
                if event is not None:
                    yield event
        except httpx.TransportError as exc:
            raise self._interrupted(exc) from exc
        finally:
            with contextlib.suppress(ReferenceError):  # the stream was collected; its __del__ closed it
                self.close()

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        return next(self._iterator)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the connection. Safe to call more than once."""
        if not self._closed:
            self._closed = True
            self.response.close()

    def __del__(self) -> None:
        if not getattr(self, "_closed", True):
            with contextlib.suppress(Exception):
                self.response.close()


class EventStreamAsync(_StreamBase[T]):
    """An async stream of typed events. Use it as `async with ... as events: async for event in events: ...`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._iterator = type(self)._events(_weak(self))

    async def _events(self) -> AsyncIterator[T]:
        try:
            self._check_content_type()
            async for sse in self._asse():
                event = self._handle(sse)
                if event is not None:
                    yield event
        except httpx.TransportError as exc:
            raise self._interrupted(exc) from exc
        finally:
            with contextlib.suppress(ReferenceError):  # the stream was collected; its __del__ closed it
                await self.aclose()

    def __aiter__(self) -> AsyncIterator[T]:
        return self

    async def __anext__(self) -> T:
        return await self._iterator.__anext__()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Release the connection. Safe to call more than once."""
        if not self._closed:
            self._closed = True
            await self.response.aclose()

    close = aclose

    def __del__(self) -> None:
        # Abandoned without aclose(): hand the close to the running loop if there is one. Iterated streams
        # are closed by the async generator's own finaliser, so this covers streams never iterated.
        if not getattr(self, "_closed", True):
            aclose_later(self.response)


def aclose_later(response: httpx.Response) -> None:
    """Close an async response from a finaliser: schedule it on the running loop, if there is one."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return
    if not loop.is_closed():
        loop.call_soon(lambda: asyncio.ensure_future(response.aclose()))


S = TypeVar("S", bound=EventStreamAsync[Any])


class AsyncStreamContext(Generic[S]):
    """What `*_async` stream methods return: `await` it for the stream, or `async with` it directly.

    Nothing is sent until it is awaited or entered.
    """

    def __init__(self, open_stream: Callable[[], Awaitable[S]]) -> None:
        self._open = open_stream
        self._stream: S | None = None

    def __await__(self) -> Generator[Any, None, S]:
        return self._open().__await__()

    async def __aenter__(self) -> S:
        self._stream = await self._open()
        return self._stream

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._stream is not None:
            await self._stream.aclose()


# ------------------------------------------------------------------------------------------- resumable
# A stream that survives dropped connections: it reconnects with `Last-Event-ID` (when the server sent ids),
# waits the server's `retry:` hint or the retry policy's backoff, and never yields an event twice.


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

    def gave_up(self, stream: _StreamBase[Any], error: Exception | None) -> MuxiError:
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
        r = self._resume
        try:
            while True:
                r.new_connection()
                error: Exception | None = None
                try:
                    self._check_content_type()
                    for sse in self._sse():
                        if not r.accept(sse):
                            continue
                        event = self._handle(sse)
                        if event is not None:
                            r.delivered(event)
                            yield event
                except httpx.TransportError as exc:
                    error = exc
                if not r.should_resume(error, self.last_event_id):
                    if error is not None and not r.finished:
                        raise self._interrupted(error) from error
                    return
                wait = r.wait()
                while True:
                    if wait is None:
                        raise r.gave_up(self, error) from error
                    self.response.close()
                    time.sleep(wait)
                    try:
                        opened = self._reopen(self.last_event_id)
                    except MuxiError as exc:
                        wait = r.reopen_failed(exc)
                        if wait is None:
                            raise
                        continue
                    self.response, self.response_meta = opened.response, opened.meta
                    r.reconnects += 1
                    break
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
        r = self._resume
        try:
            while True:
                r.new_connection()
                error: Exception | None = None
                try:
                    self._check_content_type()
                    async for sse in self._asse():
                        if not r.accept(sse):
                            continue
                        event = self._handle(sse)
                        if event is not None:
                            r.delivered(event)
                            yield event
                except httpx.TransportError as exc:
                    error = exc
                if not r.should_resume(error, self.last_event_id):
                    if error is not None and not r.finished:
                        raise self._interrupted(error) from error
                    return
                wait = r.wait()
                while True:
                    if wait is None:
                        raise r.gave_up(self, error) from error
                    await self.response.aclose()
                    await asyncio.sleep(wait)
                    try:
                        opened = await self._reopen(self.last_event_id)
                    except MuxiError as exc:
                        wait = r.reopen_failed(exc)
                        if wait is None:
                            raise
                        continue
                    self.response, self.response_meta = opened.response, opened.meta
                    r.reconnects += 1
                    break
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
