"""The per-call options every method takes (`**options`) and their checks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from typing_extensions import TypedDict

from .. import errors
from .._utils.redaction import conceal_headers
from ..types import UNSET, OptionalNullable
from .retries import RetryConfig


@dataclass(frozen=True)
class CallOptions:
    retries: OptionalNullable[RetryConfig] = UNSET
    server_url: str | None = None
    timeout_ms: int | None = None
    http_headers: Mapping[str, str] | None = None
    extra_headers: Mapping[str, str] | None = None
    extra_query: Mapping[str, Any] | None = None
    extra_body: Mapping[str, Any] | None = None
    raw: bool = False  # `with_raw_response`: hand back the answer before parsing
    max_response_bytes: OptionalNullable[int] = UNSET
    stream_idle_timeout_ms: OptionalNullable[int] = UNSET




class RequestOptions(TypedDict, total=False):
    """The per-call options every method takes (`**options`)."""

    retries: OptionalNullable[RetryConfig]
    """Retry policy for this call: a `RetryConfig`, or None for no retries. Unset: the client's."""
    server_url: str | None
    """Send this call to another base URL (a formation URL; for Server API calls, the server URL)."""
    timeout_ms: int | None
    """Timeout of one attempt, in milliseconds: the attempt (connect, send, headers, whole body) ends by then
    with `TimeoutError`, however slowly the server dribbles. Streams: the longest wait for any byte."""
    http_headers: Mapping[str, str] | None
    """Extra headers (over the client's `default_headers`; they can override any header the SDK sets)."""
    extra_headers: Mapping[str, str] | None
    """Headers added last; never the credentials (client/admin key, Authorization): those are refused."""
    extra_query: Mapping[str, Any] | None
    """Query parameters the SDK does not know yet (merged over the method's own)."""
    extra_body: Mapping[str, Any] | None
    """Top-level JSON body fields the SDK does not know yet (merged over the method's; not model-checked)."""
    max_response_bytes: int | None
    """Largest body (or stream event) to read, after decompression; None: no limit. Unset: the client's."""
    stream_idle_timeout_ms: int | None
    """Streams: longest time without an event (keep-alive comments do not count); None: no limit."""


_OPTION_NAMES = frozenset(RequestOptions.__annotations__)
_NO_OPTIONS = CallOptions()  # frozen: one instance serves every call that passes none


def call_options(options: Mapping[str, Any], allowed: frozenset[str] = frozenset()) -> CallOptions:
    """Validate the per-call options (and reject keyword arguments the method does not take)."""
    if not options:
        return _NO_OPTIONS
    unknown = set(options) - _OPTION_NAMES - allowed
    if unknown:
        raise errors.InvalidInputError(f"unexpected argument(s): {', '.join(sorted(unknown))}")
    retries = options.get("retries", UNSET)
    timeout_ms = options.get("timeout_ms")
    server_url = options.get("server_url")
    http_headers = options.get("http_headers")
    if retries is not UNSET and retries is not None and not isinstance(retries, RetryConfig):
        raise errors.InvalidInputError("retries must be a RetryConfig, None (no retries) or left unset")
    if timeout_ms is not None and (not isinstance(timeout_ms, int) or timeout_ms <= 0):
        raise errors.InvalidInputError("timeout_ms must be a positive int (milliseconds)")
    http_headers = conceal_headers(http_headers)
    limits = _limit_options(options)
    if "extra_headers" in options or "extra_query" in options or "extra_body" in options:
        from .extras import check_extra_body, check_extra_headers, check_extra_query

        return CallOptions(
            retries,
            server_url,
            timeout_ms,
            http_headers,
            check_extra_headers(options.get("extra_headers")),
            check_extra_query(options.get("extra_query")),
            check_extra_body(options.get("extra_body")),
            **limits,
        )
    return CallOptions(retries, server_url, timeout_ms, http_headers, **limits)


def _limit_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """`max_response_bytes` / `stream_idle_timeout_ms` of a call, checked (UNSET: the client's)."""
    limits = {}
    for name in ("max_response_bytes", "stream_idle_timeout_ms"):
        value = options.get(name, UNSET)
        if value is not UNSET and value is not None and not positive_int(value):
            raise errors.InvalidInputError(f"{name} must be a positive int, or None for no limit")
        if value is not UNSET:
            limits[name] = value
    return limits


def positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
