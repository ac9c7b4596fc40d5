"""GET /v1/sessions[/{id}[/messages]] and POST /v1/sessions/{id}/restore, over what chat recorded.

Sessions live in `state.table("sessions")` (written by the chat routes and by restore):
`{session_id, user_id, created_at, updated_at, messages: [{role, content, timestamp, request_id}]}`.
As on the runtime: client key and `X-Muxi-User-ID` required, `limit` only (1-1000, no offset or cursor),
sessions most recently active first, messages oldest first in the runtime's buffer shape.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..auth import require
from ..envelope import APIError, ok, validation_error
from ..state import FakeState
from ._common import query_int, require_user
from .chat import read_json


def owned_session(state: FakeState, session_id: str, user: str) -> dict[str, Any] | None:
    session = state.table("sessions").get(session_id)
    if session is None or session.get("user_id") != user:
        return None
    return session  # type: ignore[no-any-return]


def _buffer_item(state: FakeState, session: dict[str, Any], message: dict[str, Any]) -> dict[str, Any]:
    metadata = {
        "role": message.get("role"),
        "timestamp": message.get("timestamp"),
        "agent_id": message.get("agent_id") or "overlord",
        "user_id": session.get("user_id"),
        "session_id": session["session_id"],
        "request_id": message.get("request_id"),
        "formation_id": state.formation_id,
    }
    return {
        "text": message.get("content", ""),
        "metadata": metadata,
        "timestamp": message.get("timestamp"),
        "namespace": "buffer",
        "embedding": None,
    }


def _epoch(value: Any, field: str) -> float:
    if not isinstance(value, str):
        raise validation_error((field, "Input should be a valid string", "string", "string_type"))
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return time.time()  # the runtime stores what it cannot parse with the current time


def _restore_messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    messages = body.get("messages")
    if messages is None:
        raise validation_error(("messages", "Field required", "array", "missing"))
    if not isinstance(messages, list):
        raise validation_error(("messages", "Input should be a valid list", "array", "list_type"))
    restored = []
    for i, m in enumerate(messages):
        if not isinstance(m, dict):
            raise validation_error((f"messages.{i}", "Input should be a valid dictionary", "object", "dict_type"))
        for name in ("role", "content", "timestamp"):
            if name not in m:
                raise validation_error((f"messages.{i}.{name}", "Field required", "string", "missing"))
            if not isinstance(m[name], str):
                msg = "Input should be a valid string"
                raise validation_error((f"messages.{i}.{name}", msg, "string", "string_type"))
        when = _epoch(m["timestamp"], f"messages.{i}.timestamp")
        entry = {"role": m["role"], "content": m["content"], "timestamp": when}
        if m.get("agent_id"):
            entry["agent_id"] = m["agent_id"]
        restored.append(entry)
    return restored


def routes(state: FakeState) -> list[BaseRoute]:
    async def list_sessions(request: Request) -> Response:
        require(request, state, "client")
        user = require_user(request)
        limit = query_int(request, "limit", 50, 1, 1000)
        with state.lock:
            mine = [s for s in state.table("sessions").values() if s.get("user_id") == user]
            mine.sort(key=lambda s: s.get("updated_at") or 0.0, reverse=True)
            sessions = [
                {"session_id": s["session_id"], "user_id": user, "last_activity": s.get("updated_at"), "active": True}
                for s in mine[:limit]
            ]
        return ok("session_list", "session.list", {"sessions": sessions, "count": len(sessions)})

    async def get_session(request: Request) -> Response:
        require(request, state, "client")
        user = require_user(request)
        sid = request.path_params["session_id"]
        with state.lock:
            session = owned_session(state, sid, user)
            if session is None:
                raise APIError(404, f"Session '{sid}' not found")
            data = {
                "session_id": sid,
                "user_id": user,
                "message_count": len(session["messages"]),
                "active": True,
                "created_at": session.get("created_at"),
                "last_activity": session.get("updated_at"),
            }
        return ok("session", "session.retrieved", data)

    async def session_messages(request: Request) -> Response:
        require(request, state, "client")
        user = require_user(request)
        sid = request.path_params["session_id"]
        limit = query_int(request, "limit", 50, 1, 1000)
        # `before` is accepted and ignored, as on the runtime; an unknown session is an empty buffer.
        with state.lock:
            session = owned_session(state, sid, user)
            stored = list(session["messages"]) if session is not None else []
            items = [_buffer_item(state, session, m) for m in stored[:limit]] if session is not None else []
        data = {"session_id": sid, "messages": items, "count": len(items), "has_more": len(stored) > limit}
        return ok("session", "session.messages.list", data)

    async def restore(request: Request) -> Response:
        require(request, state, "client")
        user = require_user(request)
        sid = request.path_params["session_id"]
        messages = _restore_messages(await read_json(request))
        now = time.time()
        with state.lock:
            sessions = state.table("sessions")
            session = sessions.get(sid)
            if session is not None and session.get("user_id") != user:
                raise APIError(404, f"Session '{sid}' not found")
            if session is None:
                session = sessions[sid] = {"session_id": sid, "user_id": user, "created_at": now, "messages": []}
            session["messages"] = messages
            session["updated_at"] = now
        data = {
            "session_id": sid,
            "messages_loaded": len(messages),
            "messages_dropped": 0,
            "message": "Session restored successfully",
        }
        return ok("session", "session.restored", data)

    return [
        Route("/sessions", list_sessions, methods=["GET"]),
        Route("/sessions/{session_id}", get_session, methods=["GET"]),
        Route("/sessions/{session_id}/messages", session_messages, methods=["GET"]),
        Route("/sessions/{session_id}/restore", restore, methods=["POST"]),
    ]
