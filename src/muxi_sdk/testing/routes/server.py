"""The MUXI server API (the Go `muxi-server`, 0.20260423.0) at the fake's root: `/ping`, `/health`, `/rpc/...`.

Its defaults follow the real server as recorded in `real-server-transcript.md`:

- HMAC exactly as the server checks it (`Authorization: MUXI-HMAC key=..., timestamp=..., signature=...` over
  `"<timestamp>;<METHOD>;<path without query>"`, ±300 s), with its four 401 messages.
- Bodies `{"success": true, "data": ...}`; errors `{"error": "<status text>", "message": ..., "code": N}` in the
  server's words; unknown `/rpc` routes 404 "Endpoint not found", a wrong method 405 with an empty body.
- Bundles (`_bundle.py`): one top-level directory holding the formation file; lowercase ids; the bundle's
  version must equal `X-Formation-Version` (default `1.0.0`); `secrets.enc` when the config references secrets.
- Lifecycle: deploy, update (blue-green), start, stop, restart, rollback (toggles between the two last
  versions), cancel-update (during a streamed update's health check, or after `begin_update`). After a
  rollback the formation is `starting` until its first health check (`health_check_s`, or `settle()`).
- `Accept: text/event-stream`: deploy and update answer header-level errors as JSON, later ones as
  `event: error`; start, restart and rollback stream EVERY error as HTTP 200 + `event: error`. Progress frames
  carry the server's stages and messages, `version`, `attempt`/`max_attempts`, `staging_port`, never `progress`.
- Logs ignore bad `lines`/`stream`, always send both `total_lines` keys, `null` for an empty log; following
  sends no keep-alive comments. `GET /rpc/server/logs` is empty (the real build writes no audit file;
  `set_server_option(state, audit_log=True)` makes the fake log every signed request).
- `/api/{id}/v1/...` reaches a formation only while it runs: 404 for an unknown id, 503 when it is not running.
  The fake's own formation (`FakeState.formation_id`) is always served there.

Opt-in switches reproduce the upstream bugs of that build (`enable_upstream_bug(state, name)`, see
`UPSTREAM_BUGS`). Test helpers: `fail_next_operation`, `begin_update`, `append_log`, `register_formation`,
`settle`, `set_status`, `set_auth`, `set_server_option`.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ..state import FakeState
from ._bundle import NO_CONFIG, Bundle, BundleError, check_bundle, read_bundle
from ._server_ops import Runner, Step, Steps, progress, resolving
from ._server_state import (
    NOT_FOUND,
    PORT_POOL,
    UPSTREAM_BUGS,
    ServerFail,
    allocate_port,
    append_log,
    audit_log,
    begin_update,
    bug,
    detail,
    enable_upstream_bug,
    fail_next_operation,
    formations,
    launch,
    new_record,
    now_iso,
    ok,
    refresh,
    register_formation,
    server_error_body,
    server_options,
    set_auth,
    set_server_option,
    set_status,
    settle,
    sse,
    summary,
    version_of,
)

__all__ = [
    "UPSTREAM_BUGS",
    "ServerFail",
    "append_log",
    "audit_log",
    "begin_update",
    "enable_upstream_bug",
    "fail_next_operation",
    "formations",
    "gate_proxy",
    "register_formation",
    "routes",
    "server_error_body",
    "server_routes",
    "set_auth",
    "set_server_option",
    "set_status",
    "settle",
    "verify_hmac",
]

GZIP_TYPES = ("application/gzip", "application/x-gzip", "application/octet-stream")
FORMATION_ID = re.compile(r"^[a-z0-9-]+$")
FOLLOW_POLL_S = 0.05


def _server_base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


# --------------------------------------------------------------------------------------------- HMAC


def verify_hmac(request: Request, state: FakeState) -> str:
    """Check the `Authorization: MUXI-HMAC ...` header like the real server; returns the key id."""
    opts = server_options(state)
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


def _rpc(state: FakeState, methods: dict[str, Handler]) -> Handler:
    """One `/rpc` path: HMAC, then the handler of the method (405 with an empty body for any other)."""

    async def endpoint(request: Request) -> Response:
        handler = methods.get(request.method)
        if handler is None:
            return Response(status_code=405)
        try:
            key = verify_hmac(request, state)
            if server_options(state)["audit_log"]:
                with state.lock:
                    audit_log(state).append(f"{now_iso()} key={key} {request.method} {request.url.path}")
            return await handler(request)
        except ServerFail as fail:
            return fail.response()

    return endpoint


async def _endpoint_not_found(request: Request) -> Response:
    return ServerFail(404, "Endpoint not found").response()


# --------------------------------------------------------------------------------------------- proxy


def gate_proxy(state: FakeState, app: ASGIApp) -> ASGIApp:
    """`/api/{id}/v1/...` as the server's proxy answers it: 404 for an unknown formation, 503 while it does not
    run; the fake's own formation (`state.formation_id`) is always served."""

    async def gate(scope: Scope, receive: Receive, send: Send) -> None:
        formation_id = scope.get("path_params", {}).get("formation_id")
        if scope["type"] == "http" and formation_id and formation_id != state.formation_id:
            with state.lock:
                record = formations(state).get(formation_id)
                if record is not None:
                    refresh(record)
                status = record["status"] if record is not None else None
            if status != "running":
                if status is None:
                    body = {"error": "Formation not found", "message": f"No formation with id '{formation_id}'"}
                    code = 404
                else:
                    body = {
                        "error": "Formation unavailable",
                        "message": f"Formation '{formation_id}' is not running (status: {status})",
                    }
                    code = 503
                await JSONResponse({**body, "code": code}, status_code=code)(scope, receive, send)
                return
        await app(scope, receive, send)

    return gate


# ---------------------------------------------------------------------------------------------- routes


def routes(state: FakeState) -> list[BaseRoute]:
    return []


def server_routes(state: FakeState) -> list[BaseRoute]:
    def table() -> dict[str, dict[str, Any]]:
        return formations(state)

    def record_of(formation_id: str) -> dict[str, Any]:
        record = table().get(formation_id)
        if record is None:
            raise ServerFail(404, NOT_FOUND, "NotFound")
        refresh(record)
        return record

    def url_of(request: Request, formation_id: str) -> str:
        return f"{_server_base(request)}/api/{formation_id}"

    # -- public
    async def ping(request: Request) -> Response:
        return PlainTextResponse("pong")

    async def health(request: Request) -> Response:
        return JSONResponse({"success": True, "status": "ok", "version": state.version})

    # -- server
    async def server_status(request: Request) -> Response:
        with state.lock:
            records = list(table().values())
            for record in records:
                refresh(record)
        counts = {"crashed": 0, "running": 0, "stopped": 0, "total": len(records)}
        for record in records:
            if record["status"] in counts:
                counts[record["status"]] += 1
        size = PORT_POOL[1] - PORT_POOL[0] + 1
        allocated = len(records) + sum(1 for r in records if r["leftover_port"] or r["update"])
        return ok(
            {
                "formations": counts,
                "port_pool": {"allocated": allocated, "available": size - allocated, "total": size},
                "runtime": {"go_version": "go1.26.6", "goroutines": 9 + 2 * counts["running"]},
                "server": {
                    "id": "server-local",
                    "uptime": int(time.time() - state.started_at),
                    "version": state.version,
                },
            }
        )

    def lines_param(request: Request) -> int:
        # The server ignores a `lines` it cannot use (not a number, < 1) and caps it at 10000.
        try:
            lines = int(request.query_params.get("lines", "100"))
        except ValueError:
            return 100
        return min(lines, 10_000) if lines >= 1 else 100

    async def server_logs(request: Request) -> Response:
        lines = lines_param(request)
        with state.lock:
            tail = audit_log(state)[-lines:]
        return PlainTextResponse("".join(f"{line}\n" for line in tail))

    # -- formations: reading
    async def list_formations(request: Request) -> Response:
        with state.lock:
            records = list(table().values())
            for record in records:
                refresh(record)
            items = [summary(r) for r in records]
        return ok({"formations": items, "total": len(items)})

    async def get_formation(request: Request) -> Response:
        with state.lock:
            return ok(detail(record_of(request.path_params["formation_id"])))

    async def download(request: Request) -> Response:
        with state.lock:
            data = record_of(request.path_params["formation_id"])["current"]["data"]
        return Response(data, media_type="application/zip")

    # -- deploy and update
    async def upload_of(request: Request, formation_id: str) -> tuple[bytes, str | None, str]:
        """The uploaded bundle, its declared version, and the formation's proxy URL."""
        return await request.body(), request.headers.get("x-formation-version"), url_of(request, formation_id)

    def checked_bundle(body: bytes, formation_id: str, header_version: str | None, running: str | None) -> Bundle:
        try:
            bundle = read_bundle(body)
            if running is not None and bundle.hash == running:
                raise ServerFail(409, "Source is identical to current version - nothing to update", "NoChange")
            check_bundle(bundle, formation_id, header_version)
        except BundleError as err:
            raise ServerFail(400, err.message, err.kind, err.stage) from None
        return bundle

    def switched(record: dict[str, Any], url: str, left: dict[str, Any]) -> dict[str, Any]:
        """The `complete` frame of an update or a rollback: versions as strings, no pid or health_url."""
        return {
            "formation_id": record["id"],
            "port": record["port"],
            "status": "running",
            "url": url,
            "previous_version": str(left["number"]),
            "new_version": str(record["current"]["number"]),
        }

    def refuse_existing(formation_id: str) -> None:
        if formation_id in table():
            raise ServerFail(409, f"Formation '{formation_id}' already exists. Use PUT to update.")

    def refuse_concurrent_update(record: dict[str, Any]) -> None:
        if record["update"]:
            raise ServerFail(409, "Formation is already being updated", "UpdateInProgress")

    async def deploy(request: Request) -> Response:
        if not any(t in request.headers.get("content-type", "") for t in GZIP_TYPES):
            raise ServerFail(400, "Invalid Content-Type. Expected application/gzip with a formation bundle (tar.gz)")
        formation_id = request.headers.get("x-formation-id")
        if not formation_id:
            raise ServerFail(
                400, "Missing X-Formation-ID header. Provide the formation ID for early conflict detection."
            )
        if not FORMATION_ID.match(formation_id):
            raise ServerFail(
                400,
                "Invalid X-Formation-ID: formation ID must contain only lowercase letters, numbers, and hyphens",
            )
        with state.lock:
            refuse_existing(formation_id)
        body, header_version, url = await upload_of(request, formation_id)

        def steps() -> Steps:
            yield progress("extracting", "Extracting bundle...")
            bundle = checked_bundle(body, formation_id, header_version, None)
            yield from resolving(with_version_first=False)
            yield progress("spawning", "Starting formation. It might take 1-2 minutes.")
            yield from runner.health_checks("Waiting for formation health check...")
            with state.lock:
                refuse_existing(formation_id)  # deployed meanwhile
                record = new_record(state, formation_id, bundle)
                launch(state, record)
                table()[formation_id] = record
                data = {
                    "formation_id": formation_id,
                    "port": record["port"],
                    "status": "running",
                    "url": url,
                    "health_url": f"http://localhost:{record['port']}/v1/health",
                    "pid": record["pid"],
                }
            yield ("complete", data, data)

        runner = Runner(state)
        return await runner.answer(request, steps(), status=201)

    async def update(request: Request) -> Response:
        formation_id = request.path_params["formation_id"]
        with state.lock:
            record = record_of(formation_id)
            refuse_concurrent_update(record)
            running_hash = record["current"]["hash"]
        body, header_version, url = await upload_of(request, formation_id)

        def steps() -> Steps:
            yield progress("extracting", "Extracting bundle to staging...")
            bundle = checked_bundle(body, formation_id, header_version, running_hash)
            yield progress("validating", "Validating formation config...")
            yield from resolving(with_version_first=True)
            with state.lock:
                refuse_concurrent_update(record)  # one started meanwhile
                staging = allocate_port(state)
                running = record["update"] = {"staging_port": staging, "cancelled": False}
            try:
                yield progress("spawning_staging", f"Starting staging version on port {staging}", staging_port=staging)
                if record["lingering_staging"]:
                    raise ServerFail(
                        500,
                        f"Failed to start staging formation: process with ID {formation_id}-staging already exists",
                        "SpawnError",
                        "spawning_staging",
                    )
                for step in runner.health_checks("Waiting for staging health check..."):
                    if running["cancelled"]:
                        raise ServerFail(
                            400,
                            "New version failed health check: Formation crashed during startup: update cancelled. "
                            "Old version still running - zero downtime maintained.",
                            "HealthCheckFailed",
                            "health_check",
                        )
                    yield step
                yield progress("swapping", "Switching traffic to new version...")
                yield progress("stopping_old", "Stopping old version...")
                with state.lock:
                    old = record["current"]
                    record["numbers"] += 1
                    record["previous"], record["current"] = old, version_of(bundle, record["numbers"])
                    record["updated_at"] = now_iso()
                    launch(state, record, port=staging)
                    record["lingering_staging"] = bug(state, "lingering_staging")
                    data = {
                        "deployment_type": "blue-green",
                        "id": formation_id,
                        "message": "Formation updated with zero downtime",
                        "pid": record["pid"],
                        "port": record["port"],
                        "previous_version": old["number"],
                        "status": "running",
                        "version": record["current"]["number"],
                    }
                    frame = switched(record, url, old)
            finally:
                with state.lock:
                    if record["update"] is running:
                        record["update"] = None
            yield ("complete", frame, data)

        runner = Runner(state)
        return await runner.answer(request, steps())

    async def delete(request: Request) -> Response:
        formation_id = request.path_params["formation_id"]
        with state.lock:
            record_of(formation_id)
            del table()[formation_id]
        return ok({"id": formation_id, "message": "Formation deleted successfully"})

    # -- lifecycle
    def config_bug() -> None:
        if bug(state, "start_outside_current"):
            raise ServerFail(500, NO_CONFIG, "ParseError", "validating")

    def relaunch(record: dict[str, Any], runner: Runner) -> Iterator[Step]:
        """Start an existing formation's process again (start, and restart after stopping it)."""
        yield progress("validating", "Loading formation configuration...")
        config_bug()
        yield from resolving(with_version_first=True)
        yield progress("spawning", "Starting formation...")
        yield from runner.health_checks("Waiting for formation health check...")
        with state.lock:
            launch(state, record)
            record["updated_at"] = now_iso()

    def start_steps(formation_id: str, runner: Runner) -> Steps:
        with state.lock:
            record = record_of_at(formation_id, "validating")
            if record["status"] in ("running", "starting"):
                raise ServerFail(409, "Formation is already running", "AlreadyRunning")
        yield from relaunch(record, runner)
        with state.lock:
            frame = {"formation_id": formation_id, "port": record["port"], "status": "running"}
            data = {"id": formation_id, "message": "Formation started", "port": record["port"], "status": "running"}
        yield ("complete", frame, data)

    def restart_steps(formation_id: str, runner: Runner) -> Steps:
        with state.lock:
            record = record_of_at(formation_id, "stopping")
        yield progress("stopping", "Stopping current process...")
        yield from relaunch(record, runner)
        with state.lock:
            record["restart_count"] += 1
            port, count = record["port"], record["restart_count"]
        frame = {"formation_id": formation_id, "port": port, "status": "running", "restart_count": count}
        data = {"id": formation_id, "message": "Formation restarted", "port": port, "restart_count": count}
        yield ("complete", frame, {**data, "status": "running"})

    def rollback_steps(formation_id: str, runner: Runner, url: str) -> Steps:
        yield progress("validating", "Validating rollback request...")
        with state.lock:
            record = record_of_at(formation_id, "validating")
            if record["previous"] is None:
                raise ServerFail(400, "No previous version available for rollback", "NoPreviousVersion")
        yield from resolving(with_version_first=False)
        staging = allocate_port(state)
        yield progress("spawning_previous", f"Starting previous version on staging port {staging}...")
        yield from runner.health_checks("Waiting for previous version health check...")
        yield progress("stopping_current", "Stopping current version...")
        yield progress("swapping", "Swapping versions...")
        with state.lock:
            left = record["current"]
            record["current"], record["previous"] = record["previous"], left
            record["updated_at"] = now_iso()
            launch(state, record, port=staging)
            # The health monitor has not checked the swapped-in process yet: `starting` until it does.
            record["status"], record["healthy"] = "starting", None
            record["settles_at"] = time.time() + float(server_options(state)["health_check_s"])
            if bug(state, "cancel_after_rollback"):
                record["leftover_port"] = staging
            now = record["current"]["number"]
            frame = switched(record, url, left)
            data = {
                "id": formation_id,
                "message": "Rolled back to previous version",
                "pid": record["pid"],
                "previous_version": left["number"],
                "status": "running",
                "version": now,
            }
        yield ("complete", frame, data)

    def record_of_at(formation_id: str, stage: str) -> dict[str, Any]:
        try:
            return record_of(formation_id)
        except ServerFail as fail:
            fail.stage = stage
            raise

    async def lifecycle(request: Request, steps: Callable[[Runner], Steps]) -> Response:
        """start/restart/rollback: streamed, every failure (404 and 409 included) is an `event: error`."""
        runner = Runner(state)
        return await runner.answer(request, steps(runner))

    async def start(request: Request) -> Response:
        formation_id = request.path_params["formation_id"]
        return await lifecycle(request, lambda runner: start_steps(formation_id, runner))

    async def restart(request: Request) -> Response:
        formation_id = request.path_params["formation_id"]
        return await lifecycle(request, lambda runner: restart_steps(formation_id, runner))

    async def rollback(request: Request) -> Response:
        formation_id = request.path_params["formation_id"]
        url = url_of(request, formation_id)
        return await lifecycle(request, lambda runner: rollback_steps(formation_id, runner, url))

    async def stop(request: Request) -> Response:
        formation_id = request.path_params["formation_id"]
        with state.lock:
            record = record_of(formation_id)
            if record["status"] == "stopped":
                raise ServerFail(409, "Formation is already stopped")
            record["status"], record["pid"], record["healthy"], record["settles_at"] = "stopped", 0, False, None
            record["updated_at"] = now_iso()
            record["logs"]["stdout"].append(f"[muxi] formation {formation_id} stopped")
        return ok({"id": formation_id, "message": "Formation stopped successfully", "status": "stopped"})

    async def cancel_update(request: Request) -> Response:
        formation_id = request.path_params["formation_id"]
        with state.lock:
            record = record_of(formation_id)
            running = record["update"]
            leftover = record["leftover_port"]
            if running is None and leftover is None:
                raise ServerFail(400, "No update in progress for this formation")
            body = {
                "current_port": record["port"],
                "formation_id": formation_id,
                "message": "Update cancelled successfully",
                "staging_port": running["staging_port"] if running else leftover,
                "status": record["status"],
            }
            if running is not None:
                running["cancelled"] = True  # a streamed update's next health check fails
                record["update"] = None
            else:  # the rollback's leftover port: what the bug kills is the process serving the formation
                record["leftover_port"] = None
                record["status"], record["healthy"] = "unhealthy", False
        return JSONResponse(body)

    # -- logs
    async def logs(request: Request) -> Response:
        formation_id = request.path_params["formation_id"]
        with state.lock:
            record_of(formation_id)
        which = request.query_params.get("stream", "all")
        if request.query_params.get("follow") in ("true", "1"):
            return follow(formation_id, "stderr" if which == "stderr" else "stdout")
        lines = lines_param(request)
        with state.lock:
            record = record_of(formation_id)
            out: dict[str, list[str] | None] = {}
            totals = {"stderr": 0, "stdout": 0}
            for name in ("stderr", "stdout"):
                if which in (name, "all"):
                    kept = record["logs"][name]
                    out[name] = list(kept[-lines:]) or None  # an empty log file is sent as null
                    totals[name] = len(kept)
        return ok({"formation_id": formation_id, "logs": out, "total_lines": totals})

    def follow(formation_id: str, which: str) -> Response:
        # Count the existing lines before "connected" goes out: a line written as soon as the client sees
        # "connected" must be followed, not mistaken for history.
        with state.lock:
            seen_at_connect = len(record_of(formation_id)["logs"][which])

        async def frames() -> AsyncIterator[bytes]:
            seen = seen_at_connect
            yield sse("connected", {"formation_id": formation_id})
            while True:  # no keep-alive comments, like the real server; a closed client ends the response
                await asyncio.sleep(FOLLOW_POLL_S)
                with state.lock:
                    record = table().get(formation_id)
                    if record is None:
                        return
                    current = record["logs"][which]
                    new, seen = current[seen:], len(current)
                for line in new:
                    yield sse("log", {"formation_id": formation_id, "line": line})

        return StreamingResponse(frames(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    one = "/rpc/formations/{formation_id}"
    every = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    def rpc(path: str, methods: dict[str, Handler]) -> Route:
        return Route(path, _rpc(state, methods), methods=every)

    return [
        Route("/ping", ping, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        rpc("/rpc/server/status", {"GET": server_status}),
        rpc("/rpc/server/logs", {"GET": server_logs}),
        rpc("/rpc/formations", {"GET": list_formations, "POST": deploy}),
        rpc(one, {"GET": get_formation, "PUT": update, "DELETE": delete}),
        rpc(one + "/logs", {"GET": logs}),
        rpc(one + "/download", {"GET": download}),
        rpc(one + "/start", {"POST": start}),
        rpc(one + "/stop", {"POST": stop}),
        rpc(one + "/restart", {"POST": restart}),
        rpc(one + "/rollback", {"POST": rollback}),
        rpc(one + "/cancel-update", {"POST": cancel_update}),
        Route("/rpc/{rest:path}", _endpoint_not_found, methods=every),
    ]
