"""`m.agents`: the formation's agents (admin key).

The formation serves agents read-only: list, get, and a manual re-sync of an agent's remote knowledge. It
has no route to create, change or delete an agent (the runtime's handlers for that are switched off:
agents change by redeploying the formation), so neither has this SDK.
"""

from __future__ import annotations

from typing_extensions import Unpack

from ._core.operation import Call, Operation, RequestInput
from ._core.options import RequestOptions, call_options
from ._core.twins import async_op, sync_op
from ._utils.inputs import body_dict, validate_input
from ._utils.serializers import json_body
from .basesdk import BaseSDK
from .models.agents import Agent, AgentList, KnowledgeSyncRequest, KnowledgeSyncResult

_TAGS = ("agents",)
LIST = Operation("agents_list", "GET", "/agents", "admin", AgentList, user="none", tags=_TAGS)
GET = Operation("agents_get", "GET", "/agents/{agent_id}", "admin", Agent, user="none", tags=_TAGS)
SYNC_KNOWLEDGE = Operation(
    "agents_sync_knowledge",
    "POST",
    "/agents/{agent_id}/knowledge/sync",
    "admin",
    KnowledgeSyncResult,
    user="none",
    tags=_TAGS,
)


class Agents(BaseSDK):
    """The formation's agents (`/v1/agents`; admin key). Read-only: agents change by redeploying."""

    def _list(self, **options: Unpack[RequestOptions]) -> Call[AgentList]:
        """Every agent of the formation (`.agents`, `.count`)."""
        return Call(LIST, RequestInput(), call_options(options))

    def _get(self, *, agent_id: str, **options: Unpack[RequestOptions]) -> Call[Agent]:
        """One agent's configuration. `NotFoundError` (code `AGENT_NOT_FOUND`) for an unknown id."""
        return Call(GET, RequestInput(path_params={"agent_id": agent_id}), call_options(options))

    def _sync_knowledge(
        self, *, agent_id: str, source_id: str | None = None, **options: Unpack[RequestOptions]
    ) -> Call[KnowledgeSyncResult]:
        """Re-sync the agent's remote knowledge sources now (all of them, or only `source_id`).

        Changed files are re-embedded; a source already syncing reports status `"skipped"`. Errors:
        `NotFoundError` (`AGENT_NOT_FOUND`, or `RESOURCE_NOT_FOUND` for an unknown `source_id`),
        `ValidationError` (`INVALID_REQUEST`) when the agent has no remote knowledge sources.
        """
        body = body_dict(validate_input(KnowledgeSyncRequest, {"source_id": source_id}))
        req = RequestInput(path_params={"agent_id": agent_id}, body=json_body(body))
        return Call(SYNC_KNOWLEDGE, req, call_options(options))

    list = sync_op(_list)
    list_async = async_op(_list)
    get = sync_op(_get)
    get_async = async_op(_get)
    sync_knowledge = sync_op(_sync_knowledge)
    sync_knowledge_async = async_op(_sync_knowledge)
