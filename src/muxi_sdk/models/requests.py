"""Requests: what the formation is doing (or did) for a user, and cancelling it."""

from __future__ import annotations

from typing import Any, Literal, Union

from pydantic import Field

from ..types.basemodel import BaseModel, ListModel

# Open enum: a status this SDK version does not know arrives as a plain string.
RequestStatusName = Union[
    Literal["pending", "processing", "running", "completed", "failed", "cancelled", "awaiting_clarification"], str
]

TERMINAL_STATUSES = frozenset({"completed", "failed", "cancelled"})


class RequestStatus(BaseModel):
    """A tracked request. Timestamps are epoch seconds; `result` is set once `completed`."""

    request_id: str
    user_id: str | None = None
    status: RequestStatusName | None = None
    progress: Any = None
    created_at: float | None = None
    completed_at: float | None = None
    error: Any = None
    escalated: bool | None = None
    result: Any = None
    report: Any = None

    @property
    def done(self) -> bool:
        """Finished, one way or another (completed, failed or cancelled)."""
        return self.status in TERMINAL_STATUSES


class RequestList(ListModel[RequestStatus]):
    """`m.requests.list()`: every request the formation still tracks (finished ones for ~5 minutes)."""

    requests: list[RequestStatus] = Field(default_factory=list)
    count: int = 0


class RequestCancellation(BaseModel):
    """`m.requests.cancel()`'s answer: `cancellation` is `immediate` or `cooperative` (stops at a safe point)."""

    request_id: str
    status: str | None = None
    cancellation: str | None = None
    message: str | None = None
