"""Live: health and chat (send, stream, submit, audio, audio_stream), sync and async, against the real runtime."""

from __future__ import annotations

import io
import time
import wave
from collections.abc import Callable

import pytest

from muxi_sdk import Muxi
from muxi_sdk.errors import UnsupportedError
from muxi_sdk.models.chat import CompletedEvent, ContentEvent, DoneEvent, ProgressEvent

from .helpers import unique

pytestmark = pytest.mark.live

# The runtime's fake LLM answers `Echo: <last user message>`; it cannot transcribe audio, so the runtime
# tells the LLM that the file arrived without a transcript.
AUDIO_REPLY = "Echo: Audio {name} uploaded but audio transcription is not currently available"


def wav_bytes() -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\0" * 800)
    return buf.getvalue()


# ------------------------------------------------------------------------------------------ health
def test_health(muxi: Muxi) -> None:
    health = muxi.system.health()
    assert health.status == "healthy"
    assert isinstance(health.version, str) and health.version
    assert health.uptime_seconds is not None and health.uptime_seconds >= 0


async def test_health_async(amuxi: Muxi) -> None:
    health = await amuxi.system.health_async()
    assert health.status == "healthy"


def test_health_needs_no_key(make_muxi: Callable[..., Muxi]) -> None:
    # /v1/health is public: the SDK sends no key (the official SDK insists on a client key).
    m = make_muxi(client_key=None, admin_key=None)
    assert m.system.health().status == "healthy"


# ------------------------------------------------------------------------------------------ send
def test_send(muxi: Muxi, user: str) -> None:
    reply = muxi.chat.send(message="Hello MUXI")
    assert reply.text == "Echo: Hello MUXI"
    assert not reply.in_background
    assert reply.session_id and reply.session_id.startswith("sess_")
    assert reply.user_id == user
    meta = reply.response_meta
    assert meta is not None
    assert meta.status_code == 200
    assert meta.object == "message" and meta.type == "chat.completed"
    assert meta.request_id and meta.request_id.startswith("req_")
    assert meta.idempotency_key  # the SDK sends a key on every chat and the runtime echoes it
    # A second turn in the same session.
    again = muxi.chat.send(message="Second turn", session_id=reply.session_id)
    assert again.text == "Echo: Second turn"
    assert again.session_id == reply.session_id


def test_send_with_agent_and_request_id(muxi: Muxi) -> None:
    rid = unique("req_live")
    reply = muxi.chat.send(message="Route me", agent_id="assistant", request_id=rid)
    assert reply.text == "Echo: Route me"
    assert reply.request_id == rid
    assert reply.response_meta is not None and reply.response_meta.request_id == rid


async def test_send_async(amuxi: Muxi, user: str) -> None:
    reply = await amuxi.chat.send_async(message="Hello async")
    assert reply.text == "Echo: Hello async"
    assert reply.user_id == user
    assert reply.session_id and reply.session_id.startswith("sess_")


def test_idempotency_replay(muxi: Muxi) -> None:
    key = unique("idem")
    started = time.monotonic()
    first = muxi.chat.send(message="idempotent hello", idempotency_key=key)
    first_s = time.monotonic() - started
    started = time.monotonic()
    second = muxi.chat.send(message="idempotent hello", idempotency_key=key)
    second_s = time.monotonic() - started
    assert first.response_meta is not None and second.response_meta is not None
    assert first.response_meta.idempotency_key == key == second.response_meta.idempotency_key
    # The replay is the stored answer: same request id, same session, same timestamp; nothing ran again.
    assert second.response_meta.request_id == first.response_meta.request_id
    assert second.session_id == first.session_id
    assert second.response_meta.timestamp == first.response_meta.timestamp
    assert second.text == first.text == "Echo: idempotent hello"
    assert second_s < first_s, (first_s, second_s)
    assert second_s < 0.25, second_s


async def test_idempotency_replay_async(amuxi: Muxi) -> None:
    key = unique("idem")
    first = await amuxi.chat.send_async(message="idempotent async", idempotency_key=key)
    second = await amuxi.chat.send_async(message="idempotent async", idempotency_key=key)
    assert first.response_meta is not None and second.response_meta is not None
    assert second.response_meta.request_id == first.response_meta.request_id
    assert second.session_id == first.session_id


# ------------------------------------------------------------------------------------------ stream
def test_stream(muxi: Muxi) -> None:
    with muxi.chat.stream(message="Tell me a joke about ducks") as events:
        seen = list(events)
    kinds = [e.type for e in seen]
    assert kinds[-1] == "done" and isinstance(seen[-1], DoneEvent)
    assert "progress" in kinds and "content" in kinds
    assert kinds.count("completed") == 1
    completed = next(e for e in seen if isinstance(e, CompletedEvent))
    assert completed.content == "Echo: Tell me a joke about ducks"
    assert completed.status == "success"
    deltas = "".join(e.content or "" for e in seen if isinstance(e, ContentEvent))
    assert deltas == completed.content
    progress = next(e for e in seen if isinstance(e, ProgressEvent))
    assert progress.request_id and progress.session_id
    assert events.closed


def test_stream_final_in_session(muxi: Muxi) -> None:
    first = muxi.chat.send(message="open a session")
    with muxi.chat.stream(message="Stream this please", session_id=first.session_id) as events:
        result = events.final()
    assert result.text == "Echo: Stream this please"
    assert result.session_id == first.session_id
    assert result.status == "success"
    assert result.request_id and result.request_id.startswith("req_")


async def test_stream_async(amuxi: Muxi) -> None:
    async with amuxi.chat.stream_async(message="Async stream") as events:
        kinds = [e.type async for e in events]
    assert kinds[-1] == "done" and "completed" in kinds
    stream = await amuxi.chat.stream_async(message="Async stream 2")
    async with stream:
        assert await stream.text() == "Echo: Async stream 2"


# ------------------------------------------------------------------------------------------ submit (async mode)
def test_submit_is_unsupported_by_the_runtime(muxi: Muxi) -> None:
    # runtime 1.20260928.0 answers `mode: "async"` with 501 METHOD_NOT_FOUND (the MUXI docs describe a 202).
    with pytest.raises(UnsupportedError) as info:
        muxi.chat.submit(message="async please", webhook_url="http://127.0.0.1:9/hook")
    err = info.value
    assert err.status_code == 501
    assert err.code == "METHOD_NOT_FOUND"
    assert err.message.startswith("Async mode requires webhook configuration.")
    assert err.request_id and err.request_id.startswith("req_")


async def test_submit_async_is_unsupported_by_the_runtime(amuxi: Muxi) -> None:
    with pytest.raises(UnsupportedError) as info:
        await amuxi.chat.submit_async(message="async please", webhook_url="http://127.0.0.1:9/hook")
    assert info.value.status_code == 501


# ------------------------------------------------------------------------------------------ audio
def test_audio(muxi: Muxi) -> None:
    reply = muxi.chat.audio(file={"filename": "note.wav", "content": wav_bytes(), "content_type": "audio/wav"})
    assert reply.text == AUDIO_REPLY.format(name="note.wav")
    # The runtime leaves data.session_id null on /audiochat; the session is in message.metadata.
    assert reply.message.metadata.get("session_id", "").startswith("sess_")


def test_audio_from_path(muxi: Muxi, tmp_path: object) -> None:
    import pathlib

    path = pathlib.Path(str(tmp_path)) / "voice.wav"
    path.write_bytes(wav_bytes())
    assert muxi.chat.audio(file=str(path)).text == AUDIO_REPLY.format(name="voice.wav")


async def test_audio_async(amuxi: Muxi) -> None:
    audio = {"filename": "a.wav", "content": wav_bytes(), "content_type": "audio/wav"}
    reply = await amuxi.chat.audio_async(file=audio)
    assert reply.text == AUDIO_REPLY.format(name="a.wav")


def test_audio_stream(muxi: Muxi) -> None:
    audio = {"filename": "s.wav", "content": wav_bytes(), "content_type": "audio/wav"}
    with muxi.chat.stream_audio(file=audio) as events:
        result = events.final()
    assert result.text == AUDIO_REPLY.format(name="s.wav")
    assert result.status == "success"


async def test_audio_stream_async(amuxi: Muxi) -> None:
    audio = {"filename": "s.wav", "content": wav_bytes(), "content_type": "audio/wav"}
    async with amuxi.chat.stream_audio_async(file=audio) as events:
        kinds = [e.type async for e in events]
    assert kinds[-1] == "done" and "completed" in kinds
