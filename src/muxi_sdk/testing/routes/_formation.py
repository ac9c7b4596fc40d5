"""The fake formation's configuration, agents, secrets, MCP servers, SOPs, audit trail and log events.

Shared by the admin route modules (system, agents, secrets, mcp). Every piece lives in a `state.table(...)`
seeded on first use like the real test formation of `real-runtime-transcript.md` (one `assistant` agent,
no secrets), plus one MCP server and one SOP so that every read has something to show. Tests may change
any of it between calls:

    agents(state)["helper"] = {"id": "helper", "name": "Helper", "source": "formation"}
    secrets(state)["OPENAI_API_KEY"] = "sk-..."
    emit_log(state, "error", "chat.failed", "boom", user_id="alice")
"""

from __future__ import annotations

import json
import re
import time
from datetime import datetime, timezone
from typing import Any

from starlette.requests import Request

from ..envelope import nanoid
from ..state import FakeState

_DESCRIPTION = "Offline test formation backed by a fake OpenAI-compatible LLM"
_SECRET_REF = re.compile(r"\$\{\{\s*secrets\.([A-Za-z0-9_\-]+)\s*\}\}")


def normalize_secret_name(name: str) -> str:
    """The runtime's rule: upper-case, other than A-Z/0-9/_ -> `_`, runs collapsed, edges stripped."""
    return re.sub(r"_+", "_", re.sub(r"[^A-Z0-9_]", "_", name.upper())).strip("_")


def mask_secret_value(value: str | None) -> str:
    """How the runtime shows a secret: `sk-1234567890abcdef` -> `sk-12••••••cdef`, short ones fully masked."""
    if not value:
        return "••••••••"
    match = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)", value)
    protocol = match.group(1) if match else ""
    rest = value[len(protocol) :]
    prefix = next((p for p in ("sk-", "pk-", "ghp_", "ghs_", "pat_", "key-", "tok-", "lin_") if rest.startswith(p)), "")
    if protocol:
        return f"{protocol}{rest[:2]}•••••••{rest[-4:]}" if len(rest) > 8 else f"{protocol}••••••••"
    if len(rest) > 12:
        if prefix:
            return f"{rest[: len(prefix) + 2]}••••••{rest[-4:]}"
        return f"{rest[:4]}••••••••{rest[-4:]}"
    if len(rest) > 6:
        return f"{rest[:3]}••••{rest[-3:]}"
    return "••••••••"


def _inline(value: str) -> str:
    """A key written into the formation file itself, as the config views mask it: `rea••••••••789`."""
    return f"{value[:3]}••••••••{value[-3:]}"


# ------------------------------------------------------------------------------------------ seeded tables


def _seed_agents() -> dict[str, dict[str, Any]]:
    return {
        "assistant": {
            "id": "assistant",
            "name": "Assistant",
            "description": "Echo assistant for SDK testing",
            "system_message": "You are a helpful assistant.",
            "source": "formation",
        }
    }


def _seed_mcp_servers() -> dict[str, dict[str, Any]]:
    return {
        "web-search": {
            "schema": "1.0.0",
            "id": "web-search",
            "description": "Web search over HTTP",
            "type": "http",
            "endpoint": "https://mcp.example.com/search",
            "auth": {"type": "bearer", "token": "${{ secrets.SEARCH_API_KEY }}"},
        }
    }


def _seed_sops() -> dict[str, dict[str, Any]]:
    return {
        "incident-response": {
            "metadata": {"title": "Incident response", "type": "template", "agents": ["assistant"]},
            "content": (
                "# Incident response\n\n1. Acknowledge the alert\n2. Gather the relevant logs\n"
                "3. Summarise the impact for the team\n"
            ),
        }
    }


def agents(state: FakeState) -> dict[str, dict[str, Any]]:
    """Agent id -> agent config (seeded with `assistant`)."""
    return state.table("agents", _seed_agents)  # type: ignore[no-any-return]


def secrets(state: FakeState) -> dict[str, str]:
    """Normalised secret name -> value (empty at start, like the real test formation)."""
    return state.table("secrets")  # type: ignore[no-any-return]


def mcp_servers(state: FakeState) -> dict[str, dict[str, Any]]:
    """MCP server id -> server config (seeded with one HTTP server, `web-search`)."""
    return state.table("mcp_servers", _seed_mcp_servers)  # type: ignore[no-any-return]


def sops(state: FakeState) -> dict[str, dict[str, Any]]:
    """SOP name -> `{"metadata": {...}, "content": markdown}` (seeded with `incident-response`)."""
    return state.table("sops", _seed_sops)  # type: ignore[no-any-return]


def config(state: FakeState) -> dict[str, Any]:
    """The formation's own blocks (everything but agents and MCP servers, which have their tables).

    Absent blocks (`overlord`, `async`, `a2a`, `mcp` defaults) behave as on the real server: defaults or `{}`.
    """

    def seed() -> dict[str, Any]:
        return {
            "schema": "1.0.0",
            "id": state.formation_id,
            "description": _DESCRIPTION,
            "version": state.version,
            "server": {
                "host": "127.0.0.1",
                "port": 8271,
                "api_keys": {"admin_key": _inline(state.admin_key), "client_key": _inline(state.client_key)},
            },
            "llm": {
                "api_keys": {"openai": _inline("sk-fake-llm-key-offline")},
                "models": [{"text": "openai/fake-chat"}, {"embedding": "openai/fake-embed"}],
                "settings": {"temperature": 0.2, "max_tokens": 512},
            },
            "memory": {
                "buffer": {"size": 10, "vector_search": True},
                "persistent": {"connection_string": "$RT_STATE_DIR/memory.db"},
            },
            "scheduler": {"enabled": True, "timezone": "UTC", "check_interval_minutes": 1},
            "logging": {"system": {"level": "info"}, "redaction": {"entities": False}},
        }

    return state.table("formation_config", seed)  # type: ignore[no-any-return]


def secret_in_use(state: FakeState, name: str) -> bool:
    """Is `name` referenced as `${{ secrets.NAME }}` by the configuration (agents and MCP servers included)?"""
    doc = json.dumps([config(state), list(agents(state).values()), list(mcp_servers(state).values())])
    return any(normalize_secret_name(ref) == name for ref in _SECRET_REF.findall(doc))


def full_config(state: FakeState) -> dict[str, Any]:
    """`GET /v1/formation`: the whole configuration, agents and MCP servers included."""
    doc = dict(config(state))
    servers = list(mcp_servers(state).values())
    if servers:
        mcp = dict(doc.get("mcp") or {})
        mcp["servers"] = servers
        doc["mcp"] = mcp
    doc["agents"] = list(agents(state).values())
    doc["formation_id"] = state.formation_id
    return doc


# ------------------------------------------------------------------------------------------ audit trail


def audit_entries(state: FakeState) -> list[dict[str, Any]]:
    """The audit log, oldest first (the runtime's JSONL file)."""
    return state.table("audit_log", list)  # type: ignore[no-any-return]


def record_audit(
    request: Request,
    state: FakeState,
    action: str,
    resource_type: str,
    resource_id: str,
    message: str,
    *,
    status_code: int = 200,
    data: dict[str, Any] | None = None,
) -> None:
    """Append an entry shaped like the runtime's `AuditLogger.log_from_request` (for admin changes).

    The fake records secret changes here, as the runtime's audit route documents. The runtime itself
    (1.20260928.0) never calls `log_from_request`, so its log only ever holds the `audit.cleared` entry.
    """
    entry: dict[str, Any] = {
        "timestamp": datetime.now(timezone.utc).isoformat(),
        "request_id": nanoid("req_"),
        "action": action,
        "resource_type": resource_type,
        "resource_id": resource_id,
        "user": "admin",
        "ip": request.client.host if request.client else None,
        "result": "success" if status_code < 400 else "error",
        "status_code": status_code,
        "message": message,
    }
    if data:
        entry["data"] = data
    with state.lock:
        audit_entries(state).append(entry)


# ------------------------------------------------------------------------------------------ log events


def log_events(state: FakeState) -> list[dict[str, Any]]:
    """Observability events `GET /v1/logs` streams (seeded with the formation's start-up events)."""

    def seed() -> list[dict[str, Any]]:
        at = state.started_at or time.time()
        return [
            _event(at, "info", "formation.loaded", f"Formation '{state.formation_id}' loaded"),
            _event(at, "info", "agent.registered", "Agent 'assistant' registered", agent_id="assistant"),
        ]

    return state.table("log_events", seed)  # type: ignore[no-any-return]


def _event(at: float, level: str, event_type: str, message: str, **fields: Any) -> dict[str, Any]:
    data = dict(fields.pop("data", None) or {})
    agent_id = fields.pop("agent_id", None)
    if agent_id is not None:
        data["agent_id"] = agent_id
    return {
        "timestamp": at,
        "level": level,
        "event_type": event_type,
        "user_id": fields.get("user_id"),
        "session_id": fields.get("session_id"),
        "request_id": fields.get("request_id"),
        "agent_id": agent_id,
        "message": message,
        "data": data,
    }


def emit_log(
    state: FakeState,
    level: str,
    event_type: str,
    message: str,
    *,
    user_id: str | None = None,
    session_id: str | None = None,
    request_id: str | None = None,
    agent_id: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Add an observability event; open `/v1/logs` streams whose filters match receive it."""
    event = _event(
        time.time(),
        level,
        event_type,
        message,
        user_id=user_id,
        session_id=session_id,
        request_id=request_id,
        agent_id=agent_id,
        data=data,
    )
    with state.lock:
        log_events(state).append(event)


def emit_log_error(state: FakeState, message: str) -> None:
    """Make open (and future) `/v1/logs` streams send `event: error` with this message, then end."""
    with state.lock:
        log_events(state).append({"__error__": message})
