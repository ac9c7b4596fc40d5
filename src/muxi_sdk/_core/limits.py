"""Budgets of what a server sends back: bytes per body or stream event, time per attempt, silence per stream.

- `BodyBudget` reads one response body under `max_response_bytes` (measured after Content-Encoding
  decoding, which is done here in 64 KiB pieces so a small gzip bomb never inflates in one go) and under the
  attempt's deadline (checked after every chunk). Past the size: `ResponseValidationError`; past the
  deadline: a timeout, retried or raised as `TimeoutError` like any other.
- `StreamGuard` watches an event stream: no event may grow past `max_response_bytes`, and the server may
  not go without sending an event for longer than the stream idle limit. Keep-alive comments are bytes,
  not events: they do not reset the idle clock (they still reset httpx's read timeout, which keeps its
  meaning: the longest wait for any byte).
"""

from __future__ import annotations

import time
import zlib
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from .. import errors
from .deadline import past_deadline

DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024
"""Largest response body (and stream event) the SDK reads, after decompression."""
DEFAULT_STREAM_IDLE_TIMEOUT_MS = 600_000
"""Longest time a stream may go without an event. Ten minutes: what the runtime itself allows a request that
shows no progress (its stale-request reaper and its subscribe ceiling) - an agent thinking through tool calls
sends keep-alive comments for minutes, which must not end the stream."""

_PIECE = 64 * 1024
_BLOCK_ENDS = (b"\n\n", b"\r\r", b"\r\n\r\n")
_NATIVE = frozenset({"", "identity", "gzip", "x-gzip", "deflate"})


@dataclass(frozen=True)
class StreamLimits:
    """What a stream of one call may not exceed (None: no limit)."""

    max_event_bytes: int | None
    idle_s: float | None


STREAM_LIMITS_KEY = "muxi_sdk.stream_limits"
"""Where the request path leaves a stream's `StreamLimits`: in its response's `extensions`."""


class _Decoder:
    """Content-Encoding decoding in bounded pieces (gzip and deflate; anything else is left to httpx)."""

    __slots__ = ("_raw_fallback", "_z", "native")

    def __init__(self, response: httpx.Response) -> None:
        encoding = response.headers.get("content-encoding", "").strip().lower()
        # A response built in memory (a mock transport) holds its decoded content already: httpx hands it out.
        self.native = encoding in _NATIVE and not hasattr(response, "_content")
        self._z: Any = None
        self._raw_fallback = False
        if encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif encoding == "deflate":  # zlib-wrapped as the RFC says, or raw deflate as some servers send
            self._z = zlib.decompressobj()
            self._raw_fallback = True

    def source(self, response: httpx.Response) -> Iterator[bytes]:
        return response.iter_raw() if self.native else response.iter_bytes()

    def asource(self, response: httpx.Response) -> AsyncIterator[bytes]:
        return response.aiter_raw() if self.native else response.aiter_bytes()

    def pieces(self, data: bytes) -> Iterator[bytes]:
        z = self._z
        if z is None or not self.native:
            if data:
                yield data
            return
        try:
            while data:
                out = z.decompress(data, _PIECE)
                data = z.unconsumed_tail
                self._raw_fallback = False
                if out:
                    yield out
        except zlib.error as exc:
            if not self._raw_fallback:
                raise errors.ResponseValidationError(f"the response body could not be decompressed: {exc}") from exc
            self._raw_fallback = False
            self._z = zlib.decompressobj(-zlib.MAX_WBITS)
            yield from self.pieces(data)

    def flush(self) -> bytes:
        return self._z.flush() if self._z is not None and self.native else b""


def _too_big(response: httpx.Response, what: str, limit: int) -> errors.ResponseValidationError:
    return errors.ResponseValidationError(
        f"{what} is larger than max_response_bytes ({limit:,} bytes, after decompression); the rest was not "
        "read (raise max_response_bytes, per call or per client, if it is expected)",
        status_code=response.status_code,
        request_id=response.headers.get("x-request-id"),
        headers=response.headers,
        raw_response=response,
    )


class BodyBudget:
    """Reads one body: feed it the chunks of `source()`, then `finish()` stores the content on the response."""

    __slots__ = ("_decoder", "_parts", "deadline", "limit", "response", "size")

    def __init__(self, response: httpx.Response, limit: int | None, deadline: float | None) -> None:
        self.response = response
        self.limit = limit
        self.deadline = deadline
        self.size = 0
        self._parts: list[bytes] = []
        self._decoder = _Decoder(response)
        length = response.headers.get("content-length", "")
        if limit is not None and length.isdigit() and int(length) > limit and self._decoder._z is None:
            raise _too_big(response, "the response body", limit)

    def source(self) -> Iterator[bytes]:
        return self._decoder.source(self.response)

    def asource(self) -> AsyncIterator[bytes]:
        return self._decoder.asource(self.response)

    def feed(self, chunk: bytes) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise past_deadline(self.response.request)
        for piece in self._decoder.pieces(chunk):
            self._add(piece)

    def _add(self, piece: bytes) -> None:
        self.size += len(piece)
        if self.limit is not None and self.size > self.limit:
            raise _too_big(self.response, "the response body", self.limit)
        self._parts.append(piece)

    def finish(self) -> None:
        tail = self._decoder.flush()
        if tail:
            self._add(tail)
        self.response._content = b"".join(self._parts)


# Errors a body read ends with, handed back to the request flow as the attempt's outcome.
_READ_ERRORS = (httpx.TransportError, errors.MuxiError)


def _already_read(response: httpx.Response, limit: int | None) -> Exception | None:
    """A response built in memory (a mock transport, a hook) has its content already: only its size counts."""
    if limit is not None and len(response.content) > limit:
        return _too_big(response, "the response body", limit)
    return None


def read_body(response: httpx.Response, limit: int | None, deadline: float | None) -> Exception | None:
    """Read a body under its budget; the error (response closed) or None (content stored on the response)."""
    if hasattr(response, "_content"):
        return _already_read(response, limit)
    try:
        budget = BodyBudget(response, limit, deadline)
        for chunk in budget.source():
            budget.feed(chunk)
        budget.finish()
    except _READ_ERRORS as exc:
        response.close()
        return exc
    return None


async def aread_body(response: httpx.Response, limit: int | None, deadline: float | None) -> Exception | None:
    """The async twin of `read_body`."""
    if hasattr(response, "_content"):
        return _already_read(response, limit)
    try:
        budget = BodyBudget(response, limit, deadline)
        async for chunk in budget.asource():
            budget.feed(chunk)
        budget.finish()
    except _READ_ERRORS as exc:
        await response.aclose()
        return exc
    return None


class StreamGuard:
    """The byte budget of each event and the idle limit between events, for one connection of a stream.

    `chunks()` wraps the response's bytes on their way to the SSE decoder; `events()` wraps the decoded
    events on their way to the reader. Every event (any SSE frame with data: progress, thinking, content,
    named frames) is activity; comments and empty blocks are not. The idle clock stops while the reader
    handles an event, so a slow consumer is never taken for a silent server.
    """

    __slots__ = ("_decoder", "_last", "_pending", "idle_s", "max_event_bytes", "response")

    def __init__(self, response: httpx.Response) -> None:
        limits = response.extensions.get(STREAM_LIMITS_KEY)
        self.response = response
        self.max_event_bytes = limits.max_event_bytes if isinstance(limits, StreamLimits) else None
        self.idle_s = limits.idle_s if isinstance(limits, StreamLimits) else None
        self._decoder = _Decoder(response)
        self._pending = 0  # bytes since the last event
        self._last = time.monotonic()

    def _pieces(self, raw: bytes) -> Iterator[bytes]:
        for piece in self._decoder.pieces(raw):
            self._pending += len(piece)
            limit = self.max_event_bytes
            if limit is not None and self._pending > limit:
                raise _too_big(self.response, "a stream event", limit)
            yield piece

    def _check_idle(self) -> None:
        if self.idle_s is not None and time.monotonic() - self._last > self.idle_s:
            raise errors.TimeoutError(
                f"no stream event for {self.idle_s:g} s (stream_idle_timeout_ms); keep-alive comments do not "
                "count as events"
            )

    def activity(self) -> None:
        """An event arrived (or the reader is done with one): the idle clock and the event's bytes restart."""
        self._pending = 0
        self._last = time.monotonic()

    _activity = activity

    def _decoded(self, piece: bytes) -> None:
        """After the SSE decoder took `piece`: did it end the stream's silence in time?"""
        if piece.endswith(_BLOCK_ENDS):  # nothing half-read is pending: comments never add up to an "event"
            self._pending = 0
        self._check_idle()

    def chunks(self) -> Iterator[bytes]:
        for chunk in self._decoder.source(self.response):
            for piece in self._pieces(chunk):
                yield piece
                self._decoded(piece)

    async def achunks(self) -> AsyncIterator[bytes]:
        async for chunk in self._decoder.asource(self.response):
            for piece in self._pieces(chunk):
                yield piece
                self._decoded(piece)

    def events(self, events: Iterable[Any]) -> Iterator[Any]:
        for event in events:
            self._activity()
            yield event
            self._activity()

    async def aevents(self, events: AsyncIterable[Any]) -> AsyncIterator[Any]:
        async for event in events:
            self._activity()
            yield event
            self._activity()
