"""Artifacts: files the formation's agents stored for a user (artifact memory), with their versions."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ..types.basemodel import BaseModel, ListModel


class StoredArtifact(BaseModel):
    """One stored artifact version's metadata (never its bytes: `m.artifacts.download` streams those).

    `id` is the artifact's public id; `version` counts from 1 and `is_latest` marks the newest.
    """

    id: str
    name: str | None = None
    version: int | None = None
    is_latest: bool | None = None
    content_type: str | None = None
    category: str | None = None
    summary: str | None = None
    tags: Any = None
    agent_id: str | None = None
    conversation_id: str | None = None
    size_bytes: int | None = None
    created_at: str | None = None
    updated_at: str | None = None
    last_accessed_at: str | None = None


class StoredArtifactList(ListModel[StoredArtifact]):
    """`GET /v1/artifacts`: the user's latest artifact versions, most recently used first; `total` counts
    them all (`count` is this answer's length)."""

    artifacts: list[StoredArtifact] = Field(default_factory=list)
    count: int = 0
    total: int = 0


class ArtifactVersions(ListModel[StoredArtifact]):
    """`GET /v1/artifacts/{artifact_id}/versions`: the version chain, newest first."""

    name: str | None = None
    versions: list[StoredArtifact] = Field(default_factory=list)
    count: int = 0
