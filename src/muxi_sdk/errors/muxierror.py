"""The error hierarchy. Every failure the SDK raises is a `MuxiError`."""

from __future__ import annotations

import builtins
from typing import Any

import httpx


class MuxiError(Exception):
    """Base of every error raised by muxi-sdk.

    Attributes mirror the official MUXI SDK (`code`, `message`, `status_code`, `retry_after`, `details`)
    plus what a caller needs to debug without re-sending: `request_id`, `body`, `headers`, `raw_response`.
    """

    default_code: str = "ERROR"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status_code: int | None = None,
        retry_after: float | None = None,
        request_id: str | None = None,
        body: str | None = None,
        headers: httpx.Headers | None = None,
        raw_response: httpx.Response | None = None,
        details: Any = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.status_code = status_code
        self.retry_after = retry_after
        self.request_id = request_id
        self.body = body
        self.headers = headers if headers is not None else httpx.Headers()
        self.raw_response = raw_response
        self.details = details
        self.attempts = attempts

    def __str__(self) -> str:
        parts = [f"{self.code}: {self.message}"]
        extra = []
        if self.status_code:
            extra.append(f"status {self.status_code}")
        if self.request_id:
            extra.append(f"request {self.request_id}")
        if self.attempts > 1:
            extra.append(f"after {self.attempts} attempts")
        if extra:
            parts.append(f"({', '.join(extra)})")
        return " ".join(parts)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, status_code={self.status_code!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Errors cross processes (multiprocessing, Celery result backends): the pickled copy keeps the response
        # but its request loses the key headers, HMAC signature, body and URL user info.
        from .._utils.redaction import scrub_state

        return type(self), self.args, scrub_state(self.__dict__)


class APIStatusError(MuxiError):
    """The server answered with an error status that has no more specific class."""


class RedirectError(APIStatusError):
    """3xx: the server (or a proxy in front of it) answered with a redirect, or with 304.

    The SDK never follows redirects, so that keys never reach another address: point `url=` / `server_url=`
    at the final address. `location` is the `Location` header (None for 304).
    """

    default_code = "REDIRECT"

    def __init__(self, message: str, *, location: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.location = location


class ValidationError(APIStatusError):
    """400 / 422: the server rejected the request's content. `field_errors` lists the fields."""

    default_code = "INVALID_PARAMS"

    @property
    def field_errors(self) -> list[dict[str, Any]]:
        if isinstance(self.details, dict):
            errors = self.details.get("validation_errors")
            if isinstance(errors, list):
                return [e for e in errors if isinstance(e, dict)]
        return []


class AuthenticationError(APIStatusError):
    """401: missing, wrong or wrong-kind key (or a bad HMAC signature)."""

    default_code = "UNAUTHORIZED"


class AuthorizationError(APIStatusError):
    """403: the key is valid but may not do this."""

    default_code = "FORBIDDEN"


class NotFoundError(APIStatusError):
    """404: no such resource (or no such route on this server version)."""

    default_code = "RESOURCE_NOT_FOUND"


class ConflictError(APIStatusError):
    """409: the resource exists already, or is in a state that forbids the change."""

    default_code = "CONFLICT"


class RateLimitError(APIStatusError):
    """429: slow down; `retry_after` (seconds) says for how long when the server told us."""

    default_code = "RATE_LIMITED"


class ServerError(APIStatusError):
    """5xx: the server failed."""

    default_code = "INTERNAL_ERROR"


class UnsupportedError(ServerError):
    """501: the server does not offer this (e.g. per-request async chat on current runtimes)."""

    default_code = "METHOD_NOT_FOUND"


class ConnectionError(MuxiError, httpx.TransportError, builtins.ConnectionError):
    """No usable HTTP response: refused, reset, DNS, TLS. Also an `httpx.TransportError` and the builtin
    `ConnectionError` (so `except ConnectionError:` catches it whichever of the two names is in scope)."""

    default_code = "CONNECTION_ERROR"

    def __init__(self, message: str, *, request: httpx.Request | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self._request = request


class TimeoutError(ConnectionError, httpx.TimeoutException, builtins.TimeoutError):
    """A connect, read, write or pool timeout fired (see `timeout_ms`). Also an `httpx.TimeoutException` and
    the builtin `TimeoutError` (so a plain `except TimeoutError:` catches it)."""

    default_code = "TIMEOUT"


class StreamError(MuxiError):
    """The server sent an `error` event in the middle of a stream."""

    default_code = "STREAM_ERROR"

    def __init__(self, message: str, *, received_text: str = "", events_received: int = 0, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.received_text = received_text
        self.events_received = events_received


class FormationOperationError(StreamError):
    """A deploy, update, start, restart or rollback stream reported failure (`event: error`).

    `code` is the server's error type (e.g. `AlreadyRunning`, `HealthCheckFailed`), `stage` where it failed,
    `details` the frame's data. `status_code` is the HTTP status the server gives the same failure when it
    answers as JSON (the non-streaming call, or a header-level error): 404, 409, 400 or 500. The error raised
    is also the matching `NotFoundError` / `ConflictError` / `ValidationError` / `ServerError`, so one
    `except ConflictError:` handles "already running" from `start()` (JSON 409) and from `start_stream()`
    (HTTP 200, then `event: error`) alike. For an update, the previous version keeps running.
    """

    default_code = "FORMATION_OPERATION_FAILED"

    def __init__(self, message: str, *, stage: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.stage = stage


class FormationNotFoundError(FormationOperationError, NotFoundError):
    """`event: error` with `NotFound` (JSON: 404)."""


class FormationConflictError(FormationOperationError, ConflictError):
    """`event: error` with `AlreadyRunning`, `NoChange`, ... (JSON: 409)."""


class FormationValidationError(FormationOperationError, ValidationError):
    """`event: error` with `NoPreviousVersion`, `IDMismatch`, `VersionMismatch`, `ExtractError`, ... (JSON: 400)."""


class FormationServerError(FormationOperationError, ServerError):
    """`event: error` with `SpawnError`, `SwapError`, ... or a type this SDK does not know (JSON: 5xx)."""


class StreamInterruptedError(ConnectionError):
    """The connection dropped mid-stream; `received_text` and `events_received` say how far it got."""

    default_code = "STREAM_INTERRUPTED"

    def __init__(self, message: str, *, received_text: str = "", events_received: int = 0, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.received_text = received_text
        self.events_received = events_received


class ResponseValidationError(MuxiError):
    """A 2xx response did not have the shape this SDK expects; `cause` is the underlying error."""

    default_code = "RESPONSE_VALIDATION_ERROR"

    @property
    def cause(self) -> BaseException | None:
        return self.__cause__


class InvalidInputError(MuxiError, ValueError):
    """Bad arguments, caught before anything was sent."""

    default_code = "INVALID_INPUT"


class ConfigurationError(InvalidInputError):
    """A key, URL or id the operation needs is missing; caught before anything was sent."""

    default_code = "CONFIGURATION_ERROR"


class WebhookVerificationError(MuxiError):
    """A webhook delivery failed signature or timestamp verification; `reason` says which."""

    default_code = "WEBHOOK_VERIFICATION_FAILED"

    def __init__(self, message: str, *, reason: str = "invalid", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.reason = reason
