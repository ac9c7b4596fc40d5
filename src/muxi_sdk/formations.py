"""`m.formations`: deploy and run formations on a MUXI server (Server API, HMAC-signed `/rpc/formations`).

Deploy and update upload a gzipped tarball (`Content-Type: application/gzip`) streamed from disk: pass a
`.tar.gz` path, its bytes, a binary file object, or a formation directory (packed into a temporary
`.tar.gz` under one top-level directory, as the MUXI server needs; a given tarball's layout is checked before
sending). The `*_stream` variants send `Accept: text/event-stream` and yield typed progress events; an
`event: error` frame raises `FormationOperationError`, which is also the `NotFoundError` / `ConflictError` /
`ValidationError` / `ServerError` the same failure raises as a JSON answer. Signing and retries: see
`muxi_sdk.server`.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import IO, Any, Literal, Union

from httpx_sse import ServerSentEvent
from typing_extensions import Unpack

from ._core.operation import Call, Operation, RequestInput
from ._core.request import (
    BaseSDK,
    RequestOptions,
    StreamStart,
    async_op,
    async_stream_op,
    call_options,
    require_id,
    sync_op,
)
from ._streams.eventstream import EventStream, EventStreamAsync
from ._utils.bundles import Manifest, check_gzip_head, inspect_bundle, pack_directory, read_manifest
from ._utils.serializers import RawBody, raw_body
from .errors import ConflictError, InvalidInputError, NotFoundError, ServerError, StreamError, ValidationError
from .models.formations import (
    CancelUpdateResult,
    CompleteEvent,
    DeleteResult,
    DeployResult,
    Formation,
    FormationList,
    FormationLogs,
    LifecycleEvent,
    LifecycleResult,
    LogConnectedEvent,
    LogEvent,
    LogLineEvent,
    ProgressEvent,
    RollbackResult,
    UnknownLifecycleEvent,
    UpdateResult,
)
from .server import check_lines

BundleSource = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, IO[bytes]]
"""A formation bundle: a `.tar.gz` path, its bytes, a binary file object, or a formation directory."""

LogStreamName = Literal["stdout", "stderr", "all"]

_LONG_MS = 600_000  # deploys download runtimes and wait for health checks
_FOLLOW_MS = 3_600_000
_ROOT = "/rpc/formations"
_ONE = "/rpc/formations/{formation_id}"


def _op(op_id: str, method: str, path: str, response: Any = None, **kw: Any) -> Operation:
    return Operation(
        f"formations_{op_id}", method, path, "hmac", response, api="server", user="none", tags=("formations",), **kw
    )


LIST = _op("list", "GET", _ROOT, FormationList)
GET = _op("get", "GET", _ONE, Formation)
DEPLOY = _op("deploy", "POST", _ROOT, DeployResult, timeout_ms=_LONG_MS)
DEPLOY_STREAM = _op("deploy_stream", "POST", _ROOT, stream=True, timeout_ms=_LONG_MS)
UPDATE = _op("update", "PUT", _ONE, UpdateResult, timeout_ms=_LONG_MS)
UPDATE_STREAM = _op("update_stream", "PUT", _ONE, stream=True, timeout_ms=_LONG_MS)
START = _op("start", "POST", _ONE + "/start", LifecycleResult, timeout_ms=_LONG_MS)
START_STREAM = _op("start_stream", "POST", _ONE + "/start", stream=True, timeout_ms=_LONG_MS)
STOP = _op("stop", "POST", _ONE + "/stop", LifecycleResult)
RESTART = _op("restart", "POST", _ONE + "/restart", LifecycleResult, timeout_ms=_LONG_MS)
RESTART_STREAM = _op("restart_stream", "POST", _ONE + "/restart", stream=True, timeout_ms=_LONG_MS)
ROLLBACK = _op("rollback", "POST", _ONE + "/rollback", RollbackResult, timeout_ms=_LONG_MS)
ROLLBACK_STREAM = _op("rollback_stream", "POST", _ONE + "/rollback", stream=True, timeout_ms=_LONG_MS)
CANCEL_UPDATE = _op("cancel_update", "POST", _ONE + "/cancel-update", CancelUpdateResult, envelope=False)
DELETE = _op("delete", "DELETE", _ONE, DeleteResult)
LOGS = _op("logs", "GET", _ONE + "/logs", FormationLogs)
FOLLOW_LOGS = _op("follow_logs", "GET", _ONE + "/logs", stream=True, timeout_ms=_FOLLOW_MS, quiet=True)


class FormationOperationError(StreamError):
    """A deploy, update, start, restart or rollback stream reported failure (`event: error`).

    `code` is the server's error type (e.g. `AlreadyRunning`, `HealthCheckFailed`), `stage` where it failed,
    `details` the frame's data. `status_code` is the HTTP status the server gives the same failure when it
    answers as JSON (the non-streaming call, or a header-level error): 404, 409, 400 or 500. The error raised
    is also the matching `NotFoundError` / `ConflictError` / `ValidationError` / `ServerError`, so one
    `except ConflictError:` handles "already running" from `start()` (JSON 409) and from `start_stream()`
    (HTTP 200, then `event: error`) alike. For an update, the previous version keeps running.
    """

    default_code = "FORMATION_OPERATION_FAILED"

    def __init__(self, message: str, *, stage: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.stage = stage


class FormationNotFoundError(FormationOperationError, NotFoundError):
    """`event: error` with `NotFound` (JSON: 404)."""


class FormationConflictError(FormationOperationError, ConflictError):
    """`event: error` with `AlreadyRunning`, `NoChange`, ... (JSON: 409)."""


class FormationValidationError(FormationOperationError, ValidationError):
    """`event: error` with `NoPreviousVersion`, `IDMismatch`, `VersionMismatch`, `ExtractError`, ... (JSON: 400)."""


class FormationServerError(FormationOperationError, ServerError):
    """`event: error` with `SpawnError`, `SwapError`, ... or a type this SDK does not know (JSON: 5xx)."""


# The status each error type gets as a JSON answer (MUXI Server 0.20260423.0); anything else is a 500.
_ERROR_STATUS = {
    "NotFound": 404,
    "AlreadyRunning": 409,
    "AlreadyStopped": 409,
    "FormationExists": 409,
    "NoChange": 409,
    "UpdateInProgress": 409,
    "MissingHeader": 400,
    "InvalidFormationID": 400,
    "ExtractError": 400,
    "ParseError": 400,
    "SecretsError": 400,
    "IDMismatch": 400,
    "VersionMismatch": 400,
    "NoPreviousVersion": 400,
    "HealthCheckFailed": 400,
    "PortAllocationError": 507,
}
# start/restart load the config of an existing formation: a config they cannot read is the server's fault.
_SERVER_SIDE = {"start": {"ParseError": 500}, "restart": {"ParseError": 500}}
_ERROR_CLASS: dict[int, type[FormationOperationError]] = {
    404: FormationNotFoundError,
    409: FormationConflictError,
    400: FormationValidationError,
}


def operation_error(payload: Any, operation: str | None = None) -> FormationOperationError:
    """The typed error of an `event: error` frame (`{"error": <type>, "message", "stage"}`)."""
    fields = payload if isinstance(payload, dict) else {}
    message = str(fields.get("message") or fields.get("error") or payload or "formation operation failed")
    code = str(fields["error"]) if fields.get("error") else None
    stage = str(fields["stage"]) if fields.get("stage") else None
    status = _SERVER_SIDE.get(operation or "", {}).get(code or "") or _ERROR_STATUS.get(code or "", 500)
    cls = _ERROR_CLASS.get(status, FormationServerError)
    return cls(message, code=code, status_code=status, stage=stage, details=payload)


# ------------------------------------------------------------------------------------------- bundles


_FORMATION_ID = re.compile(r"^[a-z0-9-]+$")


def check_formation_id(formation_id: str) -> str:
    """The MUXI server's rule for a new formation's id: lowercase letters, digits and hyphens only."""
    if not _FORMATION_ID.match(formation_id):
        raise InvalidInputError(
            f"formation id {formation_id!r}: the MUXI server accepts only lowercase letters, digits and hyphens"
        )
    return formation_id


def _bundle(
    bundle: Any, formation_id: str | None, version: str | None, *, expect_id: str | None = None
) -> tuple[RawBody, str | None, str | None]:
    """Turn a bundle argument into a streamed body, plus the id and version to declare in the headers.

    A directory is packed under one top-level directory named after the formation; a tarball's layout is
    checked (when it can be read ahead) before anything is sent.
    """
    if isinstance(bundle, bool) or bundle is None:
        raise InvalidInputError("bundle must be a .tar.gz path, bytes, a binary file object or a directory")
    if version is not None and (not isinstance(version, str) or not version.strip()):
        raise InvalidInputError("version must be a non-empty string")
    keep = None
    manifest: Manifest | None
    if isinstance(bundle, (str, os.PathLike)):
        path = Path(bundle)
        if path.is_dir():
            manifest = read_manifest(path)
            if manifest is None:
                raise InvalidInputError(f"{path} has no formation.afs (or formation.yaml / formation.yml)")
            _check_declared(manifest, formation_id or expect_id, version)
            keep = pack_directory(path, root=formation_id or expect_id or manifest.id or None)
            source: Any = keep
        elif path.is_file():
            check_gzip_head(path)
            manifest = inspect_bundle(path)
            source = path
        else:
            raise InvalidInputError(f"bundle not found: {path}")
    elif isinstance(bundle, (bytes, bytearray, memoryview)) or hasattr(bundle, "read"):
        check_gzip_head(bundle)
        manifest = inspect_bundle(bundle)
        source = bundle
    else:
        raise InvalidInputError(f"cannot deploy a {type(bundle).__name__}: pass a .tar.gz path, bytes or a directory")
    if keep is None and manifest is not None:
        _check_declared(manifest, formation_id or expect_id, version)
    body = raw_body(source, "application/gzip", keep=keep)
    declared_id = manifest.id if manifest else None
    return body, formation_id or declared_id, version or (manifest.version if manifest else None)


def _check_declared(manifest: Manifest, wanted_id: str | None, version: str | None) -> None:
    if wanted_id and manifest.id and manifest.id != wanted_id:
        raise InvalidInputError(f"the bundle declares id {manifest.id!r}, not {wanted_id!r}")
    if version and manifest.version and manifest.version != version:
        raise InvalidInputError(f"the bundle declares version {manifest.version!r}, not {version!r}")


def _release(body: Any) -> None:
    keep = getattr(body, "keep", None)
    if keep is not None:
        keep.close()


# -------------------------------------------------------------------------------------------- streams


def _json(data: str) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return data


def decode_lifecycle_event(sse: ServerSentEvent, operation: str | None = None) -> LifecycleEvent | None:
    """One frame of a deploy/update/start/restart/rollback stream -> a typed event (or an error raised).

    `operation` (`"start"`, ...) refines the `status_code` of an error frame (see `FormationOperationError`).
    """
    name = sse.event or "message"
    if not sse.data:
        return None
    payload = _json(sse.data)
    fields = payload if isinstance(payload, dict) else {}
    if name == "progress":
        return ProgressEvent.model_validate({**fields, "type": "progress"})
    if name == "complete":
        return CompleteEvent.model_validate({**fields, "type": "complete"})
    if name == "error":
        raise operation_error(payload, operation)
    return UnknownLifecycleEvent(type=name, event=name, data=payload)


def decode_log_event(sse: ServerSentEvent) -> LogEvent | None:
    """One frame of a log follow -> `LogConnectedEvent`, `LogLineEvent` or `UnknownLifecycleEvent`."""
    name = sse.event or "message"
    if not sse.data:
        return None
    payload = _json(sse.data)
    fields = payload if isinstance(payload, dict) else {}
    if name == "connected":
        return LogConnectedEvent.model_validate({**fields, "type": "connected"})
    if name == "log":
        return LogLineEvent.model_validate({**fields, "type": "log"})
    return UnknownLifecycleEvent(type=name, event=name, data=payload)


class _LifecycleMixin:
    complete: CompleteEvent | None = None
    progress_events: list[ProgressEvent]

    def _note(self, event: LifecycleEvent) -> None:
        if isinstance(event, CompleteEvent):
            self.complete = event
        elif isinstance(event, ProgressEvent):
            self.progress_events.append(event)

    def _finished(self) -> CompleteEvent:
        if self.complete is None:
            raise StreamError("the stream ended without a `complete` event", code="STREAM_INCOMPLETE")
        return self.complete


class LifecycleStream(_LifecycleMixin, EventStream[LifecycleEvent]):
    """Progress of a deploy, update, start, restart or rollback. Iterate it inside `with`, or call
    `.result()` to wait for the `complete` event. `.progress_events` keeps the progress seen so far."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.progress_events = []
        super().__init__(*args, observe=self._note, **kwargs)

    def result(self) -> CompleteEvent:
        """Consume the rest of the stream and return its `complete` event."""
        for _ in self:
            pass
        return self._finished()


class LifecycleStreamAsync(_LifecycleMixin, EventStreamAsync[LifecycleEvent]):
    """Async `LifecycleStream`: `async for` events, or `await .result()`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.progress_events = []
        super().__init__(*args, observe=self._note, **kwargs)

    async def result(self) -> CompleteEvent:
        async for _ in self:
            pass
        return self._finished()


def _open_lifecycle(body: Any, op: Operation) -> Any:
    operation = op.operation_id.removeprefix("formations_").removesuffix("_stream")

    def decode(sse: ServerSentEvent) -> LifecycleEvent | None:
        return decode_lifecycle_event(sse, operation)

    def open_stream(start: StreamStart, is_async: bool) -> LifecycleStream | LifecycleStreamAsync:
        _release(body)  # the upload is complete once the response has begun
        cls = LifecycleStreamAsync if is_async else LifecycleStream
        return cls(start.response, decode, meta=start.meta)

    return open_stream


def _open_logs(start: StreamStart, is_async: bool) -> EventStream[LogEvent] | EventStreamAsync[LogEvent]:
    if is_async:
        return EventStreamAsync(start.response, decode_log_event, meta=start.meta)
    return EventStream(start.response, decode_log_event, meta=start.meta)


def _released(body: Any) -> Any:
    def post(result: Any, is_async: bool) -> Any:
        _release(body)
        return result

    return post


# --------------------------------------------------------------------------------------------- resource


class Formations(BaseSDK):
    """Formations on a MUXI server: deploy, update, start/stop/restart, roll back, delete, logs.

    Needs the server's `key_id` and `secret_key` (every request is HMAC-signed).
    """

    # -- reading
    def _list(self, **options: Unpack[RequestOptions]) -> Call[FormationList]:
        """`GET /rpc/formations`: every formation with its status, port, pid, health and version hashes."""
        return Call(LIST, RequestInput(), call_options(options))

    def _get(self, *, formation_id: str, **options: Unpack[RequestOptions]) -> Call[Formation]:
        """`GET /rpc/formations/{id}`: one formation in detail. `NotFoundError` if the server has none."""
        return Call(GET, _path(formation_id), call_options(options))

    # -- deploy and update
    def _deploy_call(self, op: Operation, bundle: Any, formation_id: Any, version: Any, options: Any) -> Call[Any]:
        opts = call_options(options)
        if formation_id is not None:
            check_formation_id(require_id("formation_id", formation_id))
        body, fid, ver = _bundle(bundle, formation_id, version)
        if not fid:
            _release(body)
            raise InvalidInputError(
                "formation_id is required: the bundle declares no id (or could not be read before sending)"
            )
        try:
            check_formation_id(fid)
        except InvalidInputError:
            _release(body)
            raise
        headers = {"X-Formation-ID": fid, **({"X-Formation-Version": ver} if ver else {})}
        req = RequestInput(body=body, headers=headers)
        if op.stream:
            return Call(op, req, opts, stream=_open_lifecycle(body, op))
        return Call(op, req, opts, post=_released(body))

    def _deploy(
        self,
        *,
        bundle: BundleSource,
        formation_id: str | None = None,
        version: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> Call[DeployResult]:
        """`POST /rpc/formations`: deploy a new formation and wait until it runs.

        `bundle`: a `.tar.gz` path, its bytes, a binary file object (streamed, never read whole), or a
        formation directory (packed into a temporary `.tar.gz` under one top-level directory first). A
        tarball must hold one top-level directory with the formation file directly inside it
        (`InvalidInputError` otherwise, before sending). `formation_id` and `version` default to the `id` and
        `version` in the bundle's `formation.afs`; given, they must match it. 409 `ConflictError` if the
        formation exists (use `update`).
        """
        return self._deploy_call(DEPLOY, bundle, formation_id, version, options)

    def _deploy_stream(
        self,
        *,
        bundle: BundleSource,
        formation_id: str | None = None,
        version: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> Call[LifecycleStream]:
        """`deploy`, streaming its progress: yields `ProgressEvent`s, then a `CompleteEvent`.

        Header-level errors (400 headers, 409 exists) are raised by the call; what the bundle gets wrong, and
        anything later, arrives as `event: error` and raises `FormationOperationError` while iterating.
        """
        return self._deploy_call(DEPLOY_STREAM, bundle, formation_id, version, options)

    def _update_call(self, op: Operation, formation_id: str, bundle: Any, version: Any, options: Any) -> Call[Any]:
        opts = call_options(options)
        ids = _ids(formation_id)
        body, _, ver = _bundle(bundle, formation_id, version, expect_id=formation_id)
        req = RequestInput(path_params=ids, body=body, headers={"X-Formation-Version": ver} if ver else None)
        if op.stream:
            return Call(op, req, opts, stream=_open_lifecycle(body, op))
        return Call(op, req, opts, post=_released(body))

    def _update(
        self,
        *,
        formation_id: str,
        bundle: BundleSource,
        version: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> Call[UpdateResult]:
        """`PUT /rpc/formations/{id}`: blue-green update to a new bundle (same forms as `deploy`).

        The new version starts beside the old one and takes over once healthy; if it fails its health check
        the old one keeps running (`ValidationError`). 409 `ConflictError` while another update runs or when
        the bundle is identical to the running one.
        """
        return self._update_call(UPDATE, formation_id, bundle, version, options)

    def _update_stream(
        self,
        *,
        formation_id: str,
        bundle: BundleSource,
        version: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> Call[LifecycleStream]:
        """`update`, streaming its progress (stages `spawning_staging`, `health_check`, `swapping`, ...).

        404 and 409 "already being updated" are raised by the call; the rest (409 `NoChange`, 400, 500) arrives
        as `event: error` while iterating.
        """
        return self._update_call(UPDATE_STREAM, formation_id, bundle, version, options)

    # -- lifecycle
    def _start(self, *, formation_id: str, **options: Unpack[RequestOptions]) -> Call[LifecycleResult]:
        """`POST /rpc/formations/{id}/start`: start a stopped formation. 409 `ConflictError` if it runs."""
        return Call(START, _path(formation_id), call_options(options))

    def _start_stream(self, *, formation_id: str, **options: Unpack[RequestOptions]) -> Call[LifecycleStream]:
        """`start`, streaming its progress. Every failure (404, 409 already running, 500) arrives as
        `event: error` while iterating, not at the call."""
        return _lifecycle_stream(START_STREAM, formation_id, options)

    def _stop(self, *, formation_id: str, **options: Unpack[RequestOptions]) -> Call[LifecycleResult]:
        """`POST /rpc/formations/{id}/stop`: stop a running formation. 409 `ConflictError` if already stopped."""
        return Call(STOP, _path(formation_id), call_options(options))

    def _restart(self, *, formation_id: str, **options: Unpack[RequestOptions]) -> Call[LifecycleResult]:
        """`POST /rpc/formations/{id}/restart`: stop and start again (`restart_count` goes up)."""
        return Call(RESTART, _path(formation_id), call_options(options))

    def _restart_stream(self, *, formation_id: str, **options: Unpack[RequestOptions]) -> Call[LifecycleStream]:
        """`restart`, streaming its progress (stages `stopping`, `validating`, `spawning`, `health_check`).

        Every failure (404, 500) arrives as `event: error` while iterating.
        """
        return _lifecycle_stream(RESTART_STREAM, formation_id, options)

    def _rollback(self, *, formation_id: str, **options: Unpack[RequestOptions]) -> Call[RollbackResult]:
        """`POST /rpc/formations/{id}/rollback`: run the previous version again (a second rollback returns).

        400 `ValidationError` when there is no previous version (nothing was updated yet). The formation is
        `starting` until the server's next health check.
        """
        return Call(ROLLBACK, _path(formation_id), call_options(options))

    def _rollback_stream(self, *, formation_id: str, **options: Unpack[RequestOptions]) -> Call[LifecycleStream]:
        """`rollback`, streaming its progress (stages `validating`, `spawning_previous`, `swapping`, ...).

        Every failure (404, 400 no previous version) arrives as `event: error` while iterating.
        """
        return _lifecycle_stream(ROLLBACK_STREAM, formation_id, options)

    def _cancel_update(self, *, formation_id: str, **options: Unpack[RequestOptions]) -> Call[CancelUpdateResult]:
        """`POST /rpc/formations/{id}/cancel-update`: abandon a running blue-green update (the old version stays).

        400 `ValidationError` when no update is in progress.
        """
        return Call(CANCEL_UPDATE, _path(formation_id), call_options(options))

    def _delete(self, *, formation_id: str, **options: Unpack[RequestOptions]) -> Call[DeleteResult]:
        """`DELETE /rpc/formations/{id}`: stop the formation and remove it from the server."""
        return Call(DELETE, _path(formation_id), call_options(options))

    # -- logs
    def _logs(
        self,
        *,
        formation_id: str,
        lines: int | None = None,
        stream: LogStreamName | None = None,
        **options: Unpack[RequestOptions],
    ) -> Call[FormationLogs]:
        """`GET /rpc/formations/{id}/logs?lines=N&stream=...`: the last `lines` (default 100, at most 10000)
        lines of the formation's `stdout`, `stderr` or both (`all`, the default)."""
        if stream is not None and stream not in ("stdout", "stderr", "all"):
            raise InvalidInputError("stream must be 'stdout', 'stderr' or 'all'")
        req = RequestInput(path_params=_ids(formation_id), query={"lines": check_lines(lines), "stream": stream})
        return Call(LOGS, req, call_options(options))

    def _follow_logs(
        self,
        *,
        formation_id: str,
        stream: Literal["stdout", "stderr"] | None = None,
        **options: Unpack[RequestOptions],
    ) -> Call[EventStream[LogEvent]]:
        """`GET /rpc/formations/{id}/logs?follow=true`: new log lines as they are written (SSE).

        Yields a `LogConnectedEvent`, then a `LogLineEvent` per new line of stdout (or stderr with
        `stream="stderr"`). It never ends by itself: leave the `with` block (or `break`) to stop. The SDK's
        clients wait up to an hour for the next line; pass `timeout_ms` to change that.
        """
        if stream is not None and stream not in ("stdout", "stderr"):
            raise InvalidInputError("stream must be 'stdout' or 'stderr' when following")
        req = RequestInput(path_params=_ids(formation_id), query={"follow": True, "stream": stream})
        return Call(FOLLOW_LOGS, req, call_options(options), stream=_open_logs)

    list = sync_op(_list)
    list_async = async_op(_list)
    get = sync_op(_get)
    get_async = async_op(_get)
    deploy = sync_op(_deploy)
    deploy_async = async_op(_deploy)
    deploy_stream = sync_op(_deploy_stream)
    deploy_stream_async = async_stream_op(_deploy_stream)
    update = sync_op(_update)
    update_async = async_op(_update)
    update_stream = sync_op(_update_stream)
    update_stream_async = async_stream_op(_update_stream)
    start = sync_op(_start)
    start_async = async_op(_start)
    start_stream = sync_op(_start_stream)
    start_stream_async = async_stream_op(_start_stream)
    stop = sync_op(_stop)
    stop_async = async_op(_stop)
    restart = sync_op(_restart)
    restart_async = async_op(_restart)
    restart_stream = sync_op(_restart_stream)
    restart_stream_async = async_stream_op(_restart_stream)
    rollback = sync_op(_rollback)
    rollback_async = async_op(_rollback)
    rollback_stream = sync_op(_rollback_stream)
    rollback_stream_async = async_stream_op(_rollback_stream)
    cancel_update = sync_op(_cancel_update)
    cancel_update_async = async_op(_cancel_update)
    delete = sync_op(_delete)
    delete_async = async_op(_delete)
    logs = sync_op(_logs)
    logs_async = async_op(_logs)
    follow_logs = sync_op(_follow_logs)
    follow_logs_async = async_stream_op(_follow_logs)


def _lifecycle_stream(op: Operation, formation_id: str, options: Any) -> Call[LifecycleStream]:
    return Call(op, _path(formation_id), call_options(options), stream=_open_lifecycle(None, op))


def _ids(formation_id: str) -> dict[str, str]:
    return {"formation_id": require_id("formation_id", formation_id)}


def _path(formation_id: str) -> RequestInput:
    return RequestInput(path_params=_ids(formation_id))
