"""The deadline of one attempt: `timeout_ms` bounds the whole attempt, not each socket read.

httpx's timeouts apply per phase and per read, so a server that sends one byte every 200 ms keeps a
`timeout_ms=1000` call alive indefinitely. An attempt of a non-streaming call therefore gets a deadline (its
start plus the request's read timeout, or sooner where the retry budget ends), enforced twice:

- `DeadlineTimeouts` replaces the request's `timeout` extension: every phase httpcore times (pool, connect,
  write, the wait for the headers, the body) is given at most the time left before the deadline;
- the body reader (`_core/limits.py`) checks the deadline after every chunk, so a dribbling body ends there.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

# A phase that starts after the deadline still gets a sliver of time (0 would mean "non-blocking" to a socket).
_SLIVER = 0.001


_monotonic = time.monotonic
_dict_get = dict.get


class DeadlineTimeouts(dict[str, Any]):
    """httpcore's per-phase timeouts (`{"connect": s, "read": s, ...}`), each cut to the time left.

    httpcore asks for a timeout several times per request: `get` is written for that (no `super()`, no
    `min`/`max` calls), at about a third of the straightforward version's cost.
    """

    __slots__ = ("deadline",)

    def __init__(self, timeouts: dict[str, Any], deadline: float) -> None:
        dict.__init__(self, timeouts)
        self.deadline = deadline

    def get(self, key: str, default: Any = None) -> Any:
        left = self.deadline - _monotonic()
        if left < _SLIVER:
            left = _SLIVER
        value = _dict_get(self, key, default)
        return left if value is None or value > left else value


def attempt_deadline(request: httpx.Request, started: float, budget_ends: float | None) -> float | None:
    """The monotonic time by which this attempt must be over, and install it on the request; None: no limit.

    The attempt's own limit is its read timeout (`timeout_ms`, else the client's); `budget_ends` (the end of
    the retry budget, for retries) can only bring it forward.
    """
    timeouts = request.extensions.get("timeout")
    read = timeouts.get("read") if isinstance(timeouts, dict) else None
    deadline = started + read if read is not None else None
    if budget_ends is not None:
        deadline = budget_ends if deadline is None else min(deadline, budget_ends)
    if deadline is not None and isinstance(timeouts, dict):
        request.extensions["timeout"] = DeadlineTimeouts(timeouts, deadline)
    return deadline


def cut_by_budget(exc: Exception, deadline: float | None, budget_ends: float | None) -> bool:
    """Did this attempt time out at the end of the retry budget (rather than at its own `timeout_ms`)?"""
    return isinstance(exc, httpx.TimeoutException) and budget_ends is not None and deadline == budget_ends


def past_deadline(request: httpx.Request) -> httpx.ReadTimeout:
    """The error of an attempt that ran out of time (a timeout: retried like any other, then TimeoutError)."""
    return httpx.ReadTimeout(
        "the attempt's deadline (timeout_ms) passed before its response was complete", request=request
    )
