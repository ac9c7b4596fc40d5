"""Formation lifecycle streams (deploy, update, start, restart, rollback) and the formation log follow."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from httpx_sse import ServerSentEvent

from ..errors import StreamError, operation_error
from ..models.formations import (
    CompleteEvent,
    FormationLogEvent,
    LifecycleEvent,
    LifecycleProgressEvent,
    LogConnectedEvent,
    LogLineEvent,
    UnknownLifecycleEvent,
)
from .eventstream import EventStream, EventStreamAsync
from .frames import frame_data, tolerant


def _unknown(sse: ServerSentEvent, payload: Any) -> UnknownLifecycleEvent:
    name = sse.event or "message"
    return UnknownLifecycleEvent(type=name, event=name, data=payload)


def _decode_lifecycle_event(sse: ServerSentEvent, operation: str | None = None) -> LifecycleEvent | None:
    name = sse.event or "message"
    if not sse.data:
        return None
    payload = frame_data(sse.data)
    fields = payload if isinstance(payload, dict) else {}
    if name == "progress":
        return LifecycleProgressEvent.model_validate({**fields, "type": "progress"})
    if name == "complete":
        return CompleteEvent.model_validate({**fields, "type": "complete"})
    if name == "error":
        raise operation_error(payload, operation)
    return _unknown(sse, payload)


def lifecycle_decoder(operation: str | None = None) -> Callable[[ServerSentEvent], LifecycleEvent | None]:
    """The frame decoder of one lifecycle stream. `operation` (`"start"`, ...) refines the `status_code` of an
    error frame (see `FormationOperationError`)."""
    return tolerant(functools.partial(_decode_lifecycle_event, operation=operation), _unknown)


decode_lifecycle_event = lifecycle_decoder()
"""One frame of a deploy/update/start/restart/rollback stream -> a typed event (or an error raised)."""


def _decode_formation_log_event(sse: ServerSentEvent) -> FormationLogEvent | None:
    name = sse.event or "message"
    if not sse.data:
        return None
    payload = frame_data(sse.data)
    fields = payload if isinstance(payload, dict) else {}
    if name == "connected":
        return LogConnectedEvent.model_validate({**fields, "type": "connected"})
    if name == "log":
        return LogLineEvent.model_validate({**fields, "type": "log"})
    return _unknown(sse, payload)


decode_formation_log_event = tolerant(_decode_formation_log_event, _unknown)
"""One frame of a log follow -> `LogConnectedEvent`, `LogLineEvent` or `UnknownLifecycleEvent`."""


class _LifecycleMixin:
    complete: CompleteEvent | None = None
    progress_events: list[LifecycleProgressEvent]

    def _note(self, event: LifecycleEvent) -> None:
        if isinstance(event, CompleteEvent):
            self.complete = event
        elif isinstance(event, LifecycleProgressEvent):
            self.progress_events.append(event)

    def _finished(self) -> CompleteEvent:
        if self.complete is None:
            raise StreamError("the stream ended without a `complete` event", code="STREAM_INCOMPLETE")
        return self.complete


class LifecycleStream(_LifecycleMixin, EventStream[LifecycleEvent]):
    """Progress of a deploy, update, start, restart or rollback. Iterate it inside `with`, or call
    `.result()` to wait for the `complete` event. `.progress_events` keeps the progress seen so far."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.progress_events = []
        super().__init__(*args, observe=self._note, **kwargs)

    def result(self) -> CompleteEvent:
        """Consume the rest of the stream and return its `complete` event."""
        for _ in self:
            pass
        return self._finished()


class LifecycleStreamAsync(_LifecycleMixin, EventStreamAsync[LifecycleEvent]):
    """Async `LifecycleStream`: `async for` events, or `await .result()`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.progress_events = []
        super().__init__(*args, observe=self._note, **kwargs)

    async def result(self) -> CompleteEvent:
        async for _ in self:
            pass
        return self._finished()
