"""`m.events`: live event streams for a user, a session or one request - typed, and resumable."""

from __future__ import annotations

from typing import Any

from httpx_sse import ServerSentEvent
from typing_extensions import Unpack

from ._core.operation import Call, Operation, RequestInput
from ._core.request import BaseSDK, RequestOptions, async_stream_op, call_options, sync_op, type_adapter
from ._core.userscope import require_user
from ._streams.chat import _json
from ._streams.eventstream import ResumableEventStream, ResumableEventStreamAsync, resumable
from .errors import StreamError
from .models.chat import TokenEvent, UnknownEvent
from .models.events import ActivityEvent, RuntimeEvent, StreamCompletedEvent, StreamOpenEvent

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

_MARKERS: dict[str, type[StreamOpenEvent | StreamCompletedEvent]] = {
    "stream_open": StreamOpenEvent,
    "stream_completed": StreamCompletedEvent,
}


def decode_runtime_event(sse: ServerSentEvent) -> RuntimeEvent | None:
    """One frame of `/v1/events...` -> a typed event; `{"error": ...}` raises `StreamError`."""
    if not sse.data:
        return None
    payload = _json(sse.data)
    if not isinstance(payload, dict):
        return UnknownEvent(event=sse.event or "message", data=payload)
    kind = payload.get("type")
    if "error" in payload and kind is None:
        error = payload["error"]
        message = error if isinstance(error, str) else str(payload.get("message") or error or "stream error")
        raise StreamError(message, code=payload.get("code") or "STREAM_ERROR", details=payload)
    if isinstance(kind, str):
        marker = _MARKERS.get(kind)
        if marker is not None:
            return marker.model_validate(payload)
        if "." in kind:
            return ActivityEvent.model_validate(payload)
    event: RuntimeEvent = type_adapter(TokenEvent).validate_python(payload)
    if isinstance(event, UnknownEvent) and event.data is None:
        name = kind if isinstance(kind, str) else "unknown"
        event = UnknownEvent(type=name, event=sse.event or "message", data=payload)
    return event


def _is_last(event: Any) -> bool:
    return isinstance(event, StreamCompletedEvent)


class EventStream(ResumableEventStream[RuntimeEvent]):
    """A sync stream of `RuntimeEvent`s that resumes after a dropped connection (`reconnects` counts them)."""


class EventStreamAsync(ResumableEventStreamAsync[RuntimeEvent]):
    """The async form of `EventStream`: `async with ... as events: async for event in events`."""


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
    ) -> Call[Any]:
        opts = call_options(options)
        require_user(self.sdk_configuration, op, user_id, opts.http_headers)
        headers = {"Last-Event-ID": last_event_id} if last_event_id else None
        call: Call[Any] = Call(op, RequestInput(path_params=path, user_id=user_id, headers=headers), opts)
        call.stream = resumable(
            self, call, decode_runtime_event, sync_cls=EventStream, async_cls=EventStreamAsync, terminal=_is_last
        )
        return call

    def _user(
        self,
        *,
        user_id: str | None = None,
        last_event_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> Call[EventStream]:
        """Stream the user's events (every session). `last_event_id` resumes after an event you saw."""
        return self._open(USER, {}, user_id, last_event_id, options)

    def _session(
        self,
        *,
        session_id: str,
        user_id: str | None = None,
        last_event_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> Call[EventStream]:
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
    ) -> Call[EventStream]:
        """Stream one chat request's events: `stream_open`, its runtime events, `stream_completed`."""
        path = {"session_id": session_id, "request_id": request_id}
        return self._open(REQUEST, path, user_id, last_event_id, options)

    user = sync_op(_user)
    user_async = async_stream_op(_user)
    session = sync_op(_session)
    session_async = async_stream_op(_session)
    request = sync_op(_request)
    request_async = async_stream_op(_request)
