"""Small request helpers shared by the Formation API route modules (user header, integer queries, time)."""

from __future__ import annotations

from datetime import datetime, timezone

from starlette.requests import Request

from ..auth import require, user_id
from ..envelope import APIError, validation_error
from ..state import FakeState

USER_REQUIRED = "X-Muxi-User-ID header is required"
USER_REQUIRED_CLIENT = "X-Muxi-User-ID header is required when using client API key"


def now_iso() -> str:
    """The current UTC time as the runtime writes it: ISO 8601 with microseconds and a `Z`."""
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


def require_user(request: Request) -> str:
    """The end user of a route that needs one: 400 as the runtime answers without the header."""
    user = user_id(request, None)
    if not user:
        raise APIError(400, USER_REQUIRED)
    return user


def dual_user(request: Request, state: FakeState) -> str | None:
    """Either key; the client key needs `X-Muxi-User-ID` (400), the admin key may omit it (then None)."""
    kind = require(request, state, "dual")
    user = user_id(request, None)
    if kind == "client" and not user:
        raise APIError(400, USER_REQUIRED_CLIENT)
    return user


def query_int(request: Request, name: str, default: int, low: int, high: int | None) -> int:
    """An integer query parameter checked like FastAPI's `Query(ge=low, le=high)` (422 otherwise)."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise validation_error(
            (name, "Input should be a valid integer, unable to parse string as an integer", "integer", "int_parsing")
        ) from None
    if value < low:
        raise validation_error(
            (name, f"Input should be greater than or equal to {low}", "integer", "greater_than_equal")
        )
    if high is not None and value > high:
        raise validation_error((name, f"Input should be less than or equal to {high}", "integer", "less_than_equal"))
    return value
