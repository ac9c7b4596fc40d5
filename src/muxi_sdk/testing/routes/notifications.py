"""Proactive notifications: /v1/users/{user_id}/channels and /v1/notifications (client key).

State: `user_channels` (user -> {preferred_channel, channels, last_channel, timezone}), `notifications` (a list
of every delivery: {user_id, channel, message, request_id}), `failing_channels` (a set: deliveries to these
fail; "webhook" in it makes the webhook fallback fail too). Routing is the runtime's: explicit channels >
preferred channel > webhook; when no channel delivery succeeds the webhook is tried once, and with no delivery
at all the answer is 502 (a success envelope). `state.features["proactive"] = False`: the runtime's 503.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..auth import require
from ..envelope import APIError, nanoid, ok, validation_error
from ..state import FakeState
from .chat import read_json

NOT_CONFIGURED = "Proactive notifications are not configured for this formation (missing 'proactive' block)"
RESERVED = ("last", "preferred", "webhook")


def _empty() -> dict[str, Any]:
    return {"preferred_channel": None, "channels": {}, "last_channel": None, "timezone": None}


def _string_field(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise validation_error((name, "Input should be a valid string", "string", "string_type"))
    return value


def routes(state: FakeState) -> list[BaseRoute]:
    def configured(request: Request) -> None:
        require(request, state, "client")
        if not state.features.get("proactive", True):
            raise APIError(503, NOT_CONFIGURED, "SERVICE_UNAVAILABLE")

    def channel_user(raw: str) -> str:
        return raw.lower() if "@" in raw else raw

    def stored(user: str) -> dict[str, Any]:
        table: dict[str, dict[str, Any]] = state.table("user_channels")
        return table.setdefault(user, _empty())

    async def get_channels(request: Request) -> Response:
        configured(request)
        user = channel_user(request.path_params["user_id"])
        with state.lock:
            data = {"user_id": user, **stored(user)}
        return ok("user_channels", "user.channels.retrieved", data)

    async def put_channels(request: Request) -> Response:
        configured(request)
        body = await read_json(request)
        preferred = _string_field(body, "preferred_channel")
        timezone = _string_field(body, "timezone")
        channels = body.get("channels")
        if channels is not None and (
            not isinstance(channels, dict) or not all(isinstance(v, dict) for v in channels.values())
        ):
            raise validation_error(("channels", "Input should be a valid dictionary", "object", "dict_type"))
        declared = sorted(state.proactive_channels)
        if preferred and preferred != "webhook" and preferred not in declared:
            raise APIError(400, f"Unknown channel {preferred!r}. Declared channels: {declared} (or 'webhook')")
        if timezone:
            try:
                ZoneInfo(timezone)
            except (ZoneInfoNotFoundError, ValueError):
                raise APIError(400, f"Unknown timezone {timezone!r} (use an IANA name like 'Europe/London')") from None
        user = channel_user(request.path_params["user_id"])
        with state.lock:
            current = stored(user)
            if preferred is not None:
                current["preferred_channel"] = preferred or None
            if timezone is not None:
                current["timezone"] = timezone or None
            for name, context in (channels or {}).items():
                if context:
                    current["channels"][name] = {**current["channels"].get(name, {}), **context}
                else:
                    current["channels"].pop(name, None)
            data = {"user_id": user, **current}
        return ok("user_channels", "user.channels.updated", data)

    def resolve(user_state: dict[str, Any], requested: list[str] | None) -> list[str]:
        wanted = requested or ["preferred"]
        resolved: list[str] = []
        for name in wanted:
            if name == "preferred":
                name = user_state["preferred_channel"] or "webhook"
            elif name == "last":
                name = user_state["last_channel"] or "webhook"
            if name != "webhook" and name not in state.proactive_channels:
                name = "webhook"
            if name not in resolved:
                resolved.append(name)
        return resolved

    async def notify(request: Request) -> Response:
        configured(request)
        body = await read_json(request)
        for name in ("user_id", "message"):
            if name not in body:
                raise validation_error((name, "Field required", "string", "missing"))
            _string_field(body, name)
        requested = body.get("channels")
        if requested is not None and (
            not isinstance(requested, list) or not all(isinstance(c, str) for c in requested)
        ):
            raise validation_error(("channels", "Input should be a valid list", "array", "list_type"))
        if not body["message"].strip():
            raise APIError(400, "'message' must be a non-empty string")
        user, request_id = str(body["user_id"]), nanoid("req_")
        failing: set[str] = state.table("failing_channels", set)
        sent: list[dict[str, Any]] = state.table("notifications", list)
        with state.lock:
            resolved = resolve(stored(channel_user(user)), requested)
            delivered = [c for c in resolved if c not in failing]
            failed = [c for c in resolved if c in failing]
            if not delivered and "webhook" not in resolved and "webhook" not in failing:
                delivered.append("webhook")
            for channel in delivered:
                sent.append({"user_id": user, "channel": channel, "message": body["message"], "request_id": request_id})
        data = {"request_id": request_id, "channels": resolved, "delivered": delivered, "failed": failed}
        return ok("notification", "notification.sent", data, status=200 if delivered else 502)

    return [
        Route("/users/{user_id}/channels", get_channels, methods=["GET"]),
        Route("/users/{user_id}/channels", put_channels, methods=["PUT"]),
        Route("/notifications", notify, methods=["POST"]),
    ]
