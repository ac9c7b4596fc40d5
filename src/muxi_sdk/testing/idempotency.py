"""`X-Muxi-Idempotency-Key` as the runtime implements it: 2xx JSON answers replayed for 24 h, per scope."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from .auth import user_id
from .state import FakeState

Handler = Callable[[str | None], Awaitable[Response]]


async def idempotent(request: Request, state: FakeState, mode: str, run: Handler) -> Response:
    """Run `run(key)` once per (route, user, mode, key); replay its stored 2xx JSON answer afterwards.

    `mode` is "json" or "stream"; streams are never stored, so they run again, as on the real server.
    """
    key = request.headers.get("x-muxi-idempotency-key")
    if not key:
        return await run(None)
    scope = json.dumps([f"{request.method} {request.url.path}", user_id(request), mode, key])
    with state.lock:
        lock = state.idempotency_locks.setdefault(scope, asyncio.Lock())
    async with lock:
        stored = state.idempotency.get(scope)
        if stored is not None:
            status, body = stored
            return Response(body, status_code=status, media_type="application/json")
        with state.lock:
            state.executions[scope] = state.executions.get(scope, 0) + 1
        response = await run(key)
        if 200 <= response.status_code < 300 and response.media_type == "application/json":
            state.idempotency[scope] = (response.status_code, bytes(response.body))
        return response


def executions_for(state: FakeState, key: str) -> int:
    """How many times requests carrying this idempotency key really ran (replays excluded)."""
    return sum(n for scope, n in state.executions.items() if json.loads(scope)[3] == key)
