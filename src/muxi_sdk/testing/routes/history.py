"""History: /v1/history (either key, always a user), the captain's log.

State `history` (user -> list of entries {id, date, summary, decisions, projects, context, created_at,
updated_at, sources}); `add_history_entry` writes one (the runtime's formation writes them after conversations).
`state.features["history"] = False`: a formation without a captain's log (an empty answer, as the runtime's).
"""

from __future__ import annotations

from datetime import date as Date
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..auth import require
from ..envelope import nanoid, ok
from ..state import FakeState
from ._common import now_iso, query_int, require_user


def add_history_entry(
    state: FakeState,
    user_id: str,
    summary: str,
    *,
    date: str | None = None,
    decisions: list[str] | None = None,
    projects: list[str] | None = None,
    context: str | None = None,
    sources: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """Write a captain's log entry for `user_id` (newest entries come first in answers)."""
    now = now_iso()
    entry = {
        "id": nanoid("log_", 12),
        "date": date or Date.today().isoformat(),
        "summary": summary,
        "decisions": decisions or [],
        "projects": projects or [],
        "context": context,
        "created_at": now,
        "updated_at": now,
        "sources": sources or [],
    }
    with state.lock:
        state.table("history").setdefault(user_id, []).append(entry)
    return entry


def routes(state: FakeState) -> list[BaseRoute]:
    async def get_history(request: Request) -> Response:
        require(request, state, "dual")
        user = require_user(request)
        limit = query_int(request, "limit", 10, 1, 100)
        date_from = request.query_params.get("date_from")
        date_to = request.query_params.get("date_to")
        include_sources = request.query_params.get("include_sources", "false").lower() in ("true", "1", "yes", "on")
        if not state.features.get("history", True):
            return ok("memory", "memory.retrieved", {"entries": [], "count": 0})
        with state.lock:
            entries = list(reversed(state.table("history").get(user, [])))
        if date_from:
            entries = [e for e in entries if e["date"] >= date_from]
        if date_to:
            entries = [e for e in entries if e["date"] <= date_to]
        shown = []
        for entry in entries[:limit]:
            item = {k: v for k, v in entry.items() if k != "sources"}
            if include_sources:
                item["sources"] = entry["sources"]
            shown.append(item)
        return ok("memory", "memory.retrieved", {"entries": shown, "count": len(shown)})

    return [Route("/history", get_history, methods=["GET"])]
