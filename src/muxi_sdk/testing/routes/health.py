from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from ..state import FakeState


def routes(state: FakeState) -> list[BaseRoute]:
    async def health(request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "status": "healthy",
                "version": state.version,
                "uptime_seconds": int(time.time() - state.started_at),
            }
        )

    return [Route("/health", health, methods=["GET"])]
