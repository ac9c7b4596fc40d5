"""The SSE decoder: spec cases every parser gets wrong, and chunk-split invariance (hypothesis)."""

from __future__ import annotations

import itertools

import pytest
from httpx_sse import ServerSentEvent
from hypothesis import given, settings
from hypothesis import strategies as st

# internal: the SSE byte decoder is unit-tested by itself
from muxi_sdk._streams.sse import DEFAULT_MAX_EVENT_BYTES, SSEDecoder, iter_sse
from muxi_sdk.errors import ResponseValidationError


def events(*chunks: bytes) -> list[tuple[str, str, str, int | None]]:
    return [(e.event, e.data, e.id, e.retry) for e in iter_sse(chunks)]


def test_leading_bom_does_not_lose_the_first_event() -> None:
    assert events(b"\xef\xbb\xbfdata: first\n\n") == [("message", "first", "", None)]
    assert events(b"\xef", b"\xbb", b"\xbfdata: first\n\n") == [("message", "first", "", None)]


def test_line_endings_cr_lf_crlf_and_split_crlf() -> None:
    expected = [("message", "a", "", None), ("message", "b", "", None), ("message", "c", "", None)]
    assert events(b"data: a\r\n\r\ndata: b\r\rdata: c\n\n") == expected
    assert events(b"data: a\r", b"\n\r", b"\ndata: b\r\rdata: c\n\n") == expected


def test_comments_multiline_data_and_named_events() -> None:
    frames = b": keepalive\n\nevent: ui\ndata: line1\ndata: line2\n\n"
    assert events(frames) == [("ui", "line1\nline2", "", None)]


def test_event_only_block_and_blank_lines_dispatch_nothing() -> None:
    assert events(b"event: ping\n\n\n\nid: 3\n\n\n") == []


def test_id_is_sticky_and_nul_ids_are_ignored() -> None:
    got = events(b"id: 1\ndata: a\n\ndata: b\n\nid: x\0y\ndata: c\n\n")
    assert [e[2] for e in got] == ["1", "1", "1"]


def test_retry_accepts_digits_only() -> None:
    assert events(b"retry: -1\ndata: a\n\n")[0][3] is None
    assert events(b"retry: +5\ndata: a\n\n")[0][3] is None
    assert events(b"retry: 250\ndata: a\n\n")[0][3] == 250


def test_field_without_space_and_invalid_utf8_is_replaced() -> None:
    assert events(b"data:x\n\n") == [("message", "x", "", None)]
    assert events(b": \xff comment\ndata: \xff\n\n") == [("message", "\ufffd", "", None)]


def test_unterminated_last_event_is_discarded() -> None:
    assert events(b"data: complete\n\ndata: cut off") == [("message", "complete", "", None)]


def test_final_cr_still_terminates() -> None:
    assert events(b"data: a\r\r") == [("message", "a", "", None)]


FRAMES = (
    b"\xef\xbb\xbf: keepalive\r\n\r\n"
    b'data: {"token":{"type":"content","content":"\xc3\xa9t\xc3\xa9"}}\r\n\r\n'
    b"event: ui\ndata: x\ndata: y\n\nid: 7\nretry: 100\ndata: z\r\rdata: last\n\n"
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=len(FRAMES) - 1), max_size=12, unique=True))
def test_any_chunking_gives_the_same_events(cuts: list[int]) -> None:
    bounds = [0, *sorted(cuts), len(FRAMES)]
    chunks = [FRAMES[a:b] for a, b in itertools.pairwise(bounds)]
    assert events(*chunks) == events(FRAMES)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=64), max_size=8))
def test_arbitrary_bytes_never_raise(chunks: list[bytes]) -> None:
    for event in iter_sse(chunks):
        assert isinstance(event.data, str)


# ------------------------------------------------------------------------------ linear time, bounded events
# One 16 MiB `data:` line in 64 KiB chunks took ~10 s (50 MiB: 150 s): the unfinished line was re-joined and
# rescanned for every chunk. Measured with bench-style CPU time on the 2-core machine (not asserted here):
#   line size            4 MiB    16 MiB    64 MiB
#   before (quadratic)   0.21 s    3.03 s    ~50 s (x14 per x4)
#   now (linear)         0.020 s   0.082 s   0.315 s (x4 per x4)
# What the tests pin instead is the cause: feeding one more chunk of an unfinished line costs memory (and
# so copying) proportional to the chunk, never to the line so far.

MiB = 1024 * 1024


def test_a_16_mib_data_line_decodes_in_one_event() -> None:
    chunk = b"x" * 65536
    chunks = [b"data: ", *([chunk] * 256), b"\n\n", b"data: next\n\n"]
    got = list(iter_sse(chunks, max_event_bytes=None))
    assert [len(e.data) for e in got] == [16 * MiB, 4]
    assert got[0].data == "x" * (16 * MiB)


def test_feeding_a_chunk_of_a_long_line_does_not_copy_the_line() -> None:
    import tracemalloc

    decoder = SSEDecoder(max_event_bytes=None)
    chunk = b"y" * 65536
    decoder.feed(b"data: ")
    for _ in range(128):  # 8 MiB pending
        decoder.feed(chunk)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        for _ in range(4):
            decoder.feed(chunk)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert peak < 1 * MiB  # the old decoder copied the 8 MiB line per chunk: ~16 MiB here
    assert len(decoder.feed(b"\n\n")[0].data) == 132 * 65536


def test_an_event_past_the_cap_is_a_response_validation_error() -> None:
    # A single line in many chunks, many data lines, and a whole event inside one chunk: all capped.
    cases = [
        [b"data: ", *([b"z" * 1000] * 20)],
        [b"data: 12345\n" * 2000],  # 12,000 bytes of data lines, no blank line yet
        [b"data: " + b"z" * 20_000 + b"\n\n"],
        [b": " + b"c" * 20_000],  # a comment line is capped too (it is held until it ends)
    ]
    for chunks in cases:
        with pytest.raises(ResponseValidationError, match="max_response_bytes"):
            list(iter_sse(chunks, max_event_bytes=10_000))
    # Under the cap, and with events that are each under it, nothing is raised.
    fine = [b"data: " + b"z" * 9_000 + b"\n\n"] * 5
    assert len(list(iter_sse(fine, max_event_bytes=10_000))) == 5


def test_the_default_cap_allows_large_replies() -> None:
    assert SSEDecoder().max_event_bytes == DEFAULT_MAX_EVENT_BYTES == 32 * MiB  # the default max_response_bytes


PLAIN = b'data: {"a": 1}\r\n\r\ndata:x\n\n: c\n\n' + FRAMES  # plain messages first, then every other kind


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=len(PLAIN) - 1), max_size=12, unique=True))
def test_raw_frames_are_the_plain_messages_exactly(cuts: list[int]) -> None:
    """`frames()` gives a plain one-line message as its data bytes; everything else as `feed()` would."""
    bounds = [0, *sorted(cuts), len(PLAIN)]
    chunks = [PLAIN[a:b] for a, b in itertools.pairwise(bounds)]
    decoder = SSEDecoder()
    got: list[tuple[str, str, str]] = []
    raw = 0
    for frame in [f for chunk in chunks for f in decoder.frames(chunk)] + list(decoder.close()):
        if isinstance(frame, bytes):
            raw += 1
            frame = ServerSentEvent("message", frame.decode("utf-8", "replace"), "", None)
        got.append((frame.event, frame.data, frame.id))
    assert got == [e[:3] for e in events(*chunks)]
    assert raw <= 3  # at most the three plain messages, never one after the id was set


def test_raw_frames_come_only_before_any_id() -> None:
    frames = SSEDecoder().frames(PLAIN)
    assert frames[:3] == [b'{"a": 1}', b"x", '{"token":{"type":"content","content":"été"}}'.encode()]
    assert len(frames) == 6 and all(isinstance(f, ServerSentEvent) for f in frames[3:])
