"""Memory: /v1/memories (long-term, per user), /v1/memory/buffer (the conversation buffer) and the admin
views, answering like muxi-runtime 1.20260928 with persistent memory configured.

State: `memories` (id -> record), `memory_ingestions` ((user, source, source_id) -> ingestion answer),
`ingestion_jobs` (processing id -> a background job, see `_jobs`), `memory_settings` (`persistent`: False
answers like a formation without persistent memory; `clear_all_broken`: True makes `DELETE /memory/buffers`
fail with 500 as the real runtime does; `lint` / `distillery`: see `memory_admin`). The
buffer is the chat history kept in the `sessions` table: clearing it empties those sessions' messages.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..auth import require, user_id
from ..envelope import APIError, nanoid, ok, validation_error
from ..state import FakeState
from ._common import USER_REQUIRED_CLIENT, dual_user, now_iso, query_int, require_user
from ._jobs import processing, start, status_answer
from .chat import read_json

NO_PERSISTENT = "Persistent memory not configured"
_SCOPES = ("user", "group", "formation")

DEFAULT_MEMORY_CONFIG: dict[str, Any] = {
    "buffer": {"size": 10, "vector_search": True},
    "persistent": {"connection_string": "sqlite:///fake-memory.db"},
}


def settings(state: FakeState) -> dict[str, Any]:
    return state.table("memory_settings", lambda: {"persistent": True, "clear_all_broken": False})  # type: ignore[no-any-return]


def _buffer_sessions(state: FakeState, user: str | None, session_id: str | None = None) -> list[dict[str, Any]]:
    sessions = state.table("sessions")
    return [
        s
        for s in list(sessions.values())
        if s.get("user_id") == user and (session_id is None or s.get("session_id") == session_id)
    ]


def _empty_buffers(sessions: Iterable[dict[str, Any]]) -> tuple[int, int]:
    """Empty the sessions that hold messages (call under the state lock): (messages, sessions) cleared."""
    full = [s for s in sessions if s.get("messages")]
    cleared = sum(len(s["messages"]) for s in full)
    for s in full:
        s["messages"] = []
    return cleared, len(full)


def _size_kb(messages: list[Any]) -> float:
    return round((len(json.dumps(messages, default=str)) + 50) / 1024, 2)


def _public(record: dict[str, Any]) -> dict[str, Any]:
    return {k: record[k] for k in ("id", "content", "created_at", "metadata", "scope", "scope_id")}


def _item_problem(item: Any) -> str | None:
    """Why one ingestion item is invalid, in the runtime's words (None: it is valid)."""
    if not isinstance(item, dict):
        return "item must be an object"
    source = item.get("source")
    if not isinstance(source, str) or not source.strip():
        return "'source' is required and must be a non-empty string (e.g. \"gmail\")"
    content = item.get("content") if item.get("content") is not None else item.get("detail")
    if content is None:
        return "'content' is required (a string or a structured object)"
    if isinstance(content, str) and not content.strip():
        return "'content' must not be empty"
    return None


def _start_ingestion(
    state: FakeState, processing_id: str, user: str, accepted: list[tuple[int, dict[str, Any], dict[str, Any]]]
) -> None:
    """The background pipeline of accepted items: every item ends `stored` once the job completes."""
    items = [
        {
            "source": body.get("source"),
            "source_id": body.get("source_id"),
            "classification": {"category": "unknown", "margin": 0.0},
            "facts_extracted": 0,
            "graph_extractions": 0,
            "disposition": "stored",
            "index": index,
            "memory_id": record["id"],
        }
        for index, body, record in accepted
    ]
    result = {"items": items, "counts": {"stored": len(items), "filtered": 0, "failed": 0}, "usage": None}
    start(state, "ingestion_jobs", processing_id, user, result)


def routes(state: FakeState) -> list[BaseRoute]:
    async def memory_config(request: Request) -> Response:
        require(request, state, "admin")
        config = state.table("memory_config", lambda: json.loads(json.dumps(DEFAULT_MEMORY_CONFIG)))
        return ok("memory_config", "memory.config.retrieved", config)

    async def stats(request: Request) -> Response:
        require(request, state, "admin")
        sessions = list(state.table("sessions").values())
        messages = [m for s in sessions for m in s.get("messages", [])]
        data = {
            "total_entries": len(messages),
            "total_users": len({s.get("user_id") for s in sessions if s.get("messages")}),
            "total_sessions": len([s for s in sessions if s.get("messages")]),
            "buffer_size_kb": _size_kb(messages),
            "max_size": 0,
            "utilization": 0.0,
        }
        return ok("memory", "memory.retrieved", data)

    async def list_buffers(request: Request) -> Response:
        require(request, state, "admin")
        total = sum(len(s.get("messages", [])) for s in state.table("sessions").values())
        buffers = [{"total_entries": total, "max_size": 0, "utilization": 0, "kv_namespaces": {}}]
        return ok("list", "memory.list", {"buffers": buffers})

    async def clear_all_buffers(request: Request) -> Response:
        require(request, state, "admin")
        if settings(state).get("clear_all_broken"):
            raise APIError(
                500, "Failed to clear buffers: type object 'APIEventType' has no attribute 'MEMORY_BUFFER_CLEARED'"
            )
        with state.lock:
            cleared, sessions_cleared = _empty_buffers(state.table("sessions").values())
        data = {
            "message": "All buffers cleared successfully",
            "messages_cleared": cleared,
            "sessions_cleared": sessions_cleared,
        }
        return ok("message", "memory.buffer.cleared", data)

    async def list_memories(request: Request) -> Response:
        require(request, state, "dual")
        user = require_user(request)
        limit = query_int(request, "limit", 10, 1, 100)
        offset = query_int(request, "offset", 0, 0, None)
        raw_scopes = request.query_params.get("scopes")
        scopes: tuple[str, ...] = _SCOPES
        if raw_scopes:
            scopes = tuple(s.strip() for s in raw_scopes.split(",") if s.strip())
            bad = [s for s in scopes if s not in _SCOPES]
            if bad:
                raise validation_error(
                    (
                        "scopes",
                        f"Invalid scope(s): {', '.join(bad)}. Valid: user, group, formation",
                        "string",
                        "value_error",
                    )
                )
        if not settings(state).get("persistent"):
            return ok("memory_list", "memory.list", {"memories": [], "count": 0})
        visible = [
            m
            for m in state.table("memories").values()
            if m["scope"] in scopes and (m["scope"] != "user" or m["user_id"] == user)
        ]
        visible.sort(key=lambda m: m["_seq"], reverse=True)
        page = [_public(m) for m in visible[offset : offset + limit]]
        return ok("memory_list", "memory.list", {"memories": page, "count": len(page)})

    def _store(user: str, body: dict[str, Any]) -> dict[str, Any]:
        detail = body.get("detail")
        content = body.get("content")
        if detail is None and isinstance(content, str):
            detail = content
        stored: Any = {"type": body.get("type") or "general", "detail": detail} if detail is not None else content
        scope = body.get("scope") or "user"
        record = {
            "id": nanoid("mem_", 16),
            "content": stored,
            "created_at": now_iso(),
            "metadata": body.get("metadata") or {},
            "scope": scope,
            "scope_id": body.get("scope_id") or (user if scope == "user" else None),
            "user_id": user,
            "_source": body.get("source"),
            "_seq": time.monotonic_ns(),
        }
        with state.lock:
            state.table("memories")[record["id"]] = record
        return record

    async def add_memory(request: Request) -> Response:
        require(request, state, "dual")
        user = require_user(request)
        body = await read_json(request)
        if body.get("content") is None and body.get("detail") is None:
            raise validation_error(
                ("body", "Value error, Either 'content' or 'detail' is required", "object", "value_error")
            )
        scope = body.get("scope")
        if scope is not None and scope not in _SCOPES:
            raise validation_error(("scope", "Input should be 'user', 'group' or 'formation'", "string", "value_error"))
        if scope == "group" and not body.get("scope_id"):
            raise validation_error(
                ("scope_id", "Value error, scope_id is required for scope 'group'", "string", "value_error")
            )
        if not settings(state).get("persistent"):
            raise APIError(503, NO_PERSISTENT, "SERVICE_UNAVAILABLE")
        source = body.get("source")
        if source:
            source_id = body.get("source_id") or nanoid("src_", 12)
            key = json.dumps([user, source, source_id])
            ingestions = state.table("memory_ingestions")
            previous = ingestions.get(key)
            if previous is not None:
                dup = {**previous, "status": "duplicate", "duplicate": True, "derived_events": []}
                dup.pop("processing_id", None)
                dup.pop("status_url", None)
                return ok("memory_ingestion", "memory.ingestion.accepted", dup)
            record = _store(user, body)
            processing_id = nanoid("ing_")
            _start_ingestion(state, processing_id, user, [(0, body, record)])
            data = {
                "status": "accepted",
                "duplicate": False,
                "event_id": nanoid("evt_", 16),
                "source": source,
                "source_id": source_id,
                "scope": record["scope"],
                "scope_id": record["scope_id"],
                "processing_id": processing_id,
                "status_url": f"/v1/memories/ingestion/{processing_id}",
            }
            ingestions[key] = data
            return ok("memory_ingestion", "memory.ingestion.accepted", data, status=202)
        record = _store(user, body)
        return ok("memory", "memory.created", _public(record))

    async def add_batch(request: Request) -> Response:
        require(request, state, "dual")
        user = require_user(request)
        body = await read_json(request)
        items = body.get("items")
        if not isinstance(items, list):
            raise validation_error(("items", "Field required", "array", "missing"))
        if not settings(state).get("persistent"):
            raise APIError(503, NO_PERSISTENT, "SERVICE_UNAVAILABLE")
        if not items:
            raise APIError(422, "'items' must contain at least one item", "INVALID_PARAMS")
        ingestions = state.table("memory_ingestions")
        answers: list[dict[str, Any]] = []
        accepted: list[tuple[int, dict[str, Any], dict[str, Any]]] = []
        for index, item in enumerate(items):
            problem = _item_problem(item)
            if problem:
                answers.append({"status": "invalid", "error": problem, "index": index})
                continue
            key = json.dumps([user, item["source"], item.get("source_id")])
            previous = ingestions.get(key)
            if previous is not None and item.get("source_id"):
                answers.append(
                    {"status": "duplicate", "event_id": previous["event_id"], "derived_events": [], "index": index}
                )
                continue
            event_id = nanoid("", 21)
            ingestions[key] = {"event_id": event_id, "status": "accepted"}
            accepted.append((index, item, _store(user, item)))
            answers.append({"status": "accepted", "event_id": event_id, "index": index})
        processing_id = None
        if accepted:
            processing_id = nanoid("ing_")
            _start_ingestion(state, processing_id, user, accepted)
        counts = {k: sum(1 for a in answers if a["status"] == k) for k in ("accepted", "duplicate", "invalid")}
        data: dict[str, Any] = {"processing_id": processing_id, "items": answers, "counts": counts}
        if processing_id:
            data["status_url"] = f"/v1/memories/ingestion/{processing_id}"
        return ok("memory_ingestion", "memory.ingestion.accepted", data)

    async def ingestion_status(request: Request) -> Response:
        kind = require(request, state, "dual")
        user = user_id(request, None)
        if kind == "client" and not user:
            raise APIError(400, USER_REQUIRED_CLIENT)
        processing_id = request.path_params["processing_id"]
        job = processing(state, "ingestion_jobs", processing_id)
        if user and job["user_id"] != user:
            raise APIError(403, "Ingestion job does not belong to this user", "FORBIDDEN")
        return ok("memory_ingestion", "memory.ingestion.status", status_answer(processing_id, job))

    async def provenance(request: Request) -> Response:
        require(request, state, "dual")
        user = require_user(request)
        entity = request.query_params.get("entity")
        event_id = request.query_params.get("event_id")
        if not entity and not event_id:
            raise APIError(422, "Provide 'entity' (a knowledge graph entity name) or 'event_id'", "INVALID_PARAMS")
        if not settings(state).get("persistent"):
            raise APIError(503, "Memory event substrate is not available", "SERVICE_UNAVAILABLE")
        # The fake keeps no knowledge graph or event log: every entity and event is unknown, as on a fresh
        # formation of the real runtime.
        del user
        missing = f"Unknown entity '{entity}'" if entity else f"Unknown event '{event_id}'"
        raise APIError(404, missing, "NOT_FOUND")

    async def delete_memory(request: Request) -> Response:
        require(request, state, "dual")
        user = require_user(request)
        memory_id = request.path_params["memory_id"]
        if not settings(state).get("persistent"):
            raise APIError(503, NO_PERSISTENT, "SERVICE_UNAVAILABLE")
        memories = state.table("memories")
        with state.lock:
            record = memories.get(memory_id)
            if record is None or record["user_id"] != user:
                raise APIError(404, f"Memory {memory_id} not found", "NOT_FOUND")
            del memories[memory_id]
        return ok("memory", "memory.deleted", {"deleted": memory_id, "user_id": user})

    async def get_buffer(request: Request) -> Response:
        require(request, state, "dual")
        user = require_user(request)
        messages = [m for s in _buffer_sessions(state, user) for m in s.get("messages", [])]
        data = {"user_id": user, "total_messages": len(messages), "sessions": [], "buffer_size_kb": _size_kb(messages)}
        return ok("memory", "memory.buffer.status", data)

    async def clear_buffer(request: Request) -> Response:
        user = dual_user(request, state)
        with state.lock:
            cleared, sessions_cleared = _empty_buffers(_buffer_sessions(state, user))
        data = {
            "message": "Buffer cleared successfully",
            "user_id": user,
            "messages_cleared": cleared,
            "sessions_cleared": sessions_cleared,
        }
        return ok("message", "memory.buffer.user.cleared", data)

    async def clear_session_buffer(request: Request) -> Response:
        user = dual_user(request, state)
        session_id = request.path_params["session_id"]
        with state.lock:
            cleared = 0
            for s in _buffer_sessions(state, user, session_id):
                cleared += len(s.get("messages", []))
                s["messages"] = []
        data = {
            "message": "Session buffer cleared successfully",
            "user_id": user,
            "session_id": session_id,
            "messages_cleared": cleared,
        }
        return ok("message", "memory.buffer.session.cleared", data)

    return [
        Route("/memory", memory_config, methods=["GET"]),
        Route("/memory/stats", stats, methods=["GET"]),
        Route("/memory/buffers", list_buffers, methods=["GET"]),
        Route("/memory/buffers", clear_all_buffers, methods=["DELETE"]),
        Route("/memory/buffer", get_buffer, methods=["GET"]),
        Route("/memory/buffer", clear_buffer, methods=["DELETE"]),
        Route("/memory/buffer/{session_id}", clear_session_buffer, methods=["DELETE"]),
        Route("/memories", list_memories, methods=["GET"]),
        Route("/memories", add_memory, methods=["POST"]),
        Route("/memories/batch", add_batch, methods=["POST"]),
        Route("/memories/ingestion/{processing_id}", ingestion_status, methods=["GET"]),
        Route("/memories/provenance", provenance, methods=["GET"]),
        Route("/memories/{memory_id}", delete_memory, methods=["DELETE"]),
    ]
