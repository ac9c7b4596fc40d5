"""Admin views of the formation (status, config, overlord, llm, logging, async, a2a), SOPs (client key),
the audit log, and the live log stream `GET /v1/logs` (SSE), shaped like the real runtime's answers."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from ..auth import require
from ..envelope import APIError, ok, validation_error
from ..state import FakeState
from ._common import query_int
from ._formation import (
    agents,
    audit_entries,
    config,
    full_config,
    log_events,
    mcp_servers,
    secrets,
    sops,
)

LOG_STREAM_POLL_S = 0.02
LOG_STREAM_IDLE_S = 30.0
"""The fake ends a log stream after this long without an event (the real one stays open until you leave)."""

_LOG_FILTERS = ("user_id", "session_id", "request_id", "agent_id", "level", "event_type")
_LEVELS = ["debug", "info", "warning", "error", "critical"]
_RESOURCE_TYPES = "^(agent|secret|mcp_server|scheduler_job|logging_destination|async|memory)$"
_SOP_NAME = re.compile(r"^[a-zA-Z0-9_-]+$")
_OVERLORD_DEFAULTS: dict[str, Any] = {
    "response": {"format": "markdown", "widgets": False, "streaming": True},
    "workflow": {
        "auto_decomposition": True,
        "plan_approval_threshold": 7,
        "complexity_method": "heuristic",
        "complexity_threshold": 7.0,
        "routing_strategy": "capability_based",
        "enable_agent_affinity": True,
        "error_recovery": "retry_with_backoff",
        "parallel_execution": True,
        "max_parallel_tasks": 5,
        "partial_results": True,
    },
    "clarification": {"max_questions": 5, "style": "conversational", "persist_learned_info": False},
}


# ------------------------------------------------------------------------------------------ views


def _status(state: FakeState) -> dict[str, Any]:
    cfg = config(state)
    n_agents, n_servers = len(agents(state)), len(mcp_servers(state))
    started = state.started_at or time.time()
    requests = state.table("requests")
    active = sum(1 for r in list(requests.values()) if isinstance(r, dict) and r.get("status") == "processing")
    return {
        "formation": {
            "id": state.formation_id,
            "name": state.formation_id,
            "description": cfg.get("description"),
            "version": cfg.get("version"),
        },
        "agents": {"count": n_agents, "active": n_agents},
        "mcp_servers": {"count": n_servers, "active": n_servers},
        "stats": {
            "running": {"seconds": int(time.time() - started), "since": int(started)},
            "memory": {"working_memory_mb": 512, "memory_usage_mb": 338.08203125},
            "requests": {"total": len(requests), "active": active},
            "buffer_size": (cfg.get("memory") or {}).get("buffer", {}).get("size", 10),
            "cpu_percent": 2.5,
        },
    }


def _summary(state: FakeState) -> dict[str, Any]:
    cfg = config(state)
    defaults = (cfg.get("mcp") or {}).get("defaults") or {}

    def link(path: str) -> dict[str, str]:
        return {"resource": f"/v1/{path}"}

    return {
        "formation_id": state.formation_id,
        "version": cfg.get("version"),
        "description": cfg.get("description"),
        "schema_version": cfg.get("schema"),
        "agents": {"total": len(agents(state)), "resource": "/v1/agents"},
        "secrets": {"total": len(secrets(state)), "resource": "/v1/secrets"},
        "mcp": {
            "default_retry_attempts": defaults.get("retry_attempts", 3),
            "default_timeout_seconds": defaults.get("timeout_seconds", 30),
            "servers": {"total": len(mcp_servers(state)), "resource": "/v1/mcp/servers"},
        },
        "overlord": link("overlord"),
        "llm": link("llm/settings"),
        "memory": link("memory"),
        "async": link("async"),
        "scheduler": link("scheduler"),
        "a2a": link("a2a"),
        "logging": link("logging"),
    }


def _overlord(state: FakeState) -> dict[str, Any]:
    cfg = config(state)
    raw = cfg.get("overlord") or {}
    caching = ((cfg.get("llm") or {}).get("settings") or {}).get("caching", {"enabled": True, "ttl": 3600})
    return {
        "soul": raw.get("soul", ""),
        "llm": raw.get("llm", {}),
        "caching": caching,
        **{key: raw.get(key, default) for key, default in _OVERLORD_DEFAULTS.items()},
    }


def _soul(state: FakeState) -> dict[str, Any]:
    return {"soul": (config(state).get("overlord") or {}).get("soul", "")}


def _destinations(state: FakeState) -> dict[str, Any]:
    logging_cfg = config(state).get("logging") or {}
    system = logging_cfg.get("system") or {}
    streams = (logging_cfg.get("conversation") or {}).get("streams") or []
    destinations = []
    for i, stream in enumerate(s for s in streams if isinstance(s, dict)):
        dest = {
            "id": stream.get("id", f"dest-{i}"),
            "transport": stream.get("transport", "stdout"),
            "level": stream.get("level", "INFO"),
            "format": stream.get("format", "jsonl"),
            "enabled": stream.get("enabled", True),
        }
        if "destination" in stream:
            dest["destination"] = stream["destination"]
        destinations.append(dest)
    return {
        "system": {"level": system.get("level", "debug"), "destination": system.get("destination", "stdout")},
        "conversation": {"destinations": destinations, "count": len(destinations)},
    }


def _block(name: str) -> Callable[[FakeState], Any]:
    return lambda state: config(state).get(name) or {}


# ------------------------------------------------------------------------------------------ SOPs


def _sop_fields(name: str, sop: dict[str, Any]) -> dict[str, Any]:
    metadata = sop.get("metadata") or {}
    content = sop.get("content") or ""
    steps = sum(1 for line in content.split("\n") if line.strip()[:1].isdigit())
    agents_used = metadata.get("agents") or (metadata.get("routing") or {}).get("agents") or []
    return {
        "name": name,
        "title": metadata.get("title", name),
        "type": metadata.get("type", "template"),
        "steps": steps or None,
        "agents_used": agents_used or None,
    }


# ------------------------------------------------------------------------------------------ audit


def _audit_query(request: Request) -> tuple[int, str | None, str | None, datetime | None]:
    q = request.query_params
    limit = query_int(request, "limit", 100, 1, 1000)
    resource_type = q.get("resource_type")
    if resource_type is not None and not re.match(_RESOURCE_TYPES, resource_type):
        raise validation_error(
            ("resource_type", f"String should match pattern '{_RESOURCE_TYPES}'", "string", "string_pattern_mismatch")
        )
    since_raw = q.get("since")
    since = None
    if since_raw:
        try:
            since = datetime.fromisoformat(since_raw.replace("Z", "+00:00"))
        except ValueError:
            raise APIError(
                400, f"Invalid timestamp format: {since_raw}. Use ISO 8601 format.", "INVALID_PARAMETER"
            ) from None
        since = since if since.tzinfo else since.replace(tzinfo=timezone.utc)
    return limit, q.get("action"), resource_type, since


def _after(entry: dict[str, Any], since: datetime) -> bool:
    try:
        at = datetime.fromisoformat(str(entry.get("timestamp", "")).replace("Z", "+00:00"))
    except ValueError:
        return False
    return (at if at.tzinfo else at.replace(tzinfo=timezone.utc)) >= since


# ------------------------------------------------------------------------------------------ log stream


@lru_cache(maxsize=128)
def _event_type_pattern(value: str) -> re.Pattern[str]:
    return re.compile(re.escape(value).replace(r"\*", ".*"))


def _log_matches(event: dict[str, Any], filters: dict[str, str]) -> bool:
    for key, value in filters.items():
        if key == "event_type":
            if not _event_type_pattern(value).fullmatch(event.get("event_type") or ""):
                return False
        elif key == "level":
            level = str(event.get("level") or "").lower()
            if level not in _LEVELS or value.lower() not in _LEVELS:
                return False
            if _LEVELS.index(level) < _LEVELS.index(value.lower()):
                return False
        elif event.get(key) != value:
            return False
    return True


def _compact(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


async def _log_frames(state: FakeState, filters: dict[str, str]) -> AsyncIterator[str]:
    """Matching events already recorded, then new ones as they are emitted, until the client leaves, the
    state is reset, an error is injected, or nothing happens for `LOG_STREAM_IDLE_S`."""
    events = log_events(state)
    sent = 0
    idle = 0.0
    while True:
        with state.lock:
            batch = events[sent:]
            sent = len(events)
        for event in batch:
            if "__error__" in event:
                yield f"event: error\ndata: {_compact({'error': True, 'message': event['__error__']})}\n\n"
                return
            if _log_matches(event, filters):
                idle = 0.0
                yield f"event: log\ndata: {_compact(event)}\n\n"
        if state.tables.get("log_events") is not events or idle >= LOG_STREAM_IDLE_S:
            return
        await asyncio.sleep(LOG_STREAM_POLL_S)
        idle += LOG_STREAM_POLL_S


# ------------------------------------------------------------------------------------------ routes


def routes(state: FakeState) -> list[BaseRoute]:
    def view(path: str, obj: str, typ: str, build: Callable[[FakeState], Any]) -> Route:
        async def handler(request: Request) -> Response:
            require(request, state, "admin")
            with state.lock:
                data = build(state)
            return ok(obj, typ, data)

        return Route(path, handler, methods=["GET"])

    async def list_sops(request: Request) -> Response:
        require(request, state, "client")
        with state.lock:
            listed = [_sop_fields(name, sop) for name, sop in sops(state).items()]
        return ok("sop_list", "sops.list", {"sops": listed, "count": len(listed)})

    async def get_sop(request: Request) -> Response:
        require(request, state, "client")
        name = request.path_params["sop_name"]
        if not _SOP_NAME.match(name):
            raise APIError(
                400,
                f"Invalid SOP name {name!r}: must contain only letters, numbers, hyphens, and underscores",
                "INVALID_REQUEST",
            )
        with state.lock:
            sop = sops(state).get(name)
        if sop is None:
            raise APIError(404, f"SOP '{name}' not found", "SOP_NOT_FOUND")
        metadata = sop.get("metadata") or {}
        content = sop.get("content") or ""
        references = metadata.get("references") or [f"file:{m}" for m in re.findall(r"\[file:([^\]]+)\]", content)]
        fields = _sop_fields(name, sop)
        data = {
            "name": name,
            "title": fields["title"],
            "type": fields["type"],
            "content": content,
            "metadata": metadata,
            "references": references or None,
            "agents_used": fields["agents_used"],
            "steps": fields["steps"],
        }
        return ok("sop", "sop.retrieved", data)

    async def get_audit(request: Request) -> Response:
        require(request, state, "admin")
        limit, action, resource_type, since = _audit_query(request)
        with state.lock:
            entries = list(audit_entries(state))
        if action:
            entries = [e for e in entries if e.get("action") == action]
        if resource_type:
            entries = [e for e in entries if e.get("resource_type") == resource_type]
        if since is not None:
            entries = [e for e in entries if _after(e, since)]
        entries = entries[::-1][:limit]
        return ok("audit_log", "audit.retrieved", {"entries": entries, "total_entries": len(entries), "limit": limit})

    async def clear_audit(request: Request) -> Response:
        require(request, state, "admin")
        if request.query_params.get("confirm") != "clear-audit-log":
            raise APIError(400, "Confirmation required: add ?confirm=clear-audit-log to delete", "INVALID_REQUEST")
        with state.lock:
            entries = audit_entries(state)
            count = len(entries)
            entries[:] = [
                {
                    "timestamp": datetime.now(timezone.utc).isoformat(),
                    "request_id": None,
                    "action": "audit.cleared",
                    "resource_type": "audit_log",
                    "resource_id": state.formation_id,
                    "user": "admin",
                    "ip": None,
                    "result": "success",
                    "status_code": 200,
                    "message": f"Audit log cleared by admin ({count} entries removed)",
                    "data": {"previous_entries_count": count},
                }
            ]
        data = {
            "previous_entries_count": count,
            "cleared_by": "admin",
            "message": f"Audit log cleared ({count} entries removed)",
        }
        return ok("audit_log", "audit.cleared", data)

    async def stream_logs(request: Request) -> Response:
        require(request, state, "admin")
        filters = {k: v for k in _LOG_FILTERS if (v := request.query_params.get(k)) is not None}
        if not filters:
            raise APIError(
                400,
                "At least one filter parameter is required "
                "(user_id, session_id, request_id, agent_id, level, or event_type)",
            )
        return StreamingResponse(
            _log_frames(state, filters),
            media_type="text/event-stream",
            headers={"cache-control": "no-cache", "connection": "keep-alive", "x-accel-buffering": "no"},
        )

    return [
        view("/status", "formation_status", "formation.status.retrieved", _status),
        view("/config", "formation_config", "formation.config.retrieved", _summary),
        view("/formation", "formation_config", "formation.config.retrieved", full_config),
        view("/overlord", "overlord_config", "overlord.config.retrieved", _overlord),
        view("/overlord/soul", "soul", "soul.retrieved", _soul),
        view("/llm/settings", "llm_settings", "llm.settings.retrieved", _block("llm")),
        view("/logging", "logging", "logging.retrieved", _block("logging")),
        view("/logging/destinations", "logging_destination_list", "logging.destinations.list", _destinations),
        view("/async", "async", "async.retrieved", _block("async")),
        view("/a2a", "a2a", "a2a.retrieved", _block("a2a")),
        Route("/sops", list_sops, methods=["GET"]),
        Route("/sops/{sop_name}", get_sop, methods=["GET"]),
        Route("/audit", get_audit, methods=["GET"]),
        Route("/audit", clear_audit, methods=["DELETE"]),
        Route("/logs", stream_logs, methods=["GET"]),
    ]
