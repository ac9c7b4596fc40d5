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
import json
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import datetime, timezone
from http import HTTPStatus
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ..state import FakeState
from ._bundle import NO_CONFIG, Bundle, BundleError, check_bundle, read_bundle

GZIP_TYPES = ("application/gzip", "application/x-gzip", "application/octet-stream")
FORMATION_ID = re.compile(r"^[a-z0-9-]+$")
RUNTIME_VERSION = "1.20260928.0"
MAX_ATTEMPTS = 120
FOLLOW_POLL_S = 0.05
PORT_POOL = (18300, 18399)
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}

UPSTREAM_BUGS = {
    "start_outside_current": "start/restart look for the config outside `current/`: 500 (JSON) or "
    "`event: error` ParseError 'Failed to find formation config' (default build)",
    "lingering_staging": "after an update the old process lingers as `<id>-staging`: every later update of "
    "that formation fails with 500 / SpawnError",
    "cancel_after_rollback": "a rollback leaves its staging port allocated: cancel-update then answers 200 with "
    "no update running, and the formation turns `unhealthy`",
}

NOT_FOUND = "Formation not found"


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
        return _sse("error", {"error": self.kind, "message": self.message, "stage": self.stage})


def server_error_body(status: int, message: str) -> dict[str, Any]:
    return {"error": HTTPStatus(status).phrase, "message": message, "code": status}


def _ok(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse({"success": True, "data": data}, status_code=status)


def _now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


# ------------------------------------------------------------------------------------------ state helpers


def _options(state: FakeState) -> dict[str, Any]:
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
    opts = _options(state)
    unknown = set(options) - {"step_delay_s", "health_check_attempts", "health_check_s", "audit_log"}
    if unknown:
        raise ValueError(f"unknown server option(s): {', '.join(sorted(unknown))}")
    opts.update(options)


def enable_upstream_bug(state: FakeState, *names: str) -> None:
    """Reproduce bugs of MUXI Server 0.20260423.0 (off by default; `UPSTREAM_BUGS` describes each)."""
    unknown = set(names) - set(UPSTREAM_BUGS)
    if unknown:
        raise ValueError(f"unknown upstream bug(s): {', '.join(sorted(unknown))}; known: {', '.join(UPSTREAM_BUGS)}")
    _options(state)["bugs"].update(names)


def _bug(state: FakeState, name: str) -> bool:
    return name in _options(state)["bugs"]


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
    status: int = 400,
) -> None:
    """The next deploy/update/start/restart/rollback fails at `stage` (or at its last stage if it has no such
    stage): an `event: error` frame when streamed, else a JSON error with `status`. Nothing changes."""
    _options(state)["failure"] = {"stage": stage, "error": error, "message": message, "status": status}


def begin_update(state: FakeState, formation_id: str) -> None:
    """Mark an update of `formation_id` as running (PUT answers 409; cancel-update succeeds)."""
    with state.lock:
        formations(state)[formation_id]["update"] = {"staging_port": _allocate_port(state), "cancelled": False}


def append_log(state: FakeState, formation_id: str, line: str, stream: str = "stdout") -> None:
    """Write a line to a formation's stdout or stderr (followers receive it)."""
    with state.lock:
        formations(state)[formation_id]["logs"][stream].append(line)


def register_formation(
    state: FakeState, formation_id: str, *, version: str = "1.0.0", status: str = "running"
) -> dict[str, Any]:
    """Put a formation on the fake server without deploying a bundle (as if deployed earlier)."""
    with state.lock:
        record = _new_record(state, formation_id, _bundle_stub(formation_id, version))
        _launch(state, record)
        record["status"] = status
        formations(state)[formation_id] = record
        return record


def settle(state: FakeState, formation_id: str | None = None) -> None:
    """Let pending health checks pass now: `starting` formations (all, or one) become `running`."""
    with state.lock:
        for record in formations(state).values():
            if record["status"] == "starting" and formation_id in (None, record["id"]):
                record["settles_at"] = 0.0
                _refresh(record)


def set_status(state: FakeState, formation_id: str, status: str) -> None:
    """Force a formation's state (`running`, `starting`, `unhealthy`, `stopped`, `crashed`)."""
    with state.lock:
        record = formations(state)[formation_id]
        record["status"] = status
        record["settles_at"] = None
        record["healthy"] = {"running": True, "starting": None}.get(status, False)
        if status == "stopped":
            record["pid"] = 0


def _allocate_port(state: FakeState) -> int:
    counters: dict[str, int] = state.table("server_counters")
    port = counters.get("port", PORT_POOL[0])
    counters["port"] = port + 1 if port < PORT_POOL[1] else PORT_POOL[0]
    return port


def _next_pid(state: FakeState) -> int:
    counters: dict[str, int] = state.table("server_counters")
    pid = counters.get("pid", 40_000) + 1
    counters["pid"] = pid
    return pid


def _bundle_stub(formation_id: str, version: str) -> Bundle:
    data = f"{formation_id}:{version}".encode()
    return Bundle(formation_id, version, hashlib.sha256(data).hexdigest(), (), False, data)


def _version(bundle: Bundle, number: int) -> dict[str, Any]:
    return {"hash": bundle.hash, "semantic": bundle.version or "1.0.0", "number": number, "data": bundle.data}


def _new_record(state: FakeState, formation_id: str, bundle: Bundle) -> dict[str, Any]:
    now = _now_iso()
    return {
        "id": formation_id,
        "name": formation_id,
        "status": "stopped",
        "healthy": None,
        "port": _allocate_port(state),
        "pid": 0,
        "restart_count": 0,
        "created_at": now,
        "deployed_at": now,
        "updated_at": now,
        "last_health_check": None,
        "started_at": time.time(),
        "settles_at": None,
        "current": _version(bundle, 1),
        "previous": None,
        "numbers": 1,
        "update": None,
        "leftover_port": None,
        "lingering_staging": False,
        "logs": {"stdout": [], "stderr": []},
    }


def _launch(state: FakeState, record: dict[str, Any], port: int | None = None) -> None:
    """The formation's process is up and passed its health check."""
    record["status"] = "running"
    record["healthy"] = True
    record["settles_at"] = None
    record["port"] = port or record["port"]
    record["pid"] = _next_pid(state)
    record["started_at"] = time.time()
    record["last_health_check"] = _now_iso()
    current = record["current"]
    record["logs"]["stdout"].append(
        f"[muxi] formation {record['id']} v{current['semantic']} listening on 127.0.0.1:{record['port']}"
    )


def _refresh(record: dict[str, Any]) -> None:
    """The health monitor: a `starting` formation whose health check is due becomes `running`."""
    due = record.get("settles_at")
    if record["status"] == "starting" and due is not None and time.time() >= due:
        record["status"] = "running"
        record["healthy"] = True
        record["settles_at"] = None
        record["started_at"] = time.time()
        record["last_health_check"] = _now_iso()


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


def _rpc(state: FakeState, methods: dict[str, Handler]) -> Handler:
    """One `/rpc` path: HMAC, then the handler of the method (405 with an empty body for any other)."""

    async def endpoint(request: Request) -> Response:
        handler = methods.get(request.method)
        if handler is None:
            return Response(status_code=405)
        try:
            key = verify_hmac(request, state)
            if _options(state)["audit_log"]:
                with state.lock:
                    audit_log(state).append(f"{_now_iso()} key={key} {request.method} {request.url.path}")
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
                    _refresh(record)
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


# ---------------------------------------------------------------------------------------------- views


def _uptime(record: dict[str, Any]) -> int:
    return int(time.time() - record["started_at"]) if record["status"] in ("running", "unhealthy") else 0


def _summary(record: dict[str, Any]) -> dict[str, Any]:
    version = {"semantic": record["current"]["semantic"], "current": record["current"]["hash"]}
    if record["previous"]:
        version["previous"] = record["previous"]["hash"]
    return {
        "id": record["id"],
        "name": record["name"],
        "port": record["port"],
        "status": record["status"],
        "pid": record["pid"],
        "uptime": _uptime(record),
        "restart_count": record["restart_count"],
        "healthy": record["healthy"],
        "version": version,
    }


def _detail(record: dict[str, Any]) -> dict[str, Any]:
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
        "uptime": _uptime(record),
        "version": version,
    }
    if detail["last_health_check"] is None:
        del detail["last_health_check"]
    return detail


def _wants_sse(request: Request) -> bool:
    return "text/event-stream" in request.headers.get("accept", "")


def _server_base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


# ------------------------------------------------------------------------------------------ operations
# An operation is a generator of steps: `("progress", {...})` frames, then one `("complete", frame, json)`.
# It raises `ServerFail` for a failure. Streamed, every step is a frame and a failure an `event: error`;
# otherwise only the outcome is sent, as the JSON answer (or the JSON error).

Step = tuple[str, dict[str, Any], Any]
Steps = Iterator[Step]


def _progress(stage: str, message: str, **extra: Any) -> Step:
    return ("progress", {"stage": stage, "message": message, **extra}, None)


class _Runner:
    """Paces and renders the steps of one operation, with the injected failure (if any) applied."""

    def __init__(self, state: FakeState) -> None:
        opts = _options(state)
        self.delay = float(opts["step_delay_s"])
        self.attempts = max(1, int(opts["health_check_attempts"]))
        failure: dict[str, Any] | None = opts["failure"]
        opts["failure"] = None
        self.failure = failure

    def health_checks(self, waiting: str) -> Iterator[Step]:
        yield _progress("health_check", waiting)
        for attempt in range(1, self.attempts + 1):
            yield _progress(
                "health_check",
                f"Health check attempt {attempt}/{MAX_ATTEMPTS}...",
                attempt=attempt,
                max_attempts=MAX_ATTEMPTS,
            )

    def _fail_here(self, stage: str | None, stages_left: bool) -> ServerFail | None:
        f = self.failure
        if f is None or (stage != f["stage"] and stages_left):
            return None
        self.failure = None
        return ServerFail(f["status"], f["message"], f["error"], stage or f["stage"])

    def _steps(self, steps: Steps) -> Iterator[Step]:
        for step in steps:
            kind, frame, _ = step
            fail = self._fail_here(frame.get("stage"), kind != "complete")
            if fail is not None:
                raise fail
            yield step

    async def json(self, steps: Steps, status: int = 200) -> Response:
        for kind, _, outcome in self._steps(steps):
            if kind == "complete":
                return _ok(outcome, status)
            if self.delay:
                await asyncio.sleep(self.delay)
        raise RuntimeError("an operation ended without completing")  # pragma: no cover

    def stream(self, steps: Steps) -> Response:
        async def frames() -> AsyncIterator[bytes]:
            try:
                for kind, frame, _ in self._steps(steps):
                    yield _sse(kind, frame)
                    if kind == "complete":
                        return
                    if self.delay:
                        await asyncio.sleep(self.delay)
            except ServerFail as fail:
                yield fail.frame()

        return StreamingResponse(frames(), media_type="text/event-stream", headers=SSE_HEADERS)

    async def answer(self, request: Request, steps: Steps, status: int = 200) -> Response:
        return self.stream(steps) if _wants_sse(request) else await self.json(steps, status)


def _resolving(with_version_first: bool) -> Iterator[Step]:
    first = f"Resolving runtime version: {RUNTIME_VERSION}" if with_version_first else "Resolving runtime version..."
    yield _progress("resolving_runtime", first)
    yield _progress("resolving_runtime", f"Resolved runtime version: {RUNTIME_VERSION}", version=RUNTIME_VERSION)


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
        _refresh(record)
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
                _refresh(record)
        counts = {"crashed": 0, "running": 0, "stopped": 0, "total": len(records)}
        for record in records:
            if record["status"] in counts:
                counts[record["status"]] += 1
        size = PORT_POOL[1] - PORT_POOL[0] + 1
        allocated = len(records) + sum(1 for r in records if r["leftover_port"] or r["update"])
        return _ok(
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
                _refresh(record)
            items = [_summary(r) for r in records]
        return _ok({"formations": items, "total": len(items)})

    async def get_formation(request: Request) -> Response:
        with state.lock:
            return _ok(_detail(record_of(request.path_params["formation_id"])))

    async def download(request: Request) -> Response:
        with state.lock:
            data = record_of(request.path_params["formation_id"])["current"]["data"]
        return Response(data, media_type="application/zip")

    # -- deploy and update
    async def uploaded(request: Request) -> bytes:
        return await request.body()

    def checked_bundle(body: bytes, formation_id: str, header_version: str | None, running: str | None) -> Bundle:
        try:
            bundle = read_bundle(body)
            if running is not None and bundle.hash == running:
                raise ServerFail(409, "Source is identical to current version - nothing to update", "NoChange")
            check_bundle(bundle, formation_id, header_version)
        except BundleError as err:
            raise ServerFail(400, err.message, err.kind, err.stage) from None
        return bundle

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
            if formation_id in table():
                raise ServerFail(409, f"Formation '{formation_id}' already exists. Use PUT to update.")
        body = await uploaded(request)
        header_version = request.headers.get("x-formation-version")
        url = url_of(request, formation_id)

        def steps() -> Steps:
            yield _progress("extracting", "Extracting bundle...")
            bundle = checked_bundle(body, formation_id, header_version, None)
            yield from _resolving(with_version_first=False)
            yield _progress("spawning", "Starting formation. It might take 1-2 minutes.")
            yield from runner.health_checks("Waiting for formation health check...")
            with state.lock:
                if formation_id in table():
                    raise ServerFail(409, f"Formation '{formation_id}' already exists. Use PUT to update.")
                record = _new_record(state, formation_id, bundle)
                _launch(state, record)
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

        runner = _Runner(state)
        return await runner.answer(request, steps(), status=201)

    async def update(request: Request) -> Response:
        formation_id = request.path_params["formation_id"]
        with state.lock:
            record = record_of(formation_id)
            if record["update"]:
                raise ServerFail(409, "Formation is already being updated", "UpdateInProgress")
            running_hash = record["current"]["hash"]
        body = await uploaded(request)
        header_version = request.headers.get("x-formation-version")
        url = url_of(request, formation_id)

        def steps() -> Steps:
            yield _progress("extracting", "Extracting bundle to staging...")
            bundle = checked_bundle(body, formation_id, header_version, running_hash)
            yield _progress("validating", "Validating formation config...")
            yield from _resolving(with_version_first=True)
            with state.lock:
                if record["update"]:
                    raise ServerFail(409, "Formation is already being updated", "UpdateInProgress")
                staging = _allocate_port(state)
                running = record["update"] = {"staging_port": staging, "cancelled": False}
            try:
                yield _progress("spawning_staging", f"Starting staging version on port {staging}", staging_port=staging)
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
                yield _progress("swapping", "Switching traffic to new version...")
                yield _progress("stopping_old", "Stopping old version...")
                with state.lock:
                    old = record["current"]
                    record["numbers"] += 1
                    record["previous"], record["current"] = old, _version(bundle, record["numbers"])
                    record["updated_at"] = _now_iso()
                    _launch(state, record, port=staging)
                    record["lingering_staging"] = _bug(state, "lingering_staging")
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
                    frame = {
                        "formation_id": formation_id,
                        "port": record["port"],
                        "status": "running",
                        "url": url,
                        "previous_version": str(old["number"]),
                        "new_version": str(record["current"]["number"]),
                    }
            finally:
                with state.lock:
                    if record["update"] is running:
                        record["update"] = None
            yield ("complete", frame, data)

        runner = _Runner(state)
        return await runner.answer(request, steps())

    async def delete(request: Request) -> Response:
        formation_id = request.path_params["formation_id"]
        with state.lock:
            record_of(formation_id)
            del table()[formation_id]
        return _ok({"id": formation_id, "message": "Formation deleted successfully"})

    # -- lifecycle
    def config_bug() -> None:
        if _bug(state, "start_outside_current"):
            raise ServerFail(500, NO_CONFIG, "ParseError", "validating")

    def start_steps(formation_id: str, runner: _Runner) -> Steps:
        with state.lock:
            record = record_of_at(formation_id, "validating")
            if record["status"] in ("running", "starting"):
                raise ServerFail(409, "Formation is already running", "AlreadyRunning")
        yield _progress("validating", "Loading formation configuration...")
        config_bug()
        yield from _resolving(with_version_first=True)
        yield _progress("spawning", "Starting formation...")
        yield from runner.health_checks("Waiting for formation health check...")
        with state.lock:
            _launch(state, record)
            record["updated_at"] = _now_iso()
            frame = {"formation_id": formation_id, "port": record["port"], "status": "running"}
            data = {"id": formation_id, "message": "Formation started", "port": record["port"], "status": "running"}
        yield ("complete", frame, data)

    def restart_steps(formation_id: str, runner: _Runner) -> Steps:
        with state.lock:
            record = record_of_at(formation_id, "stopping")
        yield _progress("stopping", "Stopping current process...")
        yield _progress("validating", "Loading formation configuration...")
        config_bug()
        yield from _resolving(with_version_first=True)
        yield _progress("spawning", "Starting formation...")
        yield from runner.health_checks("Waiting for formation health check...")
        with state.lock:
            record["restart_count"] += 1
            _launch(state, record)
            record["updated_at"] = _now_iso()
            port, count = record["port"], record["restart_count"]
        frame = {"formation_id": formation_id, "port": port, "status": "running", "restart_count": count}
        data = {"id": formation_id, "message": "Formation restarted", "port": port, "restart_count": count}
        yield ("complete", frame, {**data, "status": "running"})

    def rollback_steps(formation_id: str, runner: _Runner, url: str) -> Steps:
        yield _progress("validating", "Validating rollback request...")
        with state.lock:
            record = record_of_at(formation_id, "validating")
            if record["previous"] is None:
                raise ServerFail(400, "No previous version available for rollback", "NoPreviousVersion")
        yield from _resolving(with_version_first=False)
        staging = _allocate_port(state)
        yield _progress("spawning_previous", f"Starting previous version on staging port {staging}...")
        yield from runner.health_checks("Waiting for previous version health check...")
        yield _progress("stopping_current", "Stopping current version...")
        yield _progress("swapping", "Swapping versions...")
        with state.lock:
            left = record["current"]
            record["current"], record["previous"] = record["previous"], left
            record["updated_at"] = _now_iso()
            _launch(state, record, port=staging)
            # The health monitor has not checked the swapped-in process yet: `starting` until it does.
            record["status"], record["healthy"], record["settles_at"] = (
                "starting",
                None,
                (time.time() + float(_options(state)["health_check_s"])),
            )
            if _bug(state, "cancel_after_rollback"):
                record["leftover_port"] = staging
            now = record["current"]["number"]
            frame = {
                "formation_id": formation_id,
                "port": record["port"],
                "status": "running",
                "url": url,
                "previous_version": str(left["number"]),
                "new_version": str(now),
            }
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

    async def lifecycle(request: Request, steps: Callable[[_Runner], Steps]) -> Response:
        """start/restart/rollback: streamed, every failure (404 and 409 included) is an `event: error`."""
        runner = _Runner(state)
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
            record["updated_at"] = _now_iso()
            record["logs"]["stdout"].append(f"[muxi] formation {formation_id} stopped")
        return _ok({"id": formation_id, "message": "Formation stopped successfully", "status": "stopped"})

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
        return _ok({"formation_id": formation_id, "logs": out, "total_lines": totals})

    def follow(formation_id: str, which: str) -> Response:
        # Count the existing lines before "connected" goes out: a line written as soon as the client sees
        # "connected" must be followed, not mistaken for history.
        with state.lock:
            seen_at_connect = len(record_of(formation_id)["logs"][which])

        async def frames() -> AsyncIterator[bytes]:
            seen = seen_at_connect
            yield _sse("connected", {"formation_id": formation_id})
            while True:  # no keep-alive comments, like the real server; a closed client ends the response
                await asyncio.sleep(FOLLOW_POLL_S)
                with state.lock:
                    record = table().get(formation_id)
                    if record is None:
                        return
                    current = record["logs"][which]
                    new, seen = current[seen:], len(current)
                for line in new:
                    yield _sse("log", {"formation_id": formation_id, "line": line})

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
