"""Background jobs of the fake server (memory rebuild/forget, ingestion, distilled batches).

A job answers `processing` for `polls` status reads, then finishes: `completed` with its result, or
`failed` with `error`. Tests steer every job started afterwards through `state.table("job_settings")`:
`polls` (default 1; None: the job never finishes) and `error` (default None; a message: the job fails).
"""

from __future__ import annotations

import time
from typing import Any

from ..envelope import APIError
from ..state import FakeState
from ._common import now_iso


def settings(state: FakeState) -> dict[str, Any]:
    return state.table("job_settings", lambda: {"polls": 1, "error": None})  # type: ignore[no-any-return]


def start(state: FakeState, table: str, job_id: str, user_id: str | None, result: dict[str, Any]) -> None:
    """Record a job that finishes with `result` (or the configured error) after the configured polls."""
    rules = settings(state)
    with state.lock:
        state.table(table)[job_id] = {
            "user_id": user_id,
            "created_at": time.time(),
            "polls_left": rules.get("polls", 1),
            "fail": rules.get("error"),
            "result": result,
            "status": "processing",
            "completed_at": None,
        }


def read(state: FakeState, table: str, job_id: str) -> dict[str, Any] | None:
    """One status read: counts down the job's polls and finishes it when they are used up."""
    with state.lock:
        job: dict[str, Any] | None = state.table(table).get(job_id)
        if job is None or job["status"] != "processing":
            return job
        left = job["polls_left"]
        if left is None:
            return job
        if left > 0:
            job["polls_left"] = left - 1
            return job
        job["status"] = "failed" if job["fail"] else "completed"
        job["completed_at"] = now_iso()
        return job


def status_answer(processing_id: str, job: dict[str, Any]) -> dict[str, Any]:
    """An ingestion or distilled job as the runtime reports it: id, status, times, then error or result."""
    data: dict[str, Any] = {"processing_id": processing_id, "status": job["status"], "created_at": job["created_at"]}
    if job["completed_at"]:
        data["completed_at"] = job["completed_at"]
    if job["status"] == "failed":
        data["error"] = job["fail"]
    elif job["status"] == "completed":
        data.update(job["result"])
    return data


def processing(state: FakeState, table: str, processing_id: str) -> dict[str, Any]:
    """`read` of an ingestion or distilled job, or the runtime's 404 for an unknown (or expired) one."""
    job = read(state, table, processing_id)
    if job is None:
        raise APIError(
            404,
            f"Unknown or expired processing_id '{processing_id}' (completed results are retained for 5 minutes)",
            "NOT_FOUND",
        )
    return job
