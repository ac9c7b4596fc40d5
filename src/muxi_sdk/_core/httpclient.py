"""HTTP client protocols and ownership: the SDK closes only the clients it created."""

from __future__ import annotations

import functools
import threading
from typing import Any, Protocol, cast, runtime_checkable

import httpx

# Chat replies can take minutes before the first byte of a non-streamed answer; connects should fail fast.
DEFAULT_TIMEOUT = httpx.Timeout(300.0, connect=5.0)
DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=30.0)


@functools.cache
def sdk_headers() -> dict[str, str]:
    """The SDK's identification headers (built on first use: the version comes from package metadata)."""
    from .. import _version

    version = _version.__version__
    return {
        "User-Agent": _version.__user_agent__,
        "X-Muxi-SDK": f"python/{version}",
        "X-Muxi-Client": f"python/{version}",
    }


def owned_headers() -> dict[str, str]:
    """The default headers of the clients the SDK creates: its identification, and JSON answers."""
    return {**sdk_headers(), "Accept": "application/json"}


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
        self._slots: dict[Any, Any] = {}  # event loop -> asyncio.Semaphore (see `async_slots`)

    @property
    def client(self) -> HttpClient:
        client: HttpClient | None = self._client
        if client is None:
            with self._lock:
                client = self._client
                if client is None:
                    self._check_open()
                    client = cast(
                        HttpClient,
                        httpx.Client(timeout=DEFAULT_TIMEOUT, limits=DEFAULT_LIMITS, headers=owned_headers()),
                    )
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
                    client = cast(
                        AsyncHttpClient,
                        httpx.AsyncClient(timeout=DEFAULT_TIMEOUT, limits=DEFAULT_LIMITS, headers=owned_headers()),
                    )
                    self._async_client = client
        return client

    def async_slots(self) -> Any:
        """An `asyncio.Semaphore` bounding in-flight requests on our async client to its pool size (None for an
        injected client, whose limits are its owner's business).

        Without it, 1,000 `gather`ed calls on a cold client queue 900 requests inside httpcore, whose pool
        rescans every waiter against every connection on each change: ~30 s instead of ~2 s. A request holds
        its slot only until its response headers (streams) or body (the rest) have arrived, never while a
        stream is being read, so long-lived streams hold connections exactly as before and cannot starve
        the slots: requests beyond them wait in httpcore's pool as they always did.
        """
        if self.async_client_supplied:
            return None
        import asyncio  # only on the async path, where asyncio is loaded already

        loop = asyncio.get_running_loop()
        slots = self._slots.get(loop)
        if slots is None:
            # One per event loop (a semaphore belongs to the loop it first waits on); closed loops drop out.
            self._slots = {k: v for k, v in self._slots.items() if not k.is_closed()}
            slots = self._slots[loop] = asyncio.Semaphore(DEFAULT_LIMITS.max_connections or 100)
        return slots

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
