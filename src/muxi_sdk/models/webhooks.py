"""Webhooks: what a formation POSTs to your `webhook_url` when a background request finishes.

One model, `WebhookEvent`, reads every signed shape (completion, failure, clarification, retry escalation) and
both spellings of its fields: the real MUXI runtime sends `id` / `response`, the MUXI docs and the official
SDK say `request_id` / `content`. Unknown fields, statuses and content types are kept, never rejected.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any, Literal, Union

from pydantic import Discriminator, Field, Tag, model_validator

from ..types.basemodel import BaseModel

WebhookStatus = Literal["completed", "failed", "awaiting_clarification"]
"""The statuses MUXI sends today; any other status is kept as a plain string."""

WebhookKind = Literal["completion", "clarification", "escalation", "notification", "transformer_fallback", "unknown"]


class WebhookFile(BaseModel):
    """A file the formation produced: `type` is `image`, `audio`, `video` or `document`."""

    type: str | None = None
    url: str | None = None


class WebhookTextContent(BaseModel):
    """`{"type": "text", "text": ...}`."""

    type: Literal["text"] = "text"
    text: str = ""


class WebhookFileContent(BaseModel):
    """`{"type": "file", "file": {"type": ..., "url": ...}}`."""

    type: Literal["file"] = "file"
    file: WebhookFile = Field(default_factory=WebhookFile)


class WebhookUnknownContent(BaseModel):
    """A content item of a type this SDK does not know yet; its fields are kept as extras."""

    type: str = "unknown"


def _content_kind(value: Any) -> str:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    if kind == "text" and (not isinstance(value, dict) or isinstance(value.get("text", ""), str)):
        return "text"
    if kind == "file" and (not isinstance(value, dict) or isinstance(value.get("file", {}), dict)):
        return "file"
    return "unknown"


WebhookContent = Annotated[
    Union[
        Annotated[WebhookTextContent, Tag("text")],
        Annotated[WebhookFileContent, Tag("file")],
        Annotated[WebhookUnknownContent, Tag("unknown")],
    ],
    Discriminator(_content_kind),
]


class WebhookError(BaseModel):
    """Why a background request failed (`status == "failed"`). `code` is `processing_failed` on real runtimes."""

    code: str | None = None
    message: str | None = None
    trace: str | None = None


class WebhookClarification(BaseModel):
    """The question the formation asks before it can continue (`status == "awaiting_clarification"`)."""

    question: str | None = None
    clarification_request_id: str | None = None
    original_message: str | None = None


_CLARIFICATION_FIELDS = ("clarification_question", "clarification_request_id", "original_message")


class WebhookEvent(BaseModel):
    """A webhook delivery, parsed. Build one with `muxi_sdk.webhooks.construct_event` (verifies first) or
    `muxi_sdk.webhooks.parse`.

    `request_id` / `content` read the real runtime's `id` / `response` as well. `timestamp` is what was
    sent: unix **milliseconds** in completions, unix **seconds** in clarifications and escalations
    (`occurred_at` turns either into a `datetime`). `raw` is the payload exactly as parsed.
    """

    request_id: str | None = None
    object: str | None = None
    status: Union[WebhookStatus, str, None] = None
    timestamp: Union[int, float, str, None] = None
    content: list[WebhookContent] = Field(default_factory=list)
    error: WebhookError | None = None
    clarification: WebhookClarification | None = None
    formation_id: str | None = None
    user_id: str | None = None
    session_id: str | None = None
    processing_time: float | None = None
    processing_mode: str | None = None
    webhook_url: str | None = None
    # Retry-escalation webhooks (signed with the client key): state, attempts, result or report.
    state: str | None = None
    attempts: int | None = None
    result: Any = None
    report: Any = None
    raw: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _normalize(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        raw = dict(data)
        out = dict(data)
        # The real runtime says `id` / `response`; the docs and the official SDK say `request_id` / `content`.
        if "id" in out:
            ident = out.pop("id")
            if out.get("request_id") is None:
                out["request_id"] = ident
        if "response" in out:
            response = out.pop("response")
            if out.get("content") is None:
                out["content"] = response
        if out.get("content") is None:
            out["content"] = []
        # Clarifications: flat fields on the real runtime; a nested object is read too.
        nested = out.get("clarification")
        if isinstance(nested, dict):
            clar = dict(nested)
            if "question" not in clar and "clarification_question" in clar:
                clar["question"] = clar.pop("clarification_question")
            out["clarification"] = clar
        elif nested is None and (
            out.get("status") == "awaiting_clarification" or any(k in out for k in _CLARIFICATION_FIELDS)
        ):
            out["clarification"] = {
                "question": out.get("clarification_question"),
                "clarification_request_id": out.get("clarification_request_id"),
                "original_message": out.get("original_message"),
            }
        out["raw"] = raw
        return out

    # ------------------------------------------------------------------ helpers
    @property
    def text(self) -> str:
        """The text content items joined by newlines (`""` if there is none)."""
        return "\n".join(c.text for c in self.content if isinstance(c, WebhookTextContent))

    @property
    def files(self) -> list[WebhookFile]:
        """The files among the content items."""
        return [c.file for c in self.content if isinstance(c, WebhookFileContent)]

    @property
    def is_completed(self) -> bool:
        return self.status == "completed"

    @property
    def is_failed(self) -> bool:
        return self.status == "failed"

    @property
    def needs_clarification(self) -> bool:
        return self.status == "awaiting_clarification"

    @property
    def kind(self) -> WebhookKind:
        """Which of the shapes MUXI posts to a webhook URL this is (see the webhooks docs)."""
        raw = self.raw
        if raw.get("object") == "response":
            return "completion"
        if raw.get("status") == "awaiting_clarification":
            return "clarification"
        if "state" in raw:
            return "escalation"
        if raw.get("type") == "notification":
            return "notification"
        if "transformer_error" in raw:
            return "transformer_fallback"
        return "unknown"

    @property
    def occurred_at(self) -> datetime | None:
        """`timestamp` as an aware UTC datetime, whatever its unit (ms, s, or an ISO 8601 string)."""
        ts = self.timestamp
        try:
            if isinstance(ts, str):
                parsed = datetime.fromisoformat(ts.replace("Z", "+00:00"))
                return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
            if isinstance(ts, (int, float)) and not isinstance(ts, bool):
                seconds = ts / 1000 if ts > 100_000_000_000 else ts
                return datetime.fromtimestamp(seconds, tz=timezone.utc)
        except (ValueError, OverflowError, OSError):
            return None
        return None
