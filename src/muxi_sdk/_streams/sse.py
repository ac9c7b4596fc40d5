"""A byte-level, incremental server-sent events decoder (WHATWG "event stream interpretation").

Why not httpx-sse's own `iter_sse()`: it decodes text line by line through two decoder layers, drops the
first event after a UTF-8 BOM and dispatches `event:`-only blocks as empty events. This decoder splits
whole chunks at once, strips one leading BOM, treats CR, LF and CRLF alike (a CR at a chunk's end waits
for a possible LF), ignores comments, keeps `id` sticky and ignores ids containing NUL, accepts `retry`
only as ASCII digits, decodes UTF-8 with replacement, and dispatches only when the data buffer is
non-empty. It yields httpx-sse's `ServerSentEvent`, so decoders written for httpx-sse work unchanged.

It is linear in its input: an unfinished line is kept as the chunks it arrived in and joined once, when
its line ends (re-joining and rescanning it per chunk made one 16 MiB `data:` line take ~10 s). One event
- its data lines plus the line being read - is capped at `max_event_bytes`; past it the decoder raises
`ResponseValidationError` instead of growing without bound.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import Union

from httpx_sse import ServerSentEvent

from .._core.limits import DEFAULT_MAX_RESPONSE_BYTES
from ..errors import ResponseValidationError

_BOM = b"\xef\xbb\xbf"

# The default cap of one event, when the caller names none: the SDK's default `max_response_bytes`, far above
# any MUXI frame (a chat frame is under 1 KiB, a `completed` frame carries the whole reply).
DEFAULT_MAX_EVENT_BYTES = DEFAULT_MAX_RESPONSE_BYTES

Frame = Union[bytes, ServerSentEvent]


class SSEDecoder:
    """Feed bytes with `feed()`, get complete events back; `close()` at the end of the stream.

    `max_event_bytes` caps one event (None: no cap). `frames()` is `feed()` for decoders that read the
    common frame - one `data:` line of a plain message while no id was ever set - as raw bytes.
    """

    __slots__ = (
        "_cr",
        "_data",
        "_data_size",
        "_event",
        "_first",
        "_has_data",
        "_parts",
        "_size",
        "last_event_id",
        "max_event_bytes",
        "retry",
    )

    def __init__(self, max_event_bytes: int | None = DEFAULT_MAX_EVENT_BYTES) -> None:
        self._parts: list[bytes] = []  # the unfinished line, as the chunks it arrived in
        self._size = 0  # its length
        self._cr = False  # it ends with a CR held back: the next chunk may start with its LF
        self._first = True
        self._data: list[bytes] = []
        self._data_size = 0
        self._has_data = False
        self._event = b""
        self.last_event_id = ""
        self.retry: int | None = None
        self.max_event_bytes = max_event_bytes

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        return self._feed(chunk, False)  # type: ignore[return-value]

    def frames(self, chunk: bytes) -> list[Frame]:
        """Like `feed()`, but a plain one-line `data:` message comes as its raw (undecoded) data bytes.

        Only while no event id was ever set, so such a frame's `ServerSentEvent` would be exactly
        `ServerSentEvent("message", data.decode("utf-8", "replace"), "", retry)`.
        """
        return self._feed(chunk, True)

    def _feed(self, chunk: bytes, raw: bool) -> list[Frame]:
        if self._first:
            head = b"".join((*self._parts, chunk))
            if len(head) < 3 and _BOM.startswith(head):
                self._parts, self._size = [head], len(head)
                return []
            self._first = False
            self._parts, self._size = [], 0
            chunk = head[3:] if head.startswith(_BOM) else head
        if not self._cr and b"\n" not in chunk and b"\r" not in chunk:
            # No line ends here: the line goes on. Keep the chunk as it is (no copy, no rescan).
            if chunk:
                self._parts.append(chunk)
                self._size += len(chunk)
                self._check_size()
            return []
        buf = b"".join((*self._parts, chunk)) if self._parts else chunk
        # A CR at the very end may be the first half of a CRLF: hold it back with the unfinished line.
        hold = buf.endswith(b"\r")
        if hold:
            buf = buf[:-1]
        if b"\r" in buf:
            buf = buf.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        out: list[Frame] = []
        if b"\n\n" in buf:
            # Whole blocks (lines + the blank line ending them). The usual frame, one `data:` line, is
            # dispatched without going line by line; every other block takes the general path.
            blocks = buf.split(b"\n\n")
            buf = blocks.pop()
            plain = raw and not self.last_event_id
            cap = self.max_event_bytes
            for block in blocks:
                if block[:5] == b"data:" and not self._has_data and not self._event and b"\n" not in block:
                    value = block[6:] if block[5:6] == b" " else block[5:]
                    if cap is not None and len(value) > cap:
                        self._check_event(len(value))
                    if plain:
                        out.append(value)
                    else:
                        out.append(
                            ServerSentEvent("message", value.decode("utf-8", "replace"), self.last_event_id, self.retry)
                        )
                else:
                    lines = block.split(b"\n")
                    lines.append(b"")
                    self._process(lines, out)
                    plain = raw and not self.last_event_id
        lines = buf.split(b"\n")
        tail = lines.pop()
        self._parts = [tail, b"\r"] if hold else [tail] if tail else []
        self._size = len(tail) + hold
        self._cr = hold
        self._process(lines, out)
        self._check_size()
        return out

    def _process(self, lines: list[bytes], out: list[Frame]) -> list[Frame]:
        for line in lines:
            if not line:
                if self._has_data:
                    out.append(self._dispatch())
                else:
                    self._event = b""
                continue
            if line[0] == 0x3A:  # ":" comment / keep-alive
                continue
            name, colon, value = line.partition(b":")
            if colon and value[:1] == b" ":
                value = value[1:]
            if name == b"data":
                self._data.append(value)
                self._data_size += len(value) + 1
                self._has_data = True
                self._check_event(self._data_size)
            elif name == b"event":
                self._event = value
            elif name == b"id":
                if b"\0" not in value:
                    self.last_event_id = value.decode("utf-8", "replace")
            elif name == b"retry" and value.isdigit():
                self.retry = int(value)
        return out

    def _dispatch(self) -> ServerSentEvent:
        data = self._data[0] if len(self._data) == 1 else b"\n".join(self._data)
        event = ServerSentEvent(
            event=self._event.decode("utf-8", "replace") if self._event else "message",
            data=data.decode("utf-8", "replace"),
            id=self.last_event_id,
            retry=self.retry,
        )
        self._data = []
        self._data_size = 0
        self._has_data = False
        self._event = b""
        return event

    def _check_size(self) -> None:
        self._check_event(self._size + self._data_size)

    def _check_event(self, size: int) -> None:
        cap = self.max_event_bytes
        if cap is not None and size > cap:
            raise ResponseValidationError(
                f"a server-sent event is larger than max_response_bytes ({cap:,} bytes): the stream is closed"
            )

    def close(self) -> list[ServerSentEvent]:
        """End of stream: a held-back final CR still ends its line; an unterminated event is discarded."""
        out: list[Frame] = []
        if self._cr:
            pending = b"".join(self._parts)[:-1]
            self._process(pending.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n"), out)
        self._parts, self._size, self._cr = [], 0, False
        self._data = []
        self._data_size = 0
        self._has_data = False
        return out  # type: ignore[return-value]


def iter_sse(
    chunks: Iterable[bytes], max_event_bytes: int | None = DEFAULT_MAX_EVENT_BYTES
) -> Iterator[ServerSentEvent]:
    decoder = SSEDecoder(max_event_bytes)
    for chunk in chunks:
        yield from decoder.feed(chunk)
    yield from decoder.close()


async def aiter_sse(
    chunks: AsyncIterable[bytes], max_event_bytes: int | None = DEFAULT_MAX_EVENT_BYTES
) -> AsyncIterator[ServerSentEvent]:
    decoder = SSEDecoder(max_event_bytes)
    async for chunk in chunks:
        for event in decoder.feed(chunk):
            yield event
    for event in decoder.close():
        yield event
