"""`m.triggers`: list the formation's trigger templates and fire them with event data."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from typing_extensions import Unpack

from ._core.operation import Call, Operation, RequestInput
from ._core.options import RequestOptions, call_options
from ._core.twins import async_op, sync_op
from ._utils.inputs import body_dict, validate_input
from ._utils.serializers import json_body
from .basesdk import BaseSDK
from .errors import InvalidInputError
from .models.triggers import Trigger, TriggerList, TriggerRequest, TriggerResult

_TAGS = ("triggers",)
LIST = Operation("triggers_list", "GET", "/triggers", "client", TriggerList, user="none", tags=_TAGS)
GET = Operation("triggers_get", "GET", "/triggers/{name}", "client", Trigger, user="none", tags=_TAGS)
FIRE = Operation(
    "triggers_fire",
    "POST",
    "/triggers/{name}",
    "client",
    TriggerResult,
    idempotent_key=True,
    timeout_ms=600_000,  # sync mode waits for the whole reply, like a chat
    user="required",
    request=TriggerRequest,
    tags=_TAGS,
)

_NAME = re.compile(r"^[a-zA-Z0-9_-]+$")


def _trigger_name(name: Any) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise InvalidInputError(
            f"invalid trigger name {name!r}: use only letters, digits, '-' and '_' (the template's file name "
            "without .md)"
        )
    return name


def _with_request_id(result: TriggerResult, is_async: bool) -> TriggerResult:
    """The trigger's request id travels in the envelope (`request.id`); put it on the result."""
    meta = result.response_meta
    if result.request_id is None and meta is not None:
        result.request_id = meta.request_id
    return result


class Triggers(BaseSDK):
    """Trigger templates (`/v1/triggers`, client key): webhook-friendly endpoints that render event data into a
    message and run it like a chat request."""

    def _list(self, **options: Unpack[RequestOptions]) -> Call[TriggerList]:
        """The names of the formation's triggers (`GET /v1/triggers`)."""
        return Call(LIST, RequestInput(), call_options(options))

    def _get(self, *, name: str, **options: Unpack[RequestOptions]) -> Call[Trigger]:
        """A trigger's template and the `data.` fields it reads (`GET /v1/triggers/{name}`)."""
        return Call(GET, RequestInput(path_params={"name": _trigger_name(name)}), call_options(options))

    def _fire(
        self,
        *,
        name: str,
        data: Mapping[str, Any],
        use_async: bool = True,
        session_id: str | None = None,
        user_id: str | None = None,
        idempotency_key: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> Call[TriggerResult]:
        """Render the trigger's template from `data` and run it (`POST /v1/triggers/{name}`).

        The SDK sends `{"data": data, "use_async": ..., "session_id": ...}` (the official SDK sends `data`
        bare, which the server rejects with 422). `use_async=True` (the server's default) answers at once with
        `status="processing"` and the `request_id`; `use_async=False` waits and returns the reply in
        `content`. A result webhook, when wanted, is named in the trigger's frontmatter (`webhook:`), not per
        call. Retries resend the same `X-Muxi-Idempotency-Key`, so a trigger never runs twice.
        """
        if not isinstance(data, Mapping):
            raise InvalidInputError(f"data must be a dict of event data, not {type(data).__name__}")
        request = validate_input(TriggerRequest, {"data": dict(data), "use_async": use_async, "session_id": session_id})
        req = RequestInput(
            path_params={"name": _trigger_name(name)},
            body=json_body(body_dict(request)),
            user_id=user_id,
            idempotency_key=idempotency_key,
        )
        return Call(FIRE, req, call_options(options), post=_with_request_id)

    list = sync_op(_list)
    list_async = async_op(_list)
    get = sync_op(_get)
    get_async = async_op(_get)
    fire = sync_op(_fire)
    fire_async = async_op(_fire)
