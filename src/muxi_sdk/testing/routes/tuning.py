"""Tuning: /v1/tuning (admin key), the formation's MUXI.md and the tuner's pending suggestion.

State `tuning`: {"live": str | None, "pending": str | None, "learnings": int (of the pending suggestion),
"seen_messages": int}. `POST /tuning/run` proposes a pending suggestion when chat messages arrived since the
last run (one learning per user message), so review flows run end to end; tests may also set
`state.table("tuning")["pending"]` directly. Wording, codes and statuses are the runtime's.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..auth import require
from ..envelope import APIError, ok, validation_error
from ..state import FakeState
from .chat import read_json

MAX_BYTES = 32_768  # the runtime's MUXI_MD_MAX_BYTES
NOT_ACTIVE = "Tuning is not active for this formation"


def routes(state: FakeState) -> list[BaseRoute]:
    def table() -> dict[str, Any]:
        t: dict[str, Any] = state.table("tuning")
        t.setdefault("live", None)
        t.setdefault("pending", None)
        t.setdefault("learnings", 0)
        t.setdefault("seen_messages", 0)
        return t

    def path(name: str) -> str:
        return f"/srv/{state.formation_id}/{name}"

    def tuning_active() -> None:
        if not state.features.get("tuning", True):
            raise APIError(503, NOT_ACTIVE, "SERVICE_UNAVAILABLE")

    async def get(request: Request) -> Response:
        require(request, state, "admin")
        return ok("tuning", "tuning.retrieved", {"content": table()["live"], "path": path("MUXI.md")})

    async def replace(request: Request) -> Response:
        require(request, state, "admin")
        body = await read_json(request)
        if "content" not in body:
            raise validation_error(("content", "Field required", "string", "missing"))
        content = body["content"]
        if not isinstance(content, str):
            raise validation_error(("content", "Input should be a valid string", "string", "string_type"))
        size = len(content.encode("utf-8"))
        if size > MAX_BYTES:
            raise APIError(
                413,
                f"MUXI.md content is {size} bytes; the bound is {MAX_BYTES} bytes (it is injected into every turn)",
                "TUNING_CONTENT_TOO_LARGE",
            )
        with state.lock:
            table()["live"] = content.strip() or None
        return ok("tuning", "tuning.updated", {"path": path("MUXI.md"), "bytes": size})

    async def get_pending(request: Request) -> Response:
        require(request, state, "admin")
        data = {"content": table()["pending"], "path": path("PENDING-MUXI.md")}
        return ok("tuning", "tuning.pending.retrieved", data)

    def take_pending(verb: str) -> tuple[dict[str, Any], int]:
        tuning_active()
        t = table()
        if t["pending"] is None:
            raise APIError(404, f"No pending MUXI.md suggestion to {verb}", "TUNING_NO_PENDING")
        learnings, t["learnings"] = t["learnings"], 0
        return t, learnings

    async def apply_pending(request: Request) -> Response:
        require(request, state, "admin")
        with state.lock:
            t, learnings = take_pending("apply")
            t["live"], t["pending"] = t["pending"], None
        data = {"path": path("MUXI.md"), "learnings_activated": learnings}
        return ok("tuning", "tuning.pending.applied", data)

    async def dismiss_pending(request: Request) -> Response:
        require(request, state, "admin")
        with state.lock:
            t, learnings = take_pending("dismiss")
            t["pending"] = None
        return ok("tuning", "tuning.pending.dismissed", {"learnings_dismissed": learnings})

    async def run(request: Request) -> Response:
        require(request, state, "admin")
        tuning_active()
        started = time.monotonic()
        with state.lock:
            t = table()
            said = [
                m["content"]
                for s in state.table("sessions").values()
                for m in s["messages"]
                if m.get("role") == "user" and isinstance(m.get("content"), str)
            ]
            new = said[t["seen_messages"] :]
            t["seen_messages"] = len(said)
            if new:
                base = t["pending"] if t["pending"] is not None else (t["live"] or "# MUXI.md")
                lines = "\n".join(f"- The user asked: {text[:80]}" for text in new)
                t["pending"] = f"{base}\n{lines}"
                t["learnings"] += len(new)
        data = {
            "trigger": "manual",
            "events_read": len(new) * 2,
            "segments_read": 1 if new else 0,
            "entries_written": len(new),
            "dropped_sentences": 0,
            "spool_committed": False,
            "spool_segments_kept": False,
            "benchmark_suites_run": [],
            "benchmark_skipped": "bench harness not configured ($MUXI_BENCH_ROOT)",
            "duration_ms": round((time.monotonic() - started) * 1000, 1),
        }
        return ok("tuning_run", "tuning.run.completed", data)

    return [
        Route("/tuning", get, methods=["GET"]),
        Route("/tuning", replace, methods=["POST"]),
        Route("/tuning/pending", get_pending, methods=["GET"]),
        Route("/tuning/pending", apply_pending, methods=["PATCH"]),
        Route("/tuning/pending", dismiss_pending, methods=["DELETE"]),
        Route("/tuning/run", run, methods=["POST"]),
    ]
