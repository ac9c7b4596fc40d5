from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
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

    async def status_page(request: Request) -> HTMLResponse:
        # The runtime's page: a full-window green cell saying "Up" (no key needed; 503 "Down" when unhealthy).
        return HTMLResponse(STATUS_PAGE.format(status="Up", color="green"))

    return [
        Route("/health", health, methods=["GET"]),
        Route("/", status_page, methods=["GET"]),
        Route("/v1", status_page, methods=["GET"]),
    ]


STATUS_PAGE = """<!DOCTYPE html>
<html style="margin:0; padding:0; height:100%; color:white">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width">
<title>{status}</title>
</head>
<body style="margin:0; padding:0; height:100%; color:white">
<table width="100%" height="100%" cellpadding="0" cellspacing="0" border="0">
<tr><td align="center" bgcolor="{color}">{status}</td></tr>
</table>
</body>
</html>"""
