"""Events: what `m.events` streams yield - stream markers, the runtime's events, activity records."""

from __future__ import annotations

from typing import Literal, Union

from ..types.basemodel import BaseModel
from .chat import (
    CompletedEvent,
    ContentEvent,
    ErrorEvent,
    PlanningEvent,
    ProgressEvent,
    ThinkingEvent,
    ToolCallEvent,
    UnknownEvent,
)


class _StreamBoundary(BaseModel):
    session_id: str | None = None
    request_id: str | None = None


class StreamOpenEvent(_StreamBoundary):
    """The first event of a stream: the subscription is live."""

    type: Literal["stream_open"] = "stream_open"


class StreamCompletedEvent(_StreamBoundary):
    """The last event of a stream: the request (or replay) is over."""

    type: Literal["stream_completed"] = "stream_completed"


class ActivityEvent(BaseModel):
    """An observability record of the user and session streams (`type` like `chat.request.received`)."""

    type: str
    timestamp: float | None = None
    message: str | None = None
    session_id: str | None = None
    request_id: str | None = None


RuntimeEvent = Union[
    StreamOpenEvent,
    StreamCompletedEvent,
    ProgressEvent,
    ThinkingEvent,
    PlanningEvent,
    ToolCallEvent,
    ContentEvent,
    CompletedEvent,
    ErrorEvent,
    ActivityEvent,
    UnknownEvent,
]
"""An event of `m.events` streams: the chat event models (unwrapped), stream markers, activity records,
and `UnknownEvent` for types this SDK version does not know (kept, never dropped)."""
