"""Run the fake MUXI server on a real socket, in a background thread."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from types import TracebackType
from typing import Any

import uvicorn

from ..sdk import Muxi
from .app import create_app
from .engine import ScriptedReply
from .faults import Faults
from .state import FakeState


class FakeMuxi:
    """A fake MUXI server (formation API + server API) listening on 127.0.0.1.

        with FakeMuxi() as fake:
            m = fake.client(user_id="u1")
            print(m.chat.send(message="hi").text)   # "Echo: hi"

    Keys default to `fake-client-key` / `fake-admin-key` / `fake-key-id` + `fake-secret-key`.
    """

    def __init__(
        self, *, host: str = "127.0.0.1", port: int = 0, state: FakeState | None = None, **state_fields: Any
    ) -> None:
        self.state = state or FakeState(**state_fields)
        self.host = host
        self._port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    # -------------------------------------------------------------- addresses and credentials
    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        """Root URL: a formation reached directly (`Muxi(url=...)`) and the MUXI server (`server_url=`)."""
        return f"http://{self.host}:{self._port}"

    @property
    def formation_url(self) -> str:
        return f"{self.url}/v1"

    @property
    def faults(self) -> Faults:
        return self.state.faults

    def script(self, *replies: str | ScriptedReply) -> None:
        """Queue the next chat replies (otherwise the engine echoes `Echo: <message>`)."""
        self.state.engine.script(*replies)

    def reset(self) -> None:
        self.state.reset()

    # -------------------------------------------------------------- what the formation itself would write
    def add_artifact(self, user_id: str, name: str, content: Any, **fields: Any) -> dict[str, Any]:
        """Store an artifact for `user_id` as the formation's agents would (the same name again: a new version).

        `content` is bytes or a file path (served from disk in chunks); `fields`: `content_type`, `summary`,
        `category`, `tags`, `agent_id`, `conversation_id`. Returns the stored row (`row["public_id"]`).
        """
        from .routes.artifacts import add_artifact

        return add_artifact(self.state, user_id, name, content, **fields)

    def add_skill(self, name: str, description: str = "", **fields: Any) -> dict[str, Any]:
        """Load a skill into the fake formation (`scope`, `agents`, `resources`, `license`, ...)."""
        from .routes.skills import add_skill

        return add_skill(self.state, name, description, **fields)

    def add_history_entry(self, user_id: str, summary: str, **fields: Any) -> dict[str, Any]:
        """Write a captain's log entry for `user_id` (`date`, `decisions`, `projects`, `context`, `sources`)."""
        from .routes.history import add_history_entry

        return add_history_entry(self.state, user_id, summary, **fields)

    def client_kwargs(self) -> dict[str, str]:
        s = self.state
        return {
            "url": self.url,
            "server_url": self.url,
            "client_key": s.client_key,
            "admin_key": s.admin_key,
            "key_id": s.key_id,
            "secret_key": s.secret_key,
        }

    def client(self, **overrides: Any) -> Muxi:
        """A `Muxi` pointed at this server with all its keys (override any argument)."""
        return Muxi(**{**self.client_kwargs(), **overrides})

    # -------------------------------------------------------------- lifetime
    def start(self) -> FakeMuxi:
        if self._server is not None:
            return self
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # uvicorn does not set TCP_NODELAY on sockets it is handed; without it every response waits for
        # the client's delayed ACK (~40 ms). Accepted connections inherit it from the listening socket.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((self.host, self._port))
        sock.listen(2048)
        self._port = sock.getsockname()[1]
        self._socket = sock
        config = uvicorn.Config(
            create_app(self.state),
            log_level="critical",
            access_log=False,
            timeout_keep_alive=30,
            lifespan="off",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name=f"fake-muxi-{self._port}", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("fake MUXI server did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(timeout=10)
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.close()
            self._socket = None

    def __enter__(self) -> FakeMuxi:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Run in the foreground until interrupted (what `python -m muxi_sdk.testing` does)."""
        self.start()
        try:
            while self._thread is not None and self._thread.is_alive():
                self._thread.join(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()
