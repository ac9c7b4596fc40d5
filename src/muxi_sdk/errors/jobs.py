"""Errors of waiting for background work (`Job.wait()`): it failed, or it outlived the wait."""

from __future__ import annotations

import builtins
from typing import Any

from .muxierror import MuxiError


class JobFailedError(MuxiError):
    """The formation finished the job without success (`failed` or `cancelled`).

    `job_id`, `status` (the final status word) and `result` (the final status model, with the server's
    `error`) say which and why.
    """

    default_code = "JOB_FAILED"

    def __init__(self, message: str, *, job_id: str, status: str | None, result: Any, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.job_id = job_id
        self.status = status
        self.result = result


class JobTimeoutError(MuxiError, builtins.TimeoutError):
    """The job was still running when `wait(timeout=...)` ran out. The job itself goes on on the server.

    `last` is the newest status polled (None if no poll answered), `waited` the seconds spent waiting.
    """

    default_code = "JOB_TIMEOUT"

    def __init__(self, message: str, *, job_id: str, last: Any, waited: float, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.job_id = job_id
        self.last = last
        self.waited = waited
