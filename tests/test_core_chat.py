"""Chat through the core: JSON replies, uploads (base64 inside the JSON body), audio, and background submit."""

from __future__ import annotations

import base64
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from _helpers import FAST
from muxi_sdk.errors import InvalidInputError, ServerError, UnsupportedError
from muxi_sdk.models.chat import AsyncChatAccepted, ChatResponse
from muxi_sdk.testing import FakeMuxi

pytestmark = pytest.mark.usefixtures("clean_env")


def body_of(fake: FakeMuxi, index: int = -1) -> dict[str, Any]:
    req = fake.state.requests[index]
    if "content-length" in req.headers:
        assert int(req.headers["content-length"]) == len(req.body)
    return json.loads(req.body)  # type: ignore[no-any-return]


def decoded(file: dict[str, Any]) -> bytes:
    return base64.b64decode(file["content"], validate=True)


class NonSeekable(io.RawIOBase):
    """A pipe-like binary stream: readable once, not seekable."""

    def __init__(self, data: bytes, name: str) -> None:
        self._buf = io.BytesIO(data)
        self.name = name

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, b: Any) -> int:
        chunk = self._buf.read(len(b))
        b[: len(chunk)] = chunk
        return len(chunk)


# ------------------------------------------------------------------------------------ send


def test_send_asks_for_json_and_returns_the_reply(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="Alice@Example.com") as m:
        reply = m.chat.send(message="hi", session_id="sess_given", request_id="my-req", agent_id="helper")
    assert isinstance(reply, ChatResponse)
    assert reply.text == "Echo: hi" and not reply.in_background
    assert reply.session_id == "sess_given" and reply.request_id == "my-req"
    assert reply.user_id == "alice@example.com"
    body = body_of(muxi_fake)
    assert body == {"message": "hi", "session_id": "sess_given", "request_id": "my-req", "agent_id": "helper",
                    "stream": False}  # fmt: skip
    meta = reply.response_meta
    assert meta is not None and meta.status_code == 200 and meta.object == "message" and meta.type == "chat.completed"


async def test_send_asks_for_json_and_returns_the_reply_async(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client(user_id="u1") as m:
        reply = await m.chat.send_async(message="hi", ui_response={"id": "w1", "value": "red"})
    assert reply.text == "Echo: hi"
    assert body_of(muxi_fake) == {"message": "hi", "stream": False, "ui_response": {"id": "w1", "value": "red"}}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"message": ""}, "message"),
        ({"message": "x", "threshold_seconds": -1}, "threshold_seconds"),
        ({"message": "x", "ui_response": {"value": 1}}, "ui_response"),
        ({"message": "x", "colour": "red"}, "colour"),
        ({"message": "x", "files": "notes.txt"}, "files must be a list"),
        ({"message": "x", "files": [b"no name"]}, "filename"),
        ({"message": "x", "files": ["/no/such/file.txt"]}, "file not found"),
        ({"message": "x", "files": [{"filename": "a.txt"}]}, "content"),
        ({"message": "x", "files": [12]}, "cannot upload"),
    ],
)
def test_bad_input_is_rejected_before_sending(muxi_fake: FakeMuxi, kwargs: dict[str, Any], match: str) -> None:
    with muxi_fake.client(user_id="u1") as m, pytest.raises(InvalidInputError, match=match):
        m.chat.send(**kwargs)
    assert muxi_fake.state.requests == []


async def test_bad_input_is_rejected_before_sending_async(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client(user_id="u1") as m:
        with pytest.raises(InvalidInputError):
            await m.chat.send_async(message="")
        with pytest.raises(InvalidInputError):
            m.chat.stream_async(message="x", nope=1)  # type: ignore[call-arg]  # checked before awaiting
    assert muxi_fake.state.requests == []


def test_text_mode_file_is_rejected(muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("hello")
    with muxi_fake.client(user_id="u1") as m, path.open() as fh, pytest.raises(InvalidInputError, match="binary"):
        m.chat.send(message="x", files=[fh])
    assert muxi_fake.state.requests == []


# ------------------------------------------------------------------------------------ uploads


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Any]:
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"line one\nline two\n")
    big = tmp_path / "big.bin"
    big_data = bytes(range(256)) * 390 + b"xy"  # 99 842 bytes: several 48 KiB chunks, not a multiple of 3
    big.write_bytes(big_data)
    return {"notes": notes, "big": big, "big_data": big_data}


def check_uploads(fake: FakeMuxi, files: dict[str, Any], *, index: int = -1) -> None:
    body = body_of(fake, index)
    assert body["message"] == "see attached" and body["stream"] is False
    got = {f["filename"]: f for f in body["files"]}
    assert list(got) == ["notes.txt", "big.bin", "data.bin", "photo.png", "empty.txt", "mid.txt"]
    expected = {
        "notes.txt": (b"line one\nline two\n", "text/plain"),
        "big.bin": (files["big_data"], "application/octet-stream"),
        "data.bin": (b"\x00\x01\x02binary", "application/octet-stream"),
        "photo.png": (b"\x89PNG fake", "image/png"),
        "empty.txt": (b"", "text/plain"),
        "mid.txt": (b"second half", "text/plain"),
    }
    for name, (data, ctype) in expected.items():
        f = got[name]
        assert decoded(f) == data, name
        assert f["size"] == len(data), name
        assert f["content_type"] == ctype, name


def upload_args(files: dict[str, Any], stack: list[Any]) -> list[Any]:
    fh = open(files["big"], "rb")  # noqa: SIM115 - closed by the test
    stack.append(fh)
    mid = io.BytesIO(b"first half|second half")
    mid.seek(len(b"first half|"))
    return [
        str(files["notes"]),  # a path as str
        fh,  # a binary file object
        {"filename": "data.bin", "content": b"\x00\x01\x02binary"},  # bytes in a dict
        ("photo.png", b"\x89PNG fake"),  # (filename, bytes)
        {"filename": "empty.txt", "content": b""},
        {"filename": "mid.txt", "content": mid},  # sent from its current position
    ]


def test_files_arrive_base64_with_their_size(muxi_fake: FakeMuxi, files: dict[str, Any]) -> None:
    stack: list[Any] = []
    with muxi_fake.client(user_id="u1") as m:
        reply = m.chat.send(message="see attached", files=upload_args(files, stack))
    for fh in stack:
        fh.close()
    assert reply.text == "Echo: see attached"
    check_uploads(muxi_fake, files)
    assert "content-length" in muxi_fake.state.requests[-1].headers  # sizes known: no chunked upload


async def test_files_arrive_base64_with_their_size_async(muxi_fake: FakeMuxi, files: dict[str, Any]) -> None:
    stack: list[Any] = []
    async with muxi_fake.client(user_id="u1") as m:
        await m.chat.send_async(message="see attached", files=upload_args(files, stack))
    for fh in stack:
        fh.close()
    check_uploads(muxi_fake, files)


def test_files_on_a_stream(muxi_fake: FakeMuxi, files: dict[str, Any]) -> None:
    with muxi_fake.client(user_id="u1") as m, m.chat.stream(message="x", files=[files["notes"]]) as events:
        assert events.text() == "Echo: x"
    body = body_of(muxi_fake)
    assert body["stream"] is True
    assert decoded(body["files"][0]) == b"line one\nline two\n"


def test_a_retry_resends_the_same_files(muxi_fake: FakeMuxi, files: dict[str, Any]) -> None:
    muxi_fake.faults.fail_next(2, 503)
    stack: list[Any] = []
    with muxi_fake.client(user_id="u1") as m:
        m.chat.send(message="see attached", files=upload_args(files, stack), retries=FAST)
    for fh in stack:
        fh.close()
    assert len(muxi_fake.state.requests) == 3
    check_uploads(muxi_fake, files, index=-1)
    # The faults answered before reading the body; the body the server finally read is complete and correct.


def test_a_non_seekable_file_is_streamed_once_and_not_retried(muxi_fake: FakeMuxi) -> None:
    data = os.urandom(70_001)
    with muxi_fake.client(user_id="u1") as m:
        m.chat.send(message="pipe", files=[NonSeekable(data, "pipe.bin")])
        body = body_of(muxi_fake)
        assert decoded(body["files"][0]) == data
        assert body["files"][0]["size"] is None  # unknown up front
        assert "content-length" not in muxi_fake.state.requests[-1].headers
        muxi_fake.faults.fail_next(1, 503)
        with pytest.raises(ServerError):
            m.chat.send(message="pipe", files=[NonSeekable(data, "pipe.bin")], retries=FAST)
    assert len(muxi_fake.state.requests) == 2  # the failed one was not retried: its bytes are gone


# ------------------------------------------------------------------------------------ audio


def test_audio_sends_the_voice_note(muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    wav = tmp_path / "note.wav"
    wav.write_bytes(b"RIFF....WAVEfmt fake audio")
    with muxi_fake.client(user_id="u1") as m:
        reply = m.chat.audio(file=wav, session_id="sess_a")
    assert reply.text.startswith("Echo: ") and "note.wav" in reply.text  # the fake echoes a note about the file
    assert reply.session_id == "sess_a"
    req = muxi_fake.state.requests[-1]
    assert req.path == "/v1/audiochat"
    body = body_of(muxi_fake)
    assert body["stream"] is False and body["session_id"] == "sess_a"
    [f] = body["files"]
    assert f["content_type"].startswith("audio/") and decoded(f) == wav.read_bytes() and f["size"] == 26


async def test_audio_sends_the_voice_note_async(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client(user_id="u1") as m:
        reply = await m.chat.audio_async(file={"filename": "v.ogg", "content": b"OggS", "content_type": "audio/ogg"})
        async with m.chat.stream_audio_async(file=("v.mp3", b"ID3")) as events:
            text = await events.text()
    assert reply.text.startswith("Echo: ") and "v.ogg" in reply.text
    assert text.startswith("Echo: ") and "v.mp3" in text
    assert body_of(muxi_fake)["files"][0]["content_type"] == "audio/mpeg"


def test_audio_stream(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="u1") as m, m.chat.stream_audio(file=("v.wav", b"RIFF")) as events:
        text = events.text()
    assert text.startswith("Echo: ") and "v.wav" in text
    assert body_of(muxi_fake)["stream"] is True


@pytest.mark.parametrize(
    "file",
    [
        ("notes.txt", b"not audio"),
        {"filename": "v.wav", "content": b"RIFF", "content_type": "text/plain"},
        ("clip.mp4", b"video"),
        ("unknown", b"?"),
    ],
)
def test_audio_rejects_non_audio_before_sending(muxi_fake: FakeMuxi, file: Any) -> None:
    with muxi_fake.client(user_id="u1") as m, pytest.raises(InvalidInputError, match="audio"):
        m.chat.audio(file=file)
    assert muxi_fake.state.requests == []


async def test_audio_rejects_non_audio_before_sending_async(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client(user_id="u1") as m:
        with pytest.raises(InvalidInputError, match="audio"):
            await m.chat.audio_async(file=("doc.pdf", b"%PDF"))
        with pytest.raises(InvalidInputError, match="audio"):
            m.chat.stream_audio_async(file=("doc.pdf", b"%PDF"))
    assert muxi_fake.state.requests == []


def test_audio_rejects_chat_only_options(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="u1") as m, pytest.raises(InvalidInputError, match="webhook_url"):
        m.chat.audio(file=("v.wav", b"RIFF"), webhook_url="https://example.com")
    assert muxi_fake.state.requests == []


# ------------------------------------------------------------------------------------ submit


def test_submit_is_accepted_with_202(muxi_fake: FakeMuxi) -> None:
    muxi_fake.state.async_chat = True  # opt in: the runtime's 501 is the fake's default
    with muxi_fake.client(user_id="u1") as m:
        job = m.chat.submit(message="do it later", webhook_url="https://example.com/hook", request_id="req_bg")
    accepted = job.accepted
    assert isinstance(accepted, AsyncChatAccepted) and job.id == "req_bg"
    assert accepted.request_id == "req_bg" and accepted.mode == "async" and accepted.estimated_seconds == 1
    assert accepted.webhook_url == "https://example.com/hook"
    assert accepted.response_meta is not None and accepted.response_meta.status_code == 202
    body = body_of(muxi_fake)
    assert body["mode"] == "async" and body["webhook_url"] == "https://example.com/hook"
    assert body["message"] == "do it later"


async def test_submit_is_accepted_with_202_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.state.async_chat = True
    async with muxi_fake.client(user_id="u1") as m:
        accepted = (await m.chat.submit_async(message="later", webhook_url="http://localhost:9/hook")).accepted
    assert accepted.request_id and accepted.request_id.startswith("req_")
    assert accepted.response_meta is not None and accepted.response_meta.status_code == 202


def test_submit_on_a_runtime_without_async_is_unsupported(muxi_fake: FakeMuxi) -> None:
    """The fake's default, like runtime 1.20260928."""
    with muxi_fake.client(user_id="u1") as m, pytest.raises(UnsupportedError) as info:
        m.chat.submit(message="later", webhook_url="https://example.com/hook")
    assert info.value.status_code == 501
    assert len(muxi_fake.state.requests) == 1


async def test_submit_on_a_runtime_without_async_is_unsupported_async(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client(user_id="u1") as m:
        with pytest.raises(UnsupportedError):
            await m.chat.submit_async(message="later", webhook_url="https://example.com/hook")


@pytest.mark.parametrize("webhook_url", [None, "", "ftp://example.com/x", "example.com/hook"])
def test_submit_needs_an_http_webhook_url(muxi_fake: FakeMuxi, webhook_url: str | None) -> None:
    with muxi_fake.client(user_id="u1") as m, pytest.raises(InvalidInputError, match="webhook_url"):
        m.chat.submit(message="later", webhook_url=webhook_url)
    assert muxi_fake.state.requests == []
