"""A webhook receiver for MUXI background results, in Starlette (`pip install "muxi-sdk[testing]"`).

Serve it (the secret is the formation's admin key, which MUXI signs completion webhooks with):

    MUXI_ADMIN_KEY=... uvicorn webhook_receiver:app --app-dir examples --port 8000

and point `m.chat.submit(message=..., webhook_url="http://<host>:8000/webhooks/muxi")` at it. Every delivery
is verified and parsed with `muxi_sdk.webhooks.construct_event`; a delivery that fails verification gets a
400 (MUXI retries any answer but a 2xx, up to 3 times, so answer 2xx only for deliveries you accept).

    python examples/webhook_receiver.py          # serve on $PORT (default 8000)
    python examples/webhook_receiver.py --demo   # fake MUXI server + this receiver + one async chat
"""

from __future__ import annotations

import os
import sys
import threading

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from muxi_sdk import webhooks
from muxi_sdk.errors import WebhookVerificationError
from muxi_sdk.models.webhooks import WebhookEvent

WEBHOOK_PATH = "/webhooks/muxi"


class EventLog:
    """The events received so far (thread-safe), so other code can wait for one."""

    def __init__(self) -> None:
        self.events: list[WebhookEvent] = []
        self._changed = threading.Condition()

    def add(self, event: WebhookEvent) -> None:
        with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    def wait_for(self, request_id: str | None, timeout: float = 10.0) -> WebhookEvent:
        """The event of `request_id` (the first event if None), waiting up to `timeout` seconds for it."""

        def found() -> WebhookEvent | None:
            return next((e for e in self.events if request_id is None or e.request_id == request_id), None)

        with self._changed:
            if not self._changed.wait_for(lambda: found() is not None, timeout):
                raise TimeoutError(f"no webhook for request {request_id!r} within {timeout} s")
            event = found()
            assert event is not None
            return event


def create_app(secret: str | list[str] | None = None, *, quiet: bool = False) -> Starlette:
    """A receiver app. `secret` defaults to $MUXI_WEBHOOK_SECRET, else $MUXI_ADMIN_KEY; a list accepts any
    of them (key rotation). Received events are in `app.state.log` (an `EventLog`)."""
    key = secret or os.environ.get("MUXI_WEBHOOK_SECRET") or os.environ.get("MUXI_ADMIN_KEY")
    if not key:
        raise SystemExit("set MUXI_ADMIN_KEY (or MUXI_WEBHOOK_SECRET) to the formation's admin key")
    log = EventLog()

    async def receive(request: Request) -> JSONResponse:
        body = await request.body()  # the raw bytes: never re-serialize before verifying
        try:
            event = webhooks.construct_event(body, request.headers, key)
        except WebhookVerificationError as exc:
            return JSONResponse({"error": "invalid webhook", "reason": exc.reason}, status_code=400)
        if not quiet:
            if event.is_completed:
                print(f"[{event.request_id}] completed: {event.text}", flush=True)
            elif event.is_failed:
                print(f"[{event.request_id}] failed: {event.error.message if event.error else '?'}", flush=True)
            elif event.needs_clarification and event.clarification:
                print(f"[{event.request_id}] question: {event.clarification.question}", flush=True)
            else:
                print(f"[{event.request_id}] {event.kind} {event.status}", flush=True)
        log.add(event)
        return JSONResponse({"received": True})

    app = Starlette(routes=[Route(WEBHOOK_PATH, receive, methods=["POST"])])
    app.state.log = log
    return app


def __getattr__(name: str) -> Starlette:
    # `uvicorn webhook_receiver:app` reads a module-level `app`: built on first access, from the environment,
    # so importing this module (tests, --demo) needs no secret.
    if name == "app":
        app = create_app()
        globals()["app"] = app
        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def demo() -> None:
    """Start the fake MUXI server and this receiver, submit one async chat, print what arrives."""
    import socket

    import uvicorn

    from muxi_sdk.testing import FakeMuxi

    # async_chat=True: the documented `mode: "async"` (runtime 1.20260928 answers it with 501)
    with FakeMuxi(async_chat=True) as fake:
        receiver = create_app(fake.state.admin_key)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(receiver, log_level="warning", lifespan="off"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        try:
            with fake.client(user_id="demo-user") as m:
                url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
                accepted = m.chat.submit(message="Hello in the background", webhook_url=url).accepted
                print(f"submitted {accepted.request_id}; waiting for the webhook...")
                event = receiver.state.log.wait_for(accepted.request_id)
                print(f"verified webhook: status={event.status} text={event.text!r}")
        finally:
            server.should_exit = True
            thread.join(5)
            sock.close()


if __name__ == "__main__":
    if "--demo" in sys.argv:
        demo()
    else:
        import uvicorn

        uvicorn.run(create_app(), host="127.0.0.1", port=int(os.environ.get("PORT", "8000")))
