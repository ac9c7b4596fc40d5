"""The fake server's ASGI app: the Formation API under /v1, /api/{id}/v1 and /draft/{id}/v1, plus the
MUXI server API at the root."""

from __future__ import annotations

import importlib
import time

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from .envelope import APIError, error_body, validation_error
from .faults import FaultMiddleware
from .routes import ROUTE_MODULES
from .state import FakeState, RecordedRequest
from .validation import RequestValidation


def _error_response(request: Request, exc: Exception) -> Response:
    if isinstance(exc, APIError):
        return exc.response()
    if isinstance(exc, HTTPException):
        message = {404: "Not Found", 405: "Method Not Allowed"}.get(exc.status_code, str(exc.detail))
        return JSONResponse(error_body(exc.status_code, message), status_code=exc.status_code)
    if isinstance(exc, _INPUT_ERRORS):
        # A route tripped over a value of the wrong type that no runtime schema describes (the schemas
        # catch the rest first, see validation.py): the runtime would have refused it with 422, never 500.
        return validation_error(("body", f"Input has the wrong type: {exc}", "string", "wrong_type")).response()
    return JSONResponse(error_body(500, str(exc)), status_code=500)


_INPUT_ERRORS = (TypeError, AttributeError, KeyError, IndexError, ValueError)


class _Recorder:
    """Keeps every request's method, path, headers and body for assertions in tests."""

    def __init__(self, app: ASGIApp, state: FakeState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Record on arrival, so requests whose body is never read (GETs, injected faults) are kept too;
        # the body is filled in as the app reads it.
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        query = scope.get("query_string", b"").decode("latin-1")
        record = RecordedRequest(scope["method"], scope["path"], headers, b"", query)
        with self.state.lock:
            self.state.requests.append(record)
        chunks: list[bytes] = []

        async def recording_receive():  # type: ignore[no-untyped-def]
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    record.body = b"".join(chunks)
            return message

        await self.app(scope, recording_receive, send)


def create_app(state: FakeState | None = None) -> ASGIApp:
    """Build the fake MUXI server app around `state` (a fresh one if not given)."""
    state = state or FakeState()
    state.started_at = state.started_at or time.time()
    formation: list[BaseRoute] = []
    server: list[BaseRoute] = []
    for name in ROUTE_MODULES:
        module = importlib.import_module(f"{__package__}.routes.{name}")
        formation.extend(module.routes(state))
        if hasattr(module, "server_routes"):
            server.extend(module.server_routes(state))
    api = Router(routes=formation)
    from .routes.server import gate_proxy

    app = Starlette(
        routes=[
            Mount("/v1", app=api),
            Mount("/api/{formation_id}/v1", app=gate_proxy(state, api)),
            Mount("/draft/{formation_id}/v1", app=api),
            *server,
        ],
        exception_handlers={
            APIError: _error_response,
            HTTPException: _error_response,
            Exception: _error_response,
        },
    )
    app.state.muxi = state
    return _Recorder(FaultMiddleware(RequestValidation(app), state.faults), state)
