"""A byte-level, incremental server-sent events decoder (WHATWG "event stream interpretation").

Why not httpx-sse's own `iter_sse()`: it decodes text line by line through two decoder layers, drops the
first event after a UTF-8 BOM and dispatches `event:`-only blocks as empty events. This decoder splits
whole chunks at once (linear in the input, no quadratic buffer), strips one leading BOM, treats CR, LF
and CRLF alike (a CR at a chunk's end waits for a possible LF), ignores comments, keeps `id` sticky and
ignores ids containing NUL, accepts `retry` only as ASCII digits, decodes UTF-8 with replacement, and
dispatches only when the data buffer is non-empty. It yields httpx-sse's `ServerSentEvent`, so decoders
written for httpx-sse work unchanged.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator

from httpx_sse import ServerSentEvent

_BOM = b"\xef\xbb\xbf"


class SSEDecoder:
    """Feed bytes with `feed()`, get complete events back; `close()` at the end of the stream."""

    __slots__ = ("_data", "_event", "_first", "_has_data", "_pending", "last_event_id", "retry")

    def __init__(self) -> None:
        self._pending = b""
        self._first = True
        self._data: list[bytes] = []
        self._has_data = False
        self._event = b""
        self.last_event_id = ""
        self.retry: int | None = None

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        buf = self._pending + chunk if self._pending else chunk
        self._pending = b""
        if self._first:
            if len(buf) < 3 and _BOM.startswith(buf):
                self._pending = buf
                return []
            self._first = False
            if buf.startswith(_BOM):
                buf = buf[3:]
        # A CR at the very end may be the first half of a CRLF: hold it back with the unfinished line.
        hold = b""
        if buf.endswith(b"\r"):
            buf, hold = buf[:-1], b"\r"
        if b"\r" in buf:
            buf = buf.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        out: list[ServerSentEvent] = []
        if b"\n\n" in buf:
            # Whole blocks (lines + the blank line ending them). The usual frame, one `data:` line, is
            # dispatched without going line by line; every other block takes the general path.
            blocks = buf.split(b"\n\n")
            buf = blocks.pop()
            for block in blocks:
                if block[:5] == b"data:" and not self._has_data and not self._event and b"\n" not in block:
                    value = block[6:] if block[5:6] == b" " else block[5:]
                    out.append(
                        ServerSentEvent("message", value.decode("utf-8", "replace"), self.last_event_id, self.retry)
                    )
                else:
                    lines = block.split(b"\n")
                    lines.append(b"")
                    self._process(lines, out)
        lines = buf.split(b"\n")
        self._pending = lines.pop() + hold
        return self._process(lines, out)

    def _process(self, lines: list[bytes], out: list[ServerSentEvent] | None = None) -> list[ServerSentEvent]:
        if out is None:
            out = []
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
                self._has_data = True
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
        self._has_data = False
        self._event = b""
        return event

    def close(self) -> list[ServerSentEvent]:
        """End of stream: a held-back final CR still ends its line; an unterminated event is discarded."""
        pending, self._pending = self._pending, b""
        out = (
            self._process(pending[:-1].replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n"))
            if pending.endswith(b"\r")
            else []
        )
        self._data = []
        self._has_data = False
        return out


def iter_sse(chunks: Iterable[bytes]) -> Iterator[ServerSentEvent]:
    decoder = SSEDecoder()
    for chunk in chunks:
        if chunk:
            yield from decoder.feed(chunk)
    yield from decoder.close()


async def aiter_sse(chunks: AsyncIterable[bytes]) -> AsyncIterator[ServerSentEvent]:
    decoder = SSEDecoder()
    async for chunk in chunks:
        if chunk:
            for event in decoder.feed(chunk):
                yield event
    for event in decoder.close():
        yield event
