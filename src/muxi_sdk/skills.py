"""`m.skills`: the skills (SKILL.md instruction packs) the formation has loaded, per formation and per agent."""

from __future__ import annotations

from typing_extensions import Unpack

from ._core.operation import Call, Operation, RequestInput
from ._core.options import RequestOptions, call_options
from ._core.twins import async_op, sync_op
from .basesdk import BaseSDK
from .models.skills import AgentSkillList, Skill, SkillList

# Client key only (the runtime mounts the skills router with the client-key check).
_TAGS = ("skills",)
LIST = Operation("skills_list", "GET", "/skills", "client", SkillList, user="none", tags=_TAGS)
GET = Operation("skills_get", "GET", "/skills/{skill_name}", "client", Skill, user="none", tags=_TAGS)
LIST_FOR_AGENT = Operation(
    "skills_list_for_agent", "GET", "/agents/{agent_id}/skills", "client", AgentSkillList, user="none", tags=_TAGS
)


class Skills(BaseSDK):
    """Loaded skills (`/v1/skills`, client key): the formation's, one skill's metadata, one agent's."""

    def _list(self, **options: Unpack[RequestOptions]) -> Call[SkillList]:
        """Every skill the formation loaded, with its scope (`GET /v1/skills`)."""
        return Call(LIST, RequestInput(), call_options(options))

    def _get(self, *, skill_name: str, **options: Unpack[RequestOptions]) -> Call[Skill]:
        """One skill's metadata and resource paths (`GET /v1/skills/{skill_name}`); `NotFoundError` if unknown."""
        return Call(GET, RequestInput(path_params={"skill_name": skill_name}), call_options(options))

    def _list_for_agent(self, *, agent_id: str, **options: Unpack[RequestOptions]) -> Call[AgentSkillList]:
        """The skills one agent can use: the public ones and its private ones (`GET /v1/agents/{id}/skills`)."""
        return Call(LIST_FOR_AGENT, RequestInput(path_params={"agent_id": agent_id}), call_options(options))

    list = sync_op(_list)
    list_async = async_op(_list)
    get = sync_op(_get)
    get_async = async_op(_get)
    list_for_agent = sync_op(_list_for_agent)
    list_for_agent_async = async_op(_list_for_agent)
