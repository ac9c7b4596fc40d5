"""The SSE decoder: spec cases every parser gets wrong, and chunk-split invariance (hypothesis)."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

# internal: the SSE byte decoder is unit-tested by itself
from muxi_sdk._streams.sse import iter_sse


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
