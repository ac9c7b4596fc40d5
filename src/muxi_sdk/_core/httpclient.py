"""HTTP client protocols and ownership: the SDK closes only the clients it created."""

from __future__ import annotations

import threading
from typing import Any, Protocol, cast, runtime_checkable

import httpx

# Chat replies can take minutes before the first byte of a non-streamed answer; connects should fail fast.
DEFAULT_TIMEOUT = httpx.Timeout(300.0, connect=5.0)
DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=30.0)


@runtime_checkable
class HttpClient(Protocol):
    def send(self, request: httpx.Request, *, stream: bool = False) -> httpx.Response: ...

    def build_request(self, method: str, url: Any, **kwargs: Any) -> httpx.Request: ...

    def close(self) -> None: ...


@runtime_checkable
class AsyncHttpClient(Protocol):
    async def send(self, request: httpx.Request, *, stream: bool = False) -> httpx.Response: ...

    def build_request(self, method: str, url: Any, **kwargs: Any) -> httpx.Request: ...

    async def aclose(self) -> None: ...


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
        self.closed = False

    @property
    def client(self) -> HttpClient:
        client: HttpClient | None = self._client
        if client is None:
            with self._lock:
                client = self._client
                if client is None:
                    self._check_open()
                    client = cast(HttpClient, httpx.Client(timeout=DEFAULT_TIMEOUT, limits=DEFAULT_LIMITS))
                    self._client = client
        return client

    @property
    def async_client(self) -> AsyncHttpClient:
        client: AsyncHttpClient | None = self._async_client
        if client is None:
            with self._lock:
                client = self._async_client
                if client is None:
                    self._check_open()
                    client = cast(AsyncHttpClient, httpx.AsyncClient(timeout=DEFAULT_TIMEOUT, limits=DEFAULT_LIMITS))
                    self._async_client = client
        return client

    def _check_open(self) -> None:
        if self.closed:
            from ..errors import ConfigurationError

            raise ConfigurationError("this Muxi client is closed; create a new one")

    def close_client(self) -> None:
        client, self._client = self._client, None
        if client is not None and not self.client_supplied:
            client.close()

    async def aclose_client(self) -> None:
        client, self._async_client = self._async_client, None
        if client is not None and not self.async_client_supplied:
            await client.aclose()

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


def close_pool(pool: ClientPool) -> None:
    """Finalizer: close the sync client we own. Never schedules work on an event loop."""
    try:
        pool.closed = True
        pool.close_client()
    except Exception:
        pass
