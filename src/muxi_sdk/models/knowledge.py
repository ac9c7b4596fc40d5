"""Knowledge: the agents' persistent knowledge trees (reasoning RAG)."""

from __future__ import annotations

from pydantic import Field
from typing_extensions import NotRequired, TypedDict

from ..types.basemodel import BaseModel, InputModel


class KnowledgeRebuildRequest(InputModel):
    """The body of `POST /v1/knowledge/rebuild`: one agent (else all), one source slug (else all)."""

    agent_id: str | None = Field(default=None, min_length=1)
    source_id: str | None = Field(default=None, min_length=1)


class KnowledgeRebuildRequestTypedDict(TypedDict):
    agent_id: NotRequired[str]
    source_id: NotRequired[str]


class KnowledgeTreeReport(BaseModel):
    """One agent's rebuild: the sources `rebuilt`, `failed` and `skipped` (all empty without agent-tree sources)."""

    rebuilt: list[object] = Field(default_factory=list)
    failed: list[object] = Field(default_factory=list)
    skipped: list[object] = Field(default_factory=list)


class KnowledgeRebuild(BaseModel):
    """`POST /v1/knowledge/rebuild`: a report per agent id, and the `source_id` asked for (or None)."""

    agents: dict[str, KnowledgeTreeReport] = Field(default_factory=dict)
    source_id: str | None = None
