"""`m.memory`: a user's long-term memories, the conversation buffer, and the admin memory views."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from typing_extensions import Unpack

from ._core.jobs import Job, JobKind, started
from ._core.operation import Call, Operation, PageCall, RequestInput
from ._core.options import RequestOptions, call_options
from ._core.pagination import PageSpec, paginated
from ._core.twins import async_op, sync_op
from ._utils.inputs import body_dict, validate_input
from ._utils.serializers import json_body
from .distilleries import Distilleries
from .errors import InvalidInputError
from .memory_maintenance import MemoryMaintenance
from .models.memory import (
    BufferCleared,
    BufferStats,
    BufferStatus,
    IngestionStatus,
    MemoryBatch,
    MemoryBatchCreate,
    MemoryConfig,
    MemoryCreate,
    MemoryCreated,
    MemoryCreateTypedDict,
    MemoryDeleted,
    MemoryList,
    MemoryProvenance,
    MemoryScope,
)
from .models.memory import Memory as MemoryRecord

_TAGS = ("memory",)
CONFIG = Operation("memory_config", "GET", "/memory", "admin", MemoryConfig, user="none", tags=_TAGS)
LIST = Operation("memory_list", "GET", "/memories", "dual", MemoryList, user="required", tags=_TAGS)
LIST_PAGES = PageSpec("$.memories[*]", MemoryRecord, offset_param="offset", key="$.id", default_limit=10, max_limit=100)
ADD = Operation(
    "memory_add", "POST", "/memories", "dual", MemoryCreated, user="required", request=MemoryCreate, tags=_TAGS
)
DELETE = Operation(
    "memory_delete", "DELETE", "/memories/{memory_id}", "dual", MemoryDeleted, user="required", tags=_TAGS
)
GET_BUFFER = Operation("memory_get_buffer", "GET", "/memory/buffer", "dual", BufferStatus, user="required", tags=_TAGS)
CLEAR_BUFFER = Operation(
    "memory_clear_buffer", "DELETE", "/memory/buffer", "dual", BufferCleared, user="required", tags=_TAGS, replay="any"
)
CLEAR_SESSION_BUFFER = Operation(
    "memory_clear_session_buffer",
    "DELETE",
    "/memory/buffer/{session_id}",
    "dual",
    BufferCleared,
    user="client_key",
    tags=_TAGS,
    replay="any",
)
CLEAR_ALL_BUFFERS = Operation(
    "memory_clear_all_buffers",
    "DELETE",
    "/memory/buffers",
    "admin",
    BufferCleared,
    user="none",
    tags=_TAGS,
    replay="any",
)
STATS = Operation("memory_stats", "GET", "/memory/stats", "admin", BufferStats, user="none", tags=_TAGS)
ADD_BATCH = Operation(
    "memory_add_batch", "POST", "/memories/batch", "dual", MemoryBatch, user="required", request=MemoryBatchCreate,
    tags=_TAGS,
)
INGESTION_STATUS = Operation(
    "memory_ingestion_status",
    "GET",
    "/memories/ingestion/{processing_id}",
    "dual",
    IngestionStatus,
    user="client_key",
    tags=_TAGS,
)
PROVENANCE = Operation(
    "memory_provenance", "GET", "/memories/provenance", "dual", MemoryProvenance, user="required", tags=_TAGS
)
INGESTION_JOB = JobKind("memory ingestion", frozenset({"completed", "failed"}), frozenset({"failed"}))

_SCOPES = frozenset({"user", "group", "formation"})


def _scopes_query(scopes: str | Sequence[str] | None) -> str | None:
    if scopes is None:
        return None
    items = [s.strip() for s in scopes.split(",")] if isinstance(scopes, str) else list(scopes)
    bad = [s for s in items if s not in _SCOPES]
    if bad or not items:
        raise InvalidInputError(f"scopes must be some of user, group, formation; got {scopes!r}")
    return ",".join(items)


class Memory(MemoryMaintenance):
    """Memories and the conversation buffer (`/v1/memories`, `/v1/memory/...`).

    User routes take either key and always need a user (`X-Muxi-User-ID`, from `user_id=` or
    `Muxi(user_id=...)`); `config`, `stats`, `clear_all_buffers` and the maintenance operations (`rebuild`,
    `forget`, `lint`, `backfill`, from `MemoryMaintenance`) need the admin key. Distilleries:
    `m.memory.distilleries`.
    """

    @property
    def distilleries(self) -> Distilleries:
        """Registered distilleries and their signed batches (`m.memory.distilleries`), created on first use."""
        cached: Distilleries | None = self.__dict__.get("_distilleries")
        if cached is None:
            cached = Distilleries(self.sdk_configuration, parent_ref=self.parent_ref)
            self.__dict__["_distilleries"] = cached
        return cached

    def _config(self, **options: Unpack[RequestOptions]) -> Call[MemoryConfig]:
        """The formation's memory configuration (`GET /v1/memory`, admin key)."""
        return Call(CONFIG, RequestInput(), call_options(options))

    def _list(
        self,
        *,
        user_id: str | None = None,
        limit: int | None = None,
        scopes: str | Sequence[str] | None = None,
        **options: Unpack[RequestOptions],
    ) -> PageCall[MemoryRecord]:
        """The user's memories, newest first, `limit` (1..100, default 10) per page (`GET /v1/memories`).

        Returns a `Page`: `.items`, `.has_next`, `.next()`; iterating it walks every page (`limit`/`offset`
        on the wire). `scopes` narrows to some of `user`, `group`, `formation` (default: every scope the user
        can read).
        """
        request = RequestInput(query={"scopes": _scopes_query(scopes)}, user_id=user_id)
        return paginated(self, LIST, LIST_PAGES, request, call_options(options), limit)

    def _add(
        self,
        *,
        type: str | None = None,
        detail: str | None = None,
        content: Any = None,
        metadata: dict[str, Any] | None = None,
        scope: MemoryScope | None = None,
        scope_id: str | None = None,
        source: str | None = None,
        source_id: str | None = None,
        timestamp: str | None = None,
        subject: str | None = None,
        user_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> Call[MemoryCreated]:
        """Remember something about the user (`POST /v1/memories`).

        A direct write (`type` + `detail`) returns the stored `Memory`. With `source` (and `source_id`) the
        formation ingests the item in the background and returns a `MemoryIngestion` (`processing_id`,
        `status_url`); a repeat of the same `(source, source_id)` comes back with `duplicate=True`.
        """
        fields = {
            "type": type,
            "detail": detail,
            "content": content,
            "metadata": metadata,
            "scope": scope,
            "scope_id": scope_id,
            "source": source,
            "source_id": source_id,
            "timestamp": timestamp,
            "subject": subject,
        }
        body = body_dict(validate_input(MemoryCreate, {k: v for k, v in fields.items() if v is not None}))
        return Call(ADD, RequestInput(body=json_body(body), user_id=user_id), call_options(options))

    def _add_batch(
        self,
        *,
        items: Sequence[MemoryCreate | MemoryCreateTypedDict | dict[str, Any]],
        user_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> Call[Job[MemoryBatch, IngestionStatus]]:
        """Ingest several items in one call (`POST /v1/memories/batch`): each like `add(source=...)`.

        Every item needs `source` (with `source_id`, the de-duplication key) and `detail` or `content`.
        The answer lists each item in order as `accepted`, `duplicate` or `invalid` (`job.accepted.items`);
        the accepted ones are processed in the background by one job, which `job.wait()` polls
        (`ingestion_status`) until `completed` or `failed`. With nothing accepted, the job is done at once.
        """
        if isinstance(items, (str, bytes, dict)) or not isinstance(items, Sequence):
            raise InvalidInputError("items must be a list of memories (models or dicts)")
        request = validate_input(MemoryBatchCreate, {"items": list(items)})
        req = RequestInput(body=json_body(body_dict(request)), user_id=user_id)

        def job(accepted: MemoryBatch, is_async: bool) -> Job[MemoryBatch, IngestionStatus]:
            pid = accepted.processing_id
            poll = lambda opts: self._ingestion_status(processing_id=pid or "", user_id=user_id, **opts)  # noqa: E731
            return started(self, INGESTION_JOB, accepted, pid, poll, IngestionStatus.model_validate)

        return Call(ADD_BATCH, req, call_options(options), post=job)

    def _ingestion_status(
        self, *, processing_id: str, user_id: str | None = None, **options: Unpack[RequestOptions]
    ) -> Call[IngestionStatus]:
        """The state of a background ingestion (`GET /v1/memories/ingestion/{processing_id}`).

        From `add(source=...)` or `add_batch`: `queued` -> `processing` -> `completed` | `failed`; completed
        jobs report per-item outcomes and token usage, kept for 5 minutes. With the client key a user is
        needed and only their jobs are visible (another user's: `AuthorizationError`); the admin key sees all.
        """
        req = RequestInput(path_params={"processing_id": processing_id}, user_id=user_id)
        return Call(INGESTION_STATUS, req, call_options(options))

    def _provenance(
        self,
        *,
        entity: str | None = None,
        event_id: str | None = None,
        user_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> Call[MemoryProvenance]:
        """Why does the formation believe this? (`GET /v1/memories/provenance`; give `entity` or `event_id`.)

        For a knowledge-graph `entity` (e.g. `"London"`): the entity and every fact touching it, each with
        stored and decayed confidence and the chain of events that produced it. For an `event_id`: that
        event's causation chain. Unknown: `NotFoundError`.
        """
        if (entity is None) == (event_id is None):
            raise InvalidInputError("provenance() needs exactly one of entity= or event_id=")
        for name, value in (("entity", entity), ("event_id", event_id)):
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise InvalidInputError(f"{name} must be a non-empty string")
        req = RequestInput(query={"entity": entity, "event_id": event_id}, user_id=user_id)
        return Call(PROVENANCE, req, call_options(options))

    def _delete(
        self, *, memory_id: str, user_id: str | None = None, **options: Unpack[RequestOptions]
    ) -> Call[MemoryDeleted]:
        """Forget one of the user's memories (`DELETE /v1/memories/{memory_id}`); 404 once it is gone."""
        req = RequestInput(path_params={"memory_id": memory_id}, user_id=user_id)
        return Call(DELETE, req, call_options(options))

    def _get_buffer(self, *, user_id: str | None = None, **options: Unpack[RequestOptions]) -> Call[BufferStatus]:
        """The user's share of the conversation buffer (`GET /v1/memory/buffer`; a user is needed even with
        the admin key)."""
        return Call(GET_BUFFER, RequestInput(user_id=user_id), call_options(options))

    def _clear_buffer(self, *, user_id: str | None = None, **options: Unpack[RequestOptions]) -> Call[BufferCleared]:
        """Forget the user's recent conversation (`DELETE /v1/memory/buffer`); long-term memories stay."""
        return Call(CLEAR_BUFFER, RequestInput(user_id=user_id), call_options(options))

    def _clear_session_buffer(
        self, *, session_id: str, user_id: str | None = None, **options: Unpack[RequestOptions]
    ) -> Call[BufferCleared]:
        """Forget one session's messages from the buffer (`DELETE /v1/memory/buffer/{session_id}`).

        The server clears only messages of the given user (with the client key a user is required).
        """
        req = RequestInput(path_params={"session_id": session_id}, user_id=user_id)
        return Call(CLEAR_SESSION_BUFFER, req, call_options(options))

    def _clear_all_buffers(self, **options: Unpack[RequestOptions]) -> Call[BufferCleared]:
        """Empty the whole conversation buffer, every user (`DELETE /v1/memory/buffers`, admin key).

        MUXI runtimes up to 1.20260928 answer 500 here (a server bug; raised as `ServerError`), and their
        suggested replacement, admin `DELETE /memory/buffer` without a user, clears nothing: to clear a
        runtime of that version, call `clear_buffer(user_id=...)` per user.
        """
        return Call(CLEAR_ALL_BUFFERS, RequestInput(), call_options(options))

    def _stats(self, **options: Unpack[RequestOptions]) -> Call[BufferStats]:
        """Buffer statistics across users (`GET /v1/memory/stats`, admin key)."""
        return Call(STATS, RequestInput(), call_options(options))

    config = sync_op(_config)
    config_async = async_op(_config)
    list = sync_op(_list)
    list_async = async_op(_list)
    add = sync_op(_add)
    add_async = async_op(_add)
    add_batch = sync_op(_add_batch)
    add_batch_async = async_op(_add_batch)
    ingestion_status = sync_op(_ingestion_status)
    ingestion_status_async = async_op(_ingestion_status)
    provenance = sync_op(_provenance)
    provenance_async = async_op(_provenance)
    delete = sync_op(_delete)
    delete_async = async_op(_delete)
    get_buffer = sync_op(_get_buffer)
    get_buffer_async = async_op(_get_buffer)
    clear_buffer = sync_op(_clear_buffer)
    clear_buffer_async = async_op(_clear_buffer)
    clear_session_buffer = sync_op(_clear_session_buffer)
    clear_session_buffer_async = async_op(_clear_session_buffer)
    clear_all_buffers = sync_op(_clear_all_buffers)
    clear_all_buffers_async = async_op(_clear_all_buffers)
    stats = sync_op(_stats)
    stats_async = async_op(_stats)
