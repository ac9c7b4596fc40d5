"""Runtime event streams (`/v1/events...`): frames decoded into typed `RuntimeEvent`s; resumable."""

from __future__ import annotations

from typing import Any

from httpx_sse import ServerSentEvent

from .._core.parse import type_adapter
from ..errors import StreamError
from ..models.chat import TokenEvent, UnknownEvent
from ..models.events import ActivityEvent, RuntimeEvent, StreamCompletedEvent, StreamOpenEvent
from .frames import frame_data, tolerant
from .resumable import ResumableEventStream, ResumableEventStreamAsync

_MARKERS: dict[str, type[StreamOpenEvent | StreamCompletedEvent]] = {
    "stream_open": StreamOpenEvent,
    "stream_completed": StreamCompletedEvent,
}


def _unknown_runtime_event(sse: ServerSentEvent, payload: Any) -> UnknownEvent:
    kind = payload.get("type") if isinstance(payload, dict) else None
    return UnknownEvent(type=kind if isinstance(kind, str) else "unknown", event=sse.event or "message", data=payload)


def _decode_runtime_event(sse: ServerSentEvent) -> RuntimeEvent | None:
    if not sse.data:
        return None
    payload = frame_data(sse.data)
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
        event = _unknown_runtime_event(sse, payload)
    return event


decode_runtime_event = tolerant(_decode_runtime_event, _unknown_runtime_event)
"""One frame of `/v1/events...` -> a typed event; `{"error": ...}` raises `StreamError`."""


def is_last(event: Any) -> bool:
    """The runtime's last event of a request stream: a clean end before it is a dropped connection."""
    return isinstance(event, StreamCompletedEvent)


class RuntimeEventStream(ResumableEventStream[RuntimeEvent]):
    """A sync stream of `RuntimeEvent`s that resumes after a dropped connection (`reconnects` counts them)."""


class RuntimeEventStreamAsync(ResumableEventStreamAsync[RuntimeEvent]):
    """The async form of `RuntimeEventStream`: `async with ... as events: async for event in events`."""
