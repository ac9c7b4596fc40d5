"""HTTP client protocols and ownership: the SDK closes only the clients it created.

The clients it creates keep no cookies (one `Muxi` serves many end users: a cookie set for alice's call
must not go out with bob's), are forgotten - not closed - in a forked child (its pooled connections are
the parent's sockets), and the async one belongs to one event loop (a second `asyncio.run()` gets its own).
"""

from __future__ import annotations

import os
import threading
import weakref
from http.cookiejar import Cookie, CookieJar
from typing import Any, Protocol, cast, runtime_checkable

import httpx

from ..errors import ConfigurationError

# Chat replies can take minutes before the first byte of a non-streamed answer; connects should fail fast.
DEFAULT_TIMEOUT = httpx.Timeout(300.0, connect=5.0)
DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=30.0)


@runtime_checkable
class HttpClient(Protocol):
    def send(self, request: httpx.Request, *, stream: bool = False, follow_redirects: bool = ...) -> httpx.Response: ...

    def build_request(self, method: str, url: Any, **kwargs: Any) -> httpx.Request: ...

    def close(self) -> None: ...


@runtime_checkable
class AsyncHttpClient(Protocol):
    async def send(
        self, request: httpx.Request, *, stream: bool = False, follow_redirects: bool = ...
    ) -> httpx.Response: ...

    def build_request(self, method: str, url: Any, **kwargs: Any) -> httpx.Request: ...

    async def aclose(self) -> None: ...


class _NoCookies(CookieJar):
    """A cookie jar that keeps nothing."""

    def set_cookie(self, cookie: Cookie) -> None:
        pass

    def extract_cookies(self, response: Any, request: Any) -> None:
        pass


def _new_client() -> HttpClient:
    return cast(HttpClient, httpx.Client(timeout=DEFAULT_TIMEOUT, limits=DEFAULT_LIMITS, cookies=_NoCookies()))


def _new_async_client() -> AsyncHttpClient:
    client = httpx.AsyncClient(timeout=DEFAULT_TIMEOUT, limits=DEFAULT_LIMITS, cookies=_NoCookies())
    return cast(AsyncHttpClient, client)


def _running_loop() -> object | None:
    import asyncio  # only on the async path, where asyncio is loaded already

    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


_POOLS: weakref.WeakSet[ClientPool] = weakref.WeakSet()


def _forget_clients_after_fork() -> None:
    for pool in list(_POOLS):
        pool.forget_owned_clients()


if hasattr(os, "register_at_fork"):  # POSIX; there is no fork elsewhere
    os.register_at_fork(after_in_child=_forget_clients_after_fork)


class ClientPool:
    """Holds the sync and async clients; creates ours lazily, on first use, and remembers which are ours."""

    def __init__(self, client: HttpClient | None, async_client: AsyncHttpClient | None) -> None:
        if client is not None and not isinstance(client, HttpClient):
            raise TypeError("client= must be an httpx.Client (or provide send/build_request/close)")
        if async_client is not None and not isinstance(async_client, AsyncHttpClient):
            raise TypeError("async_client= must be an httpx.AsyncClient (or provide send/build_request/aclose)")
        self._client = client
        self._async_client = async_client
        self.client_supplied = client is not None
        self.async_client_supplied = async_client is not None
        self._lock = threading.Lock()
        self._async_loop: object | None = None  # the event loop our async client belongs to
        self.closed = False

    @property
    def client(self) -> HttpClient:
        client: HttpClient | None = self._client
        if client is None:
            with self._lock:
                client = self._client
                if client is None:
                    self._check_open()
                    client = self._client = _new_client()
                    _POOLS.add(self)
        return client

    @property
    def async_client(self) -> AsyncHttpClient:
        client: AsyncHttpClient | None = self._async_client
        if client is not None and self.async_client_supplied:
            return client
        loop = _running_loop()
        if client is not None and self._async_loop is loop:
            return client
        with self._lock:
            client = self._async_client
            if client is None or self._async_loop is not loop:
                # A client of another (usually closed) loop cannot be used or awaited here: leave it behind.
                self._check_open()
                client = self._async_client = _new_async_client()
                self._async_loop = loop
                _POOLS.add(self)
        return client

    def forget_owned_clients(self) -> None:
        """In a forked child: drop (never close) our clients, whose pooled sockets belong to the parent."""
        self._lock = threading.Lock()  # another thread may have held it at the fork
        if not self.client_supplied:
            self._client = None
        if not self.async_client_supplied:
            self._async_client = self._async_loop = None

    def _check_open(self) -> None:
        if self.closed:
            raise ConfigurationError("this Muxi client is closed; create a new one")

    def close_client(self) -> None:
        client, self._client = self._client, None
        if client is not None and not self.client_supplied:
            client.close()

    async def aclose_client(self) -> None:
        client, self._async_client = self._async_client, None
        if client is None or self.async_client_supplied:
            return
        if self._async_loop is _running_loop():
            await client.aclose()
        # else: it belongs to another, usually closed, loop, where nothing can be awaited any more; dropped.

    def close(self) -> None:
        """Close everything we own. An async client we own is closed on a fresh loop when none is running."""
        self.closed = True
        self.close_client()
        client, self._async_client = self._async_client, None
        if client is None or self.async_client_supplied:
            return
        import asyncio  # only when an async client was used (so asyncio is loaded already)

        try:
            asyncio.get_running_loop()
        except RuntimeError:
            try:
                asyncio.run(client.aclose())
            except Exception:
                pass
        # Inside a running loop nothing can be awaited here; `aclose()`/`async with` is the way.

    async def aclose(self) -> None:
        self.closed = True
        await self.aclose_client()
        self.close_client()


def closed_loop_error(exc: RuntimeError, pool: ClientPool) -> Exception:
    """httpcore's bare "Event loop is closed" from YOUR async client as a ConfigurationError saying what to do.

    Ours are made per event loop; an injected one keeps the pooled connections of the loop it was used in.
    """
    if not pool.async_client_supplied or "Event loop is closed" not in str(exc):
        raise exc
    from ..errors import ConfigurationError

    err = ConfigurationError(
        "the async_client= passed to Muxi holds connections of an event loop that is closed (an earlier "
        "asyncio.run()): create the httpx.AsyncClient inside the loop that uses it, or let Muxi create its own "
        "(it makes one per event loop)"
    )
    err.__cause__ = exc
    return err


def close_pool(pool: ClientPool) -> None:
    """Finalizer: close the sync client we own. Never schedules work on an event loop."""
    try:
        pool.closed = True
        pool.close_client()
    except Exception:
        pass
