"""Chat: the request, the JSON reply, and the typed stream events."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import Discriminator, Field, Tag
from typing_extensions import NotRequired, TypedDict

from ..types.basemodel import BaseModel, InputModel, shape_tag

# ------------------------------------------------------------------------------------------ request


class UIResponse(InputModel):
    """The user's answer to a UI widget (`options` etc.) from an earlier reply."""

    id: str
    value: Any = None


class UIResponseTypedDict(TypedDict):
    id: str
    value: Any


class FileInputTypedDict(TypedDict):
    """A file to send: `content` is bytes, a path, or a binary file object (streamed, never read whole)."""

    filename: NotRequired[str]
    content: Any
    content_type: NotRequired[str]


class ChatRequest(InputModel):
    """The body of `POST /v1/chat` (files are added by the SDK, base64-encoded while streaming)."""

    message: Annotated[str, Field(min_length=1)]
    session_id: str | None = None
    group_id: str | None = None
    agent_id: str | None = None
    request_id: str | None = None
    mode: Literal["sync", "async"] | None = None
    stream: bool = False
    webhook_url: str | None = None
    threshold_seconds: Annotated[float, Field(ge=0)] | None = None
    source_channel: str | None = None
    ui_response: UIResponse | None = None


class ChatRequestTypedDict(TypedDict):
    message: str
    session_id: NotRequired[str]
    group_id: NotRequired[str]
    agent_id: NotRequired[str]
    request_id: NotRequired[str]
    webhook_url: NotRequired[str]
    threshold_seconds: NotRequired[float]
    source_channel: NotRequired[str]
    ui_response: NotRequired[UIResponseTypedDict]
    files: NotRequired[list[FileInputTypedDict]]


# ------------------------------------------------------------------------------------------ JSON reply


class Artifact(BaseModel):
    """A file or data the agent produced (`type`: text, document, image, data, ...)."""

    type: str | None = None
    format: str | None = None
    filename: str | None = None
    preview: str | None = None
    content: Any = None
    data_url: str | None = None
    metadata: dict[str, Any] | None = None


class ContentPart(BaseModel):
    type: str = "text"
    text: str | None = None
    tool_calls: list[Any] | None = None


class ChatMessage(BaseModel):
    """The assistant's message. `content` is text, or a list of parts on some replies."""

    role: str = "assistant"
    content: str | list[ContentPart] | None = None
    artifacts: list[Artifact] | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    ui: list[dict[str, Any]] | None = None

    @property
    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        if isinstance(self.content, list):
            return "".join(p.text or "" for p in self.content if p.type == "text")
        return ""


class AsyncHandoff(BaseModel):
    """The formation chose to finish the request in the background (delivered by webhook or polling)."""

    status: str = "processing"
    request_id: str | None = None
    message: str | None = None
    delivery: str | None = None
    webhook_url: str | None = None
    poll_url: str | None = None

    @property
    def text(self) -> str:
        return ""


ChatReplyMessage = Annotated[
    Union[Annotated[ChatMessage, Tag("message")], Annotated[AsyncHandoff, Tag("handoff")]],
    Discriminator(shape_tag("message", "handoff", AsyncHandoff, lambda d: "role" not in d and "status" in d)),
]


class ChatResponse(BaseModel):
    """`m.chat.send()`'s result. `.text` is the reply; `.in_background` when it will arrive by webhook instead."""

    message: ChatReplyMessage
    user_id: str | None = None
    session_id: str | None = None
    request_id: str | None = None

    @property
    def text(self) -> str:
        return self.message.text

    @property
    def in_background(self) -> bool:
        return isinstance(self.message, AsyncHandoff)


class AsyncChatAccepted(BaseModel):
    """Answer to `m.chat.submit()`: the request id to poll (`m.requests.get`) or await on the webhook."""

    request_id: str | None = None
    mode: str = "async"
    status: str | None = None
    estimated_seconds: float | None = None
    webhook_url: str | None = None


# ------------------------------------------------------------------------------------------ stream events


class ChatEventBase(BaseModel):
    request_id: str | None = None
    user_id: str | None = None
    session_id: str | None = None
    content: str | None = None
    timestamp: float | None = None
    stage: str | None = None


class ProgressEvent(ChatEventBase):
    type: Literal["progress"] = "progress"


class ThinkingEvent(ChatEventBase):
    type: Literal["thinking"] = "thinking"


class PlanningEvent(ChatEventBase):
    type: Literal["planning", "replanning"] = "planning"


class ToolCallEvent(ChatEventBase):
    type: Literal["tool_call"] = "tool_call"
    tool_name: str | None = None
    server_id: str | None = None


class ContentEvent(ChatEventBase):
    """An incremental slice of the answer, in `content`."""

    type: Literal["content"] = "content"


class CompletedEvent(ChatEventBase):
    """The full answer in `content`. With `stream_discontinuity`, it replaces the deltas seen so far."""

    type: Literal["completed"] = "completed"
    status: str | None = None
    processing_time_ms: float | None = None
    agent_used: str | None = None
    artifacts: list[Artifact] | None = None
    stream_discontinuity: bool = False
    clarification: bool = False
    escalated: bool = False


class ErrorEvent(ChatEventBase):
    """A non-fatal error reported inside the stream (e.g. `stage="security_blocked"`)."""

    type: Literal["error"] = "error"


class UIEvent(BaseModel):
    """Widgets to render (`event: ui`), sent once, just before `done`. Ignore widget types you don't know."""

    type: Literal["ui"] = "ui"
    ui: list[dict[str, Any]] = Field(default_factory=list)


class DoneEvent(BaseModel):
    """The last event of a successful stream."""

    type: Literal["done"] = "done"
    finished: bool = True


class UnknownEvent(BaseModel):
    """An event type this SDK version does not know: kept, not dropped. `event` is the SSE event name."""

    type: str = "unknown"
    event: str | None = None
    data: Any = None


_TOKEN_TYPES = {
    "progress": "progress",
    "thinking": "thinking",
    "planning": "planning",
    "replanning": "planning",
    "tool_call": "tool_call",
    "content": "content",
    "completed": "completed",
    "error": "error",
}


def _token_kind(value: Any) -> str:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return _TOKEN_TYPES.get(kind, "unknown") if isinstance(kind, str) else "unknown"


TokenEvent = Annotated[
    Union[
        Annotated[ProgressEvent, Tag("progress")],
        Annotated[ThinkingEvent, Tag("thinking")],
        Annotated[PlanningEvent, Tag("planning")],
        Annotated[ToolCallEvent, Tag("tool_call")],
        Annotated[ContentEvent, Tag("content")],
        Annotated[CompletedEvent, Tag("completed")],
        Annotated[ErrorEvent, Tag("error")],
        Annotated[UnknownEvent, Tag("unknown")],
    ],
    Discriminator(_token_kind),
]

ChatEvent = Union[
    ProgressEvent,
    ThinkingEvent,
    PlanningEvent,
    ToolCallEvent,
    ContentEvent,
    CompletedEvent,
    ErrorEvent,
    UIEvent,
    DoneEvent,
    UnknownEvent,
]


class ChatResult(BaseModel):
    """What a finished chat stream adds up to (`stream.final()`)."""

    text: str = ""
    session_id: str | None = None
    request_id: str | None = None
    status: str | None = None
    completed: CompletedEvent | None = None
    ui: list[dict[str, Any]] = Field(default_factory=list)
    events_received: int = 0
