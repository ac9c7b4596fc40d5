"""HTTP client protocols and ownership: the SDK closes only the clients it created.

The clients it creates keep no cookies (one `Muxi` serves many end users: a cookie set for alice's call
must not go out with bob's), build their TLS context on their first https:// request (`transports.py`),
are forgotten - not closed - in a forked child (its pooled connections are the parent's sockets), and the
async one belongs to one event loop (a second `asyncio.run()` gets its own).
"""

from __future__ import annotations

import functools
import os
import threading
import weakref
from http.cookiejar import Cookie, CookieJar
from typing import Any, Protocol, cast, runtime_checkable

import httpx

from ..errors import ConfigurationError
from .transports import AsyncPlainFirstTransport, PlainFirstTransport

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


def direct_request(
    client: httpx.Client | httpx.AsyncClient,
    method: str,
    url: httpx.URL,
    headers: dict[str, str],
    content: Any,
    timeout: Any,
) -> httpx.Request:
    """What `client.build_request(method, url, headers=..., content=..., timeout=...)` builds, for a client
    the SDK created, without its merges (~15-25 µs a call, a few percent of a loopback round trip).

    Only for our own clients: no `base_url`, no `params` (the query is in `url` already), no cookies kept
    (`_NoCookies`), so the merge reduces to the client's default headers under the call's, replaced by name
    as `httpx.Headers.update` replaces them. Public httpx API only; a test compares the two request for
    request (method, URL, every header in order, body, timeout).
    """
    ours = {name.lower().encode() for name in headers}
    merged: list[Any] = [(k, v) for k, v in client.headers.raw if k.lower() not in ours]  # bytes, then str
    merged.extend(headers.items())
    if timeout is httpx.USE_CLIENT_DEFAULT:
        limits = client.timeout
    else:
        limits = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
    return httpx.Request(
        method, url, headers=merged, content=content, extensions={"timeout": _timeout_dict(limits)}
    )


def _timeout_dict(timeout: httpx.Timeout) -> dict[str, float | None]:
    # A fresh dict per request, as httpx makes (hooks may change a request's extensions).
    return {"connect": timeout.connect, "read": timeout.read, "write": timeout.write, "pool": timeout.pool}


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


class _NoCookieStore(httpx.Cookies):
    """The cookies of an SDK-owned client: its jar keeps nothing, and answers are not even read for cookies.

    httpx wraps every answer and its request in urllib objects for the jar (copying the request's headers)
    before the jar can decline them: a few percent of a loopback call, for nothing."""

    def extract_cookies(self, response: httpx.Response) -> None:
        pass


def _without_cookies(client: httpx.Client | httpx.AsyncClient) -> None:
    # `Client(cookies=...)` and the `cookies` setter both wrap their argument in a plain `httpx.Cookies`,
    # so the store is put in place after construction; a future httpx without `_cookies` keeps the jar.
    if isinstance(getattr(client, "_cookies", None), httpx.Cookies):
        client._cookies = _NoCookieStore(_NoCookies())


def _owned(client_type: type[Any], transport: httpx.BaseTransport | httpx.AsyncBaseTransport) -> Any:
    headers = owned_headers()
    client = client_type(
        timeout=DEFAULT_TIMEOUT, limits=DEFAULT_LIMITS, cookies=_NoCookies(), headers=headers, transport=transport
    )
    _without_cookies(client)
    return client


def _new_client() -> HttpClient:
    return cast(HttpClient, _owned(httpx.Client, PlainFirstTransport(DEFAULT_LIMITS)))


def _new_async_client() -> AsyncHttpClient:
    return cast(AsyncHttpClient, _owned(httpx.AsyncClient, AsyncPlainFirstTransport(DEFAULT_LIMITS)))


async def _close_at_shutdown(client: AsyncHttpClient, loop: Any) -> Any:
    try:
        yield
    finally:
        if not loop.is_closed():  # a loop closed without `shutdown_asyncgens()` can await nothing
            await client.aclose()


def _closed_with_loop(client: AsyncHttpClient, loop: Any) -> Any:
    """An async generator, started, that closes `client` when it is closed: the running loop's
    `shutdown_asyncgens()` (the end of every `asyncio.run()`) does that while the loop can still await.

    Without it, a `Muxi` used in several `asyncio.run()` calls left each finished loop's pooled connections
    to the garbage collector ("unclosed transport" ResourceWarnings), as nothing can be awaited on a closed
    loop. The pool keeps the generator (the loop only holds it weakly)."""
    closer = _close_at_shutdown(client, loop)
    try:
        closer.__anext__().send(None)  # to its `yield` (no await before it): a closed unstarted one runs nothing
    except StopIteration:
        pass
    return closer


def _running_loop() -> object | None:
    import asyncio  # only on the async path, where asyncio is loaded already

    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


_POOLS: weakref.WeakSet[ClientPool] = weakref.WeakSet()
_FORKED_AWAY: list[Any] = []  # the parent's loop-shutdown closers, in a forked child (see forget_owned_clients)


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
        self._slots: dict[Any, Any] = {}  # event loop -> asyncio.Semaphore (see `async_slots`)
        self._closers: dict[Any, Any] = {}  # event loop -> its async client's closer (see `_closed_with_loop`)

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
                # A client of another (usually closed) loop cannot be used or awaited here: leave it behind
                # (`_closed_with_loop` closed it when that loop shut down).
                self._check_open()
                client = self._async_client = _new_async_client()
                self._async_loop = loop
                if loop is not None:
                    # a closed loop's closer is finished, or never can be (a loop closed by hand): its
                    # finalizer hook then does nothing
                    self._closers = {k: v for k, v in self._closers.items() if not k.is_closed()}
                    self._closers[loop] = _closed_with_loop(client, loop)
                _POOLS.add(self)
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

    def forget_owned_clients(self) -> None:
        """In a forked child: drop (never close) our clients, whose pooled sockets belong to the parent."""
        self._lock = threading.Lock()  # another thread may have held it at the fork
        self._slots = {}
        # Kept, never finished: collected, a closer would wake the parent's loop through their shared self-pipe.
        _FORKED_AWAY.extend(self._closers.values())
        self._closers = {}
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
        loop = _running_loop()
        if self._async_loop is loop:
            closer = self._closers.pop(loop, None)
            await (closer.aclose() if closer is not None else client.aclose())
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
