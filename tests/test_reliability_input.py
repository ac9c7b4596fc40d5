"""Bad input is refused before anything is sent, as `InvalidInputError`; ids are path-escaped, never injected;
oversized uploads are refused with a clear message (`Muxi(max_upload_bytes=...)`)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from muxi_sdk import Muxi
from muxi_sdk.errors import ConfigurationError, InvalidInputError, NotFoundError
from muxi_sdk.sdkconfiguration import DEFAULT_MAX_UPLOAD_BYTES
from muxi_sdk.testing import FakeMuxi

pytestmark = pytest.mark.usefixtures("clean_env")


class WirePaths:
    """An injected client that records the raw request target each request puts on the wire."""

    def __init__(self) -> None:
        self.paths: list[bytes] = []
        self.client = httpx.Client(event_hooks={"request": [lambda r: self.paths.append(r.url.raw_path)]})


@pytest.fixture
def wire() -> Iterator[WirePaths]:
    w = WirePaths()
    yield w
    w.client.close()


Call = Callable[[Muxi], Any]

REFUSED: list[tuple[str, Call]] = [
    ("message not a string", lambda m: m.chat.send(message=123)),
    ("message missing", lambda m: m.chat.send(message=None)),
    ("session id not a string", lambda m: m.sessions.get(session_id=5)),
    ("session id empty", lambda m: m.sessions.get(session_id="")),
    ("session id blank", lambda m: m.sessions.get(session_id="   ")),
    ("session id dot", lambda m: m.sessions.get(session_id=".")),
    ("session id dot-dot", lambda m: m.sessions.get(session_id="..")),
    ("request id dot-dot", lambda m: m.requests.get(request_id="..")),
    ("user id not a string", lambda m: m.chat.send(message="x", user_id=5)),
    ("user id with CRLF", lambda m: m.chat.send(message="x", user_id="u1\r\nX-Muxi-Admin-Key: stolen")),
    ("user id not ASCII", lambda m: m.chat.send(message="x", user_id="jos\u00e9")),
    ("idempotency key with LF", lambda m: m.chat.send(message="x", idempotency_key="k\nX: y")),
    ("header value with CRLF", lambda m: m.sessions.list(http_headers={"X-Trace": "a\r\nB: c"})),
    ("limit not a number", lambda m: m.sessions.list(limit="ten")),
    ("files as a string", lambda m: m.chat.send(message="x", files="a.txt")),
    ("file of a wrong type", lambda m: m.chat.send(message="x", files=[5])),
    ("file that does not exist", lambda m: m.chat.send(message="x", files=["/nonexistent/file.pdf"])),
    ("text-mode file", lambda m: m.chat.send(message="x", files=[io.StringIO("text")])),
    ("timeout as a string", lambda m: m.sessions.list(timeout_ms="5")),
    ("negative timeout", lambda m: m.sessions.list(timeout_ms=-1)),
    ("retries of a wrong type", lambda m: m.sessions.list(retries=3)),
    ("unknown argument", lambda m: m.sessions.list(bogus=1)),
]


@pytest.mark.parametrize("call", [c for _, c in REFUSED], ids=[n for n, _ in REFUSED])
def test_bad_input_is_refused_before_sending(muxi_fake: FakeMuxi, call: Call) -> None:
    with muxi_fake.client(user_id="u1") as m, pytest.raises(InvalidInputError) as info:
        call(m)
    assert muxi_fake.state.requests == []  # nothing reached the server
    assert "stolen" not in str(info.value)  # refused values are not echoed back


async def test_bad_input_is_refused_before_sending_async(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client(user_id="u1") as m:
        for call in (
            lambda: m.sessions.get_async(session_id=""),
            lambda: m.chat.send_async(message="x", user_id="a\r\nb"),
            lambda: m.chat.send_async(message=["not", "a", "string"]),
        ):
            with pytest.raises(InvalidInputError):
                await call()
        with pytest.raises(InvalidInputError):
            m.chat.stream_async(message="x", files="a.txt")  # checked when called, before anything is awaited
    assert muxi_fake.state.requests == []


ESCAPED_IDS = ["a/b", "../admin", "a/../../v1/agents", "..%2Fadmin", "x?admin=1", "x#frag", "sp ace", "%00", "..."]


@pytest.mark.parametrize("session_id", ESCAPED_IDS)
def test_ids_are_path_escaped_not_injected(muxi_fake: FakeMuxi, wire: WirePaths, session_id: str) -> None:
    with muxi_fake.client(user_id="u1", client=wire.client) as m, pytest.raises(NotFoundError):
        m.sessions.get(session_id=session_id)
    escaped = quote(session_id, safe="")
    assert wire.paths == [f"/v1/sessions/{escaped}".encode()]  # one segment, every '/', '?', '#', '%' escaped
    (recorded,) = muxi_fake.state.requests
    assert recorded.path == f"/v1/sessions/{session_id}"  # the server decoded it back to the id, unchanged


def test_ids_are_escaped_in_every_segment(muxi_fake: FakeMuxi, wire: WirePaths) -> None:
    with muxi_fake.client(user_id="u1", client=wire.client) as m:
        with pytest.raises(NotFoundError):
            m.requests.get(request_id="../sessions")
        with pytest.raises(NotFoundError):
            m.events.request(session_id="s/1", request_id="r?1", retries=None)
    assert wire.paths[0] == b"/v1/requests/..%2Fsessions"
    assert wire.paths[1] == b"/v1/events/s%2F1/r%3F1"


# ------------------------------------------------------------------------------------ upload size


def test_default_upload_limit_is_25_mib() -> None:
    assert DEFAULT_MAX_UPLOAD_BYTES == 25 * 1024 * 1024
    with Muxi(url="http://localhost:1") as m:
        assert m.sdk_configuration.max_upload_bytes == DEFAULT_MAX_UPLOAD_BYTES


@pytest.mark.parametrize("bad", [0, -1, "10", 1.5, True])
def test_invalid_upload_limit_is_a_configuration_error(bad: Any) -> None:
    with pytest.raises(ConfigurationError, match="max_upload_bytes"):
        Muxi(url="http://localhost:1", max_upload_bytes=bad)


def _source(tmp_path: Path, size: int, kind: str) -> Any:
    path = tmp_path / "big.pdf"
    path.write_bytes(b"x" * size)
    if kind == "bytes":
        return ("big.pdf", b"x" * size)
    if kind == "path":
        return path
    if kind == "seekable file":
        return open(path, "rb")  # closed by the test
    return {"filename": "big.pdf", "content": b"x" * size, "content_type": "application/pdf"}


@pytest.mark.parametrize("kind", ["bytes", "path", "seekable file", "dict"])
def test_oversized_upload_is_refused_before_sending(muxi_fake: FakeMuxi, tmp_path: Path, kind: str) -> None:
    source = _source(tmp_path, 1_025, kind)
    try:
        with muxi_fake.client(user_id="u1", max_upload_bytes=1_024) as m, pytest.raises(InvalidInputError) as info:
            m.chat.send(message="x", files=[source])
    finally:
        if hasattr(source, "close"):
            source.close()
    assert "big.pdf" in str(info.value) and "1025 bytes" in str(info.value) and "max_upload_bytes" in str(info.value)
    assert muxi_fake.state.requests == []


async def test_oversized_upload_is_refused_before_sending_async(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client(user_id="u1", max_upload_bytes=100) as m:
        with pytest.raises(InvalidInputError):
            await m.chat.send_async(message="x", files=[("a.bin", b"\0" * 101)])
        with pytest.raises(InvalidInputError):
            await m.chat.audio_async(file=("a.mp3", b"\0" * 101, "audio/mpeg"))
    assert muxi_fake.state.requests == []


def test_upload_at_the_limit_is_sent(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="u1", max_upload_bytes=1_024) as m:
        assert m.chat.send(message="x", files=[("ok.bin", b"x" * 1_024)]).text == "Echo: x"
    with muxi_fake.client(user_id="u1", max_upload_bytes=None) as m:  # None: no limit
        assert m.chat.send(message="y", files=[("ok.bin", b"x" * 5_000)]).text == "Echo: y"


class _Pipe(io.RawIOBase):
    """A non-seekable binary stream (a pipe or socket): its size is unknown until it has been read."""

    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), self.left)
        buffer[:n] = b"z" * n
        self.left -= n
        return n


def test_oversized_upload_of_unknown_size_stops_as_soon_as_the_limit_is_passed(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="u1", max_upload_bytes=64 * 1024) as m, pytest.raises(InvalidInputError) as info:
        m.chat.send(message="x", files=[("pipe.bin", io.BufferedReader(_Pipe(1_000_000)))])
    assert "pipe.bin" in str(info.value) and "larger than" in str(info.value)
    assert muxi_fake.state.table("sessions") == {}  # the cut-off request never ran
    with muxi_fake.client(user_id="u1") as m:
        assert m.chat.send(message="after").text == "Echo: after"
