"""Base URLs are checked once, when they are configured, and a response must come from where we sent.

A bad `url=` used to surface calls later as retried `ConnectionError`s, a raw `httpx.InvalidURL`, or worse a
misrouted request (`http://h/#x` sent `DELETE /v1/memories/1` as `DELETE /`). User info (`user:pass@`) is
refused rather than moved into a header: httpx logs the full URL at INFO on every call, `Muxi`'s repr shows
the URL, and the Server API already uses `Authorization` for its HMAC signature, so a silent move would
either drop one credential or send the password where a signature belongs. An `httpx.Client(auth=...)`
passed as `client=` is the way to reach a formation behind HTTP basic auth.
"""

from __future__ import annotations

import functools
import ipaddress
import re

import httpx

from ..errors import ConfigurationError
from ..errors.mapping import redirect_error

_HOST = re.compile(r"[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?\Z")


def _bad(name: str, why: str) -> ConfigurationError:
    return ConfigurationError(f"{name} {why}; expected e.g. http://localhost:8271 or https://muxi.example.com")


def _valid_host(host: str) -> bool:
    if ":" in host:  # an IPv6 literal, given in brackets
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return False
        return True
    return bool(_HOST.match(host))


@functools.lru_cache(maxsize=64)
def check_base_url(name: str, url: str) -> str:
    """`url` without trailing slashes, or `ConfigurationError` saying what is wrong (never echoing a password)."""
    if not isinstance(url, str) or not url.strip():
        raise _bad(name, "must be a non-empty string")
    if "?" in url or "#" in url:
        raise _bad(name, "must not contain a ?query or #fragment (the SDK appends the API path to it)")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise _bad(name, f"is not a valid URL ({exc})") from None
    if parsed.scheme not in ("http", "https"):
        shown = f"{parsed.scheme}://" if "://" in url else "none"
        raise _bad(name, f"needs an http:// or https:// scheme (got {shown})")
    if parsed.userinfo:
        raise _bad(
            name,
            "must not contain user:password@ (httpx would log it with every request); for HTTP basic auth pass "
            "client=httpx.Client(auth=(user, password)) instead",
        )
    if not parsed.host or not _valid_host(parsed.host):
        raise _bad(name, "has no valid host")
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise _bad(name, f"has an invalid port ({parsed.port})")
    return url.rstrip("/")


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    default = {"http": 80, "https": 443}.get(url.scheme)
    return url.scheme, url.host, url.port or default


def check_same_origin(request: httpx.Request, response: httpx.Response) -> None:
    """Refuse an answer that an HTTP client got by following a redirect (the SDK sends with redirects off)."""
    if not response.history:
        answered = getattr(response, "_request", None)
        if answered is None or answered is request or _origin(answered.url) == _origin(request.url):
            return
    first = response.history[0] if response.history else response
    raise redirect_error(first, followed=True)


def formation_base(url: str) -> str:
    """`http://host:8271` -> `http://host:8271/v1` (an URL already ending in /v1 is kept)."""
    url = url.rstrip("/")
    return url if url.endswith("/v1") else url + "/v1"
