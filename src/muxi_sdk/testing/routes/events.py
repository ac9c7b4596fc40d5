"""GET /v1/events, /v1/events/{session_id}, /v1/events/{session_id}/{request_id}: SSE replays of chat turns.

Frames are the runtime's request-stream frames (unnamed `data:` lines): `{"type": "stream_open", ...}`, each
runtime event object of a recorded chat turn (the shape of a chat token, not wrapped in `token`), then
`{"type": "stream_completed", ...}`, and the connection closes. The fake replays what `state.table("sessions")`
holds (the real runtime sends live events only), deterministically:

- every frame has an `id:` (`open`, `<request_id>:<n>`, `completed`), and a `Last-Event-ID` request header
  resumes right after that frame (stream_open is not repeated);
- faults: `drop_events_after` cuts every connection after that many frames, `events_retry_ms` sends a
  `retry:` hint first, `events_error` ends the stream with `data: {"error": ...}`.

Dual auth: the client key needs `X-Muxi-User-ID`; the admin key without a user sees every user's sessions
on the user and session streams, and (as on the runtime) nothing but open/completed on a request stream.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from ..auth import require, user_id
from ..engine import split_tokens
from ..state import FakeState
from ._common import require_user

Frame = tuple[str, dict[str, Any]]


def _turns(session: dict[str, Any]) -> list[tuple[float, str, str, str]]:
    """(timestamp, request_id, message, reply) for each recorded turn of a session, in order."""
    turns: dict[str, list[Any]] = {}
    for m in session.get("messages", []):
        rid = m.get("request_id")
        if not rid:
            continue
        turn = turns.setdefault(rid, [m.get("timestamp") or 0.0, rid, "", ""])
        if m.get("role") == "user":
            turn[2] = m.get("content", "")
        elif m.get("role") == "assistant":
            turn[3] = m.get("content", "")
    return [(t[0], t[1], t[2], t[3]) for t in turns.values()]


def _turn_frames(user: str, sid: str, when: float, rid: str, message: str, reply: str) -> list[Frame]:
    def event(kind: str, content: str, **extra: Any) -> dict[str, Any]:
        base = {"request_id": rid, "user_id": user, "session_id": sid, "type": kind, "content": content}
        return {**base, "timestamp": when, **extra}

    events = [
        event("progress", "Let me see...", stage="init"),
        event("thinking", "Processing...", stage="process_sync_start", original_message=message),
        event("planning", "Determining the best agent to handle this request...", stage="agent_selection"),
    ]
    events += [event("content", t, stage="response_generation") for t in split_tokens(reply)]
    events.append(event("completed", reply, status="success", processing_time_ms=1, agent_used="assistant"))
    return [(f"{rid}:{i}", e) for i, e in enumerate(events)]


def _frames(state: FakeState, scope: str | None, sid: str | None, rid: str | None, admin: bool) -> list[Frame]:
    with state.lock:
        sessions = list(state.table("sessions").values())
    turns = []
    for s in sessions:
        if scope is not None and s.get("user_id") != scope:
            continue
        if sid is not None and s["session_id"] != sid:
            continue
        for when, req, message, reply in _turns(s):
            if rid is not None and (req != rid or (admin and scope is None)):
                continue
            turns.append((when, s["session_id"], s.get("user_id") or "0", req, message, reply))
    turns.sort(key=lambda t: t[0])
    frames: list[Frame] = [("open", {"type": "stream_open", "session_id": sid, "request_id": rid})]
    for when, session_id, owner, req, message, reply in turns:
        frames += _turn_frames(owner, session_id, when, req, message, reply)
    for n in range(state.faults.events_flood):
        frames.append((f"flood:{n}", {"type": "chat.activity", "message": f"activity {n}", "session_id": sid}))
    frames.append(("completed", {"type": "stream_completed", "session_id": sid, "request_id": rid}))
    return frames


def _sse(frame_id: str | None, data: dict[str, Any]) -> str:
    head = f"id: {frame_id}\n" if frame_id else ""
    return f"{head}data: {json.dumps(data, separators=(',', ':'), ensure_ascii=False)}\n\n"


async def _stream(state: FakeState, frames: list[Frame], last_event_id: str | None) -> AsyncIterator[str]:
    faults = state.faults
    start = 0
    if last_event_id:
        ids = [f[0] for f in frames]
        start = ids.index(last_event_id) + 1 if last_event_id in ids else 0
        start = max(start - faults.events_replay_on_resume, 0)
    if faults.events_retry_ms is not None:
        yield f"retry: {faults.events_retry_ms}\n\n"
    drop_after = faults.drop_events_after
    delay = faults.body_delay_ms / 1000
    for sent, (frame_id, data) in enumerate(frames[start:]):
        if frame_id == "completed" and faults.events_error is not None:
            yield _sse(None, {"error": faults.events_error})
            return
        if drop_after is not None and sent >= drop_after:
            raise ConnectionAbortedError("fault: event stream dropped")
        yield _sse(frame_id, data)
        if delay:
            await asyncio.sleep(delay)


def routes(state: FakeState) -> list[BaseRoute]:
    def respond(request: Request, sid: str | None, rid: str | None) -> Response:
        kind = require(request, state, "dual")
        scope = require_user(request) if kind == "client" else user_id(request, None)
        frames = _frames(state, scope, sid, rid, admin=kind == "admin")
        return StreamingResponse(
            _stream(state, frames, request.headers.get("last-event-id")),
            media_type="text/event-stream; charset=utf-8",
            headers={"cache-control": "no-cache", "connection": "keep-alive", "x-accel-buffering": "no"},
        )

    async def user_events(request: Request) -> Response:
        return respond(request, None, None)

    async def session_events(request: Request) -> Response:
        return respond(request, request.path_params["session_id"], None)

    async def request_events(request: Request) -> Response:
        return respond(request, request.path_params["session_id"], request.path_params["request_id"])

    return [
        Route("/events", user_events, methods=["GET"]),
        Route("/events/{session_id}", session_events, methods=["GET"]),
        Route("/events/{session_id}/{request_id}", request_events, methods=["GET"]),
    ]
