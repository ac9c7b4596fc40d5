"""The MUXI server API (the Go `muxi-server`) at the fake's root: `/ping`, `/health` and HMAC-signed `/rpc/...`.

- HMAC is verified exactly as the real server does (`Authorization: MUXI-HMAC key=..., timestamp=...,
  signature=...` over `"<timestamp>;<METHOD>;<path without query>"`, ±300 s), with its 401 messages.
- Bodies: `{"success": true, "data": ...}`; errors `{"error": "<status text>", "message": ..., "code": N}`.
- Formations live in `state.table("server_formations")`. Deploy validates the gzipped tarball (gzip + tar,
  a `formation.afs`/`.yaml`/`.yml`, `X-Formation-ID` equal to the bundle's `id`, `X-Formation-Version` to
  its `version`) and "runs" it: status `running`, a port, a pid, and a `url` through this fake's
  `/api/{id}` proxy (the Formation API of the fake answers there, so `Muxi(server_url=..., formation_id=id)`
  works). Update keeps the previous version for `rollback`.
- `Accept: text/event-stream` on deploy, update, start, restart and rollback streams `event: progress`
  frames, then `event: complete` (or `event: error`). `GET .../logs?follow=true` streams `event: connected`,
  then `event: log` for each new line.

Test helpers: `fail_next_operation(state, stage=...)` makes the next lifecycle operation fail at a stage,
`begin_update(state, id)` leaves an update "in progress" (for `cancel-update` and the 409), `append_log(...)`
writes a formation log line, `set_auth(state, enabled=..., tolerance_s=...)` changes the auth settings.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import io
import json
import re
import tarfile
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timezone
from http import HTTPStatus
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from ..state import FakeState

MANIFEST_NAMES = ("formation.afs", "formation.yaml", "formation.yml")
GZIP_TYPES = ("application/gzip", "application/x-gzip", "application/octet-stream")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")
_TOP_LEVEL = re.compile(r"^(id|version)\s*:\s*(.*)$")
FOLLOW_POLL_S = 0.05
KEEPALIVE_S = 1.0
PORT_POOL = (8001, 8999)

STAGES = {
    "deploy": ["extracting", "validating", "resolving_runtime", "spawning", "health_check"],
    "update": ["extracting", "validating", "spawning_staging", "health_check", "swapping", "stopping_old"],
    "start": ["spawning", "health_check"],
    "restart": ["stopping", "spawning"],
    "rollback": ["validating", "spawning_previous", "health_check", "stopping_current", "swapping"],
}
_STAGE_MESSAGES = {
    "extracting": "Extracting bundle",
    "validating": "Validating formation",
    "resolving_runtime": "Resolving runtime version",
    "spawning": "Starting formation process",
    "spawning_staging": "Starting new version on a staging port",
    "spawning_previous": "Starting previous version",
    "health_check": "Waiting for health check",
    "swapping": "Switching traffic",
    "stopping_old": "Stopping old version",
    "stopping_current": "Stopping current version",
    "stopping": "Stopping formation",
}


class ServerFail(Exception):
    """An error answer of the MUXI server: `{"error": "<status text>", "message": ..., "code": status}`."""

    def __init__(self, status: int, message: str, kind: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind or HTTPStatus(status).phrase.replace(" ", "")

    def response(self) -> JSONResponse:
        return JSONResponse(server_error_body(self.status, self.message), status_code=self.status)


def server_error_body(status: int, message: str) -> dict[str, Any]:
    return {"error": HTTPStatus(status).phrase, "message": message, "code": status}


def _ok(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse({"success": True, "data": data}, status_code=status)


def _now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# ------------------------------------------------------------------------------------------ state helpers


def _options(state: FakeState) -> dict[str, Any]:
    opts: dict[str, Any] = state.table("server_options")
    opts.setdefault("auth_enabled", True)
    opts.setdefault("tolerance_s", 300)
    opts.setdefault("step_delay_s", 0.005)
    opts.setdefault("failure", None)
    return opts


def formations(state: FakeState) -> dict[str, dict[str, Any]]:
    """The fake server's formations, by id (mutable; hold `state.lock` while changing them)."""
    table: dict[str, dict[str, Any]] = state.table("server_formations")
    return table


def audit_log(state: FakeState) -> list[str]:
    """The lines `GET /rpc/server/logs` serves (one per authenticated request)."""
    lines: list[str] = state.table("server_audit", list)
    return lines


def set_auth(state: FakeState, *, enabled: bool | None = None, tolerance_s: int | None = None) -> None:
    """Switch HMAC checking off (like `auth.enabled: false`) or change the timestamp tolerance."""
    opts = _options(state)
    if enabled is not None:
        opts["auth_enabled"] = enabled
    if tolerance_s is not None:
        opts["tolerance_s"] = tolerance_s


def fail_next_operation(
    state: FakeState,
    stage: str = "health_check",
    error: str = "HealthCheckFailed",
    message: str = "Health check failed: formation did not become healthy",
) -> None:
    """The next deploy/update/start/restart/rollback fails at `stage` (nothing changes on the server)."""
    _options(state)["failure"] = {"stage": stage, "error": error, "message": message}


def begin_update(state: FakeState, formation_id: str) -> None:
    """Mark an update of `formation_id` as running (PUT answers 409; cancel-update succeeds)."""
    with state.lock:
        record = formations(state)[formation_id]
        record["update_in_progress"] = {"staging_port": _allocate_port(state)}


def append_log(state: FakeState, formation_id: str, line: str, stream: str = "stdout") -> None:
    """Write a line to a formation's stdout or stderr (followers receive it)."""
    with state.lock:
        formations(state)[formation_id]["logs"][stream].append(line)


def _allocate_port(state: FakeState) -> int:
    counters: dict[str, int] = state.table("server_counters")
    port = counters.get("port", PORT_POOL[0])
    counters["port"] = port + 1
    return port


def _next_pid(state: FakeState) -> int:
    counters: dict[str, int] = state.table("server_counters")
    pid = counters.get("pid", 40_000) + 1
    counters["pid"] = pid
    return pid


# --------------------------------------------------------------------------------------------- HMAC


def verify_hmac(request: Request, state: FakeState) -> str:
    """Check the `Authorization: MUXI-HMAC ...` header like the real server; returns the key id."""
    opts = _options(state)
    if not opts["auth_enabled"]:
        return "anonymous"
    header = request.headers.get("authorization")
    if not header:
        raise ServerFail(401, "Missing authorization header")
    prefix = "MUXI-HMAC "
    if not header.startswith(prefix):
        raise ServerFail(401, "Invalid authorization header format")
    params: dict[str, str] = {}
    for part in header[len(prefix) :].split(", "):
        name, sep, value = part.partition("=")
        if not sep:
            raise ServerFail(401, "Invalid authorization header format")
        params[name.strip()] = value
    key, ts_text, signature = params.get("key"), params.get("timestamp"), params.get("signature")
    if not key or not ts_text or not signature:
        raise ServerFail(401, "Invalid authorization header format")
    if not hmac.compare_digest(key.encode(), state.key_id.encode()):
        raise ServerFail(401, "Invalid key")
    try:
        timestamp = int(ts_text)
    except ValueError:
        raise ServerFail(401, "Invalid authorization header format") from None
    if abs(time.time() - timestamp) > opts["tolerance_s"]:
        raise ServerFail(401, "Request expired (timestamp too old or in future)")
    message = f"{timestamp};{request.method.upper()};{request.url.path}".encode()
    expected = base64.b64encode(hmac.new(state.secret_key.encode(), message, hashlib.sha256).digest()).decode()
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        raise ServerFail(401, "Invalid signature")
    return key


Handler = Callable[[Request], Awaitable[Response]]


def _rpc(state: FakeState, fn: Handler) -> Handler:
    async def endpoint(request: Request) -> Response:
        try:
            key = verify_hmac(request, state)
            with state.lock:
                audit_log(state).append(f"{_now_iso()} key={key} {request.method} {request.url.path}")
            return await fn(request)
        except ServerFail as fail:
            return fail.response()

    return endpoint


# ------------------------------------------------------------------------------------------- bundles


def _parse_manifest(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in text.splitlines():
        match = _TOP_LEVEL.match(line)
        if not match or match[1] in found:
            continue
        raw = match[2].strip()
        if raw[:1] in ("'", '"'):
            end = raw.find(raw[0], 1)
            value = raw[1:end] if end > 0 else raw[1:]
        else:
            value = re.split(r"\s+#", raw, maxsplit=1)[0].strip()
        if value:
            found[match[1]] = value
    return found


def read_bundle(body: bytes) -> dict[str, Any]:
    """Validate a gzipped tarball as the server does; returns `{id, version, hash, files}`."""
    if body[:2] != b"\x1f\x8b":
        raise ServerFail(400, "Failed to extract bundle: not gzip data", "ExtractError")
    manifest: dict[str, str] | None = None
    files = 0
    try:
        with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as tar:
            for member in tar:
                parts = [p for p in member.name.split("/") if p not in ("", ".")]
                if member.name.startswith("/") or ".." in parts:
                    raise ServerFail(400, f"Failed to extract bundle: unsafe path {member.name!r}", "ExtractError")
                if member.isfile():
                    files += 1
                    if manifest is None and 1 <= len(parts) <= 2 and parts[-1] in MANIFEST_NAMES:
                        extracted = tar.extractfile(member)
                        text = extracted.read().decode("utf-8", "replace") if extracted else ""
                        manifest = _parse_manifest(text)
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise ServerFail(400, f"Failed to extract bundle: {exc}", "ExtractError") from None
    if manifest is None:
        raise ServerFail(
            400, "Failed to parse formation: no formation.afs, formation.yaml or formation.yml in bundle", "ParseError"
        )
    return {
        "id": manifest.get("id"),
        "version": manifest.get("version"),
        "hash": hashlib.sha256(body).hexdigest()[:16],
        "files": files,
    }


def _check_content_type(request: Request) -> None:
    content_type = request.headers.get("content-type", "")
    if not any(t in content_type for t in GZIP_TYPES):
        raise ServerFail(400, "Content-Type must be application/gzip (a gzipped tarball of the formation)")


def _check_bundle(info: dict[str, Any], formation_id: str, header_version: str | None) -> str:
    """The bundle's id must equal the formation id, its version the header's; returns the version."""
    if info["id"] and info["id"] != formation_id:
        raise ServerFail(
            400, f"Formation ID mismatch: header says '{formation_id}', bundle says '{info['id']}'", "IDMismatch"
        )
    version = header_version or info["version"] or "1.0.0"
    if header_version and info["version"] and info["version"] != header_version:
        raise ServerFail(
            400,
            f"Version mismatch: header says '{header_version}', bundle says '{info['version']}'",
            "VersionMismatch",
        )
    return str(version)


# --------------------------------------------------------------------------------------------- views


def _summary(record: dict[str, Any]) -> dict[str, Any]:
    running = record["status"] == "running"
    return {
        "id": record["id"],
        "name": record["name"],
        "port": record["port"] if running else 0,
        "status": record["status"],
        "pid": record["pid"] if running else 0,
        "uptime": round(time.time() - record["started_at"], 1) if running else 0,
        "restart_count": record["restart_count"],
        "healthy": True if running else None,
        "version": {
            "current": record["current"]["hash"],
            **({"previous": record["previous"]["hash"]} if record["previous"] else {}),
        },
    }


def _detail(record: dict[str, Any]) -> dict[str, Any]:
    return {
        **_summary(record),
        "created_at": record["created_at"],
        "deployed_at": record["deployed_at"],
        "updated_at": record["updated_at"],
        "last_health_check": record["updated_at"] if record["status"] == "running" else None,
    }


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


def _wants_sse(request: Request) -> bool:
    return "text/event-stream" in request.headers.get("accept", "")


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


# ---------------------------------------------------------------------------------------------- routes


def routes(state: FakeState) -> list[BaseRoute]:
    return []


def server_routes(state: FakeState) -> list[BaseRoute]:
    def table() -> dict[str, dict[str, Any]]:
        return formations(state)

    def record_of(formation_id: str) -> dict[str, Any]:
        record = table().get(formation_id)
        if record is None:
            raise ServerFail(404, f"Formation '{formation_id}' not found")
        return record

    def take_failure() -> dict[str, Any] | None:
        opts = _options(state)
        failure: dict[str, Any] | None = opts["failure"]
        opts["failure"] = None
        return failure

    async def run(
        request: Request,
        operation: str,
        commit: Callable[[], tuple[dict[str, Any], dict[str, Any]]],
        status: int = 200,
    ) -> Response:
        """Answer a lifecycle operation: JSON (`commit()`'s data) or progress frames then `complete`."""
        failure = take_failure()
        if not _wants_sse(request):
            if failure is not None:
                raise ServerFail(400, failure["message"], failure["error"])
            data, _ = commit()
            return _ok(data, status)
        stages = STAGES[operation]
        delay = float(_options(state)["step_delay_s"])

        async def frames() -> AsyncIterator[bytes]:
            fail_at = None
            if failure is not None:
                fail_at = failure["stage"] if failure["stage"] in stages else stages[-1]
            for i, stage in enumerate(stages):
                if stage == fail_at and failure is not None:
                    yield _sse("error", {"error": failure["error"], "message": failure["message"], "stage": stage})
                    return
                progress = {"stage": stage, "message": _STAGE_MESSAGES.get(stage, stage)}
                progress["progress"] = int(100 * i / len(stages))  # type: ignore[assignment]
                yield _sse("progress", progress)
                if delay:
                    await asyncio.sleep(delay)
            try:
                _, complete = commit()
            except ServerFail as fail:
                yield _sse("error", {"error": fail.kind, "message": fail.message, "stage": stages[-1]})
                return
            yield _sse("complete", complete)

        return StreamingResponse(frames(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    def sse_error(fail: ServerFail, stage: str) -> Response:
        async def frames() -> AsyncIterator[bytes]:
            yield _sse("error", {"error": fail.kind, "message": fail.message, "stage": stage})

        return StreamingResponse(frames(), media_type="text/event-stream")

    async def bundle_or_error(
        request: Request, formation_id: str, running_hash: str | None = None
    ) -> tuple[dict[str, Any], str] | Response:
        """The uploaded bundle and its version, checked (a bad Content-Type always raises); a bad bundle
        raises, or is the error frame when the caller asked for SSE. `running_hash`: 409 on an identical one."""
        _check_content_type(request)
        body = await request.body()
        try:
            info = read_bundle(body)
            version = _check_bundle(info, formation_id, request.headers.get("x-formation-version"))
            if running_hash is not None and info["hash"] == running_hash:
                raise ServerFail(409, "No changes detected: the bundle is identical to the running version", "NoChange")
        except ServerFail as fail:
            if _wants_sse(request):
                return sse_error(fail, "extracting" if fail.kind == "ExtractError" else "validating")
            raise
        return info, version

    # -- public
    async def ping(request: Request) -> Response:
        return PlainTextResponse("pong")

    async def health(request: Request) -> Response:
        return JSONResponse({"success": True, "status": "ok", "version": state.version})

    # -- server
    async def server_status(request: Request) -> Response:
        with state.lock:
            records = list(table().values())
        counts = {"total": len(records), "running": 0, "stopped": 0, "crashed": 0}
        for record in records:
            if record["status"] in counts:
                counts[record["status"]] += 1
        size = PORT_POOL[1] - PORT_POOL[0] + 1
        allocated = sum(1 for r in records if r["status"] == "running")
        return _ok(
            {
                "server": {
                    "id": "fake-muxi-server",
                    "version": state.version,
                    "uptime": int(time.time() - state.started_at),
                },
                "formations": counts,
                "port_pool": {"total": size, "available": size - allocated, "allocated": allocated},
                "runtime": {"goroutines": 8 + 3 * allocated, "go_version": "go1.22.0 (fake)"},
            }
        )

    def lines_param(request: Request) -> int:
        raw = request.query_params.get("lines")
        if raw is None:
            return 100
        try:
            lines = int(raw)
        except ValueError:
            raise ServerFail(400, "Invalid lines parameter") from None
        if lines < 1:
            raise ServerFail(400, "Invalid lines parameter")
        return min(lines, 10_000)

    async def server_logs(request: Request) -> Response:
        lines = lines_param(request)
        with state.lock:
            tail = audit_log(state)[-lines:]
        return PlainTextResponse("".join(f"{line}\n" for line in tail))

    # -- formations
    async def list_formations(request: Request) -> Response:
        with state.lock:
            items = [_summary(r) for r in table().values()]
        return _ok({"formations": items, "total": len(items)})

    async def get_formation(request: Request) -> Response:
        with state.lock:
            return _ok(_detail(record_of(request.path_params["formation_id"])))

    def launch(record: dict[str, Any], base: str) -> None:
        record["status"] = "running"
        record["port"] = _allocate_port(state)
        record["pid"] = _next_pid(state)
        record["started_at"] = time.time()
        record["updated_at"] = _now_iso()
        record["logs"]["stdout"].append(
            f"[muxi] formation {record['id']} v{record['current']['version']} listening on port {record['port']}"
        )

    def place(record: dict[str, Any], base: str) -> dict[str, Any]:
        return {
            "formation_id": record["id"],
            "port": record["port"],
            "status": record["status"],
            "url": f"{base}/api/{record['id']}",
            "health_url": f"{base}/api/{record['id']}/v1/health",
            "pid": record["pid"],
        }

    def switched(record: dict[str, Any], base: str, left: dict[str, Any]) -> dict[str, Any]:
        """The `complete` frame of an update or a rollback: where it runs now, from which version to which."""
        return {**place(record, base), "previous_version": left["number"], "new_version": record["current"]["number"]}

    async def deploy(request: Request) -> Response:
        formation_id = request.headers.get("x-formation-id")
        if not formation_id:
            raise ServerFail(400, "X-Formation-ID header is required")
        if not _ID.match(formation_id):
            raise ServerFail(400, f"Invalid formation ID '{formation_id}'")
        with state.lock:
            if formation_id in table():
                raise ServerFail(409, f"Formation '{formation_id}' already exists. Use PUT to update.")
        checked = await bundle_or_error(request, formation_id)
        if isinstance(checked, Response):
            return checked
        info, version = checked
        base = _base(request)

        def commit() -> tuple[dict[str, Any], dict[str, Any]]:
            with state.lock:
                if formation_id in table():
                    raise ServerFail(409, f"Formation '{formation_id}' already exists. Use PUT to update.")
                now = _now_iso()
                record: dict[str, Any] = {
                    "id": formation_id,
                    "name": formation_id,
                    "status": "stopped",
                    "port": 0,
                    "pid": 0,
                    "restart_count": 0,
                    "created_at": now,
                    "deployed_at": now,
                    "updated_at": now,
                    "started_at": time.time(),
                    "current": {"hash": info["hash"], "version": version, "number": 1},
                    "previous": None,
                    "update_in_progress": None,
                    "logs": {"stdout": [], "stderr": []},
                }
                launch(record, base)
                record["logs"]["stderr"].append("[fake] no agents run here: this is the fake MUXI server")
                table()[formation_id] = record
                data = place(record, base)
            return data, data

        return await run(request, "deploy", commit, status=201)

    async def update(request: Request) -> Response:
        formation_id = request.path_params["formation_id"]
        with state.lock:
            record = record_of(formation_id)
            if record["update_in_progress"]:
                raise ServerFail(409, f"Formation '{formation_id}' is already being updated")
        checked = await bundle_or_error(request, formation_id, record["current"]["hash"])
        if isinstance(checked, Response):
            return checked
        info, version = checked
        base = _base(request)

        def commit() -> tuple[dict[str, Any], dict[str, Any]]:
            with state.lock:
                rec = record_of(formation_id)
                old = rec["current"]
                rec["previous"] = old
                rec["current"] = {"hash": info["hash"], "version": version, "number": old["number"] + 1}
                launch(rec, base)
                data = {
                    "id": formation_id,
                    "status": "running",
                    "version": rec["current"]["number"],
                    "previous_version": old["number"],
                    "port": rec["port"],
                    "pid": rec["pid"],
                    "message": f"Formation '{formation_id}' updated to version {version}",
                    "deployment_type": "blue-green",
                }
                complete = switched(rec, base, old)
            return data, complete

        return await run(request, "update", commit)

    async def delete(request: Request) -> Response:
        formation_id = request.path_params["formation_id"]
        with state.lock:
            record_of(formation_id)
            del table()[formation_id]
        return _ok({"id": formation_id, "message": f"Formation '{formation_id}' deleted"})

    async def action(request: Request) -> Response:
        formation_id = request.path_params["formation_id"]
        name = request.path_params["action"]
        base = _base(request)
        with state.lock:
            record = record_of(formation_id)
            status = record["status"]
            update_running = record["update_in_progress"]
            has_previous = record["previous"] is not None
        if name == "stop":
            if status != "running":
                raise ServerFail(409, f"Formation '{formation_id}' is already stopped")
            with state.lock:
                record["status"] = "stopped"
                record["updated_at"] = _now_iso()
                record["logs"]["stdout"].append(f"[muxi] formation {formation_id} stopped")
            return _ok({"id": formation_id, "status": "stopped", "message": f"Formation '{formation_id}' stopped"})
        if name == "cancel-update":
            if not update_running:
                raise ServerFail(400, f"No update in progress for formation '{formation_id}'")
            with state.lock:
                record["update_in_progress"] = None
            return JSONResponse(
                {
                    "message": "Update cancelled; the current version keeps running",
                    "formation_id": formation_id,
                    "staging_port": update_running["staging_port"],
                    "status": "cancelled",
                    "current_port": record["port"],
                }
            )
        if name == "start":
            if status == "running":
                raise ServerFail(409, f"Formation '{formation_id}' is already running")

            def commit() -> tuple[dict[str, Any], dict[str, Any]]:
                with state.lock:
                    rec = record_of(formation_id)
                    launch(rec, base)
                    msg = f"Formation '{formation_id}' started"
                    data = {"id": formation_id, "status": "running", "message": msg, "port": rec["port"]}
                    return data, place(rec, base)

            return await run(request, "start", commit)
        if name == "restart":

            def commit() -> tuple[dict[str, Any], dict[str, Any]]:
                with state.lock:
                    rec = record_of(formation_id)
                    rec["restart_count"] += 1
                    launch(rec, base)
                    data = {
                        "id": formation_id,
                        "status": "running",
                        "message": f"Formation '{formation_id}' restarted",
                        "restart_count": rec["restart_count"],
                        "port": rec["port"],
                    }
                    return data, {**place(rec, base), "restart_count": rec["restart_count"]}

            return await run(request, "restart", commit)
        if name == "rollback":
            if not has_previous:
                raise ServerFail(400, f"No previous version of formation '{formation_id}' to roll back to")

            def commit() -> tuple[dict[str, Any], dict[str, Any]]:
                with state.lock:
                    rec = record_of(formation_id)
                    if rec["previous"] is None:
                        raise ServerFail(400, f"No previous version of formation '{formation_id}' to roll back to")
                    current, rec["current"], rec["previous"] = rec["current"], rec["previous"], None
                    launch(rec, base)
                    data = {
                        "id": formation_id,
                        "status": "running",
                        "version": rec["current"]["number"],
                        "previous_version": current["number"],
                        "pid": rec["pid"],
                        "port": rec["port"],
                        "message": f"Formation '{formation_id}' rolled back to version {rec['current']['version']}",
                    }
                    return data, switched(rec, base, current)

            return await run(request, "rollback", commit)
        raise ServerFail(404, "Not Found")

    async def logs(request: Request) -> Response:
        formation_id = request.path_params["formation_id"]
        with state.lock:
            record_of(formation_id)
        which = request.query_params.get("stream", "all")
        if which not in ("stdout", "stderr", "all"):
            raise ServerFail(400, "Invalid stream parameter: use stdout, stderr or all")
        if request.query_params.get("follow") in ("true", "1"):
            return follow(formation_id, "stderr" if which == "stderr" else "stdout")
        lines = lines_param(request)
        with state.lock:
            record = record_of(formation_id)
            out: dict[str, list[str]] = {}
            totals: dict[str, int] = {}
            for name in ("stdout", "stderr"):
                if which in (name, "all"):
                    out[name] = list(record["logs"][name][-lines:])
                    totals[name] = len(record["logs"][name])
        return _ok({"formation_id": formation_id, "logs": out, "total_lines": totals})

    def follow(formation_id: str, which: str) -> Response:
        # Count the existing lines before "connected" goes out: a line written as soon as the client sees
        # "connected" must be followed, not mistaken for history.
        with state.lock:
            seen_at_connect = len(record_of(formation_id)["logs"][which])

        async def frames() -> AsyncIterator[bytes]:
            seen = seen_at_connect
            yield _sse("connected", {"formation_id": formation_id})
            quiet = 0.0
            while True:
                await asyncio.sleep(FOLLOW_POLL_S)
                with state.lock:
                    record = table().get(formation_id)
                    if record is None:
                        return
                    current = record["logs"][which]
                    new, seen = current[seen:], len(current)
                for line in new:
                    yield _sse("log", {"line": line, "formation_id": formation_id})
                quiet = 0.0 if new else quiet + FOLLOW_POLL_S
                if quiet >= KEEPALIVE_S:  # lets a closed client be noticed
                    quiet = 0.0
                    yield b": keepalive\n\n"

        return StreamingResponse(frames(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    return [
        Route("/ping", ping, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        Route("/rpc/server/status", _rpc(state, server_status), methods=["GET"]),
        Route("/rpc/server/logs", _rpc(state, server_logs), methods=["GET"]),
        Route("/rpc/formations", _rpc(state, list_formations), methods=["GET"]),
        Route("/rpc/formations", _rpc(state, deploy), methods=["POST"]),
        Route("/rpc/formations/{formation_id}", _rpc(state, get_formation), methods=["GET"]),
        Route("/rpc/formations/{formation_id}", _rpc(state, update), methods=["PUT"]),
        Route("/rpc/formations/{formation_id}", _rpc(state, delete), methods=["DELETE"]),
        Route("/rpc/formations/{formation_id}/logs", _rpc(state, logs), methods=["GET"]),
        Route("/rpc/formations/{formation_id}/{action}", _rpc(state, action), methods=["POST"]),
    ]
