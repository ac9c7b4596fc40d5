"""Sessions: a user's conversations, their buffered messages, and the restore request."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any

from pydantic import Field
from typing_extensions import NotRequired, TypedDict

from ..types.basemodel import BaseModel, InputModel, ListModel


class SessionSummary(BaseModel):
    """One entry of `m.sessions.list()` (most recently active first). Timestamps are epoch seconds."""

    session_id: str
    user_id: str | None = None
    last_activity: float | None = None
    active: bool | None = None


class SessionList(ListModel[SessionSummary]):
    """The data of `GET /v1/sessions` (the SDK hands it out as a `Page` of `SessionSummary`)."""

    sessions: list[SessionSummary] = Field(default_factory=list)
    count: int = 0


class Session(BaseModel):
    """`m.sessions.get()`: a session's counters. Timestamps are epoch seconds."""

    session_id: str
    user_id: str | None = None
    message_count: int | None = None
    active: bool | None = None
    created_at: float | None = None
    last_activity: float | None = None


class SessionMessage(BaseModel):
    """A message of a session as the formation buffers it: `text`, and `role` etc. in `metadata`."""

    text: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    timestamp: float | None = None
    namespace: str | None = None
    embedding: list[float] | None = None

    @property
    def role(self) -> str | None:
        role = self.metadata.get("role")
        return role if isinstance(role, str) else None

    @property
    def content(self) -> str:
        return self.text or ""

    @property
    def request_id(self) -> str | None:
        value = self.metadata.get("request_id")
        return value if isinstance(value, str) else None

    @property
    def agent_id(self) -> str | None:
        value = self.metadata.get("agent_id")
        return value if isinstance(value, str) else None

    def to_restore(self) -> RestoreMessageTypedDict:
        """This message as an entry of `m.sessions.restore(messages=[...])`."""
        when = self.metadata.get("timestamp", self.timestamp)
        if isinstance(when, (int, float)):
            stamp = datetime.fromtimestamp(when, tz=timezone.utc).isoformat()
        else:
            stamp = str(when) if when else datetime.now(tz=timezone.utc).isoformat()
        message: RestoreMessageTypedDict = {"role": self.role or "user", "content": self.content, "timestamp": stamp}
        if self.agent_id:
            message["agent_id"] = self.agent_id
        return message


class SessionMessageList(ListModel[SessionMessage]):
    """The data of `GET /v1/sessions/{id}/messages` (the SDK hands it out as a `Page` of `SessionMessage`)."""

    session_id: str | None = None
    messages: list[SessionMessage] = Field(default_factory=list)
    count: int = 0
    has_more: bool = False


class RestoreMessage(InputModel):
    """A message to load into a session. `timestamp`: an ISO 8601 string or a `datetime`."""

    role: Annotated[str, Field(min_length=1)]
    content: str
    timestamp: datetime | str
    agent_id: str | None = None
    metadata: dict[str, Any] | None = None


class RestoreMessageTypedDict(TypedDict):
    role: str
    content: str
    timestamp: str | datetime
    agent_id: NotRequired[str]
    metadata: NotRequired[dict[str, Any]]


class SessionRestoreRequest(InputModel):
    """The body of `POST /v1/sessions/{session_id}/restore`: the session's messages are replaced."""

    messages: list[RestoreMessage]


class SessionRestoreRequestTypedDict(TypedDict):
    messages: list[RestoreMessageTypedDict]


class SessionRestoreResult(BaseModel):
    """`m.sessions.restore()`'s answer."""

    session_id: str
    messages_loaded: int = 0
    messages_dropped: int = 0
    message: str | None = None
