"""`m.formations`: deploy and run formations on a MUXI server (Server API, HMAC-signed `/rpc/formations`).

Deploy and update upload a gzipped tarball (`Content-Type: application/gzip`) streamed from disk: pass a
`.tar.gz` path, its bytes, a binary file object, or a formation directory (packed into a temporary
`.tar.gz` under one top-level directory, as the MUXI server needs; a given tarball's layout is checked before
sending). The `stream_*` variants send `Accept: text/event-stream` and yield typed progress events; an
`event: error` frame raises `FormationOperationError`, which is also the `NotFoundError` / `ConflictError` /
`ValidationError` / `ServerError` the same failure raises as a JSON answer. Signing and retries: see
`muxi_sdk.server`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import IO, Any, Literal, Union

from typing_extensions import Unpack

from ._core.actions import StreamStart
from ._core.operation import Call, Operation, RequestInput, StreamCall
from ._core.options import CallOptions, RequestOptions, call_options
from ._core.request import require_id
from ._core.resources import renamed
from ._core.twins import async_op, async_stream_op, sync_op
from ._streams.eventstream import EventStream, EventStreamAsync
from ._streams.lifecycle import LifecycleStream, LifecycleStreamAsync, decode_formation_log_event, lifecycle_decoder
from ._utils.bundles import Manifest, check_gzip_head, inspect_bundle, pack_directory, read_manifest
from ._utils.serializers import RawBody, raw_body
from .basesdk import BaseSDK
from .errors import (  # the formation errors lived here before errors/: users import them from here too
    InvalidInputError,
)
from .models.formations import (
    CancelUpdateResult,
    DeleteResult,
    DeployResult,
    Formation,
    FormationList,
    FormationLogEvent,
    FormationLogs,
    LifecycleResult,
    RollbackResult,
    UpdateResult,
)
from .server import check_lines

BundleSource = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, IO[bytes]]
"""A formation bundle: a `.tar.gz` path, its bytes, a binary file object, or a formation directory."""

LogStreamName = Literal["stdout", "stderr", "all"]

_LifecycleCall = StreamCall[LifecycleStream, LifecycleStreamAsync]
"""What the lifecycle stream builders return: `stream_x()` is a `LifecycleStream`, `stream_x_async()` an
`AsyncStreamContext[LifecycleStreamAsync]`."""

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


def _open_lifecycle(body: Any, op: Operation) -> Any:
    decode = lifecycle_decoder(op.operation_id.removeprefix("formations_").removesuffix("_stream"))

    def open_stream(start: StreamStart, is_async: bool) -> LifecycleStream | LifecycleStreamAsync:
        _release(body)  # the upload is complete once the response has begun
        cls = LifecycleStreamAsync if is_async else LifecycleStream
        return cls(start.response, decode, meta=start.meta)

    return open_stream


def _open_logs(
    start: StreamStart, is_async: bool
) -> EventStream[FormationLogEvent] | EventStreamAsync[FormationLogEvent]:
    if is_async:
        return EventStreamAsync(start.response, decode_formation_log_event, meta=start.meta)
    return EventStream(start.response, decode_formation_log_event, meta=start.meta)


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
    def _deploy_request(
        self, bundle: Any, formation_id: Any, version: Any, options: Any
    ) -> tuple[RequestInput, CallOptions]:
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
        return RequestInput(body=body, headers=headers), opts

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
        req, opts = self._deploy_request(bundle, formation_id, version, options)
        return Call(DEPLOY, req, opts, post=_released(req.body))

    def _stream_deploy(
        self,
        *,
        bundle: BundleSource,
        formation_id: str | None = None,
        version: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> _LifecycleCall:
        """`deploy`, streaming its progress: yields `LifecycleProgressEvent`s, then a `CompleteEvent`.

        Header-level errors (400 headers, 409 exists) are raised by the call; what the bundle gets wrong, and
        anything later, arrives as `event: error` and raises `FormationOperationError` while iterating.
        """
        req, opts = self._deploy_request(bundle, formation_id, version, options)
        return StreamCall(DEPLOY_STREAM, req, opts, stream=_open_lifecycle(req.body, DEPLOY_STREAM))

    def _update_request(
        self, formation_id: str, bundle: Any, version: Any, options: Any
    ) -> tuple[RequestInput, CallOptions]:
        opts = call_options(options)
        ids = _ids(formation_id)
        body, _, ver = _bundle(bundle, formation_id, version, expect_id=formation_id)
        req = RequestInput(path_params=ids, body=body, headers={"X-Formation-Version": ver} if ver else None)
        return req, opts

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
        req, opts = self._update_request(formation_id, bundle, version, options)
        return Call(UPDATE, req, opts, post=_released(req.body))

    def _stream_update(
        self,
        *,
        formation_id: str,
        bundle: BundleSource,
        version: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> _LifecycleCall:
        """`update`, streaming its progress (stages `spawning_staging`, `health_check`, `swapping`, ...).

        404 and 409 "already being updated" are raised by the call; the rest (409 `NoChange`, 400, 500) arrives
        as `event: error` while iterating.
        """
        req, opts = self._update_request(formation_id, bundle, version, options)
        return StreamCall(UPDATE_STREAM, req, opts, stream=_open_lifecycle(req.body, UPDATE_STREAM))

    # -- lifecycle
    def _start(self, *, formation_id: str, **options: Unpack[RequestOptions]) -> Call[LifecycleResult]:
        """`POST /rpc/formations/{id}/start`: start a stopped formation. 409 `ConflictError` if it runs."""
        return Call(START, _path(formation_id), call_options(options))

    def _stream_start(self, *, formation_id: str, **options: Unpack[RequestOptions]) -> _LifecycleCall:
        """`start`, streaming its progress. Every failure (404, 409 already running, 500) arrives as
        `event: error` while iterating, not at the call."""
        return _lifecycle_stream(START_STREAM, formation_id, options)

    def _stop(self, *, formation_id: str, **options: Unpack[RequestOptions]) -> Call[LifecycleResult]:
        """`POST /rpc/formations/{id}/stop`: stop a running formation. 409 `ConflictError` if already stopped."""
        return Call(STOP, _path(formation_id), call_options(options))

    def _restart(self, *, formation_id: str, **options: Unpack[RequestOptions]) -> Call[LifecycleResult]:
        """`POST /rpc/formations/{id}/restart`: stop and start again (`restart_count` goes up)."""
        return Call(RESTART, _path(formation_id), call_options(options))

    def _stream_restart(self, *, formation_id: str, **options: Unpack[RequestOptions]) -> _LifecycleCall:
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

    def _stream_rollback(self, *, formation_id: str, **options: Unpack[RequestOptions]) -> _LifecycleCall:
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

    def _stream_logs(
        self,
        *,
        formation_id: str,
        stream: Literal["stdout", "stderr"] | None = None,
        **options: Unpack[RequestOptions],
    ) -> StreamCall[EventStream[FormationLogEvent], EventStreamAsync[FormationLogEvent]]:
        """`GET /rpc/formations/{id}/logs?follow=true`: new log lines as they are written (SSE).

        Yields a `LogConnectedEvent`, then a `LogLineEvent` per new line of stdout (or stderr with
        `stream="stderr"`). It never ends by itself: leave the `with` block (or `break`) to stop. The SDK's
        clients wait up to an hour for the next line; pass `timeout_ms` to change that.
        """
        if stream is not None and stream not in ("stdout", "stderr"):
            raise InvalidInputError("stream must be 'stdout' or 'stderr' when following")
        req = RequestInput(path_params=_ids(formation_id), query={"follow": True, "stream": stream})
        return StreamCall(FOLLOW_LOGS, req, call_options(options), stream=_open_logs)

    list = sync_op(_list)
    list_async = async_op(_list)
    get = sync_op(_get)
    get_async = async_op(_get)
    deploy = sync_op(_deploy)
    deploy_async = async_op(_deploy)
    stream_deploy = sync_op(_stream_deploy)
    stream_deploy_async = async_stream_op(_stream_deploy)
    update = sync_op(_update)
    update_async = async_op(_update)
    stream_update = sync_op(_stream_update)
    stream_update_async = async_stream_op(_stream_update)
    start = sync_op(_start)
    start_async = async_op(_start)
    stream_start = sync_op(_stream_start)
    stream_start_async = async_stream_op(_stream_start)
    stop = sync_op(_stop)
    stop_async = async_op(_stop)
    restart = sync_op(_restart)
    restart_async = async_op(_restart)
    stream_restart = sync_op(_stream_restart)
    stream_restart_async = async_stream_op(_stream_restart)
    rollback = sync_op(_rollback)
    rollback_async = async_op(_rollback)
    stream_rollback = sync_op(_stream_rollback)
    stream_rollback_async = async_stream_op(_stream_rollback)
    cancel_update = sync_op(_cancel_update)
    cancel_update_async = async_op(_cancel_update)
    delete = sync_op(_delete)
    delete_async = async_op(_delete)
    logs = sync_op(_logs)
    logs_async = async_op(_logs)
    stream_logs = sync_op(_stream_logs)
    stream_logs_async = async_stream_op(_stream_logs)

    # deprecated names (one release): streams are `stream_<what>`
    deploy_stream = renamed("stream_deploy", stream_deploy)
    deploy_stream_async = renamed("stream_deploy_async", stream_deploy_async)
    update_stream = renamed("stream_update", stream_update)
    update_stream_async = renamed("stream_update_async", stream_update_async)
    start_stream = renamed("stream_start", stream_start)
    start_stream_async = renamed("stream_start_async", stream_start_async)
    restart_stream = renamed("stream_restart", stream_restart)
    restart_stream_async = renamed("stream_restart_async", stream_restart_async)
    rollback_stream = renamed("stream_rollback", stream_rollback)
    rollback_stream_async = renamed("stream_rollback_async", stream_rollback_async)
    follow_logs = renamed("stream_logs", stream_logs)
    follow_logs_async = renamed("stream_logs_async", stream_logs_async)


def _lifecycle_stream(op: Operation, formation_id: str, options: Any) -> _LifecycleCall:
    return StreamCall(op, _path(formation_id), call_options(options), stream=_open_lifecycle(None, op))


def _ids(formation_id: str) -> dict[str, str]:
    return {"formation_id": require_id("formation_id", formation_id)}


def _path(formation_id: str) -> RequestInput:
    return RequestInput(path_params=_ids(formation_id))
