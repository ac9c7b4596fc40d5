"""Turn an HTTP error response into the right `MuxiError` subclass."""

from __future__ import annotations

import email.utils
import json
import math
import re
import time
from typing import Any

import httpx

from .muxierror import (
    APIStatusError,
    AuthenticationError,
    AuthorizationError,
    ConflictError,
    FormationConflictError,
    FormationNotFoundError,
    FormationOperationError,
    FormationServerError,
    FormationValidationError,
    MuxiError,
    NotFoundError,
    RateLimitError,
    RedirectError,
    ServerError,
    UnsupportedError,
    ValidationError,
)

_BY_CODE: dict[str, type[APIStatusError]] = {
    "UNAUTHORIZED": AuthenticationError,
    "BAD_CREDENTIALS": AuthenticationError,
    "FORBIDDEN": AuthorizationError,
    "RESOURCE_NOT_FOUND": NotFoundError,
    "NOT_FOUND": NotFoundError,
    "AGENT_NOT_FOUND": NotFoundError,
    "REQUEST_NOT_FOUND": NotFoundError,
    "CONFLICT": ConflictError,
    "ALREADY_EXISTS": ConflictError,
    "INVALID_REQUEST": ValidationError,
    "INVALID_PARAMS": ValidationError,
    "VALIDATION_ERROR": ValidationError,
    "PARSE_ERROR": ValidationError,
    "UNPROCESSABLE_ENTITY": ValidationError,
    "RATE_LIMITED": RateLimitError,
    "METHOD_NOT_FOUND": UnsupportedError,
}

_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: AuthorizationError,
    404: NotFoundError,
    409: ConflictError,
    422: ValidationError,
    429: RateLimitError,
    501: UnsupportedError,
}

_BODY_LIMIT = 10_000


def _seconds(text: str | None, per_second: float = 1.0) -> float | None:
    # "nan", "inf" and "1e999" parse as floats: a NaN wait would crash time.sleep(), an infinite one hang.
    # 0 and negative values say nothing usable ("-5" once meant: retry at once, thousands of times).
    try:
        value = float(text) / per_second if text else math.nan
    except ValueError:
        return None
    return value if math.isfinite(value) and value > 0 else None


def parse_retry_after(headers: httpx.Headers, now: float | None = None) -> float | None:
    """Seconds to wait from `retry-after-ms` or `Retry-After` (delta seconds or HTTP date); None when absent,
    unreadable, not finite, not positive or in the past (the retry policy then uses its backoff)."""
    ms = _seconds(headers.get("retry-after-ms"), 1000.0)
    if ms is not None:
        return ms
    value = headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    seconds = _seconds(value)
    if seconds is not None:
        return seconds
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    delta = when.timestamp() - (time.time() if now is None else now)
    return delta if delta > 0 else None


def _class_for(status: int, code: str | None) -> type[APIStatusError]:
    # The status decides the family; the body's code only refines it within the same family,
    # so a 404 whose body says INTERNAL_ERROR is still a NotFoundError.
    by_status = _BY_STATUS.get(status)
    by_code = _BY_CODE.get(code or "")
    if by_status is not None:
        return by_status
    if status >= 500:
        return ServerError
    return by_code or APIStatusError


def error_fields(body: Any, status: int, reason: str) -> tuple[str | None, str, Any, str | None]:
    """(code, message, details, request_id) from a formation envelope, a server error body, or anything."""
    if not isinstance(body, dict):
        return None, reason or f"HTTP {status}", None, None
    request_id = None
    request = body.get("request")
    if isinstance(request, dict) and isinstance(request.get("id"), str):
        request_id = request["id"]
    err = body.get("error")
    if isinstance(err, dict):  # formation envelope
        code = err.get("code")
        message = err.get("message")
        return (
            str(code) if code is not None else None,
            str(message) if message else reason or f"HTTP {status}",
            err.get("data"),
            request_id,
        )
    # MUXI server: {"error": "Not Found", "message": "...", "code": 404}
    message = body.get("message") or (err if isinstance(err, str) else None) or body.get("detail")
    code = body.get("code")
    code_str = err if isinstance(err, str) and isinstance(code, int) else (code if isinstance(code, str) else None)
    return code_str, str(message or reason or f"HTTP {status}"), body, request_id


# The runtime's 503 for a feature the formation does not declare ("Persistent memory not configured",
# "Tuning is not active for this formation", "Scheduler is not available or not enabled", "Artifact memory
# is not available in this formation", "Buffer memory is not available", "No agents are available on this
# formation"): waiting cannot change the formation's configuration, so such an answer is not retried. The
# same route's startup 503s ("Overlord not available", "Overlord not started", "Database service is not
# available") pass once the formation is up, so they, like any overload 503, still are.
_UNCONFIGURED = re.compile(
    r"\bnot (?:configured|enabled|active)\b"
    r"|\bnot available in this formation\b"
    r"|^(?:buffer memory|memory event substrate) is not available\b"
    r"|^no agents are available\b",
    re.IGNORECASE,
)


def feature_unavailable(response: httpx.Response) -> bool:
    """A formation's 503 that says a feature is not configured (permanent), not an overload (transient)."""
    if response.status_code != 503 or "retry-after" in response.headers:
        return False
    try:
        body = json.loads(response.content)
    except (ValueError, RecursionError):
        return False
    err = body.get("error") if isinstance(body, dict) else None
    if not isinstance(err, dict) or err.get("code") != "SERVICE_UNAVAILABLE":
        return False
    message = err.get("message")
    return isinstance(message, str) and _UNCONFIGURED.search(message) is not None


def redirect_error(response: httpx.Response, attempts: int = 1, *, followed: bool = False) -> RedirectError:
    """A 3xx (or an answer an HTTP client got by following one): never a success, never followed."""
    from .._utils.logger import redact_url

    status = response.status_code
    location = response.headers.get("location")
    if followed:
        what = f"HTTP {status} redirect to {redact_url(location or '?')} was followed by the HTTP client"
        advice = "the SDK refuses the other address's answer (send with follow_redirects off)"
    elif status == 304:
        what = "HTTP 304 Not Modified"
        advice = "the SDK sends no conditional requests, so a cache or proxy answered instead of MUXI"
    else:
        what = f"HTTP {status} redirect to {redact_url(location) if location else '(no Location)'}"
        advice = "the SDK does not follow redirects (keys must not leave the origin): point url= / server_url= at it"
    return RedirectError(
        f"{what}; {advice}",
        location=location,
        status_code=status,
        request_id=response.headers.get("x-request-id"),
        headers=response.headers,
        raw_response=response,
        attempts=attempts,
    )


def error_from_response(response: httpx.Response, attempts: int = 1) -> MuxiError:
    """Map a (fully read) error response to its typed error."""
    if 300 <= response.status_code < 400:
        return redirect_error(response, attempts)
    text = response.text
    try:
        body: Any = json.loads(text) if text else None
    except (ValueError, RecursionError):  # RecursionError: JSON nested too deeply for the decoder
        body = None
    code, message, details, request_id = error_fields(body, response.status_code, response.reason_phrase)
    if body is None and text:
        snippet = text[:200].strip()
        message = f"{message}: {snippet}" if snippet else message
    cls = _class_for(response.status_code, code)
    return cls(
        message,
        code=code,
        status_code=response.status_code,
        retry_after=parse_retry_after(response.headers),
        request_id=request_id or response.headers.get("x-request-id"),
        body=text[:_BODY_LIMIT],
        headers=response.headers,
        raw_response=response,
        details=details,
        attempts=attempts,
    )


# ------------------------------------------------------------------ formation lifecycle streams (MUXI server)
# The status each error type gets as a JSON answer (MUXI Server 0.20260423.0); anything else is a 500.
_ERROR_STATUS = {
    "NotFound": 404,
    "AlreadyRunning": 409,
    "AlreadyStopped": 409,
    "FormationExists": 409,
    "NoChange": 409,
    "UpdateInProgress": 409,
    "MissingHeader": 400,
    "InvalidFormationID": 400,
    "ExtractError": 400,
    "ParseError": 400,
    "SecretsError": 400,
    "IDMismatch": 400,
    "VersionMismatch": 400,
    "NoPreviousVersion": 400,
    "HealthCheckFailed": 400,
    "PortAllocationError": 507,
}
# start/restart load the config of an existing formation: a config they cannot read is the server's fault.
_SERVER_SIDE = {"start": {"ParseError": 500}, "restart": {"ParseError": 500}}
_ERROR_CLASS: dict[int, type[FormationOperationError]] = {
    404: FormationNotFoundError,
    409: FormationConflictError,
    400: FormationValidationError,
}


def operation_error(payload: Any, operation: str | None = None) -> FormationOperationError:
    """The typed error of an `event: error` frame (`{"error": <type>, "message", "stage"}`)."""
    fields = payload if isinstance(payload, dict) else {}
    message = str(fields.get("message") or fields.get("error") or payload or "formation operation failed")
    code = str(fields["error"]) if fields.get("error") else None
    stage = str(fields["stage"]) if fields.get("stage") else None
    status = _SERVER_SIDE.get(operation or "", {}).get(code or "") or _ERROR_STATUS.get(code or "", 500)
    cls = _ERROR_CLASS.get(status, FormationServerError)
    return cls(message, code=code, status_code=status, stage=stage, details=payload)
