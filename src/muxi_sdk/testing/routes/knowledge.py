"""Knowledge: `POST /v1/knowledge/rebuild` (admin key). The fake's agents declare no `agent_tree:` sources,
so every agent reports empty lists, as the real formation of `../shared/real-muxi` does."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..auth import require
from ..envelope import APIError, ok
from ..state import FakeState
from ._formation import agents
from .chat import read_json


def routes(state: FakeState) -> list[BaseRoute]:
    async def rebuild(request: Request) -> Response:
        require(request, state, "admin")
        body = await read_json(request)
        agent_id = body.get("agent_id")
        source_id = body.get("source_id")
        with state.lock:
            known = list(agents(state))
        if not known:
            raise APIError(503, "No agents are available on this formation", "SERVICE_UNAVAILABLE")
        if agent_id and agent_id not in known:
            raise APIError(404, f"Agent '{agent_id}' not found", "AGENT_NOT_FOUND")
        targets = [agent_id] if agent_id else known
        reports: dict[str, dict[str, list[str]]] = {a: {"rebuilt": [], "failed": [], "skipped": []} for a in targets}
        return ok("knowledge", "knowledge.trees.rebuilt", {"agents": reports, "source_id": source_id})

    return [Route("/knowledge/rebuild", rebuild, methods=["POST"])]
