"""`Muxi`: the root client. Holds the configuration and the HTTP clients; resources hang off it lazily."""

from __future__ import annotations

import importlib
import weakref
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from ._core.httpclient import AsyncHttpClient, ClientPool, HttpClient, close_pool
from ._core.limits import DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_STREAM_IDLE_TIMEOUT_MS
from ._core.retries import RetryConfig
from ._core.urls import check_base_url
from ._hooks import SDKHooks
from ._utils.logger import Logger, default_logger
from ._utils.redaction import conceal
from .basesdk import BaseSDK
from .sdkconfiguration import DEFAULT_MAX_UPLOAD_BYTES, SDKConfiguration, check_default_headers, resolve_aliases
from .types import UNSET, OptionalNullable

if TYPE_CHECKING:
    import httpx

    from .agents import Agents
    from .artifacts import Artifacts
    from .chat import Chat
    from .events import Events
    from .formations import Formations
    from .history import History
    from .knowledge import Knowledge
    from .mcp import Mcp
    from .memory import Memory
    from .notifications import Notifications
    from .requests import Requests
    from .scheduler import Scheduler
    from .secrets import Secrets
    from .server import Server
    from .sessions import Sessions
    from .skills import Skills
    from .system import System
    from .triggers import Triggers
    from .tuning import Tuning
    from .users import Users
    from .webhooks import Webhooks


class Muxi(BaseSDK):
    """The MUXI client. Every argument is optional; environment variables fill the gaps.

    Formation API calls go to `{url}/v1` when `url` is given (a formation reached directly), else to
    `{server_url}/api/{formation_id}/v1` (`/draft/...` with `mode="draft"`). Server API calls go to
    `{server_url}/rpc/...`, signed with `key_id`/`secret_key`.
    """

    _sub_sdk_map: dict[str, tuple[str, str]] = {
        "agents": ("muxi_sdk.agents", "Agents"),
        "artifacts": ("muxi_sdk.artifacts", "Artifacts"),
        "chat": ("muxi_sdk.chat", "Chat"),
        "events": ("muxi_sdk.events", "Events"),
        "formations": ("muxi_sdk.formations", "Formations"),
        "history": ("muxi_sdk.history", "History"),
        "knowledge": ("muxi_sdk.knowledge", "Knowledge"),
        "mcp": ("muxi_sdk.mcp", "Mcp"),
        "memory": ("muxi_sdk.memory", "Memory"),
        "notifications": ("muxi_sdk.notifications", "Notifications"),
        "requests": ("muxi_sdk.requests", "Requests"),
        "scheduler": ("muxi_sdk.scheduler", "Scheduler"),
        "secrets": ("muxi_sdk.secrets", "Secrets"),
        "server": ("muxi_sdk.server", "Server"),
        "sessions": ("muxi_sdk.sessions", "Sessions"),
        "skills": ("muxi_sdk.skills", "Skills"),
        "system": ("muxi_sdk.system", "System"),
        "triggers": ("muxi_sdk.triggers", "Triggers"),
        "tuning": ("muxi_sdk.tuning", "Tuning"),
        "users": ("muxi_sdk.users", "Users"),
        "webhooks": ("muxi_sdk.webhooks", "Webhooks"),
    }

    if TYPE_CHECKING:
        agents: Agents
        artifacts: Artifacts
        chat: Chat
        events: Events
        formations: Formations
        history: History
        knowledge: Knowledge
        memory: Memory
        notifications: Notifications
        requests: Requests
        scheduler: Scheduler
        server: Server
        sessions: Sessions
        skills: Skills
        mcp: Mcp
        secrets: Secrets
        system: System
        triggers: Triggers
        tuning: Tuning
        users: Users
        webhooks: Webhooks

    def __init__(
        self,
        *,
        server_url: str | None = None,
        formation_id: str | None = None,
        mode: Literal["live", "draft"] | None = None,
        url: str | None = None,
        client_key: str | None = None,
        admin_key: str | None = None,
        key_id: str | None = None,
        secret_key: str | None = None,
        user_id: str | None = None,
        client: HttpClient | None = None,
        async_client: AsyncHttpClient | None = None,
        retry_config: OptionalNullable[RetryConfig] = UNSET,
        timeout_ms: int | None = None,
        debug_logger: Logger | None = None,
        hooks: Iterable[Any] | None = None,
        app: str | None = None,
        max_upload_bytes: int | None = DEFAULT_MAX_UPLOAD_BYTES,
        max_retries: int | None = None,
        timeout: float | httpx.Timeout | None = None,
        default_headers: Mapping[str, str] | None = None,
        tracing: Any = False,
        max_response_bytes: int | None = DEFAULT_MAX_RESPONSE_BYTES,
        stream_idle_timeout_ms: int | None = DEFAULT_STREAM_IDLE_TIMEOUT_MS,
    ) -> None:
        """Create a client.

        :param server_url: MUXI server, e.g. `http://localhost:7890` (env `MUXI_SERVER_URL`).
        :param formation_id: formation behind that server (env `MUXI_FORMATION_ID`).
        :param mode: `"live"` (`/api/...`) or `"draft"` (`/draft/...`, what `muxi up` serves) (env `MUXI_MODE`).
        :param url: a formation reached directly, e.g. `http://localhost:8271` (env `MUXI_URL`).
        :param client_key: formation client key (env `MUXI_CLIENT_KEY`): chat, sessions, triggers, users.
        :param admin_key: formation admin key (env `MUXI_ADMIN_KEY`): agents, secrets, config, scheduler.
        :param key_id: MUXI server key id for HMAC signing (env `MUXI_KEY_ID`).
        :param secret_key: MUXI server secret for HMAC signing (env `MUXI_SECRET_KEY`).
        :param user_id: default end user for calls that take one (env `MUXI_USER_ID`).
        :param client: your `httpx.Client`; used as given and never closed by the SDK.
        :param async_client: your `httpx.AsyncClient`; used as given and never closed by the SDK.
        :param retry_config: default retry policy; `None` switches retries off.
        :param timeout_ms: default timeout of one attempt: it ends by then (connect, send, headers and the
            whole body), however slowly the server sends; streams: the longest wait for any byte. Unset keeps
            the client's own read timeout (SDK clients: 5 s connect, 300 s read; chat calls 600 s). The whole
            call, retries included, is bounded by the retry policy's `max_elapsed_time`.
        :param debug_logger: a logger for request/response debug lines (or set `MUXI_DEBUG=1`). Keys,
            signatures and tokens are always redacted.
        :param hooks: objects implementing `before_request` / `after_success` / `after_error` / `sdk_init`.
        :param app: your application's name, sent as `X-Muxi-App`.
        :param max_upload_bytes: largest file a call may upload (chat `files=`, audio), in bytes before
            base64; default 25 MiB, `None` for no limit. A bigger file raises `InvalidInputError` before
            anything is sent (a file object of unknown size: as soon as it has been read past the limit).
        :param max_retries: openai-style spelling of the retry policy: the default backoff with at most this
            many retries (`0`: none). Give it or `retry_config`, not both.
        :param timeout: httpx-style spelling of the timeout: seconds (same as `timeout_ms`), or an
            `httpx.Timeout` applied per phase as httpx does. Give it or `timeout_ms`, not both.
        :param default_headers: headers sent with every call (per-call `http_headers` win over them).
        :param tracing: `True` for OpenTelemetry spans via the global tracer provider, or a
            `TracerProvider`; needs `pip install "muxi-sdk[otel]"`. Off by default (no tracing code runs).
        :param max_response_bytes: largest response body, or stream event, to read (after decompression);
            default 32 MiB, `None` for no limit. Past it: `ResponseValidationError`. Per call too.
        :param stream_idle_timeout_ms: longest time a stream may go without an event (keep-alive comments
            are not events); default 600,000 (10 min, so an agent thinking through long tool calls is not cut
            off), `None` for no limit; log tails have none unless a call asks. Past it: `TimeoutError`.
        """
        # Rebound first so that a traceback printing this frame's locals shows no key.
        client_key, admin_key, secret_key = conceal(client_key), conceal(admin_key), conceal(secret_key)
        retry_config, timeout_ms, http_timeout = resolve_aliases(
            retry_config=retry_config, max_retries=max_retries, timeout_ms=timeout_ms, timeout=timeout
        )
        headers = check_default_headers(default_headers)
        tracer = None
        if tracing is not False and tracing is not None:
            from ._core.tracing import Tracing

            tracer = Tracing.create(tracing)
        pool = ClientPool(client, async_client)
        sdk_hooks = SDKHooks(hooks or ())
        config = SDKConfiguration.resolve(
            pool=pool,
            hooks=sdk_hooks,
            url=url,
            server_url=server_url,
            formation_id=formation_id,
            mode=mode,
            client_key=client_key,
            admin_key=admin_key,
            key_id=key_id,
            secret_key=secret_key,
            user_id=user_id,
            retry_config=retry_config,
            timeout_ms=timeout_ms,
            debug_logger=debug_logger or default_logger(),
            app=app,
            max_upload_bytes=max_upload_bytes,
            max_response_bytes=max_response_bytes,
            stream_idle_timeout_ms=stream_idle_timeout_ms,
        )
        config = config.with_changes(default_headers=headers, http_timeout=http_timeout, tracing=tracer)
        config = sdk_hooks.sdk_init(config)
        super().__init__(config, parent_ref=None)
        self._finalizer = weakref.finalize(self, close_pool, pool)

    # A scoped client (`with_options`, `for_user`) shares its parent's pools and hooks and owns nothing.
    _scoped = False

    def with_options(
        self,
        *,
        user_id: str | None = None,
        retries: OptionalNullable[RetryConfig] = UNSET,
        max_retries: int | None = None,
        timeout_ms: int | None = None,
        timeout: float | httpx.Timeout | None = None,
        http_headers: Mapping[str, str] | None = None,
        server_url: str | None = None,
    ) -> Muxi:
        """A light client that overrides only what it is given and shares everything else with this one.

        It uses this client's HTTP pools (no new connections), hooks, keys and logger. Closing it closes
        nothing; closing the parent closes the pools under every scoped client. `http_headers` are added to
        the parent's default headers; `server_url` is the per-call `server_url` default of its calls.
        """
        from .errors import ConfigurationError

        cfg = self.sdk_configuration
        retry_config, timeout_ms, http_timeout = resolve_aliases(
            retry_config=retries, max_retries=max_retries, timeout_ms=timeout_ms, timeout=timeout
        )
        changes: dict[str, Any] = {}
        if user_id is not None:
            if not isinstance(user_id, str) or not user_id.strip():
                raise ConfigurationError("user_id must be a non-empty string")
            changes["user_id"] = user_id
        if retry_config is not UNSET:
            changes["retry_config"] = retry_config
        if timeout_ms is not None:
            changes["timeout_ms"], changes["http_timeout"] = timeout_ms, None
        elif http_timeout is not None:
            changes["timeout_ms"], changes["http_timeout"] = None, http_timeout
        extra = check_default_headers(http_headers)
        if extra:
            changes["default_headers"] = {**(cfg.default_headers or {}), **extra}
        if server_url is not None:
            changes["base_url_override"] = check_base_url("server_url", server_url)
        scoped = object.__new__(type(self))
        BaseSDK.__init__(scoped, cfg.with_changes(**changes) if changes else cfg, parent_ref=self)
        scoped._scoped = True
        return scoped

    def for_user(self, user_id: str) -> Muxi:
        """`with_options(user_id=...)`: every user-scoped call through the result acts as `user_id`."""
        return self.with_options(user_id=user_id)

    @property
    def hooks(self) -> SDKHooks:
        return self.sdk_configuration.hooks

    def __getattr__(self, name: str) -> Any:
        entry = type(self)._sub_sdk_map.get(name)
        if entry is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        module_name, class_name = entry
        try:
            cls = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError) as exc:
            raise AttributeError(f"resource {name!r} is not available: {exc}") from exc
        resource = cls(self.sdk_configuration, parent_ref=self)
        setattr(self, name, resource)
        return resource

    def __dir__(self) -> Iterable[str]:
        return sorted(set(super().__dir__()) | set(self._sub_sdk_map))

    def __repr__(self) -> str:
        cfg = self.__dict__.get("sdk_configuration")
        if cfg is None:  # a traceback of a failed __init__ shows `self` too
            return "Muxi(<not configured>)"

        def shown(value: str | None) -> str:
            return "'***'" if value else "None"

        target = f"url={cfg.url!r}" if cfg.url else f"server_url={cfg.server_url!r}, formation_id={cfg.formation_id!r}"
        return (
            f"Muxi({target}, mode={cfg.mode!r}, client_key={shown(cfg.client_key)}, "
            f"admin_key={shown(cfg.admin_key)}, key_id={cfg.key_id!r}, secret_key={shown(cfg.secret_key)}, "
            f"user_id={cfg.user_id!r})"
        )

    # ---------------------------------------------------------------- lifetime
    def close(self) -> None:
        """Close the HTTP clients this object created (never the ones you passed in; a scoped client: none)."""
        if not self._scoped:
            self.sdk_configuration.pool.close()

    async def aclose(self) -> None:
        """Close the HTTP clients this object created, awaiting the async one."""
        if not self._scoped:
            await self.sdk_configuration.pool.aclose()

    def __enter__(self) -> Muxi:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    async def __aenter__(self) -> Muxi:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
