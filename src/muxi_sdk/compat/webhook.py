"""The official SDK's `muxi.webhook` helpers, over `muxi_sdk.webhooks`.

`verify_signature` checks the raw body and then its canonical JSON re-encoding (the MUXI runtime signs
canonical JSON but sends completions and clarifications with other separators, so the official raw-only
check rejects genuine deliveries). `parse` reads both field spellings (`id`/`request_id`,
`response`/`content`) and returns the official dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import webhooks as _webhooks
from ..errors import ConfigurationError, WebhookVerificationError

__all__ = [
    "Clarification",
    "ContentItem",
    "ErrorDetails",
    "WebhookEvent",
    "WebhookVerificationError",
    "parse",
    "verify_signature",
]


@dataclass
class ContentItem:
    """A content item of the result: `type` `"text"` (with `text`) or `"file"` (with `file`, a dict)."""

    type: str
    text: str | None = None
    file: dict[str, Any] | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ContentItem:
        return cls(type=data.get("type", "text"), text=data.get("text"), file=data.get("file"))


@dataclass
class ErrorDetails:
    """Why the request failed (`status == "failed"`)."""

    code: str
    message: str
    trace: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ErrorDetails:
        return cls(
            code=data.get("code") or "unknown", message=data.get("message") or "Unknown error", trace=data.get("trace")
        )


@dataclass
class Clarification:
    """The question asked (`status == "awaiting_clarification"`)."""

    question: str
    clarification_request_id: str | None = None
    original_message: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Clarification:
        return cls(
            question=data.get("clarification_question") or data.get("question") or "",
            clarification_request_id=data.get("clarification_request_id"),
            original_message=data.get("original_message"),
        )


@dataclass
class WebhookEvent:
    """A parsed delivery, with the official SDK's fields and defaults."""

    request_id: str
    status: str
    timestamp: int
    content: list[ContentItem] = field(default_factory=list)
    error: ErrorDetails | None = None
    clarification: Clarification | None = None
    formation_id: str | None = None
    user_id: str | None = None
    processing_time: float | None = None
    processing_mode: str = "async"
    webhook_url: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WebhookEvent:
        return _convert(_webhooks.parse(data))


def _convert(event: Any) -> WebhookEvent:
    """muxi-sdk's `WebhookEvent` model -> the official dataclass."""
    content = [ContentItem.from_dict(item.model_dump(mode="json", exclude_unset=False)) for item in event.content]
    error = ErrorDetails.from_dict(event.error.model_dump()) if event.error is not None else None
    clarification = None
    if event.status == "awaiting_clarification" and event.clarification is not None:
        c = event.clarification
        clarification = Clarification(
            question=c.question or "",
            clarification_request_id=c.clarification_request_id,
            original_message=c.original_message,
        )
    timestamp = event.timestamp if isinstance(event.timestamp, (int, float)) else 0
    return WebhookEvent(
        request_id=event.request_id or "",
        status=event.status or "unknown",
        timestamp=int(timestamp),
        content=content,
        error=error,
        clarification=clarification,
        formation_id=event.formation_id,
        user_id=event.user_id,
        processing_time=event.processing_time,
        processing_mode=event.processing_mode or "async",
        webhook_url=event.webhook_url,
        raw=dict(event.raw),
    )


def verify_signature(
    payload: bytes | str, signature_header: str | None, secret: str, tolerance_seconds: int = 300
) -> bool:
    """Is this a genuine, fresh delivery? False for a missing, malformed, stale or wrong signature.

    :raises WebhookVerificationError: when `secret` is empty (as the official helper).
    """
    if not signature_header:
        return False
    try:
        return _webhooks.verify_signature(payload, signature_header, secret, tolerance=tolerance_seconds)
    except ConfigurationError as exc:
        raise WebhookVerificationError("Webhook secret is required") from exc


def parse(payload: bytes | str | dict[str, Any]) -> WebhookEvent:
    """Parse a delivery body into a `WebhookEvent` (no verification).

    :raises WebhookVerificationError: the body is not a JSON object.
    """
    return _convert(_webhooks.parse(payload))
