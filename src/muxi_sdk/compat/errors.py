"""The official SDK's error classes (`muxi.errors`), backed by muxi-sdk's own.

Each class here subclasses both its official counterpart's place in the hierarchy (`MuxiError` at the root)
and the matching `muxi_sdk.errors` class, so `except muxi_sdk.compat.NotFoundError` and
`except muxi_sdk.errors.NotFoundError` both catch what a compat client raises. The constructors take the
official positional form, `MuxiError(code, message, status_code, details=None)` and
`RateLimitError(message, status_code, retry_after=None, details=None)`, so tests that build errors keep
working. Unlike the official SDK, `code` is always the error code string (`"RESOURCE_NOT_FOUND"`), never the
whole error object, and `message` is the server's message, not the HTTP reason phrase.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from .. import errors as _e

__all__ = [
    "AuthenticationError",
    "AuthorizationError",
    "ConflictError",
    "ConnectionError",
    "MuxiError",
    "NotFoundError",
    "RateLimitError",
    "ServerError",
    "ValidationError",
    "map_error",
]


class MuxiError(_e.MuxiError):
    """Root of the compat errors: `code`, `message`, `status_code`, `details` (and `retry_after`)."""

    def __init__(
        self,
        code: Any = None,
        message: str = "",
        status_code: int = 0,
        details: Any = None,
        *,
        retry_after: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            message,
            code=None if code is None else str(code),
            status_code=status_code,
            retry_after=retry_after,
            details=details if details is not None else {},
            **kwargs,
        )


class AuthenticationError(MuxiError, _e.AuthenticationError):
    """401."""


class AuthorizationError(MuxiError, _e.AuthorizationError):
    """403."""


class NotFoundError(MuxiError, _e.NotFoundError):
    """404."""


class ConflictError(MuxiError, _e.ConflictError):
    """409."""


class ValidationError(MuxiError, _e.ValidationError):
    """400 / 422 (the official SDK raised the base `MuxiError` for 400)."""


class RateLimitError(MuxiError, _e.RateLimitError):
    """429; `retry_after` in seconds when the server said."""

    def __init__(
        self,
        message: str = "Too Many Requests",
        status_code: int = 429,
        retry_after: float | None = None,
        details: Any = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("code", "RATE_LIMITED")
        code = kwargs.pop("code")
        super().__init__(code, message, status_code, details, retry_after=retry_after, **kwargs)


class ServerError(MuxiError, _e.ServerError):
    """5xx."""


class ConnectionError(MuxiError, _e.ConnectionError):
    """No usable HTTP response (refused, reset, DNS, TLS, timeout)."""

    def __init__(
        self, code: Any = "CONNECTION_ERROR", message: str = "", status_code: int = 0, details: Any = None, **kw: Any
    ) -> None:
        super().__init__(code, message, status_code, details, **kw)


def map_error(status: int, code: str, message: str, details: Any = None, retry_after: float | None = None) -> MuxiError:
    """The compat error for an HTTP status, as the official `muxi.errors.map_error` builds it."""
    if status == 429:
        return RateLimitError(message or "Too Many Requests", status, retry_after=retry_after, details=details)
    cls: type[MuxiError]
    default: str
    cls, default = {
        400: (ValidationError, "INVALID_REQUEST"),
        401: (AuthenticationError, "UNAUTHORIZED"),
        403: (AuthorizationError, "FORBIDDEN"),
        404: (NotFoundError, "NOT_FOUND"),
        409: (ConflictError, "CONFLICT"),
        422: (ValidationError, "VALIDATION_ERROR"),
    }.get(status, (ServerError, "SERVER_ERROR") if status >= 500 else (MuxiError, "ERROR"))
    return cls(code or default, message, status, details, retry_after=retry_after)


# ------------------------------------------------------------------------------------------ translation

_DIRECT: dict[type[_e.MuxiError], type[MuxiError]] = {
    _e.AuthenticationError: AuthenticationError,
    _e.AuthorizationError: AuthorizationError,
    _e.NotFoundError: NotFoundError,
    _e.ConflictError: ConflictError,
    _e.ValidationError: ValidationError,
    _e.RateLimitError: RateLimitError,
    _e.ServerError: ServerError,
    _e.ConnectionError: ConnectionError,
    _e.MuxiError: MuxiError,
}
# Errors raised before sending (bad arguments, a missing key) are `ValueError`s, as in the official SDK, and
# compat `ValidationError`s as well.
_BASES: dict[type[_e.MuxiError], type[MuxiError]] = {_e.InvalidInputError: ValidationError, **_DIRECT}
_COMBINED: dict[type[_e.MuxiError], type[MuxiError]] = {}


def _compat_class(cls: type[_e.MuxiError]) -> type[MuxiError]:
    """The compat class for one of muxi-sdk's error classes.

    A class with a direct counterpart maps to it; a more specific one (`UnsupportedError`, `TimeoutError`,
    `StreamError`, ...) gets a subclass of both, so it stays catchable under either name.
    """
    direct = _DIRECT.get(cls)
    if direct is not None:
        return direct
    combined = _COMBINED.get(cls)
    if combined is None:
        base = next(_BASES[k] for k in cls.__mro__ if k in _BASES)
        try:
            combined = type(cls.__name__, (base, cls), {"__module__": __name__, "__qualname__": cls.__name__})
        except TypeError:  # no consistent MRO: the official-shaped class alone
            combined = base
        _COMBINED[cls] = combined
    return combined


def translate(exc: _e.MuxiError) -> _e.MuxiError:
    """`exc` as an instance of its compat class, with the same attributes."""
    if isinstance(exc, MuxiError):
        return exc
    cls = _compat_class(type(exc))
    new = cls.__new__(cls)
    new.__dict__.update(exc.__dict__)
    new.args = exc.args
    if new.details is None:
        new.details = {}
    return new


@contextlib.contextmanager
def translated() -> Iterator[None]:
    """Re-raise muxi-sdk errors as their compat classes."""
    try:
        yield
    except _e.MuxiError as exc:
        new = translate(exc)
        if new is exc:
            raise
        raise new.with_traceback(exc.__traceback__) from exc.__cause__
