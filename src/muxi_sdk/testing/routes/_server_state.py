"""The fake MUXI server's formations and settings: records, test helpers, the views the API answers with.

Kept in `state.table("server_formations")` (records by id) and `state.table("server_options")`; the routes are
in `server.py`, which re-exports the public helpers.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import datetime, timezone
from http import HTTPStatus
from typing import Any

from starlette.responses import JSONResponse

from ..state import FakeState
from ._bundle import Bundle

RUNTIME_VERSION = "1.20260928.0"
PORT_POOL = (18300, 18399)
NOT_FOUND = "Formation not found"

UPSTREAM_BUGS = {
    "start_outside_current": "start/restart look for the config outside `current/`: 500 (JSON) or "
    "`event: error` ParseError 'Failed to find formation config' (default build)",
    "lingering_staging": "after an update the old process lingers as `<id>-staging`: every later update of "
    "that formation fails with 500 / SpawnError",
    "cancel_after_rollback": "a rollback leaves its staging port allocated: cancel-update then answers 200 with "
    "no update running, and the formation turns `unhealthy`",
}


class ServerFail(Exception):
    """An error answer of the MUXI server: `{"error": "<status text>", "message": ..., "code": status}`.

    `kind` is the error type the same failure carries in an `event: error` frame, `stage` where it happens.
    """

    def __init__(self, status: int, message: str, kind: str | None = None, stage: str = "validating") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind or HTTPStatus(status).phrase.replace(" ", "")
        self.stage = stage

    def response(self) -> JSONResponse:
        return JSONResponse(server_error_body(self.status, self.message), status_code=self.status)

    def frame(self) -> bytes:
        return sse("error", {"error": self.kind, "message": self.message, "stage": self.stage})


def server_error_body(status: int, message: str) -> dict[str, Any]:
    return {"error": HTTPStatus(status).phrase, "message": message, "code": status}


def ok(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse({"success": True, "data": data}, status_code=status)


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


# ------------------------------------------------------------------------------------------ state helpers


def server_options(state: FakeState) -> dict[str, Any]:
    opts: dict[str, Any] = state.table("server_options")
    opts.setdefault("auth_enabled", True)
    opts.setdefault("tolerance_s", 300)
    opts.setdefault("step_delay_s", 0.005)
    opts.setdefault("health_check_attempts", 2)
    opts.setdefault("health_check_s", 1.0)
    opts.setdefault("audit_log", False)
    opts.setdefault("failure", None)
    opts.setdefault("bugs", set())
    return opts


def set_server_option(state: FakeState, **options: Any) -> None:
    """Tune the fake server: `step_delay_s` (pause between progress frames, default 0.005),
    `health_check_attempts` (health-check frames per operation, 2), `health_check_s` (how long a formation
    stays `starting` after a rollback, 1.0), `audit_log` (log every signed request, False like the real build)."""
    opts = server_options(state)
    unknown = set(options) - {"step_delay_s", "health_check_attempts", "health_check_s", "audit_log"}
    if unknown:
        raise ValueError(f"unknown server option(s): {', '.join(sorted(unknown))}")
    opts.update(options)


def enable_upstream_bug(state: FakeState, *names: str) -> None:
    """Reproduce bugs of MUXI Server 0.20260423.0 (off by default; `UPSTREAM_BUGS` describes each)."""
    unknown = set(names) - set(UPSTREAM_BUGS)
    if unknown:
        raise ValueError(f"unknown upstream bug(s): {', '.join(sorted(unknown))}; known: {', '.join(UPSTREAM_BUGS)}")
    server_options(state)["bugs"].update(names)


def bug(state: FakeState, name: str) -> bool:
    return name in server_options(state)["bugs"]


def formations(state: FakeState) -> dict[str, dict[str, Any]]:
    """The fake server's formations, by id (mutable; hold `state.lock` while changing them)."""
    table: dict[str, dict[str, Any]] = state.table("server_formations")
    return table


def audit_log(state: FakeState) -> list[str]:
    """The lines `GET /rpc/server/logs` serves (one per signed request while `audit_log` is on)."""
    lines: list[str] = state.table("server_audit", list)
    return lines


def set_auth(state: FakeState, *, enabled: bool | None = None, tolerance_s: int | None = None) -> None:
    """Switch HMAC checking off (like `auth.enabled: false`) or change the timestamp tolerance."""
    opts = server_options(state)
    if enabled is not None:
        opts["auth_enabled"] = enabled
    if tolerance_s is not None:
        opts["tolerance_s"] = tolerance_s


def fail_next_operation(
    state: FakeState,
    stage: str = "health_check",
    error: str = "HealthCheckFailed",
    message: str = "Health check failed: formation did not become healthy",
    status: int = 400,
) -> None:
    """The next deploy/update/start/restart/rollback fails at `stage` (or at its last stage if it has no such
    stage): an `event: error` frame when streamed, else a JSON error with `status`. Nothing changes."""
    server_options(state)["failure"] = {"stage": stage, "error": error, "message": message, "status": status}


def begin_update(state: FakeState, formation_id: str) -> None:
    """Mark an update of `formation_id` as running (PUT answers 409; cancel-update succeeds)."""
    with state.lock:
        formations(state)[formation_id]["update"] = {"staging_port": allocate_port(state), "cancelled": False}


def append_log(state: FakeState, formation_id: str, line: str, stream: str = "stdout") -> None:
    """Write a line to a formation's stdout or stderr (followers receive it)."""
    with state.lock:
        formations(state)[formation_id]["logs"][stream].append(line)


def register_formation(
    state: FakeState, formation_id: str, *, version: str = "1.0.0", status: str = "running"
) -> dict[str, Any]:
    """Put a formation on the fake server without deploying a bundle (as if deployed earlier)."""
    with state.lock:
        record = new_record(state, formation_id, bundle_stub(formation_id, version))
        launch(state, record)
        record["status"] = status
        formations(state)[formation_id] = record
        return record


def settle(state: FakeState, formation_id: str | None = None) -> None:
    """Let pending health checks pass now: `starting` formations (all, or one) become `running`."""
    with state.lock:
        for record in formations(state).values():
            if record["status"] == "starting" and formation_id in (None, record["id"]):
                record["settles_at"] = 0.0
                refresh(record)


def set_status(state: FakeState, formation_id: str, status: str) -> None:
    """Force a formation's state (`running`, `starting`, `unhealthy`, `stopped`, `crashed`)."""
    with state.lock:
        record = formations(state)[formation_id]
        record["status"] = status
        record["settles_at"] = None
        record["healthy"] = {"running": True, "starting": None}.get(status, False)
        if status == "stopped":
            record["pid"] = 0


def allocate_port(state: FakeState) -> int:
    counters: dict[str, int] = state.table("server_counters")
    port = counters.get("port", PORT_POOL[0])
    counters["port"] = port + 1 if port < PORT_POOL[1] else PORT_POOL[0]
    return port


def next_pid(state: FakeState) -> int:
    counters: dict[str, int] = state.table("server_counters")
    pid = counters.get("pid", 40_000) + 1
    counters["pid"] = pid
    return pid


def bundle_stub(formation_id: str, version: str) -> Bundle:
    data = f"{formation_id}:{version}".encode()
    return Bundle(formation_id, version, hashlib.sha256(data).hexdigest(), (), False, data)


def version_of(bundle: Bundle, number: int) -> dict[str, Any]:
    return {"hash": bundle.hash, "semantic": bundle.version or "1.0.0", "number": number, "data": bundle.data}


def new_record(state: FakeState, formation_id: str, bundle: Bundle) -> dict[str, Any]:
    now = now_iso()
    return {
        "id": formation_id,
        "name": formation_id,
        "status": "stopped",
        "healthy": None,
        "port": allocate_port(state),
        "pid": 0,
        "restart_count": 0,
        "created_at": now,
        "deployed_at": now,
        "updated_at": now,
        "last_health_check": None,
        "started_at": time.time(),
        "settles_at": None,
        "current": version_of(bundle, 1),
        "previous": None,
        "numbers": 1,
        "update": None,
        "leftover_port": None,
        "lingering_staging": False,
        "logs": {"stdout": [], "stderr": []},
    }


def launch(state: FakeState, record: dict[str, Any], port: int | None = None) -> None:
    """The formation's process is up and passed its health check."""
    record["status"] = "running"
    record["healthy"] = True
    record["settles_at"] = None
    record["port"] = port or record["port"]
    record["pid"] = next_pid(state)
    record["started_at"] = time.time()
    record["last_health_check"] = now_iso()
    current = record["current"]
    record["logs"]["stdout"].append(
        f"[muxi] formation {record['id']} v{current['semantic']} listening on 127.0.0.1:{record['port']}"
    )


def refresh(record: dict[str, Any]) -> None:
    """The health monitor: a `starting` formation whose health check is due becomes `running`."""
    due = record.get("settles_at")
    if record["status"] == "starting" and due is not None and time.time() >= due:
        record["status"] = "running"
        record["healthy"] = True
        record["settles_at"] = None
        record["started_at"] = time.time()
        record["last_health_check"] = now_iso()


# ---------------------------------------------------------------------------------------------- views


def uptime_of(record: dict[str, Any]) -> int:
    return int(time.time() - record["started_at"]) if record["status"] in ("running", "unhealthy") else 0


def summary(record: dict[str, Any]) -> dict[str, Any]:
    version = {"semantic": record["current"]["semantic"], "current": record["current"]["hash"]}
    if record["previous"]:
        version["previous"] = record["previous"]["hash"]
    return {
        "id": record["id"],
        "name": record["name"],
        "port": record["port"],
        "status": record["status"],
        "pid": record["pid"],
        "uptime": uptime_of(record),
        "restart_count": record["restart_count"],
        "healthy": record["healthy"],
        "version": version,
    }


def detail(record: dict[str, Any]) -> dict[str, Any]:
    version = {"current": record["current"]["hash"]}
    if record["previous"]:
        version["previous"] = record["previous"]["hash"]
    detail = {
        "created_at": record["created_at"],
        "deployed_at": record["deployed_at"],
        "healthy": record["healthy"],
        "id": record["id"],
        "last_health_check": record["last_health_check"],
        "name": record["name"],
        "pid": record["pid"],
        "port": record["port"],
        "restart_count": record["restart_count"],
        "status": record["status"],
        "updated_at": record["updated_at"],
        "uptime": uptime_of(record),
        "version": version,
    }
    if detail["last_health_check"] is None:
        del detail["last_health_check"]
    return detail
