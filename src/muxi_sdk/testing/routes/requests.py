"""GET /v1/requests, GET|DELETE /v1/requests/{id}, over the requests chat recorded in `state.table("requests")`.

Dual auth as on the runtime: the client key needs `X-Muxi-User-ID` and sees that user's requests only; the
admin key may omit it and then sees every user's.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..auth import require, user_id
from ..envelope import APIError, ok
from ..state import FakeState
from ._common import require_user

_FINISHED = ("completed", "failed")


def _scope(request: Request, state: FakeState) -> str | None:
    """The user whose requests this call may see (None: every user's, admin key without a user)."""
    if require(request, state, "dual") == "client":
        return require_user(request)
    return user_id(request, None)


def _public(state: FakeState, entry: dict[str, Any], detail: bool) -> dict[str, Any]:
    data = {
        "request_id": entry["request_id"],
        "user_id": entry.get("user_id"),
        "status": entry.get("status"),
        "progress": entry.get("progress"),
        "created_at": entry.get("created_at"),
        "completed_at": entry.get("completed_at"),
    }
    if entry.get("error") is not None:
        data["error"] = entry["error"]
    if detail and entry.get("status") == "completed":
        session = state.table("sessions").get(entry.get("session_id"))
        replies = [
            m["content"]
            for m in (session or {}).get("messages", [])
            if m.get("role") == "assistant" and m.get("request_id") == entry["request_id"]
        ]
        data["result"] = entry.get("result", replies[-1] if replies else None)
    return data


def routes(state: FakeState) -> list[BaseRoute]:
    def lookup(request: Request, code: str) -> tuple[dict[str, Any], str | None]:
        scope = _scope(request, state)
        rid = request.path_params["request_id"]
        entry = state.table("requests").get(rid)
        if entry is None:
            raise APIError(404, f"Request '{rid}' not found", code)
        if scope is not None and entry.get("user_id") != scope:
            raise APIError(403, "Access denied: request belongs to another user", "FORBIDDEN")
        return entry, scope

    async def list_requests(request: Request) -> Response:
        scope = _scope(request, state)
        with state.lock:
            entries = [e for e in state.table("requests").values() if scope is None or e.get("user_id") == scope]
            items = [_public(state, e, detail=False) for e in entries]
        return ok("request_list", "request.list.retrieved", {"requests": items, "count": len(items)})

    async def get_request(request: Request) -> Response:
        with state.lock:
            entry, _ = lookup(request, "REQUEST_NOT_FOUND")
            data = _public(state, entry, detail=True)
        return ok("request_status", "request.status.retrieved", data)

    async def cancel_request(request: Request) -> Response:
        with state.lock:
            entry, _ = lookup(request, "NOT_FOUND")
            rid = entry["request_id"]
            status = entry.get("status")
            if status in _FINISHED:
                raise APIError(400, f"Cannot cancel request {rid}: already {status}", "OPERATION_FAILED")
            cancellation = "immediate" if status in ("pending", "cancelled") else "cooperative"
            entry["status"] = "cancelled"
            entry.setdefault("completed_at", time.time())
        data = {
            "request_id": rid,
            "status": "cancelled",
            "cancellation": cancellation,
            "message": f"Request {rid} cancelled",
        }
        return ok("request_status", "request.cancelled", data)

    return [
        Route("/requests", list_requests, methods=["GET"]),
        Route("/requests/{request_id}", get_request, methods=["GET"]),
        Route("/requests/{request_id}", cancel_request, methods=["DELETE"]),
    ]
