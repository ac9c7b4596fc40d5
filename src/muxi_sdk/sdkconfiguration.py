"""Settings of one `Muxi` instance, resolved once from arguments and environment variables."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from ._core.httpclient import ClientPool
from ._core.limits import DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_STREAM_IDLE_TIMEOUT_MS
from ._core.retries import DEFAULT_RETRY_CONFIG, RetryConfig
from ._core.urls import check_base_url, formation_base
from ._utils.logger import Logger, NoOpLogger
from ._utils.redaction import conceal
from .errors import ConfigurationError
from .types import UNSET, OptionalNullable

if TYPE_CHECKING:
    import httpx

    from ._hooks import SDKHooks

Mode = Literal["live", "draft"]

DEFAULT_FORMATION_URL = "http://localhost:8271"
DEFAULT_SERVER_URL = "http://localhost:7890"
DEFAULT_MAX_UPLOAD_BYTES = 25 * 1024 * 1024
"""Largest file (bytes, before base64) a chat or audio call uploads; bigger ones are refused before sending."""


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value else None


def _strip(url: str) -> str:
    return url.rstrip("/")


@dataclass(frozen=True)
class SDKConfiguration:
    pool: ClientPool
    hooks: SDKHooks
    url: str | None = None
    server_url: str | None = None
    formation_id: str | None = None
    mode: Mode = "live"
    client_key: str | None = field(default=None, repr=False)
    admin_key: str | None = field(default=None, repr=False)
    key_id: str | None = None
    secret_key: str | None = field(default=None, repr=False)
    user_id: str | None = None
    retry_config: OptionalNullable[RetryConfig] = UNSET
    timeout_ms: int | None = None
    debug_logger: Logger = field(default_factory=NoOpLogger)
    app: str | None = None
    max_upload_bytes: int | None = DEFAULT_MAX_UPLOAD_BYTES
    max_response_bytes: int | None = DEFAULT_MAX_RESPONSE_BYTES
    stream_idle_timeout_ms: int | None = DEFAULT_STREAM_IDLE_TIMEOUT_MS
    default_headers: Mapping[str, str] | None = None
    """Sent with every call (before the per-call `http_headers`): `Muxi(default_headers=...)`, `with_options`."""
    http_timeout: httpx.Timeout | None = None
    """An `httpx.Timeout` given as `timeout=`: its phases as httpx applies them (used when no `timeout_ms`)."""
    base_url_override: str | None = None
    """`with_options(server_url=...)`: the per-call `server_url` default of a scoped client."""
    tracing: Any = None
    """The OpenTelemetry tracer wrapper (`_core.tracing.Tracing`), or None: no tracing code runs at all."""

    @classmethod
    def resolve(
        cls,
        *,
        pool: ClientPool,
        hooks: SDKHooks,
        url: str | None,
        server_url: str | None,
        formation_id: str | None,
        mode: str | None,
        client_key: str | None,
        admin_key: str | None,
        key_id: str | None,
        secret_key: str | None,
        user_id: str | None,
        retry_config: OptionalNullable[RetryConfig],
        timeout_ms: int | None,
        debug_logger: Logger,
        app: str | None,
        max_upload_bytes: int | None = DEFAULT_MAX_UPLOAD_BYTES,
        max_response_bytes: int | None = DEFAULT_MAX_RESPONSE_BYTES,
        stream_idle_timeout_ms: int | None = DEFAULT_STREAM_IDLE_TIMEOUT_MS,
    ) -> SDKConfiguration:
        # Explicit arguments beat the environment; an explicit server_url also beats an env direct URL.
        client_key, admin_key, secret_key = conceal(client_key), conceal(admin_key), conceal(secret_key)
        url_name, server_url_name = "url", "server_url"
        if url is None and server_url is None and _env("MUXI_URL"):
            url, url_name = _env("MUXI_URL"), "MUXI_URL"
        if not server_url and _env("MUXI_SERVER_URL"):
            server_url, server_url_name = _env("MUXI_SERVER_URL"), "MUXI_SERVER_URL"
        # Checked now, not at the first call: a bad URL is a configuration mistake, not a network failure.
        url = check_base_url(url_name, url) if url else None
        server_url = check_base_url(server_url_name, server_url) if server_url else None
        formation_id = formation_id or _env("MUXI_FORMATION_ID")
        mode_value = (mode or _env("MUXI_MODE") or "live").lower()
        if mode_value not in ("live", "draft"):
            raise ConfigurationError(f"mode must be 'live' or 'draft', not {mode_value!r}")
        if max_upload_bytes is not None and (
            isinstance(max_upload_bytes, bool) or not isinstance(max_upload_bytes, int) or max_upload_bytes <= 0
        ):
            raise ConfigurationError("max_upload_bytes must be a positive int (bytes per file) or None (no limit)")
        for name, value in (
            ("max_response_bytes", max_response_bytes),
            ("stream_idle_timeout_ms", stream_idle_timeout_ms),
        ):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
                raise ConfigurationError(f"{name} must be a positive int or None (no limit)")
        return cls(
            pool=pool,
            hooks=hooks,
            url=url or None,
            server_url=server_url or None,
            formation_id=formation_id,
            mode=mode_value,  # type: ignore[arg-type]
            client_key=client_key or conceal(_env("MUXI_CLIENT_KEY")),
            admin_key=admin_key or conceal(_env("MUXI_ADMIN_KEY")),
            key_id=key_id or _env("MUXI_KEY_ID"),
            secret_key=secret_key or conceal(_env("MUXI_SECRET_KEY")),
            user_id=user_id or _env("MUXI_USER_ID"),
            retry_config=retry_config,
            timeout_ms=timeout_ms,
            debug_logger=debug_logger,
            app=app,
            max_upload_bytes=max_upload_bytes,
            max_response_bytes=max_response_bytes,
            stream_idle_timeout_ms=stream_idle_timeout_ms,
        )

    def formation_url(self) -> str:
        """Base of the Formation API: `{url}/v1`, or the server's `/api/{id}/v1` (`/draft/{id}/v1` in draft)."""
        if self.url:
            return formation_base(self.url)
        if self.server_url:
            if not self.formation_id:
                raise ConfigurationError(
                    "server_url is set but formation_id is not: pass formation_id= (or MUXI_FORMATION_ID), "
                    "or pass url= for a formation reached directly"
                )
            prefix = "draft" if self.mode == "draft" else "api"
            return f"{self.server_url}/{prefix}/{quote(self.formation_id, safe='')}/v1"
        return formation_base(DEFAULT_FORMATION_URL)

    def server_api_url(self) -> str:
        return self.server_url or DEFAULT_SERVER_URL

    def effective_retry_config(self, per_call: OptionalNullable[RetryConfig]) -> RetryConfig | None:
        """Per call > per client > default. `None` at either level switches retries off."""
        if per_call is not UNSET:
            return per_call  # type: ignore[return-value]
        if self.retry_config is not UNSET:
            return self.retry_config  # type: ignore[return-value]
        return DEFAULT_RETRY_CONFIG

    def with_changes(self, **changes: object) -> SDKConfiguration:
        return replace(self, **changes)  # type: ignore[arg-type]


def resolve_aliases(
    *,
    retry_config: OptionalNullable[RetryConfig],
    max_retries: int | None,
    timeout_ms: int | None,
    timeout: float | httpx.Timeout | None,
) -> tuple[OptionalNullable[RetryConfig], int | None, httpx.Timeout | None]:
    """Fold openai/httpx-style `max_retries=` / `timeout=` into the Speakeasy settings.

    Each pair names one setting, so giving both spellings is a `ConfigurationError` (never a silent pick).
    `max_retries=0` switches retries off; `timeout=` in seconds becomes `timeout_ms`; an `httpx.Timeout` is
    kept as it is (per phase, as httpx applies it).
    """
    from .errors import ConfigurationError

    if max_retries is not None:
        if retry_config is not UNSET:
            raise ConfigurationError("pass retry_config= or max_retries=, not both (they set the same policy)")
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise ConfigurationError("max_retries must be an int >= 0 (0: no retries)")
        retry_config = (
            RetryConfig("none") if max_retries == 0 else replace(DEFAULT_RETRY_CONFIG, max_retries=max_retries)
        )
    if timeout_ms is not None and (isinstance(timeout_ms, bool) or not isinstance(timeout_ms, int) or timeout_ms <= 0):
        raise ConfigurationError("timeout_ms must be a positive number of milliseconds")
    http_timeout = None
    if timeout is not None:
        if timeout_ms is not None:
            raise ConfigurationError("pass timeout_ms= or timeout=, not both (they set the same timeout)")
        import httpx

        if isinstance(timeout, httpx.Timeout):
            http_timeout = timeout
        elif isinstance(timeout, (int, float)) and not isinstance(timeout, bool) and 0 < timeout < math.inf:
            timeout_ms = max(1, round(timeout * 1000))
        else:
            raise ConfigurationError("timeout must be a positive, finite number of seconds or an httpx.Timeout")
    return retry_config, timeout_ms, http_timeout


def check_default_headers(headers: Mapping[str, str] | None) -> dict[str, str] | None:
    """`default_headers=`: a mapping of header names to strings (values are checked again at send time)."""
    if headers is None:
        return None
    from .errors import ConfigurationError

    if not isinstance(headers, Mapping):
        raise ConfigurationError("default_headers must be a mapping of header names to strings")
    for name, value in headers.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise ConfigurationError("default_headers must map header names (str) to values (str)")
    return dict(headers)
