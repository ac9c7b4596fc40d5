"""Server-sent event streams: iterate typed events; the connection is released however you leave.

Frames are parsed by httpx-sse; `decode` turns each `ServerSentEvent` into a typed event (or None to skip
it, or raises a typed error). Leaving the stream - exhausted, `break` inside `with`, an exception, `close()`,
or garbage collection - closes the HTTP response so its connection goes back to the pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from types import TracebackType
from typing import Any, Generic, Protocol, TypeVar

import httpx
from httpx_sse import ServerSentEvent
from typing_extensions import Self

from .._core.limits import StreamGuard
from ..errors import MuxiError, ResponseValidationError, StreamInterruptedError, TimeoutError
from ..models.shared import ResponseMeta
from .closing import ClosesResponse
from .sse import Frame, SSEDecoder, aiter_sse, iter_sse

T = TypeVar("T")


def _weak(stream: Any) -> Any:
    """The stream as its iterator sees it: a weak proxy.

    A generator that held the stream strongly would make a reference cycle (stream -> generator -> stream),
    so a stream abandoned mid-way (`for e in stream: break`, no `with`) would keep its pooled connection
    until the cyclic garbage collector happened to run - a pool of N connections is exhausted by N abandoned
    streams. With the proxy, dropping the last reference frees the stream at once and `__del__` closes it.
    """
    return weakref.proxy(stream)


class StreamBase(Generic[T]):
    # `_frame` takes raw frames (`SSEDecoder.frames()`): a protocol that reads its common frame from bytes.
    _raw_frames = False

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
        # The cap of one event for this stream; None: the call's `max_response_bytes` (the request path's
        # `StreamLimits`). Set it before iterating.
        self.max_event_bytes: int | None = None

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

    def _frame(self, frame: Frame) -> T | None:
        """One decoded frame -> an event (None: nothing to yield)."""
        return self._handle(frame)  # type: ignore[arg-type]

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

    def _guard(self) -> tuple[StreamGuard, SSEDecoder]:
        """The current response's guard (size and idle limits) and a decoder capping events at the same size."""
        guard = StreamGuard(self.response)
        if self.max_event_bytes is not None:
            guard.max_event_bytes = self.max_event_bytes
        return guard, SSEDecoder(guard.max_event_bytes)

    def _sse(self) -> Iterator[ServerSentEvent]:
        """The current response's events, each under the call's size and idle limits (`StreamGuard`)."""
        guard, decoder = self._guard()
        return guard.events(iter_sse(guard.chunks(), decoder.max_event_bytes))

    def _asse(self) -> AsyncIterator[ServerSentEvent]:
        guard, decoder = self._guard()
        return guard.aevents(aiter_sse(guard.achunks(), decoder.max_event_bytes))

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


class EventStream(StreamBase[T], ClosesResponse):
    """A sync stream of typed events. Use it as `with ... as events: for event in events: ...`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._iterator = type(self)._events(_weak(self))

    def _events(self) -> Generator[T, None, None]:
        try:
            self._check_content_type()
            # One flat loop: chunks -> frames -> events, with no layer per event. `self` is a weak proxy here, so
            # no bound method of it may be kept in a local (a strong reference); the decoder's and guard's are fine.
            # The guard watches the bytes (size, idle limit); an event is activity, marked per chunk that had
            # events - and again once the reader handled them, so a slow reader is no silent server.
            guard, decoder = self._guard()
            feed = decoder.frames if self._raw_frames else decoder.feed
            for chunk in guard.chunks():
                frames = feed(chunk)
                if frames:
                    guard.activity()
                    for frame in frames:
                        event = self._frame(frame)
                        if event is not None:
                            yield event
                    guard.activity()
            for frame in decoder.close():
                event = self._frame(frame)
                if event is not None:
                    yield event
        except httpx.TransportError as exc:
            raise self._interrupted(exc) from exc
        finally:
            with contextlib.suppress(ReferenceError):  # the stream was collected; its __del__ closed it
                self.close()

    def __iter__(self) -> Iterator[T]:
        return self  # not the generator: whoever iterates must keep the stream (and its connection) alive

    def __next__(self) -> T:
        return next(self._iterator)



class EventStreamAsync(StreamBase[T]):
    """An async stream of typed events. Use it as `async with ... as events: async for event in events: ...`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._iterator = type(self)._events(_weak(self))

    async def _events(self) -> AsyncIterator[T]:
        try:
            self._check_content_type()
            guard, decoder = self._guard()  # the loop of EventStream._events
            feed = decoder.frames if self._raw_frames else decoder.feed
            async for chunk in guard.achunks():
                frames = feed(chunk)
                if frames:
                    guard.activity()
                    for frame in frames:
                        event = self._frame(frame)
                        if event is not None:
                            yield event
                    guard.activity()
            for frame in decoder.close():
                event = self._frame(frame)
                if event is not None:
                    yield event
        except httpx.TransportError as exc:
            raise self._interrupted(exc) from exc
        finally:
            with contextlib.suppress(ReferenceError):  # the stream was collected; its __del__ closed it
                await self.aclose()

    def __aiter__(self) -> AsyncIterator[T]:
        return self

    def __anext__(self) -> Awaitable[T]:
        return self._iterator.__anext__()  # the generator's own awaitable: no coroutine of ours per event

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


class AsyncClosable(Protocol):
    """What an async stream context closes on exit: an event stream, a download."""

    async def aclose(self) -> None: ...


S = TypeVar("S", bound=AsyncClosable)


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
