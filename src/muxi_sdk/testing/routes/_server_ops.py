"""Lifecycle operations of the fake MUXI server as generators of steps, rendered as JSON or as SSE frames.

An operation yields `("progress", frame, None)` steps, then one `("complete", frame, json_answer)`, and raises
`ServerFail` for a failure. Streamed, every step is a frame and a failure an `event: error`; otherwise only the
outcome is sent, as the JSON answer (or the JSON error). The injected failure of `fail_next_operation` is
applied here.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from ..state import FakeState
from ._server_state import RUNTIME_VERSION, ServerFail, ok, server_options, sse

MAX_ATTEMPTS = 120
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def wants_sse(request: Request) -> bool:
    return "text/event-stream" in request.headers.get("accept", "")


Step = tuple[str, dict[str, Any], Any]
Steps = Iterator[Step]


def progress(stage: str, message: str, **extra: Any) -> Step:
    return ("progress", {"stage": stage, "message": message, **extra}, None)


class Runner:
    """Paces and renders the steps of one operation, with the injected failure (if any) applied."""

    def __init__(self, state: FakeState) -> None:
        opts = server_options(state)
        self.delay = float(opts["step_delay_s"])
        self.attempts = max(1, int(opts["health_check_attempts"]))
        failure: dict[str, Any] | None = opts["failure"]
        opts["failure"] = None
        self.failure = failure

    def health_checks(self, waiting: str) -> Iterator[Step]:
        yield progress("health_check", waiting)
        for attempt in range(1, self.attempts + 1):
            yield progress(
                "health_check",
                f"Health check attempt {attempt}/{MAX_ATTEMPTS}...",
                attempt=attempt,
                max_attempts=MAX_ATTEMPTS,
            )

    def _fail_here(self, stage: str | None, stages_left: bool) -> ServerFail | None:
        f = self.failure
        if f is None or (stage != f["stage"] and stages_left):
            return None
        self.failure = None
        return ServerFail(f["status"], f["message"], f["error"], stage or f["stage"])

    def _steps(self, steps: Steps) -> Iterator[Step]:
        for step in steps:
            kind, frame, _ = step
            fail = self._fail_here(frame.get("stage"), kind != "complete")
            if fail is not None:
                raise fail
            yield step

    async def json(self, steps: Steps, status: int = 200) -> Response:
        for kind, _, outcome in self._steps(steps):
            if kind == "complete":
                return ok(outcome, status)
            if self.delay:
                await asyncio.sleep(self.delay)
        raise RuntimeError("an operation ended without completing")  # pragma: no cover

    def stream(self, steps: Steps) -> Response:
        async def frames() -> AsyncIterator[bytes]:
            try:
                for kind, frame, _ in self._steps(steps):
                    yield sse(kind, frame)
                    if kind == "complete":
                        return
                    if self.delay:
                        await asyncio.sleep(self.delay)
            except ServerFail as fail:
                yield fail.frame()

        return StreamingResponse(frames(), media_type="text/event-stream", headers=SSE_HEADERS)

    async def answer(self, request: Request, steps: Steps, status: int = 200) -> Response:
        return self.stream(steps) if wants_sse(request) else await self.json(steps, status)


def resolving(with_version_first: bool) -> Iterator[Step]:
    first = f"Resolving runtime version: {RUNTIME_VERSION}" if with_version_first else "Resolving runtime version..."
    yield progress("resolving_runtime", first)
    yield progress("resolving_runtime", f"Resolved runtime version: {RUNTIME_VERSION}", version=RUNTIME_VERSION)
