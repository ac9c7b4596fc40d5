"""`m.artifacts`: files the formation's agents stored for a user, their versions, and their bytes (a download
streamed to a path, a file object or an iterator; never held in memory whole)."""

from __future__ import annotations

from typing import Any

from typing_extensions import Unpack

from ._core.operation import Call, Operation, RequestInput, StreamCall
from ._core.options import RequestOptions, call_options
from ._core.twins import async_op, async_stream_op, sync_op
from ._streams.download import Download, DownloadAsync
from ._utils.inputs import bounded_int
from .basesdk import BaseSDK
from .errors import InvalidInputError
from .models.artifacts import ArtifactVersions, StoredArtifact, StoredArtifactList

# Either key, always a user (the runtime's artifact router runs the memory routes' user pipeline). A formation
# without artifact memory answers an empty list and 404s, never 503.
_TAGS = ("artifacts",)
LIST = Operation("artifacts_list", "GET", "/artifacts", "dual", StoredArtifactList, user="required", tags=_TAGS)
GET = Operation("artifacts_get", "GET", "/artifacts/{artifact_id}", "dual", StoredArtifact, user="required", tags=_TAGS)
LIST_VERSIONS = Operation(
    "artifacts_list_versions",
    "GET",
    "/artifacts/{artifact_id}/versions",
    "dual",
    ArtifactVersions,
    user="required",
    tags=_TAGS,
)
# Not an event stream: `stream=True` keeps the body unread until the caller reads it; no envelope.
DOWNLOAD = Operation(
    "artifacts_download",
    "GET",
    "/artifacts/{artifact_id}/content",
    "dual",
    None,
    stream=True,
    envelope=False,
    user="required",
    tags=_TAGS,
)


class _ArtifactHeaders:
    """The artifact facts the runtime puts in the download's headers."""

    headers: Any

    @property
    def artifact_id(self) -> str | None:
        """The artifact's id (`X-Muxi-Artifact-Id`)."""
        value: str | None = self.headers.get("x-muxi-artifact-id")
        return value

    @property
    def version(self) -> int | None:
        """The version being downloaded (`X-Muxi-Artifact-Version`)."""
        raw = self.headers.get("x-muxi-artifact-version")
        return int(raw) if raw is not None and raw.isdigit() else None


class ArtifactDownload(_ArtifactHeaders, Download):
    """An artifact's bytes, read once: `save(path_or_file)` or `iter_bytes()`; plus `content_type`, `size`,
    `filename`, `artifact_id`, `version`."""


class ArtifactDownloadAsync(_ArtifactHeaders, DownloadAsync):
    """The async twin of `ArtifactDownload`: `await save(...)`, `async for chunk in aiter_bytes()`."""


def _check_max_bytes(max_bytes: Any) -> int | None:
    if max_bytes is not None and (isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 0):
        raise InvalidInputError(f"max_bytes must be a non-negative int or None, not {max_bytes!r}")
    return max_bytes


class Artifacts(BaseSDK):
    """Stored artifacts (`/v1/artifacts`; either key, always a user)."""

    def _list(
        self, *, user_id: str | None = None, limit: int | None = None, **options: Unpack[RequestOptions]
    ) -> Call[StoredArtifactList]:
        """The user's artifacts, latest versions, most recently used first (`GET /v1/artifacts`).

        `limit` is 1..100 (the runtime's default 20); `total` counts every artifact of the user.
        """
        query = {"limit": bounded_int("limit", limit, 1, 100)}
        return Call(LIST, RequestInput(query=query, user_id=user_id), call_options(options))

    def _get(
        self, *, artifact_id: str, user_id: str | None = None, **options: Unpack[RequestOptions]
    ) -> Call[StoredArtifact]:
        """One artifact's metadata and summary (`GET /v1/artifacts/{artifact_id}`); `NotFoundError` if unknown."""
        request = RequestInput(path_params={"artifact_id": artifact_id}, user_id=user_id)
        return Call(GET, request, call_options(options))

    def _list_versions(
        self, *, artifact_id: str, user_id: str | None = None, **options: Unpack[RequestOptions]
    ) -> Call[ArtifactVersions]:
        """Every version of an artifact, newest first (`GET /v1/artifacts/{artifact_id}/versions`)."""
        request = RequestInput(path_params={"artifact_id": artifact_id}, user_id=user_id)
        return Call(LIST_VERSIONS, request, call_options(options))

    def _download(
        self,
        *,
        artifact_id: str,
        version: int | None = None,
        max_bytes: int | None = None,
        user_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> StreamCall[ArtifactDownload, ArtifactDownloadAsync]:
        """Open an artifact's content (`GET /v1/artifacts/{artifact_id}/content`), the latest or one `version`.

        Returns an `ArtifactDownload` once the headers have arrived: read it once with `save(path_or_file)` or
        `iter_bytes()` (use `with` when you may stop early). `max_bytes` refuses a bigger body with
        `ResponseValidationError` (before reading, when the size is announced). `timeout_ms` bounds each
        network wait (connect, every read), as on streams; opening the download is retried like any GET, a
        body cut short is not (`StreamInterruptedError`).
        """
        limit = _check_max_bytes(max_bytes)
        query = {"version": bounded_int("version", version, 1, 2**31 - 1)}
        request = RequestInput(path_params={"artifact_id": artifact_id}, query=query, user_id=user_id, accept="*/*")

        def open_download(start: Any, is_async: bool) -> Any:
            cls = ArtifactDownloadAsync if is_async else ArtifactDownload
            return cls(start.response, meta=start.meta, max_bytes=limit)

        return StreamCall(DOWNLOAD, request, call_options(options), stream=open_download)

    list = sync_op(_list)
    list_async = async_op(_list)
    get = sync_op(_get)
    get_async = async_op(_get)
    list_versions = sync_op(_list_versions)
    list_versions_async = async_op(_list_versions)
    download = sync_op(_download)
    download_async = async_stream_op(_download)
