"""Agents: the formation's agent configurations (`GET /v1/agents`, `GET /v1/agents/{id}`) and knowledge sync."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from typing_extensions import TypedDict

from ..types.basemodel import BaseModel, InputModel, ListModel


class Agent(BaseModel):
    """One agent's configuration as the formation declares it (secret references shown as `${{ secrets.X }}`).

    `source` is `"formation"` for agents from the formation files. Fields the server adds are kept
    (`additional_properties`).
    """

    id: str
    name: str | None = None
    description: str | None = None
    system_message: str | None = None
    source: str | None = None
    active: bool | None = None
    schema_version: str | None = Field(default=None, alias="schema")
    author: str | None = None
    url: str | None = None
    license: str | None = None
    version: str | None = None
    llm_models: list[dict[str, Any]] | None = None
    mcp_servers: list[Any] | None = None
    knowledge: Any = None
    a2a: dict[str, Any] | None = None


class AgentList(ListModel[Agent]):
    """`GET /v1/agents`: every agent of the formation."""

    agents: list[Agent] = Field(default_factory=list)
    count: int = 0


class KnowledgeSyncRequest(InputModel):
    """The body of `POST /v1/agents/{agent_id}/knowledge/sync`."""

    source_id: str | None = None


class KnowledgeSyncRequestTypedDict(TypedDict, total=False):
    source_id: str


class KnowledgeSourceSync(BaseModel):
    """What happened to one remote knowledge source: `status` is `"success"`, `"partial"`, `"failed"`
    (see `error`) or `"skipped"` (a sync of that source was already running; see `reason`)."""

    source_id: str | None = None
    url: str | None = None
    status: str | None = None
    files_added: int | None = None
    files_modified: int | None = None
    files_deleted: int | None = None
    files_failed: int | None = None
    bytes_downloaded: int | None = None
    duration_ms: int | None = None
    error: str | None = None
    reason: str | None = None


class KnowledgeSyncResult(BaseModel):
    """`POST /v1/agents/{agent_id}/knowledge/sync`: one entry per remote source that was synced."""

    agent_id: str
    results: list[KnowledgeSourceSync] = Field(default_factory=list)
