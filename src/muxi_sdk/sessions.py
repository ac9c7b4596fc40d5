"""`m.sessions`: a user's conversations - list them, read one, read its messages, restore a transcript."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from typing_extensions import Unpack

from ._core.operation import Call, Operation, PageCall, RequestInput
from ._core.options import RequestOptions, call_options
from ._core.pagination import PageSpec, paginated
from ._core.twins import async_op, sync_op
from ._utils.inputs import body_dict, validate_input
from .basesdk import BaseSDK
from .errors import InvalidInputError
from .models.sessions import (
    RestoreMessage,
    RestoreMessageTypedDict,
    Session,
    SessionList,
    SessionMessage,
    SessionMessageList,
    SessionRestoreRequest,
    SessionRestoreResult,
    SessionSummary,
)

# `response` documents the data; pagination reads it raw (JSONPath) and validates each item once.
LIST = Operation("sessions_list", "GET", "/sessions", "client", SessionList, user="required", tags=("sessions",))
GET = Operation("sessions_get", "GET", "/sessions/{session_id}", "client", Session, user="required", tags=("sessions",))
MESSAGES = Operation(
    "sessions_messages",
    "GET",
    "/sessions/{session_id}/messages",
    "client",
    SessionMessageList,
    user="required",
    tags=("sessions",),
)
RESTORE = Operation(
    "sessions_restore",
    "POST",
    "/sessions/{session_id}/restore",
    "client",
    SessionRestoreResult,
    user="required",
    tags=("sessions",),
    request=SessionRestoreRequest,
)

# The runtime takes only `limit` (1-1000) on both lists: no offset, no cursor. Pages are a growing window.
LIST_PAGES = PageSpec("$.sessions[*]", SessionSummary, key="$.session_id", max_limit=1000)
MESSAGES_PAGES = PageSpec("$.messages[*]", SessionMessage, has_more="$.has_more", max_limit=1000)


class Sessions(BaseSDK):
    """A user's sessions (`/v1/sessions`; client key and `X-Muxi-User-ID`)."""

    def _list(
        self,
        *,
        limit: int | None = None,
        active_only: bool | None = None,
        user_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> PageCall[SessionSummary]:
        """List the user's sessions, most recently active first, `limit` (1-1000, default 50) per page.

        Returns a `Page`: `.items`, `.has_next`, `.next()`; iterating it walks every page. The runtime has no
        offset or cursor, so page n asks for the first n*limit sessions and keeps the new ones.
        """
        query = {"active_only": active_only}
        request = RequestInput(query=query, user_id=user_id)
        return paginated(self, LIST, LIST_PAGES, request, call_options(options), limit)

    def _get(self, *, session_id: str, user_id: str | None = None, **options: Unpack[RequestOptions]) -> Call[Session]:
        """One session's counters (`message_count`, `created_at`, `last_activity`). 404: `NotFoundError`."""
        return Call(GET, RequestInput(path_params={"session_id": session_id}, user_id=user_id), call_options(options))

    def _messages(
        self,
        *,
        session_id: str,
        limit: int | None = None,
        user_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> PageCall[SessionMessage]:
        """A session's buffered messages, oldest first, `limit` (1-1000, default 50) per page.

        Returns a `Page` of `SessionMessage` (`role`, `content`, `request_id`, raw `metadata`).
        """
        request = RequestInput(path_params={"session_id": session_id}, user_id=user_id)
        return paginated(self, MESSAGES, MESSAGES_PAGES, request, call_options(options), limit)

    def _restore(
        self,
        *,
        session_id: str,
        messages: Sequence[RestoreMessage | RestoreMessageTypedDict | SessionMessage],
        user_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> Call[SessionRestoreResult]:
        """Replace a session's messages with a transcript (`role`, `content`, ISO `timestamp` each).

        `messages` may also hold `SessionMessage`s read with `messages()`. Creates the session if needed.
        """
        if isinstance(messages, (str, bytes, dict)) or not isinstance(messages, Sequence):
            raise InvalidInputError("messages must be a list of {role, content, timestamp} messages")
        entries: list[Any] = [m.to_restore() if isinstance(m, SessionMessage) else m for m in messages]
        from ._utils.serializers import json_body  # here: a GET or a list need not load the body encoders

        body = body_dict(validate_input(SessionRestoreRequest, {"messages": entries}))
        request = RequestInput(path_params={"session_id": session_id}, body=json_body(body), user_id=user_id)
        return Call(RESTORE, request, call_options(options))

    list = sync_op(_list)
    list_async = async_op(_list)
    get = sync_op(_get)
    get_async = async_op(_get)
    messages = sync_op(_messages)
    messages_async = async_op(_messages)
    restore = sync_op(_restore)
    restore_async = async_op(_restore)
