"""POST /v1/chat and /v1/audiochat: JSON replies, SSE frames as the runtime sends them, async mode."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from ..auth import require, user_id
from ..engine import ScriptedReply, split_tokens
from ..envelope import APIError, envelope, nanoid, validation_error
from ..idempotency import idempotent
from ..state import FakeState

ASYNC_UNSUPPORTED = (
    "Async mode requires webhook configuration. Use stream=true for real-time responses or mode=sync for "
    "immediate responses."
)


async def read_json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = json.loads(raw or b"null")
    except ValueError:
        raise validation_error(("body", "Invalid JSON", "object", "invalid_json")) from None
    if not isinstance(body, dict):
        raise validation_error(("body", "Input should be a valid dictionary", "object", "wrong_type"))
    return body


def _compact(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def record_turn(state: FakeState, session_id: str, user: str, request_id: str, message: str, reply: str) -> None:
    now = time.time()
    sessions = state.table("sessions")
    with state.lock:
        session = sessions.setdefault(
            session_id,
            {"session_id": session_id, "user_id": user, "created_at": now, "updated_at": now, "messages": []},
        )
        session["updated_at"] = now
        session["messages"].append({"role": "user", "content": message, "timestamp": now, "request_id": request_id})
        session["messages"].append({"role": "assistant", "content": reply, "timestamp": now, "request_id": request_id})
        state.table("requests")[request_id] = {
            "request_id": request_id,
            "status": "completed",
            "session_id": session_id,
            "user_id": user,
            "created_at": now,
            "completed_at": now,
        }


AUDIO_ONLY = "Only audio files (audio/*) are accepted. For video or other files, use /chat with the files parameter."
# The runtime cannot transcribe without a speech model; it tells the LLM this, once per file.
AUDIO_PLACEHOLDER = "Audio {filename} uploaded but audio transcription is not currently available"


def _message_of(body: dict[str, Any], audio: bool) -> str:
    if audio:
        files = body.get("files")
        if files is None:
            raise validation_error(("files", "Field required", "string", "missing"))
        if not isinstance(files, list):
            raise validation_error(("files", "Input should be a valid list", "string", "wrong_type"))
        if not files:
            # The runtime says "files parameter is required for audiochat()"; tests/test_core_errors.py pins
            # this wording for now (a known difference listed in tests/live/test_parity.py).
            raise APIError(400, "files parameter is required for audiochat()", "VALIDATION_ERROR", {"field": "files"})
        for f in files:
            ctype = (f.get("content_type") or f.get("mime_type") or "") if isinstance(f, dict) else ""
            if not ctype.startswith("audio/"):
                raise APIError(400, AUDIO_ONLY, "VALIDATION_ERROR", {"field": "files", "invalid_content_type": ctype})
        return " ".join(
            AUDIO_PLACEHOLDER.format(filename=f.get("filename", "audio")) if isinstance(f, dict) else "" for f in files
        )
    message = body.get("message")
    if message is None:
        raise validation_error(("message", "Field required", "string", "missing"))
    if not isinstance(message, str):
        raise validation_error(("message", "Input should be a valid string", "string", "wrong_type"))
    return message


def _token(kind: str, content: str, rid: str, user: str, sid: str, **extra: Any) -> str:
    token = {
        "request_id": rid,
        "user_id": user,
        "session_id": sid,
        "type": kind,
        "content": content,
        "timestamp": time.time(),
        **extra,
    }
    return f"data: {_compact({'token': token})}\n\n"


async def _frames(
    state: FakeState, reply: ScriptedReply, message: str, rid: str, user: str, sid: str
) -> AsyncIterator[str]:
    yield ": keepalive\n\n"
    waited = 0.0
    while waited < reply.delay_s:
        step = min(state.keepalive_interval_s, reply.delay_s - waited)
        await asyncio.sleep(step)
        waited += step
        yield ": keepalive\n\n"
    frames = [
        _token("progress", "Let me see...", rid, user, sid, stage="init"),
        _token("thinking", "Processing...", rid, user, sid, stage="process_sync_start", original_message=message),
        _token(
            "planning",
            "Determining the best agent to handle this request...",
            rid,
            user,
            sid,
            stage="agent_selection",
        ),
        _token("progress", "Preparing response...", rid, user, sid, stage="response_preparation"),
    ]
    frames += [_token("content", t, rid, user, sid, stage="response_generation") for t in split_tokens(reply.text)]
    if reply.error is None:
        extra: dict[str, Any] = {"status": "success", "processing_time_ms": 1, "agent_used": "assistant"}
        if reply.discontinuity:
            extra["stream_discontinuity"] = True
        frames.append(_token("completed", reply.text, rid, user, sid, **extra))
    drop_after = state.faults.drop_stream_after
    delay = state.faults.body_delay_ms / 1000
    for i, frame in enumerate(frames):
        if drop_after is not None and i >= drop_after:
            raise ConnectionAbortedError("fault: stream dropped")
        yield frame
        if delay:
            await asyncio.sleep(delay)
    if reply.error is not None:
        yield f"event: error\ndata: {_compact({'error': reply.error, 'type': reply.error_type})}\n\n"
        return
    if reply.ui:
        yield f"event: ui\ndata: {_compact({'ui': reply.ui})}\n\n"
    yield 'event: done\ndata: {"finished":true}\n\n'


def async_payload(state: FakeState, rid: str, user: str, reply: ScriptedReply, webhook_url: str) -> dict[str, Any]:
    failed = reply.error is not None
    return {
        "id": rid,
        "object": "response",
        "status": "failed" if failed else "completed",
        "timestamp": int(time.time() * 1000),
        "formation_id": state.formation_id,
        "user_id": user,
        "processing_time": 0.01,
        "processing_mode": "async",
        "webhook_url": webhook_url,
        "error": {"code": "processing_failed", "message": reply.error, "trace": None} if failed else None,
        "response": [] if failed else [{"type": "text", "text": reply.text}],
    }


def routes(state: FakeState) -> list[BaseRoute]:
    async def handle(request: Request, audio: bool) -> Response:
        require(request, state, "client")
        body = await read_json(request)
        message = _message_of(body, audio)
        user = user_id(request) or "0"
        streaming = body.get("stream", True) is not False
        mode = body.get("mode") or "sync"

        if mode == "async" and not audio:
            webhook_url = body.get("webhook_url")
            if not (state.async_chat and webhook_url):
                raise APIError(501, ASYNC_UNSUPPORTED)

            async def accept(key: str | None) -> Response:
                rid = body.get("request_id") or nanoid("req_")
                reply = state.engine.reply(message)
                sid = body.get("session_id") or nanoid("sess_")
                state.table("requests")[rid] = {
                    "request_id": rid,
                    "status": "processing",
                    "session_id": sid,
                    "user_id": user,
                    "created_at": time.time(),
                }
                data = {
                    "request_id": rid,
                    "mode": "async",
                    "status": "processing",
                    "estimated_seconds": 1,
                    "webhook_url": webhook_url,
                }
                payload = async_payload(state, rid, user, reply, webhook_url)

                def finish() -> None:
                    record_turn(state, sid, user, rid, message, reply.text)
                    state.table("async_results", list).append(payload)
                    deliver = state.tables.get("webhook_deliverer")
                    if deliver is not None:
                        deliver(webhook_url, payload)

                return JSONResponse(
                    envelope("request", "chat.async.accepted", data, request_id=rid, idempotency_key=key),
                    status_code=202,
                    background=BackgroundTask(finish),
                )

            return await idempotent(request, state, "json", accept)

        if streaming:

            async def stream(_key: str | None) -> Response:
                rid = body.get("request_id") or nanoid("req_")
                sid = body.get("session_id") or nanoid("sess_")
                reply = state.engine.reply(message)
                if reply.error is None:
                    record_turn(state, sid, user, rid, message, reply.text)
                return StreamingResponse(
                    _frames(state, reply, message, rid, user, sid),
                    media_type="text/event-stream; charset=utf-8",
                    headers={"cache-control": "no-cache", "connection": "keep-alive"},
                )

            return await idempotent(request, state, "stream", stream)

        async def answer(key: str | None) -> Response:
            reply = state.engine.reply(message)
            if reply.delay_s:
                await asyncio.sleep(reply.delay_s)
            if reply.error is not None:
                raise APIError(500, reply.error)
            rid = body.get("request_id")
            sid = body.get("session_id") or nanoid("sess_")
            record_turn(state, sid, user, rid or nanoid("req_"), message, reply.text)
            msg: dict[str, Any] = {
                "role": "assistant",
                "content": reply.text,
                "artifacts": None,
                "metadata": {"session_id": sid},
            }
            if reply.ui:
                msg["ui"] = reply.ui
            # /audiochat echoes the session_id it was given (null when none); the session is in metadata.
            data_sid = body.get("session_id") if audio else sid
            data = {"message": msg, "user_id": user, "session_id": data_sid, "request_id": rid}
            return JSONResponse(envelope("message", "chat.completed", data, request_id=rid, idempotency_key=key))

        if audio:  # the runtime implements X-Muxi-Idempotency-Key on /chat only: audio runs every time
            return await answer(None)
        return await idempotent(request, state, "json", answer)

    async def chat(request: Request) -> Response:
        return await handle(request, audio=False)

    async def audiochat(request: Request) -> Response:
        return await handle(request, audio=True)

    return [Route("/chat", chat, methods=["POST"]), Route("/audiochat", audiochat, methods=["POST"])]
