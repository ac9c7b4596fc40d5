"""Key checks with the runtime's exact status codes and messages."""

from __future__ import annotations

import secrets

from starlette.requests import Request

from .envelope import APIError
from .state import FakeState
from .validation import raise_pending

_MISSING = "A valid {kind} API key is required. Please provide the 'X-Muxi-{Kind}-Key' header."
_INVALID = "Invalid {kind} API key. Please check your 'X-Muxi-{Kind}-Key' header value."


def _check(request: Request, kind: str, expected: str) -> bool:
    value = request.headers.get(f"x-muxi-{kind}-key")
    if value is None:
        return False
    if not secrets.compare_digest(value.encode(), expected.encode()):
        raise APIError(401, _INVALID.format(kind=kind, Kind=kind.capitalize()))
    return True


def require(request: Request, state: FakeState, kind: str) -> str:
    """kind: "client", "admin" or "dual". Returns the kind of key that authenticated.

    Then raises the request's 422, if `validation.RequestValidation` found one: the runtime checks the key
    first and the body and query second, before any route logic.
    """
    authenticated = _authenticate(request, state, kind)
    raise_pending(request.scope)
    return authenticated


def _authenticate(request: Request, state: FakeState, kind: str) -> str:
    if kind == "dual":
        if request.headers.get("x-muxi-admin-key") is not None and _check(request, "admin", state.admin_key):
            return "admin"
        if _check(request, "client", state.client_key):
            return "client"
        raise APIError(
            401,
            "A valid API key is required. Please provide the 'X-Muxi-Admin-Key' or 'X-Muxi-Client-Key' header.",
        )
    expected = state.admin_key if kind == "admin" else state.client_key
    if not _check(request, kind, expected):
        raise APIError(401, _MISSING.format(kind=kind, Kind=kind.capitalize()))
    return kind


def user_id(request: Request, default: str | None = "0") -> str | None:
    """The end user: `X-Muxi-User-ID`, e-mail addresses lower-cased as the runtime does."""
    value = request.headers.get("x-muxi-user-id")
    if not value:
        return default
    return value.lower() if "@" in value else value
