"""`m.knowledge`: the agents' persistent knowledge trees (reasoning RAG), admin key."""

from __future__ import annotations

from typing_extensions import Unpack

from ._core.operation import Call, Operation, RequestInput
from ._core.options import RequestOptions, call_options
from ._core.twins import async_op, sync_op
from ._utils.inputs import body_dict, validate_input
from ._utils.serializers import json_body
from .basesdk import BaseSDK
from .models.knowledge import KnowledgeRebuild, KnowledgeRebuildRequest

REBUILD = Operation(
    "knowledge_rebuild",
    "POST",
    "/knowledge/rebuild",
    "admin",
    KnowledgeRebuild,
    user="none",
    tags=("knowledge",),
    request=KnowledgeRebuildRequest,
)


class Knowledge(BaseSDK):
    """Knowledge trees of the formation's agents (`/v1/knowledge/...`, admin key).

    One agent's knowledge *sources* are synced with `m.agents.sync_knowledge`; this resource works on the
    formation as a whole.
    """

    def _rebuild(
        self, *, agent_id: str | None = None, source_id: str | None = None, **options: Unpack[RequestOptions]
    ) -> Call[KnowledgeRebuild]:
        """Force-rebuild the persistent knowledge trees (`POST /v1/knowledge/rebuild`), whatever their trigger.

        Every agent, or the one `agent_id` names (an unknown one: `NotFoundError`); every `agent_tree:` source,
        or the one `source_id` names. Agents without such sources report empty lists. Runs inline.
        """
        request = validate_input(KnowledgeRebuildRequest, {"agent_id": agent_id, "source_id": source_id})
        return Call(REBUILD, RequestInput(body=json_body(body_dict(request))), call_options(options))

    rebuild = sync_op(_rebuild)
    rebuild_async = async_op(_rebuild)
