"""`m.users.channels`: where a user gets proactive notifications (preferred channel, per-channel addressing,
timezone). Needs the formation's `proactive:` block (the runtime answers 503 without it). Client key only."""

from __future__ import annotations

from typing import Any

from typing_extensions import Unpack

from ._core.operation import Call, Operation, RequestInput
from ._core.options import RequestOptions, call_options
from ._core.twins import async_op, sync_op
from ._core.userscope import end_user
from ._utils.inputs import body_dict, validate_input
from ._utils.serializers import json_body
from .basesdk import BaseSDK
from .models.channels import UserChannels, UserChannelsUpdate

_TAGS = ("users",)
GET = Operation(
    "users_channels_get", "GET", "/users/{user_id}/channels", "client", UserChannels, user="none", tags=_TAGS
)
UPDATE = Operation(
    "users_channels_update",
    "PUT",
    "/users/{user_id}/channels",
    "client",
    UserChannels,
    user="none",
    request=UserChannelsUpdate,
    tags=_TAGS,
    replay="any",  # sets the same preferences again, same answer
)


class Channels(BaseSDK):
    """A user's notification channels (`/v1/users/{user_id}/channels`, client key)."""

    def _get(self, *, user_id: str | None = None, **options: Unpack[RequestOptions]) -> Call[UserChannels]:
        """The user's channel state (`GET /v1/users/{user_id}/channels`); an unknown user has an empty one.

        Single-user formations keep every user's state under user `"0"`.
        """
        user = end_user(self.sdk_configuration, user_id, GET)
        return Call(GET, RequestInput(path_params={"user_id": user}), call_options(options))

    def _update(
        self,
        *,
        user_id: str | None = None,
        preferred_channel: str | None = None,
        channels: dict[str, dict[str, Any]] | None = None,
        timezone: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> Call[UserChannels]:
        """Change the user's channel preferences; only the fields given change (`PUT .../channels`).

        `preferred_channel`: a channel declared in the formation's `proactive.channels`, or `"webhook"` (`""`
        clears it). `channels`: addressing per channel, merged into what is stored (`{"telegram": {"chat_id":
        "123"}}`; `{"telegram": {}}` removes it). `timezone`: an IANA name (`""` clears it). Returns the whole
        new state; `ValidationError` for an undeclared channel or an unknown timezone.
        """
        user = end_user(self.sdk_configuration, user_id, UPDATE)
        fields = {"preferred_channel": preferred_channel, "channels": channels, "timezone": timezone}
        body = body_dict(validate_input(UserChannelsUpdate, fields))
        return Call(UPDATE, RequestInput(path_params={"user_id": user}, body=json_body(body)), call_options(options))

    get = sync_op(_get)
    get_async = async_op(_get)
    update = sync_op(_update)
    update_async = async_op(_update)
