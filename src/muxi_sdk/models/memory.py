"""Memory: a user's long-term memories, the conversation buffer, and the admin views."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import Discriminator, Field, Tag, model_validator
from typing_extensions import NotRequired, TypedDict

from ..types.basemodel import BaseModel, InputModel, ListModel, shape_tag

MemoryScope = Literal["user", "group", "formation"]

# ------------------------------------------------------------------------------------------ request


class MemoryCreate(InputModel):
    """The body of `POST /v1/memories`: `{type, detail}` (or a flat `content`), optionally scoped.

    With `source` set the formation *ingests* the item (classify, extract, embed) in the background and
    answers with a `MemoryIngestion`; `(source, source_id)` is then the de-duplication key.
    """

    type: str | None = None
    detail: str | None = None
    content: Any = None
    metadata: dict[str, Any] | None = None
    scope: MemoryScope | None = None
    scope_id: str | None = None
    source: str | None = None
    source_id: str | None = None
    timestamp: str | None = None
    subject: str | None = None

    @model_validator(mode="after")
    def _needs_something_to_remember(self) -> MemoryCreate:
        if self.detail is None and self.content is None:
            raise ValueError("a memory needs `detail` (or `content`)")
        if self.detail is not None and not self.detail.strip():
            raise ValueError("`detail` must not be empty")
        if self.scope == "group" and not self.scope_id:
            raise ValueError("scope='group' needs scope_id (the group id)")
        return self


class MemoryCreateTypedDict(TypedDict):
    type: NotRequired[str]
    detail: NotRequired[str]
    content: NotRequired[Any]
    metadata: NotRequired[dict[str, Any]]
    scope: NotRequired[MemoryScope]
    scope_id: NotRequired[str]
    source: NotRequired[str]
    source_id: NotRequired[str]
    timestamp: NotRequired[str]
    subject: NotRequired[str]


# ------------------------------------------------------------------------------------------ responses


class MemoryConfig(BaseModel):
    """`GET /v1/memory` (admin): the formation's `memory` configuration (`buffer`, `persistent`, ...)."""

    buffer: dict[str, Any] | None = None
    persistent: Any = None


class Memory(BaseModel):
    """One long-term memory. `content` is `{type, detail}` for direct writes; `.type` / `.detail` read it."""

    id: str
    content: Any = None
    created_at: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    scope: str | None = None
    scope_id: str | None = None

    @property
    def type(self) -> str | None:
        return self.content.get("type") if isinstance(self.content, dict) else None

    @property
    def detail(self) -> str | None:
        if isinstance(self.content, dict):
            detail = self.content.get("detail")
            return detail if isinstance(detail, str) else None
        return self.content if isinstance(self.content, str) else None


class MemoryList(ListModel[Memory]):
    """`GET /v1/memories`: the user's memories (plus the shared-scope ones they can read)."""

    memories: list[Memory] = Field(default_factory=list)
    count: int = 0


class MemoryIngestion(BaseModel):
    """`POST /v1/memories` with a `source`: accepted for background processing, or a duplicate."""

    status: str
    duplicate: bool = False
    event_id: str | None = None
    source: str | None = None
    source_id: str | None = None
    scope: str | None = None
    scope_id: str | None = None
    processing_id: str | None = None
    status_url: str | None = None
    derived_events: list[Any] | None = None


MemoryCreated = Annotated[
    Union[Annotated[Memory, Tag("memory")], Annotated[MemoryIngestion, Tag("ingestion")]],
    Discriminator(shape_tag("memory", "ingestion", MemoryIngestion, lambda d: "id" not in d and "status" in d)),
]
"""What `m.memory.add()` returns: a `Memory` (direct write) or a `MemoryIngestion` (with `source`)."""


class MemoryDeleted(BaseModel):
    """`DELETE /v1/memories/{id}`: `deleted` is the id of the memory that is gone."""

    deleted: str
    user_id: str | None = None


class BufferStatus(BaseModel):
    """`GET /v1/memory/buffer`: the user's share of the conversation buffer (short-term memory)."""

    user_id: str | None = None
    total_messages: int = 0
    sessions: list[Any] = Field(default_factory=list)
    buffer_size_kb: float = 0.0


class BufferCleared(BaseModel):
    """A buffer clear: how many messages (and sessions) were removed."""

    message: str | None = None
    user_id: str | None = None
    session_id: str | None = None
    messages_cleared: int = 0
    sessions_cleared: int | None = None


class BufferStats(BaseModel):
    """`GET /v1/memory/stats` (admin): the whole buffer, across users."""

    total_entries: int = 0
    total_users: int = 0
    total_sessions: int = 0
    buffer_size_kb: float = 0.0
    max_size: int = 0
    utilization: float = 0.0


# ------------------------------------------------------------------------------------------ ingestion (batch)


class MemoryBatchCreate(InputModel):
    """The body of `POST /v1/memories/batch`: ingestion items, each with its `source` (the dedup key's half)."""

    items: list[MemoryCreate] = Field(min_length=1)

    @model_validator(mode="after")
    def _every_item_has_a_source(self) -> MemoryBatchCreate:
        missing = [i for i, item in enumerate(self.items) if not (item.source and item.source.strip())]
        if missing:
            raise ValueError(f"every batch item needs `source` (the ingestion contract); missing at {missing}")
        return self


class MemoryBatchCreateTypedDict(TypedDict):
    items: list[MemoryCreateTypedDict]


class MemoryBatchItem(BaseModel):
    """One item of a batch answer, in request order: `status` is `accepted`, `duplicate` or `invalid`."""

    index: int
    status: str
    event_id: str | None = None
    error: str | None = None
    derived_events: list[Any] | None = None


class MemoryBatchCounts(BaseModel):
    accepted: int = 0
    duplicate: int = 0
    invalid: int = 0


class MemoryBatch(BaseModel):
    """`POST /v1/memories/batch`: per-item outcomes; accepted items share one job (`processing_id`, or None
    when nothing was accepted)."""

    processing_id: str | None = None
    items: list[MemoryBatchItem] = Field(default_factory=list)
    counts: MemoryBatchCounts = Field(default_factory=MemoryBatchCounts)
    status_url: str | None = None


class IngestionStatus(BaseModel):
    """`GET /v1/memories/ingestion/{processing_id}`: `status` goes `queued` -> `processing` -> `completed` |
    `failed`. A completed job lists per-item pipeline outcomes (`items`), `counts` and token `usage`.

    `created_at` is epoch seconds; `completed_at` is what the runtime sends (an ISO 8601 string today).
    """

    processing_id: str | None = None
    status: str | None = None
    created_at: float | None = None
    completed_at: str | float | None = None
    error: Any = None
    items: list[dict[str, Any]] | None = None
    counts: dict[str, Any] | None = None
    usage: Any = None


# ------------------------------------------------------------------------------------------ provenance


class MemoryProvenance(BaseModel):
    """`GET /v1/memories/provenance`: why the formation believes something.

    For an `entity`: the knowledge-graph `entity` (with its event chains) and every `facts` entry touching
    it (contradicted and superseded ones too), `count`. For an `event_id`: that `event` and its causation
    `chain`.
    """

    entity: dict[str, Any] | None = None
    facts: list[dict[str, Any]] | None = None
    count: int | None = None
    event: dict[str, Any] | None = None
    chain: list[dict[str, Any]] | None = None
