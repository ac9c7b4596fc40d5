"""Chat streams: MUXI's SSE frames decoded into typed events, plus helpers that gather the reply."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any, Union

from httpx_sse import ServerSentEvent
from pydantic import Field
from typing_extensions import TypedDict

from .._core.parse import type_adapter
from ..errors import StreamError
from ..models.chat import (
    ChatEvent,
    ChatEventBase,
    ChatResult,
    CompletedEvent,
    ContentEvent,
    DoneEvent,
    ErrorEvent,
    PlanningEvent,
    ProgressEvent,
    ThinkingEvent,
    TokenEvent,
    ToolCallEvent,
    UIEvent,
    UnknownEvent,
)
from .eventstream import EventStream, EventStreamAsync
from .frames import frame_data, tolerant
from .sse import Frame

_token_adapter = type_adapter(TokenEvent)


# The fast path: the frame shapes the runtime sends, discriminated by the `type` string inside pydantic-core
# (TokenEvent's callable discriminator calls back into Python for every frame). Anything else - an unknown
# type, no type, another shape - fails here and takes the tolerant path of `decode_chat_event`, which decides
# exactly as before.
_KnownToken = Annotated[
    Union[ProgressEvent, ThinkingEvent, PlanningEvent, ToolCallEvent, ContentEvent, CompletedEvent, ErrorEvent],
    Field(discriminator="type"),
]


class _TokenFrame(TypedDict):
    token: _KnownToken


# Parsing and validating the frame in one pass (pydantic-core) beats json.loads + validate by ~25 %.
_frame_adapter = type_adapter(_TokenFrame)
# pydantic-core's validator itself: the TypeAdapter method adds ~0.3 µs of Python per frame.
_validate_frame = _frame_adapter.validator.validate_json


def _unknown_chat_event(sse: ServerSentEvent, payload: Any) -> UnknownEvent:
    token = payload.get("token") if isinstance(payload, dict) else None
    kind = token.get("type") if isinstance(token, dict) else None
    name = sse.event or "message"
    return UnknownEvent(type=kind if isinstance(kind, str) else name, event=name, data=payload)


def _decode_chat_event(sse: ServerSentEvent) -> ChatEvent | None:
    name = sse.event or "message"
    if not sse.data:
        return DoneEvent() if name == "done" else None
    if name == "message":
        try:
            return _validate_frame(sse.data)["token"]  # type: ignore[no-any-return]
        except ValueError:  # not the current frame shape: fall back to the tolerant path below
            pass
        payload = frame_data(sse.data)
        token = payload.get("token") if isinstance(payload, dict) else None
        if isinstance(token, dict):
            return _token_adapter.validate_python(token)  # type: ignore[no-any-return]
        if isinstance(token, str):  # older servers streamed bare strings
            return ContentEvent(content=token)
        return UnknownEvent(event=name, data=payload)
    payload = frame_data(sse.data)
    if name == "ui":
        widgets = payload.get("ui") if isinstance(payload, dict) else None
        return UIEvent(ui=widgets if isinstance(widgets, list) else [])
    if name == "done":
        return DoneEvent()
    if name == "error":
        if isinstance(payload, dict):
            message = str(payload.get("error") or payload.get("message") or "stream error")
            code = payload.get("type") or payload.get("code")
        else:
            message, code = str(payload), None
        raise StreamError(message, code=str(code) if code else None, details=payload)
    return UnknownEvent(type=name, event=name, data=payload)


decode_chat_event = tolerant(_decode_chat_event, _unknown_chat_event)
"""One SSE frame of `/v1/chat` -> a typed event (None for frames with no data).

A frame whose fields have unexpected types (say `"content": 5`) is kept as an `UnknownEvent` carrying the
parsed data, like an unknown event type, instead of ending the stream with a validation error.
"""


class _ChatAccumulator:
    """Follows the events of one chat stream and adds them up into the reply.

    The text is kept as the newest deltas plus runs of `_RUN` deltas joined once and never again: constant
    work per delta, and memory the text plus a run of small strings. `keep_text=False` keeps no text at all.
    """

    _RUN = 1024

    def __init__(self, keep_text: bool = True) -> None:
        self.keep_text = keep_text
        self.runs: list[str] = []
        self.deltas: list[str] = []
        self.completed: CompletedEvent | None = None
        self.ui: list[dict[str, Any]] = []
        self.session_id: str | None = None
        self.request_id: str | None = None

    def __call__(self, event: ChatEvent) -> None:
        if isinstance(event, ChatEventBase):
            self.token(event)
            return
        if isinstance(event, UIEvent):
            self.ui.extend(event.ui)
        # Other events keep unknown fields as sent, so an id may be any JSON value: only strings are ids.
        session_id = getattr(event, "session_id", None)
        if session_id and isinstance(session_id, str):
            self.session_id = session_id
        request_id = getattr(event, "request_id", None)
        if request_id and isinstance(request_id, str):
            self.request_id = request_id

    def token(self, event: ChatEventBase) -> None:
        """A token event (validated: its ids are strings or None). The flat decode path calls this directly."""
        kind = type(event)
        if kind is ContentEvent:
            if self.keep_text:
                deltas = self.deltas
                deltas.append(event.content or "")
                if len(deltas) >= self._RUN:
                    self.runs.append("".join(deltas))
                    deltas.clear()
        elif kind is CompletedEvent:
            self.completed = event  # type: ignore[assignment]
        session_id = event.session_id
        if session_id:
            self.session_id = session_id
        request_id = event.request_id
        if request_id:
            self.request_id = request_id

    def received(self) -> str:
        """The text of the content deltas so far ("" with `keep_text=False`)."""
        return "".join(self.runs) + "".join(self.deltas)

    @property
    def text(self) -> str:
        # `completed` carries the authoritative full text (and must win after a stream discontinuity).
        if self.completed is not None and self.completed.content is not None:
            return self.completed.content
        return self.received()

    def result(self, events_received: int) -> ChatResult:
        return ChatResult(
            text=self.text,
            session_id=self.session_id,
            request_id=self.request_id,
            status=self.completed.status if self.completed else None,
            completed=self.completed,
            ui=self.ui,
            events_received=events_received,
        )


class _ChatStreamMixin:
    _acc: _ChatAccumulator
    events_received: int
    _raw_frames = True

    def _received_text(self) -> str:
        return self._acc.received()

    @property
    def current_text(self) -> str:
        """The reply so far: what the events iterated up to now add up to (the full text once completed)."""
        return self._acc.text

    @property
    def current_result(self) -> ChatResult:
        """A snapshot of the reply so far (text, ids, status, UI parts), as `final()` would return it now."""
        return self._acc.result(self.events_received)

    def _progress(self) -> str:
        return f"{self.events_received} events and {len(self._received_text())} characters of text received"

    def _frame(self, frame: Frame) -> ChatEvent | None:
        # The flat path of the common frame, `data: {"token": {...}}` as raw bytes: one pydantic-core pass
        # from the bytes to the typed event, counted and added up here. Anything else, or a frame that does
        # not fit, goes the general way (`_handle` -> `decode_chat_event`), which decides as before.
        if type(frame) is bytes:
            try:
                event: ChatEvent = _validate_frame(frame)["token"]
            except ValueError:
                return self._handle(ServerSentEvent("message", frame.decode("utf-8", "replace"), "", None))
            self.events_received += 1
            self._acc.token(event)  # type: ignore[arg-type]
            return event
        return self._handle(frame)  # type: ignore[arg-type]

    def _handle(self, sse: ServerSentEvent) -> ChatEvent | None:
        try:
            return super()._handle(sse)  # type: ignore[misc,no-any-return]
        except StreamError as exc:
            exc.received_text = self._received_text()
            exc.events_received = self.events_received
            raise


class ChatStream(_ChatStreamMixin, EventStream[ChatEvent]):
    """Sync chat stream: iterate events, or call `.text()` / `.final()` to gather the rest of the reply.

    `keep_text=False` (of `chat.stream(...)`) keeps no reply text while streaming: `.text()` is then the
    `completed` event's full text ("" without one), and errors carry no `received_text`.
    """

    def __init__(self, *args: Any, keep_text: bool = True, **kwargs: Any) -> None:
        self._acc = _ChatAccumulator(keep_text)
        super().__init__(*args, observe=self._acc, **kwargs)

    def text(self) -> str:
        """Consume what is left of the stream and return the reply text."""
        return self.final().text

    def final(self) -> ChatResult:
        """Consume what is left of the stream and return everything it added up to."""
        for _ in self:
            pass
        return self._acc.result(self.events_received)

    @property
    def text_stream(self) -> Iterator[str]:
        """The text deltas only, as they arrive (the other events are still added up for `final()`)."""
        for event in self:
            if isinstance(event, ContentEvent) and event.content:
                yield event.content

    def until_done(self) -> None:
        """Consume what is left of the stream (then `current_text` / `current_result` are the whole reply)."""
        for _ in self:
            pass


class ChatStreamAsync(_ChatStreamMixin, EventStreamAsync[ChatEvent]):
    """Async chat stream: `async for` events, or `await .text()` / `await .final()`."""

    def __init__(self, *args: Any, keep_text: bool = True, **kwargs: Any) -> None:
        self._acc = _ChatAccumulator(keep_text)
        super().__init__(*args, observe=self._acc, **kwargs)

    async def text(self) -> str:
        return (await self.final()).text

    async def final(self) -> ChatResult:
        async for _ in self:
            pass
        return self._acc.result(self.events_received)

    @property
    async def text_stream(self) -> AsyncIterator[str]:
        """The text deltas only, as they arrive: `async for delta in stream.text_stream`."""
        async for event in self:
            if isinstance(event, ContentEvent) and event.content:
                yield event.content

    async def until_done(self) -> None:
        """Consume what is left of the stream."""
        async for _ in self:
            pass
