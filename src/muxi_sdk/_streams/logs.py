"""The formation's live log stream (`GET /v1/logs`): frames decoded into typed `LogEvent`s."""

from __future__ import annotations

from typing import Any

from httpx_sse import ServerSentEvent

from ..errors import StreamError
from ..models.chat import UnknownEvent
from ..models.system import LogEvent, LogStreamEvent
from .eventstream import EventStream, EventStreamAsync
from .frames import frame_data, tolerant


def _unknown(sse: ServerSentEvent, payload: Any) -> UnknownEvent:
    name = sse.event or "message"
    return UnknownEvent(type=name, event=name, data=payload)


def _decode_log_event(sse: ServerSentEvent) -> LogStreamEvent | None:
    if not sse.data:
        return None
    name = sse.event or "message"
    payload = frame_data(sse.data)
    if name == "error":
        message = payload.get("message") if isinstance(payload, dict) else payload
        raise StreamError(str(message or "log stream error"), details=payload)
    if name == "log" and isinstance(payload, dict):
        return LogEvent.model_validate(payload)
    return _unknown(sse, payload)


decode_log_event = tolerant(_decode_log_event, _unknown)
"""One SSE frame of `/v1/logs` -> a `LogEvent` (`event: log`), a `StreamError` (`event: error`), or an
`UnknownEvent` for frames this SDK version does not know (kept, never a crash mid-stream)."""


class LogStream(EventStream[LogStreamEvent]):
    """Live formation logs: `with m.system.stream_logs(level="info") as logs: for event in logs: ...`.

    The server keeps the stream open until you leave the `with` block (or `break` out of it)."""


class LogStreamAsync(EventStreamAsync[LogStreamEvent]):
    """Live formation logs: `async with m.system.stream_logs_async(level="info") as logs: async for ...`."""
