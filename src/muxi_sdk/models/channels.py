"""Notification channels and proactive notifications (the formation's `proactive:` block)."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from typing_extensions import NotRequired, TypedDict

from ..types.basemodel import BaseModel, InputModel


class UserChannelsUpdate(InputModel):
    """The body of `PUT /v1/users/{user_id}/channels`: only the fields given change.

    `preferred_channel` is a declared channel name or `"webhook"` (`""` clears it); `channels` is merged per
    channel (`{"telegram": {"chat_id": "123"}}`; an empty mapping removes that channel); `timezone` is an IANA
    name (`""` clears it).
    """

    preferred_channel: str | None = None
    channels: dict[str, dict[str, Any]] | None = None
    timezone: str | None = None


class UserChannelsUpdateTypedDict(TypedDict):
    preferred_channel: NotRequired[str]
    channels: NotRequired[dict[str, dict[str, Any]]]
    timezone: NotRequired[str]


class UserChannels(BaseModel):
    """A user's notification channel state: preference, per-channel addressing, last used channel, timezone."""

    user_id: str
    preferred_channel: str | None = None
    channels: dict[str, dict[str, Any]] = Field(default_factory=dict)
    last_channel: str | None = None
    timezone: str | None = None


class NotificationRequest(InputModel):
    """The body of `POST /v1/notifications`. `channels` overrides the routing (declared names or `last`,
    `preferred`, `webhook`); without it: the user's preferred channel, the formation's default, the webhook."""

    user_id: str
    message: str
    channels: list[str] | None = None


class NotificationRequestTypedDict(TypedDict):
    user_id: str
    message: str
    channels: NotRequired[list[str]]


class NotificationResult(BaseModel):
    """Where a notification went: the channels it was routed to, those that took it and those that failed
    (a failed delivery falls back to the webhook once)."""

    request_id: str | None = None
    channels: list[str] = Field(default_factory=list)
    delivered: list[str] = Field(default_factory=list)
    failed: list[str] = Field(default_factory=list)
