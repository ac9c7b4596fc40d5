"""`m.events`: live event streams for a user, a session or one request - typed, and resumable."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from typing_extensions import Unpack

from ._core.operation import Operation, RequestInput, StreamCall
from ._core.options import RequestOptions, call_options
from ._core.twins import async_stream_op, sync_op
from ._core.userscope import require_user
from ._streams.resumable import resumable
from ._streams.runtime import RuntimeEventStream, RuntimeEventStreamAsync, decode_runtime_event, is_last
from ._utils.deprecation import renamed_attributes
from .basesdk import BaseSDK

USER = Operation("events_user", "GET", "/events", "dual", stream=True, user="client_key", tags=("events",))
SESSION = Operation(
    "events_session", "GET", "/events/{session_id}", "dual", stream=True, user="client_key", tags=("events",)
)
REQUEST = Operation(
    "events_request",
    "GET",
    "/events/{session_id}/{request_id}",
    "dual",
    stream=True,
    user="client_key",
    tags=("events",),
)


class Events(BaseSDK):
    """Server-sent event streams (`/v1/events`; client key + user, or the admin key).

    Streams are resumable: if the connection drops, the SDK reconnects with `Last-Event-ID` (when the server
    sent event ids), within the call's retry policy, waiting the server's `retry:` hint if it gave one, and
    never yields an event twice.
    """

    def _open(
        self,
        op: Operation,
        path: dict[str, str],
        user_id: str | None,
        last_event_id: str | None,
        options: Any,
    ) -> StreamCall[RuntimeEventStream, RuntimeEventStreamAsync]:
        opts = call_options(options)
        require_user(self.sdk_configuration, op, user_id, opts.http_headers)
        headers = {"Last-Event-ID": last_event_id} if last_event_id else None
        call: StreamCall[RuntimeEventStream, RuntimeEventStreamAsync] = StreamCall(
            op, RequestInput(path_params=path, user_id=user_id, headers=headers), opts
        )
        call.stream = resumable(
            self,
            call,
            decode_runtime_event,
            sync_cls=RuntimeEventStream,
            async_cls=RuntimeEventStreamAsync,
            terminal=is_last,
        )
        return call

    def _user(
        self,
        *,
        user_id: str | None = None,
        last_event_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> StreamCall[RuntimeEventStream, RuntimeEventStreamAsync]:
        """Stream the user's events (every session). `last_event_id` resumes after an event you saw."""
        return self._open(USER, {}, user_id, last_event_id, options)

    def _session(
        self,
        *,
        session_id: str,
        user_id: str | None = None,
        last_event_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> StreamCall[RuntimeEventStream, RuntimeEventStreamAsync]:
        """Stream the events of one session. `last_event_id` resumes after an event you saw."""
        return self._open(SESSION, {"session_id": session_id}, user_id, last_event_id, options)

    def _request(
        self,
        *,
        session_id: str,
        request_id: str,
        user_id: str | None = None,
        last_event_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> StreamCall[RuntimeEventStream, RuntimeEventStreamAsync]:
        """Stream one chat request's events: `stream_open`, its runtime events, `stream_completed`."""
        path = {"session_id": session_id, "request_id": request_id}
        return self._open(REQUEST, path, user_id, last_event_id, options)

    user = sync_op(_user)
    user_async = async_stream_op(_user)
    session = sync_op(_session)
    session_async = async_stream_op(_session)
    request = sync_op(_request)
    request_async = async_stream_op(_request)


# Deprecated names (one release): they shadowed the generic `muxi_sdk.EventStream` / `EventStreamAsync`.
_RENAMED = {"EventStream": "RuntimeEventStream", "EventStreamAsync": "RuntimeEventStreamAsync"}

if TYPE_CHECKING:
    EventStream = RuntimeEventStream
    EventStreamAsync = RuntimeEventStreamAsync
else:
    __getattr__ = renamed_attributes(__name__, _RENAMED, globals(), shown_as="muxi_sdk.")
