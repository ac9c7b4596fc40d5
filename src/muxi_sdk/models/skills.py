"""Skills: the instruction packs (SKILL.md plus resources) a formation loads for its agents."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ..types.basemodel import BaseModel, ListModel


class SkillSummary(BaseModel):
    """One loaded skill. `scope` is `builtin`, `public` (every agent) or `private` (named agents); the
    formation-wide list also says whether it ships scripts and how many resources it has."""

    name: str
    description: str | None = None
    scope: str | None = None
    has_scripts: bool | None = None
    resource_count: int | None = None
    has_execution_context: bool | None = None


class SkillList(ListModel[SkillSummary]):
    """`GET /v1/skills`: every loaded skill (empty when the formation has none)."""

    skills: list[SkillSummary] = Field(default_factory=list)


class AgentSkillList(ListModel[SkillSummary]):
    """`GET /v1/agents/{agent_id}/skills`: the skills one agent can use (public and its private ones)."""

    skills: list[SkillSummary] = Field(default_factory=list)
    agent_id: str | None = None


class Skill(BaseModel):
    """`GET /v1/skills/{skill_name}`: a skill's metadata and the paths of its resources."""

    name: str
    description: str | None = None
    license: str | None = None
    compatibility: Any = None
    allowed_tools: list[str] | str | None = None
    resources: list[str] = Field(default_factory=list)
