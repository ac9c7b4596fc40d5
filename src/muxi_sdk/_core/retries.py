"""Retry policy: exponential backoff with jitter, Retry-After, and a total time budget."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Literal

import httpx

from .operation import Replay

# 408 and 425 are "try again"; 501 is deliberately absent: retrying cannot make it work.
DEFAULT_RETRY_STATUSES: frozenset[int] = frozenset({408, 425, 429, 500, 502, 503, 504})
# Statuses that say the request was turned away before it ran.
UNPROCESSED_STATUSES: frozenset[int] = frozenset({408, 425, 429, 503})


@dataclass(frozen=True)
class BackoffStrategy:
    """Backoff timing, all in milliseconds (Speakeasy's units).

    Attempt n (0-based) waits `min(initial_interval * exponent**n, max_interval)`, multiplied by a random
    factor in `[1 - jitter, 1]`. A server's positive `Retry-After` replaces that wait and is obeyed exactly
    or not at all: when it does not fit in what is left of `max_elapsed_time`, the call ends at once (the
    error carries `retry_after`). `0`, negative values and past dates fall back to the backoff.
    `max_elapsed_time` bounds the whole call: no retry starts after it, and a retry's own deadline (its
    `timeout_ms`) is cut short where the budget ends.
    """

    initial_interval: int = 500
    max_interval: int = 10_000
    exponent: float = 2.0
    max_elapsed_time: int = 60_000
    jitter: float = 0.25

    def __post_init__(self) -> None:
        if self.initial_interval < 0 or self.max_interval < 0 or self.max_elapsed_time < 0:
            raise ValueError("BackoffStrategy intervals must be >= 0 ms")
        if self.exponent < 1:
            raise ValueError("BackoffStrategy.exponent must be >= 1")
        if not 0 <= self.jitter <= 1:
            raise ValueError("BackoffStrategy.jitter must be within [0, 1]")


@dataclass(frozen=True)
class RetryConfig:
    """`RetryConfig("backoff", BackoffStrategy(...), retry_connection_errors=True)`; `"none"` turns retries off."""

    strategy: Literal["backoff", "none"] = "backoff"
    backoff: BackoffStrategy = field(default_factory=BackoffStrategy)
    retry_connection_errors: bool = True
    status_codes: frozenset[int] = DEFAULT_RETRY_STATUSES
    max_retries: int | None = 4
    """Retries after the first attempt (None: as many as `max_elapsed_time` allows)."""

    def __post_init__(self) -> None:
        if self.strategy not in ("backoff", "none"):
            raise ValueError("RetryConfig.strategy must be 'backoff' or 'none'")
        if self.max_retries is not None and (
            isinstance(self.max_retries, bool) or not isinstance(self.max_retries, int) or self.max_retries < 0
        ):
            raise ValueError("RetryConfig.max_retries must be an int >= 0 or None")
        object.__setattr__(self, "status_codes", frozenset(self.status_codes))


# Four retries (0.5, 1, 2, 4 s apart, or as Retry-After says) within a minute: a dead endpoint fails in
# seconds, not after a minute of silent retrying.
DEFAULT_RETRY_CONFIG = RetryConfig()

# Errors raised before a single byte of the request could reach the server: always safe to resend.
_NOTHING_SENT: tuple[type[Exception], ...] = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class RetryState:
    """Tracks one call's attempts and decides whether, and how long, to wait before the next."""

    __slots__ = ("_rng", "attempts", "config", "started")

    def __init__(self, config: RetryConfig, started: float, rng: random.Random | None = None) -> None:
        self.config = config
        self.started = started
        self.attempts = 0
        self._rng = rng or random

    def _budget_left(self) -> bool:
        cfg = self.config
        if cfg.strategy == "none":
            return False
        return cfg.max_retries is None or self.attempts <= cfg.max_retries

    @property
    def ends_at(self) -> float:
        """The monotonic time at which the budget (`max_elapsed_time`) runs out."""
        return self.started + self.config.backoff.max_elapsed_time / 1000.0

    def delay(self, retry_after: float | None, now: float, reserve: float = 0.0) -> float | None:
        """Seconds to sleep before the next attempt, or None to give up.

        A positive `retry_after` is waited exactly, or - when it does not fit in the budget - not at all:
        never a silently shortened wait. None or a non-positive one means "use the backoff". `reserve` is
        the time the next attempt needs at least (the request path passes twice the last attempt's): a
        retry that the end of the budget would cut off at once is not started.
        """
        if not self._budget_left():
            return None
        b = self.config.backoff
        if retry_after is not None and retry_after > 0:
            wait = retry_after
        else:
            cap = b.max_interval / 1000.0
            base = min(b.initial_interval / 1000.0 * b.exponent ** (self.attempts - 1), cap)
            wait = base * (1.0 - b.jitter * self._rng.random())
        if now + wait + reserve > self.ends_at:
            return None
        return wait

    def status_retryable(self, status: int, resend: Replay = "any") -> bool:
        """A retryable status; for a request that may have run, only one that says it was not processed.

        A 500/502/504 may come after the work happened (a chat turn and its tools, a write), and MUXI keeps
        no error answer to replay, so only reads and repeatable writes are resent on it; 408/425/429/503
        mean the request was turned away, so resending cannot run it twice.
        """
        if self.config.strategy == "none" or status not in self.config.status_codes:
            return False
        return resend == "any" or status in UNPROCESSED_STATUSES

    def error_retryable(self, exc: Exception, resend: Replay) -> bool:
        """Transport errors: retry if nothing was sent, or if a resend cannot run the operation twice (a
        read, a repeatable write, or a keyed request whose stored answer the server replays)."""
        if self.config.strategy == "none" or not self.config.retry_connection_errors:
            return False
        if isinstance(exc, _NOTHING_SENT):
            return True
        return resend != "unrun" and isinstance(exc, httpx.TransportError)
