"""Operations made of more than one request (create, else update), with the same sync/async twins.

A multi-step builder is a generator: it validates its arguments, then *yields* each `Call` it wants run and
receives its result (or, for an API error, has the `MuxiError` thrown in at the `yield`, so it can fall back
with an ordinary `try/except`); its `return` value is the method's result. `sync_steps` / `async_steps` run
every call through the shared request path (`RequestPath._execute` / `_execute_async`), so the twins differ only
in the send, exactly like single-request operations:

    def _set(self, *, key: str, value: str) -> Steps[SecretSetResult]:
        try:
            yield Call(CREATE, ...)
        except ConflictError:
            yield Call(UPDATE, ...)
        return SecretSetResult(...)

    set = sync_steps(_set)
    set_async = async_steps(_set)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from ..errors import MuxiError
from .operation import BaseCall
from .twins import named_twin

if TYPE_CHECKING:
    from .request import RequestPath

R = TypeVar("R")
P = ParamSpec("P")
SDK = TypeVar("SDK", bound="RequestPath")

Steps = Generator[BaseCall, Any, R]
"""What a multi-step builder returns: a generator of `Call`s whose return value is the result."""


@dataclass(frozen=True)
class _Raised:
    error: MuxiError


def _advance(steps: Steps[R], outcome: Any) -> tuple[bool, Any]:
    """Hand the last outcome to the builder: (True, result) when it is done, else (False, next call)."""
    try:
        if isinstance(outcome, _Raised):
            return False, steps.throw(outcome.error)
        return False, steps.send(outcome)
    except StopIteration as stop:
        return True, stop.value


def sync_steps(builder: Callable[Concatenate[SDK, P], Steps[R]]) -> Callable[Concatenate[SDK, P], R]:
    """The blocking method of a multi-step operation."""

    @functools.wraps(builder)
    def method(self: SDK, /, *args: P.args, **kwargs: P.kwargs) -> R:
        steps = builder(self, *args, **kwargs)
        done, value = _advance(steps, None)  # runs the argument checks before anything is sent
        while not done:
            try:
                outcome: Any = self._execute(value)
            except MuxiError as exc:
                outcome = _Raised(exc)
            done, value = _advance(steps, outcome)
        return value  # type: ignore[no-any-return]

    return named_twin(method, builder, is_async=False)


def async_steps(
    builder: Callable[Concatenate[SDK, P], Steps[R]],
) -> Callable[Concatenate[SDK, P], Coroutine[object, None, R]]:
    """The `_async` twin of a multi-step operation."""

    @functools.wraps(builder)
    async def method(self: SDK, /, *args: P.args, **kwargs: P.kwargs) -> R:
        steps = builder(self, *args, **kwargs)
        done, value = _advance(steps, None)
        while not done:
            try:
                outcome: Any = await self._execute_async(value)
            except MuxiError as exc:
                outcome = _Raised(exc)
            done, value = _advance(steps, outcome)
        return value  # type: ignore[no-any-return]

    return named_twin(method, builder, is_async=True)
