"""Memory maintenance (admin key): projection rebuilds, forgetting a source, lint, backfill, the distillery
registry and the signed distilled-batch intake."""

from __future__ import annotations

from typing import Any, Literal, Union

from pydantic import Field
from typing_extensions import NotRequired, TypedDict

from ..types.basemodel import BaseModel, InputModel

# ------------------------------------------------------------------------------------------ requests


class MemoryRebuildRequest(InputModel):
    """The body of `POST /v1/memory/rebuild`. `background=False` (or a `dry_run`) runs inline."""

    user_id: str = Field(min_length=1)
    projection: str | None = None
    dry_run: bool = False
    background: bool = True
    backfill: bool = False


class MemoryRebuildRequestTypedDict(TypedDict):
    user_id: str
    projection: NotRequired[str]
    dry_run: NotRequired[bool]
    background: NotRequired[bool]
    backfill: NotRequired[bool]


class MemoryForgetRequest(InputModel):
    """The body of `POST /v1/memory/forget`: soft-delete everything the user's memory got from `source`."""

    user_id: str = Field(min_length=1)
    source: str = Field(min_length=1)
    reason: str = "user_request"
    rebuild: bool = True
    background: bool = True


class MemoryForgetRequestTypedDict(TypedDict):
    user_id: str
    source: str
    reason: NotRequired[str]
    rebuild: NotRequired[bool]
    background: NotRequired[bool]


class MemoryBackfillRequest(InputModel):
    """The body of `POST /v1/memory/backfill`."""

    user_id: str = Field(min_length=1)


class MemoryBackfillRequestTypedDict(TypedDict):
    user_id: str


class MemoryLintRequest(InputModel):
    """The body of `POST /v1/memory/lint`: one user, or (no `user_id`) every user."""

    user_id: str | None = Field(default=None, min_length=1)


class MemoryLintRequestTypedDict(TypedDict):
    user_id: NotRequired[str]


TrustLevel = Union[Literal["provisional", "verified"], str]


class DistilleryRegistration(InputModel):
    """The body of `POST /v1/memory/distilleries`.

    `public_key` is the distillery's Ed25519 public key, `ed25519:<base64 of the raw 32 bytes or DER>`;
    `scope` limits what it may write (`user_ids`: "all" | "pattern:<glob>" | [ids], `event_types`,
    `max_events_per_day`, `max_batch_size`; omitted keys take the formation's defaults).
    """

    name: str = Field(min_length=1)
    public_key: str = Field(min_length=1)
    description: str | None = None
    scope: dict[str, Any] | None = None
    trust_level: TrustLevel | None = None


class DistilleryRegistrationTypedDict(TypedDict):
    name: str
    public_key: str
    description: NotRequired[str]
    scope: NotRequired[dict[str, Any]]
    trust_level: NotRequired[TrustLevel]


class DistilledBatch(InputModel):
    """The body of `POST /v1/memories/distilled`: one batch of pre-distilled memory events.

    Each event names its `user_id`, `event_type`, `source_id` and `payload` (plus optional confidence,
    decay, timestamps and, with `embedding_mode="pre_computed"`, vectors of `embedding_model`).
    """

    batch_id: str = Field(min_length=1)
    events: list[dict[str, Any]] = Field(min_length=1)
    embedding_mode: Literal["none", "pre_computed"] | None = None
    embedding_model: str | None = None
    distillery_version: str | None = None
    distiller_config_hash: str | None = None


class DistilledBatchTypedDict(TypedDict):
    batch_id: str
    events: list[dict[str, Any]]
    embedding_mode: NotRequired[Literal["none", "pre_computed"]]
    embedding_model: NotRequired[str]
    distillery_version: NotRequired[str]
    distiller_config_hash: NotRequired[str]


# ------------------------------------------------------------------------------------------ responses


class ProjectionReport(BaseModel):
    """One projection's replay: events read, applied, failed (`dry_run`: counted only)."""

    events: int = 0
    applied: int = 0
    failed: int = 0
    dry_run: bool | None = None


class BackfillReport(BaseModel):
    """One projection's backfill pass: legacy events written; `complete=False`: call backfill again."""

    synthesized: int = 0
    complete: bool = True


class MemoryJobStatus(BaseModel):
    """A memory rebuild or forget: the job as accepted (`job_id`, `status`, `status_url`), polled, or run inline.

    `status` is `processing`, then `completed`, `failed` (with `error`) or `cancelled`; None when the work ran
    inline. `projections` (per projection: events, applied, failed) and `backfill` come with the finished work.
    """

    job_id: str | None = None
    status: str | None = None
    status_url: str | None = None
    error: Any = None
    user_id: str | None = None
    dry_run: bool | None = None
    projections: dict[str, ProjectionReport] | None = None
    backfill: dict[str, BackfillReport] | None = None


class MemoryForgetResult(BaseModel):
    """`POST /v1/memory/forget`: the soft delete's answer (always inline), and the rebuild's job or report.

    `deleted_events` stay recoverable for `grace_period_days`. With `rebuild=False`, `rebuild_required`
    names the projections that still show the forgotten source.
    """

    user_id: str | None = None
    source: str | None = None
    deleted_events: int = 0
    grace_period_days: int | None = None
    rebuild_required: list[str] | None = None
    projections: dict[str, ProjectionReport] | None = None
    job_id: str | None = None
    status: str | None = None
    status_url: str | None = None


class MemoryLintResult(BaseModel):
    """`POST /v1/memory/lint`: the health report (`users`, `unresolved_conflicts`, `superseded_deleted`,
    `orphans_removed`, `log_gaps`, `stale_artifacts`, `index_regenerated`, `findings` per user)."""

    user_id: str | None = None
    report: dict[str, Any] = Field(default_factory=dict)


class MemoryBackfillResult(BaseModel):
    """`POST /v1/memory/backfill`: per projection, legacy events synthesized and whether the pass completed."""

    user_id: str | None = None
    synthesized: dict[str, BackfillReport] = Field(default_factory=dict)


class Distillery(BaseModel):
    """A registered distillery. `distillery_id` is the `X-Distillery-ID` its signed batches carry."""

    distillery_id: str
    id: int | None = None
    formation_id: str | None = None
    name: str | None = None
    description: str | None = None
    public_key: str | None = None
    scope: dict[str, Any] = Field(default_factory=dict)
    trust_level: str | None = None
    status: str | None = None
    created_at: str | None = None
    revoked_at: str | None = None


class DistilleryList(BaseModel):
    """`GET /v1/memory/distilleries`: newest first, revoked ones included."""

    distilleries: list[Distillery] = Field(default_factory=list)
    count: int = 0


class DistilledBatchResult(BaseModel):
    """`POST /v1/memories/distilled`: events `accepted` (processed by the job `processing_id`), `duplicates`,
    and `rejected` with indexed `rejections` (`{index, reason}`)."""

    batch_id: str | None = None
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    rejections: list[dict[str, Any]] = Field(default_factory=list)
    processing_id: str | None = None
    status_url: str | None = None


class DistilledStatus(BaseModel):
    """`GET /v1/memories/distilled/{processing_id}`: `queued` -> `processing` -> `completed` | `failed`, with
    per-event dispositions once completed."""

    processing_id: str | None = None
    status: str | None = None
    created_at: float | None = None
    completed_at: str | float | None = None
    error: Any = None


class MemoryBuffers(BaseModel):
    """`GET /v1/memory/buffers` (deprecated): one summary per buffer (`total_entries`, `max_size`,
    `utilization`, `kv_namespaces`)."""

    buffers: list[dict[str, Any]] = Field(default_factory=list)
    total_entries: int | None = None
