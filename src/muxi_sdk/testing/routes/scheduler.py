"""Scheduler: /v1/scheduler and /v1/scheduler/jobs, answering like muxi-runtime 1.20260928.

The router accepts either key, but every handler except the job listing re-checks for the admin key (401
"Admin API key required for this endpoint"). A job's owner is the `X-Muxi-User-ID` header (default "0");
pause, resume, update and delete act on the caller's job. Jobs never run here.

State: `scheduler_jobs` (id -> job), `scheduler_config` (the settings `GET /scheduler` shows),
`scheduler_settings` (`enabled`: False answers 503; `persistent`: False answers 422 like a formation without
persistent memory).
"""

from __future__ import annotations

import secrets
import string
import time
from datetime import datetime, timezone
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..._utils.cron import CRON_EXAMPLE, cron_problem, iso_utc, parse_datetime
from ..auth import require, user_id
from ..envelope import APIError, envelope, ok, validation_error
from ..idempotency import idempotent
from ..state import FakeState
from ._common import dual_user, now_iso
from .chat import read_json

ADMIN_REQUIRED = "Admin API key required for this endpoint"
UNAVAILABLE = "Scheduler is not available or not enabled"
_ALNUM = string.ascii_letters + string.digits


def _job_id() -> str:
    return "job_" + "".join(secrets.choice(_ALNUM) for _ in range(16))


def _settings(state: FakeState) -> dict[str, Any]:
    return state.table("scheduler_settings", lambda: {"enabled": True, "persistent": True})  # type: ignore[no-any-return]


def _public(job: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in job.items() if not k.startswith("_")}


def check_schedule(kind: str, schedule: str) -> datetime | None:
    """Validate like the runtime (croniter / dateutil); the one-time datetime when `kind` is one_time."""
    if kind == "recurring":
        problem = cron_problem(schedule)
        if problem is not None:
            data = {"field": "schedule", "value": schedule, "expected": CRON_EXAMPLE, "error": problem}
            raise APIError(422, "Invalid cron expression for recurring job", "VALIDATION_ERROR", data)
        return None
    when = parse_datetime(schedule)
    if when is None:
        data = {
            "field": "schedule",
            "value": schedule,
            "expected": "ISO 8601 datetime (e.g., '2025-10-25T14:00:00Z')",
            "error": f"String does not contain a date: {schedule}",
        }
        raise APIError(422, "Invalid datetime format for one_time job", "VALIDATION_ERROR", data)
    if when <= datetime.now(timezone.utc):
        data = {"field": "schedule", "value": schedule, "expected": "Future ISO 8601 datetime"}
        raise APIError(422, "Schedule datetime must be in the future", "VALIDATION_ERROR", data)
    return when


def routes(state: FakeState) -> list[BaseRoute]:
    def jobs() -> dict[str, dict[str, Any]]:
        return state.table("scheduler_jobs")  # type: ignore[no-any-return]

    def admin(request: Request) -> str:
        """The admin-only handlers: either key gets past the router, only the admin key past the handler."""
        if require(request, state, "dual") != "admin":
            raise APIError(401, ADMIN_REQUIRED)
        return user_id(request) or "0"

    def available() -> None:
        if not _settings(state).get("enabled", True):
            raise APIError(503, UNAVAILABLE, "SERVICE_UNAVAILABLE")

    def owned(job_id: str, user: str) -> dict[str, Any] | None:
        job = jobs().get(job_id)
        return job if job is not None and job["user_id"] == user else None

    async def config(request: Request) -> Response:
        admin(request)
        defaults = {
            "enabled": True,
            "timezone": "UTC",
            "check_interval_minutes": 1,
            "max_concurrent_jobs": 10,
            "max_failures_before_pause": 3,
            "default_time": "09:00",
        }
        return ok("scheduler", "scheduler.retrieved", state.table("scheduler_config", lambda: defaults))

    async def list_jobs(request: Request) -> Response:
        user = dual_user(request, state)
        found = [j for j in jobs().values() if user is None or j["user_id"] == user]
        found.sort(key=lambda j: j["_seq"], reverse=True)
        if not _settings(state).get("enabled", True):
            found = []
        return ok(
            "scheduled_job_list", "scheduler.jobs.list", {"jobs": [_public(j) for j in found], "count": len(found)}
        )

    async def create(request: Request) -> Response:
        user = admin(request)
        body = await read_json(request)
        missing = [f for f in ("type", "schedule", "message") if f not in body]
        if missing:
            raise validation_error(*((f, "Field required", "string", "missing") for f in missing))
        wrong = [f for f in ("type", "schedule", "message") if not isinstance(body[f], str)]
        if wrong:
            raise validation_error(*((f, "Input should be a valid string", "string", "string_type") for f in wrong))
        kind, schedule, message = body["type"], body["schedule"], body["message"]
        if kind not in ("one_time", "recurring"):
            raise APIError(400, f"Invalid job type '{kind}'. Must be 'one_time' or 'recurring'", "VALIDATION_ERROR")
        when = check_schedule(kind, schedule)
        if not _settings(state).get("persistent", True):
            data = {
                "reason": "Formation has no persistent memory configured",
                "required": "Configure memory.persistent in formation (PostgreSQL or MySQL)",
            }
            raise APIError(422, "Scheduler jobs require persistent memory", "UNPROCESSABLE_ENTITY", data)
        available()

        async def run(key: str | None) -> Response:
            now = now_iso()
            job = {
                "id": _job_id(),
                "user_id": user,
                "title": message[:80],
                "original_prompt": message,
                "execution_prompt": message,
                "is_recurring": kind == "recurring",
                "cron_expression": schedule if kind == "recurring" else None,
                "scheduled_for": iso_utc(when) if when is not None else None,
                "exclusion_rules": [],
                "status": "ACTIVE",
                "created_at": now,
                "updated_at": now,
                "last_run_at": None,
                "last_run_status": None,
                "last_run_failure_message": None,
                "total_runs": 0,
                "total_failures": 0,
                "consecutive_failures": 0,
                "job_metadata": {},
                "_seq": time.monotonic_ns(),
            }
            with state.lock:
                jobs()[job["id"]] = job
            body_out = envelope("scheduled_job", "scheduler.job.created", _public(job), idempotency_key=key)
            return JSONResponse(body_out, status_code=201)

        return await idempotent(request, state, "json", run)

    async def get(request: Request) -> Response:
        admin(request)
        available()
        job_id = request.path_params["job_id"]
        job = jobs().get(job_id)
        if job is None:
            raise APIError(404, f"Scheduled job '{job_id}' not found")
        return ok("scheduled_job", "scheduler.job.retrieved", _public(job))

    async def update(request: Request) -> Response:
        user = admin(request)
        body = await read_json(request)
        for f in ("message", "schedule", "title"):
            if body.get(f) is not None and not isinstance(body[f], str):
                raise validation_error((f, "Input should be a valid string", "string", "string_type"))
        available()
        job_id = request.path_params["job_id"]
        with state.lock:
            job = owned(job_id, user)
            if job is None:
                raise APIError(404, f"Scheduled job '{job_id}' not found")
            schedule = body.get("schedule")
            if schedule is not None:
                kind = "one_time" if parse_datetime(schedule) is not None else "recurring"
                when = check_schedule(kind, schedule)
                if (kind == "recurring") != job["is_recurring"]:  # a different kind of job: replaced, new id
                    del jobs()[job_id]
                    job = {**job, "id": _job_id(), "created_at": now_iso(), "_seq": time.monotonic_ns()}
                    jobs()[job["id"]] = job
                job["is_recurring"] = kind == "recurring"
                job["cron_expression"] = schedule if kind == "recurring" else None
                job["scheduled_for"] = iso_utc(when) if when is not None else None
            if body.get("message") is not None:
                job["original_prompt"] = job["execution_prompt"] = body["message"]
            if body.get("title") is not None:
                job["title"] = body["title"]
            job["updated_at"] = now_iso()
        return ok("scheduled_job", "scheduler.job.updated", _public(job))

    def transition(request: Request, wanted: str, to: str) -> dict[str, Any]:
        user = admin(request)
        available()
        job_id = request.path_params["job_id"]
        with state.lock:
            job = owned(job_id, user)
            if job is None or job["status"] != wanted:
                raise APIError(404, f"Scheduled job '{job_id}' not found or not in {wanted} state")
            job["status"] = to
            job["updated_at"] = now_iso()
        return {"id": job_id, "status": to}

    async def pause(request: Request) -> Response:
        return ok("scheduled_job", "scheduler.job.paused", transition(request, "ACTIVE", "PAUSED"))

    async def resume(request: Request) -> Response:
        return ok("scheduled_job", "scheduler.job.resumed", transition(request, "PAUSED", "ACTIVE"))

    async def delete(request: Request) -> Response:
        user = admin(request)
        available()
        job_id = request.path_params["job_id"]
        with state.lock:
            if owned(job_id, user) is None:
                raise APIError(404, f"Scheduled job '{job_id}' not found")
            del jobs()[job_id]
        return ok("message", "scheduler.job.deleted", {"message": f"Scheduled job '{job_id}' removed successfully"})

    return [
        Route("/scheduler", config, methods=["GET"]),
        Route("/scheduler/jobs", list_jobs, methods=["GET"]),
        Route("/scheduler/jobs", create, methods=["POST"]),
        Route("/scheduler/jobs/{job_id}", get, methods=["GET"]),
        Route("/scheduler/jobs/{job_id}", update, methods=["PUT"]),
        Route("/scheduler/jobs/{job_id}", delete, methods=["DELETE"]),
        Route("/scheduler/jobs/{job_id}/pause", pause, methods=["POST"]),
        Route("/scheduler/jobs/{job_id}/resume", resume, methods=["POST"]),
    ]
