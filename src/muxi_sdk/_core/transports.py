"""The transports of the clients the SDK creates: plain http:// never pays for TLS it does not use.

httpx builds its TLS context (certifi's ~140 CA certificates parsed into OpenSSL) when a client is created,
20-40 ms, about a fifth of a cold process's first call, even when every URL is http:// (a local formation,
the bundled fake server, a sidecar). Here http:// goes to a transport whose TLS context is strict and
empty, never used because a plain connection never starts TLS (and would fail closed if one did: no CA is
loaded, hostname checks stay on); https:// goes to the transport httpx itself would build (`verify=True`,
`trust_env=True`, so `SSL_CERT_FILE` / `SSL_CERT_DIR` still count), built on the first https:// request.
Proxies from the environment are mounted by httpx beside this transport, as for any client.
"""

from __future__ import annotations

import ssl
import threading
from typing import Any

import httpx


def _no_tls() -> ssl.SSLContext:
    # PROTOCOL_TLS_CLIENT: CERT_REQUIRED and check_hostname by default; no CA loaded, so nothing verifies.
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


class PlainFirstTransport(httpx.BaseTransport):
    """http:// on a transport without CA certificates; https:// on httpx's default one, made when first needed."""

    def __init__(self, limits: httpx.Limits) -> None:
        self._limits = limits
        self.plain = httpx.HTTPTransport(verify=_no_tls(), limits=limits)
        self._tls: httpx.HTTPTransport | None = None
        self._lock = threading.Lock()

    def tls(self) -> httpx.HTTPTransport:
        if self._tls is None:
            with self._lock:
                if self._tls is None:
                    self._tls = httpx.HTTPTransport(limits=self._limits)
        return self._tls

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme == "http":
            return self.plain.handle_request(request)
        return self.tls().handle_request(request)

    def close(self) -> None:
        self.plain.close()
        if self._tls is not None:
            self._tls.close()


class AsyncPlainFirstTransport(httpx.AsyncBaseTransport):
    """The async twin of `PlainFirstTransport` (one event loop: no lock needed around the lazy build)."""

    def __init__(self, limits: httpx.Limits) -> None:
        self._limits = limits
        self.plain = httpx.AsyncHTTPTransport(verify=_no_tls(), limits=limits)
        self._tls: httpx.AsyncHTTPTransport | None = None

    def tls(self) -> httpx.AsyncHTTPTransport:
        if self._tls is None:
            self._tls = httpx.AsyncHTTPTransport(limits=self._limits)
        return self._tls

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme == "http":
            return await self.plain.handle_async_request(request)
        return await self.tls().handle_async_request(request)

    async def aclose(self) -> None:
        await self.plain.aclose()
        if self._tls is not None:
            await self._tls.aclose()


def transport_pool(client: Any) -> Any:
    """The httpcore pool behind a client's http:// requests (tests and diagnostics)."""
    transport = client._transport
    if isinstance(transport, (PlainFirstTransport, AsyncPlainFirstTransport)):
        transport = transport.plain
    return transport._pool
