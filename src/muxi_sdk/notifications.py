"""`m.notifications`: send a user a proactive text notification through the formation's channel routing."""

from __future__ import annotations

from collections.abc import Sequence

from typing_extensions import Unpack

from ._core.operation import Call, Operation, RequestInput
from ._core.options import RequestOptions, call_options
from ._core.twins import async_op, sync_op
from ._core.userscope import end_user
from ._utils.inputs import body_dict, validate_input
from ._utils.serializers import json_body
from .basesdk import BaseSDK
from .errors import InvalidInputError
from .models.channels import NotificationRequest, NotificationResult

# Client key only. Not resent after a lost answer: the runtime does not deduplicate it and the user would get
# the notification twice.
SEND = Operation(
    "notifications_send",
    "POST",
    "/notifications",
    "client",
    NotificationResult,
    user="none",
    request=NotificationRequest,
    tags=("notifications",),
)


class Notifications(BaseSDK):
    """Proactive notifications (`POST /v1/notifications`, client key; needs the formation's `proactive:` block)."""

    def _send(
        self,
        *,
        message: str,
        user_id: str | None = None,
        channels: Sequence[str] | None = None,
        **options: Unpack[RequestOptions],
    ) -> Call[NotificationResult]:
        """Notify a user (`user_id=` or the client's user) with a text `message`.

        Routing: the `channels` given (declared names or `last`, `preferred`, `webhook`), else the user's
        preferred channel, else the formation's `proactive.default_channel`, else the async webhook; a failed
        delivery falls back to the webhook once. Returns the routed, delivered and failed channels. When no
        delivery succeeded the runtime answers 502: `ServerError`, its `body` still lists the channels.
        """
        if isinstance(channels, (str, bytes)):
            raise InvalidInputError("channels must be a list of channel names, not a single string")
        user = end_user(self.sdk_configuration, user_id, SEND)
        fields = {"user_id": user, "message": message, "channels": list(channels) if channels is not None else None}
        request = validate_input(NotificationRequest, fields)
        if not request.message.strip():
            raise InvalidInputError("message must not be empty")
        return Call(SEND, RequestInput(body=json_body(body_dict(request))), call_options(options))

    send = sync_op(_send)
    send_async = async_op(_send)
