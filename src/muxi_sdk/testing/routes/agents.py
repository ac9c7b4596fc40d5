"""/v1/agents (admin): list, get and knowledge sync. Creating, changing or deleting agents is not routed on
the real server (handlers switched off: "use deployment instead"), so it is not here either (405)."""

from __future__ import annotations

import json
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..auth import require
from ..envelope import APIError, ok, validation_error
from ..state import FakeState
from ._formation import agents, emit_log


def _agent(state: FakeState, agent_id: str) -> dict[str, Any]:
    with state.lock:
        agent = agents(state).get(agent_id)
    if agent is None:
        raise APIError(404, f"Agent '{agent_id}' not found", "AGENT_NOT_FOUND")
    return agent


def _remote_sources(agent: dict[str, Any]) -> list[dict[str, Any]]:
    """Knowledge entries with a `url` are remote sources (their id: `id`, else the URL)."""
    knowledge = agent.get("knowledge")
    items = knowledge if isinstance(knowledge, list) else []
    return [k for k in items if isinstance(k, dict) and k.get("url")]


async def _sync_body(request: Request) -> str | None:
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        body = json.loads(raw)
    except ValueError:
        raise validation_error(("body", "Invalid JSON", "object", "invalid_json")) from None
    if body is None:
        return None
    if not isinstance(body, dict):
        raise validation_error(("body", "Input should be a valid dictionary", "object", "dict_type"))
    source_id = body.get("source_id")
    if source_id is not None and not isinstance(source_id, str):
        raise validation_error(("source_id", "Input should be a valid string", "string", "string_type"))
    return source_id


def routes(state: FakeState) -> list[BaseRoute]:
    async def list_agents(request: Request) -> Response:
        require(request, state, "admin")
        with state.lock:
            listed = list(agents(state).values())
        return ok("agent_list", "agent.list", {"agents": listed, "count": len(listed)})

    async def get_agent(request: Request) -> Response:
        require(request, state, "admin")
        return ok("agent", "agent.retrieved", _agent(state, request.path_params["agent_id"]))

    async def sync_knowledge(request: Request) -> Response:
        require(request, state, "admin")
        agent_id = request.path_params["agent_id"]
        agent = _agent(state, agent_id)
        source_id = await _sync_body(request)
        sources = _remote_sources(agent)
        if not sources:
            raise APIError(400, f"Agent '{agent_id}' has no remote knowledge sources", "INVALID_REQUEST")
        if source_id is not None:
            sources = [s for s in sources if (s.get("id") or s["url"]) == source_id]
            if not sources:
                raise APIError(
                    404,
                    f"No remote knowledge source '{source_id}' registered for agent '{agent_id}'",
                    "RESOURCE_NOT_FOUND",
                )
        started = time.monotonic()
        results = []
        for source in sources:
            sid = source.get("id") or source["url"]
            results.append(
                {
                    "source_id": sid,
                    "url": source["url"],
                    "status": "success",
                    "content_dir": f"/tmp/muxi/knowledge/{agent_id}/{sid}",
                    "files_added": 0,
                    "files_modified": 0,
                    "files_deleted": 0,
                    "files_failed": 0,
                    "bytes_downloaded": 0,
                    "duration_ms": int((time.monotonic() - started) * 1000),
                    "error": "",
                    "skipped_files": [],
                    "changed_paths": [],
                    "deleted_paths": [],
                }
            )
            emit_log(
                state,
                "info",
                "knowledge.sync.completed",
                f"Knowledge source '{sid}' synced",
                agent_id=agent_id,
                data={"source_id": sid, "trigger": "manual"},
            )
        return ok("agent", "agent.knowledge.synced", {"agent_id": agent_id, "results": results})

    return [
        Route("/agents", list_agents, methods=["GET"]),
        Route("/agents/{agent_id}", get_agent, methods=["GET"]),
        Route("/agents/{agent_id}/knowledge/sync", sync_knowledge, methods=["POST"]),
    ]
