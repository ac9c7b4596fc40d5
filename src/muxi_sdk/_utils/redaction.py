"""Keys stay hidden in memory dumps too: values whose repr hides them, and scrubbed copies for pickling.

Logs are redacted by `logger.redact_headers`. Two other ways out remain: tracebacks that print every local
(`TracebackException(capture_locals=True)`, Sentry, `pytest -l`) and pickles of results and errors
(multiprocessing, Celery result backends). Keys travel as `Secret` until httpx encodes them into the
request, and a pickled response carries a request whose secret headers, body and userinfo are gone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from .logger import REDACTED, is_secret_name, redact_url


class Secret(str):
    """A `str` whose `repr()` is redacted: the key itself, sendable as a header value, unseen in a dump."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"'{REDACTED}'"


def conceal(value: str | None) -> str | None:
    """`value` as a `Secret` (None and empty stay as they are)."""
    if not value or type(value) is Secret:
        return value
    return Secret(value)


def conceal_headers(headers: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """Caller-supplied headers with secret-looking values (by name) wrapped as `Secret`; others untouched."""
    if not headers:
        return headers
    if not any(isinstance(v, str) and is_secret_name(k) for k, v in headers.items()):
        return headers
    return {k: (conceal(v) if isinstance(v, str) and is_secret_name(k) else v) for k, v in headers.items()}


def _scrubbed_headers(headers: httpx.Headers) -> list[tuple[str, str]]:
    return [(k, REDACTED if is_secret_name(k) else v) for k, v in headers.multi_items()]


def scrubbed_request(request: httpx.Request) -> httpx.Request:
    """A copy of `request` without its secrets: secret-named headers redacted, no body, no userinfo."""
    return httpx.Request(request.method, redact_url(str(request.url)), headers=_scrubbed_headers(request.headers))


def scrubbed_response(response: httpx.Response) -> httpx.Response:
    """A closed copy of a (read) response whose request, redirect history and next request carry no secret."""
    state = response.__getstate__()
    request = state.get("_request")
    state["_request"] = scrubbed_request(request) if isinstance(request, httpx.Request) else None
    state["headers"] = httpx.Headers(_scrubbed_headers(response.headers))
    state["history"] = [scrubbed_response(r) for r in state.get("history") or ()]
    state["next_request"] = None
    copy = httpx.Response.__new__(httpx.Response)
    copy.__setstate__(state)
    return copy


def scrub_state(state: dict[str, Any]) -> dict[str, Any]:
    """An object's `__dict__` for pickling: its httpx requests, responses and headers as scrubbed copies."""
    out = dict(state)
    for name, value in state.items():
        if isinstance(value, httpx.Response):
            out[name] = scrubbed_response(value)
        elif isinstance(value, httpx.Request):
            out[name] = scrubbed_request(value)
        elif isinstance(value, httpx.Headers):
            out[name] = httpx.Headers(_scrubbed_headers(value))
    return out
