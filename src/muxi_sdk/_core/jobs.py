"""Background work the formation finishes later, and the one rule for waiting on it.

An operation that starts background work (a memory rebuild or forget, a memory batch ingestion, a distilled
batch, a background chat) returns a `Job`: the answer that accepted the work (`.accepted`), the id to poll
(`.id`) and `wait()` / `wait_async()`, which poll the job's status route until it is finished.

The waiting rule is written once, as a generator (`_waiting`) that decides when to poll, how long to sleep
and when to give up; `Job.wait` drives it with `time.sleep` and the sync request path, `Job.wait_async` with
`asyncio.sleep` and the async one. Every poll is an ordinary call of the status method, so retries, hooks,
auth and errors are the same as when you call that method yourself.

Backoff: the first poll goes out at once; then the pause starts at `interval` seconds and grows by half
each time up to `max_interval`. No pause runs past the deadline, and a poll started near it gets only the
time that is left as its timeout, so `wait(timeout=...)` returns or raises close to the deadline.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar, Union

from ..errors import InvalidInputError, JobFailedError, JobTimeoutError

if TYPE_CHECKING:
    from .operation import Call
    from .request import RequestPath

A = TypeVar("A")
S = TypeVar("S")

FINISHED = frozenset({"completed", "failed", "cancelled"})
FAILED = frozenset({"failed", "cancelled"})
_GROWTH = 1.5
# A poll near the deadline is cut to the time left, but never below this (a request needs some time at all).
_MIN_POLL_TIMEOUT_MS = 100
# Above this much time left, polls keep the client's own timeout.
_CAP_POLL_TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class JobKind:
    """What a kind of job is called in messages, and which status words end it (and which of those fail)."""

    name: str
    finished: frozenset[str] = FINISHED
    failed: frozenset[str] = FAILED


@dataclass(frozen=True)
class _Poll:
    timeout_ms: int | None


@dataclass(frozen=True)
class _Pause:
    seconds: float


_Step = Union[_Poll, _Pause]


def _status_of(result: Any) -> str | None:
    status = getattr(result, "status", None)
    return status if isinstance(status, str) else None


def _error_of(result: Any) -> str | None:
    error = getattr(result, "error", None)
    if error is None:
        return None
    return error if isinstance(error, str) else str(error)


def _check_wait(timeout: float, interval: float, max_interval: float) -> None:
    for name, value in (("timeout", timeout), ("interval", interval), ("max_interval", max_interval)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            raise InvalidInputError(f"{name} must be a positive number of seconds, got {value!r}")
    if max_interval < interval:
        raise InvalidInputError("max_interval must not be smaller than interval")


class Job(Generic[A, S]):
    """A handle on background work: `.accepted` (the answer that started it), `.id`, `.last`, `wait()`.

    `.last` is the newest status seen: the status model of the last poll, or, for work the server ran
    inline (no job id: `background=False`, a dry run, a batch with nothing to process), the finished
    result at once. `wait()` returns the final status model when the job completes, raises `JobFailedError`
    when it fails or is cancelled, and `JobTimeoutError` when it is still running at `timeout`.
    """

    __slots__ = ("_kind", "_owner", "_poll", "accepted", "id", "last")

    def __init__(
        self,
        owner: RequestPath,
        kind: JobKind,
        accepted: A,
        job_id: str | None,
        poll: Callable[[dict[str, Any]], Call[S]],
        last: S | None = None,
    ) -> None:
        self._owner = owner
        self._kind = kind
        self._poll = poll
        self.accepted = accepted
        self.id = job_id
        self.last = last

    def __repr__(self) -> str:
        return f"Job({self._kind.name!r}, id={self.id!r}, status={self.status!r})"

    @property
    def status(self) -> str | None:
        """The newest status word known (`processing`, `completed`, ...), without polling.

        `status` and `done` read what the last poll brought and send nothing (nor do their twins
        `status_async()` / `done_async()`, there for code that awaits every SDK call);
        `refresh()` / `refresh_async()` poll once, `wait()` / `wait_async()` until the job finishes.
        """
        return _status_of(self.last) if self.last is not None else _status_of(self.accepted)

    @property
    def done(self) -> bool:
        """Finished one way or another, as far as the newest known status says (no poll)."""
        return self.id is None or self.status in self._kind.finished

    async def status_async(self) -> str | None:
        """`status`, awaited (no poll: `await refresh_async()` first for a fresh one)."""
        return self.status

    async def done_async(self) -> bool:
        """`done`, awaited (no poll)."""
        return self.done

    # ------------------------------------------------------------------ one poll
    def refresh(self) -> S:
        """Poll the job's status once (the status route of its kind) and remember the answer in `.last`."""
        self.last = self._owner._execute(self._poll({}))
        return self.last

    async def refresh_async(self) -> S:
        """`refresh`, awaited."""
        self.last = await self._owner._execute_async(self._poll({}))
        return self.last

    # ------------------------------------------------------------------ waiting
    def wait(self, *, timeout: float = 300.0, interval: float = 0.5, max_interval: float = 5.0) -> S:
        """Poll until the job finishes (backoff from `interval` to `max_interval` seconds, within `timeout`).

        Returns the final status model; raises `JobFailedError` (failed or cancelled) or `JobTimeoutError`
        (still running at the deadline; the job goes on on the server).
        """
        flow = self._waiting(timeout, interval, max_interval)
        answer: Any = None
        while True:
            try:
                step = flow.send(answer)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            answer = None
            if isinstance(step, _Pause):
                time.sleep(step.seconds)
            else:
                answer = self._owner._execute(self._poll(_poll_options(step)))

    async def wait_async(self, *, timeout: float = 300.0, interval: float = 0.5, max_interval: float = 5.0) -> S:
        """`wait`, awaited: the same rule, with `asyncio.sleep` and the async client."""
        import asyncio

        flow = self._waiting(timeout, interval, max_interval)
        answer: Any = None
        while True:
            try:
                step = flow.send(answer)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            answer = None
            if isinstance(step, _Pause):
                await asyncio.sleep(step.seconds)
            else:
                answer = await self._owner._execute_async(self._poll(_poll_options(step)))

    def _waiting(self, timeout: float, interval: float, max_interval: float) -> Generator[_Step, Any, S]:
        """The polling rule: yields `_Poll` (answered with the status model) or `_Pause`; returns the result."""
        _check_wait(timeout, interval, max_interval)
        if self.id is None:  # ran inline: the answer is the result
            return self._finish(self.last)
        started = time.monotonic()
        deadline = started + timeout
        pause = float(interval)
        while True:
            left_ms = (deadline - time.monotonic()) * 1000.0
            cut = None if left_ms >= _CAP_POLL_TIMEOUT_MS else max(_MIN_POLL_TIMEOUT_MS, math.ceil(left_ms))
            self.last = yield _Poll(cut)
            if _status_of(self.last) in self._kind.finished:
                return self._finish(self.last)
            left = deadline - time.monotonic()
            if left <= 0:
                waited = time.monotonic() - started
                raise JobTimeoutError(
                    f"{self._kind.name} job {self.id} still {_status_of(self.last) or 'running'} after "
                    f"{waited:.1f}s (timeout={timeout:g}s); it goes on on the server",
                    job_id=self.id,
                    last=self.last,
                    waited=waited,
                )
            yield _Pause(min(pause, left))
            pause = min(pause * _GROWTH, max_interval)

    def _finish(self, result: S | None) -> S:
        status = _status_of(result)
        if status in self._kind.failed:
            reason = _error_of(result)
            raise JobFailedError(
                f"{self._kind.name} job {self.id} {status}" + (f": {reason}" if reason else ""),
                job_id=self.id or "",
                status=status,
                result=result,
            )
        return result  # type: ignore[return-value]


def _poll_options(step: _Poll) -> dict[str, Any]:
    return {} if step.timeout_ms is None else {"timeout_ms": step.timeout_ms}


def started(
    owner: RequestPath,
    kind: JobKind,
    accepted: A,
    job_id: str | None,
    poll: Callable[[dict[str, Any]], Call[S]],
    status_model: Callable[[Any], S],
) -> Job[A, S]:
    """The `Job` for an answer that started (or, without `job_id`, already did) some background work.

    Work the server ran inline has no status route to poll: its answer, read as the status model, is the
    result `wait()` returns at once.
    """
    if job_id:
        return Job(owner, kind, accepted, job_id, poll)
    fields = accepted.model_dump() if hasattr(accepted, "model_dump") else accepted
    return Job(owner, kind, accepted, None, poll, last=status_model(fields))
