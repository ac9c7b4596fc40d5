"""A tiny scripted HTTP server on loopback, for what the fake MUXI server must never do (redirect elsewhere,
set cookies) and for facts only the server side sees (the client's TCP port, the headers that arrived)."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    port: int


@dataclass
class Answer:
    status: int = 200
    body: Any = field(default_factory=lambda: {"status": "ok"})
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Loopback:
    url: str
    seen: list[Seen]
    answer: Callable[[Seen], Answer]


@contextmanager
def loopback(answer: Callable[[Seen], Answer] | None = None, tls: ssl.SSLContext | None = None) -> Iterator[Loopback]:
    """Serve on 127.0.0.1 until the block ends; `answer(request)` decides each response (default: 200 ok).
    With `tls` (a server-side context), it serves https://."""
    seen: list[Seen] = []
    box = Loopback("", seen, answer or (lambda _: Answer()))

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, so that connection reuse is visible

        def _handle(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            if length:
                self.rfile.read(length)
            request = Seen(
                self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, self.client_address[1]
            )
            seen.append(request)
            out = box.answer(request)
            raw = out.body if isinstance(out.body, bytes) else json.dumps(out.body).encode()
            self.send_response(out.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            for name, value in out.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = do_PUT = do_DELETE = _handle

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
        server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]  # refused handshakes
    box.url = f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield box
    finally:
        server.shutdown()
        server.server_close()
