"""Twin generation: a resource's one builder per operation becomes the public method and its `_async` twin."""

from __future__ import annotations

import collections.abc
import functools
import inspect
import typing
from collections.abc import Callable, Coroutine, Generator
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar, overload

from .operation import BaseCall, Call, PageCall, StreamCall

if TYPE_CHECKING:
    from .._streams.eventstream import AsyncClosable, AsyncStreamContext
    from .pagination import AsyncPage, Page
    from .request import RequestPath


T = TypeVar("T")
R = TypeVar("R")
S = TypeVar("S")
A = TypeVar("A", bound="AsyncClosable")
P = ParamSpec("P")
SDK = TypeVar("SDK", bound="RequestPath")
F = TypeVar("F", bound=Callable[..., Any])


# ----------------------------------------------------------------------------------------------- twins
# A resource writes one builder per operation (arguments -> Call). These turn it into the public method and
# its `_async` twin, so the two can never drift apart: same signature, same docs, same request. The kind of
# `Call` the builder returns gives each twin its exact type (see `Call`): no second copy of any method.


@overload
def sync_op(builder: Callable[Concatenate[SDK, P], PageCall[T]]) -> Callable[Concatenate[SDK, P], Page[T]]: ...
@overload
def sync_op(builder: Callable[Concatenate[SDK, P], StreamCall[S, Any]]) -> Callable[Concatenate[SDK, P], S]: ...
@overload
def sync_op(builder: Callable[Concatenate[SDK, P], Call[R]]) -> Callable[Concatenate[SDK, P], R]: ...
def sync_op(builder: Callable[Concatenate[SDK, P], BaseCall]) -> Callable[Concatenate[SDK, P], Any]:
    """The blocking method of an operation: `Call[R]` -> `R`, `PageCall[T]` -> `Page[T]`, `StreamCall[S, A]`
    -> the stream `S`."""

    @functools.wraps(builder)
    def method(self: SDK, /, *args: P.args, **kwargs: P.kwargs) -> Any:
        return self._execute(builder(self, *args, **kwargs))

    return named_twin(method, builder, is_async=False)


@overload
def async_op(
    builder: Callable[Concatenate[SDK, P], PageCall[T]],
) -> Callable[Concatenate[SDK, P], Coroutine[object, None, AsyncPage[T]]]: ...
@overload
def async_op(
    builder: Callable[Concatenate[SDK, P], Call[R]],
) -> Callable[Concatenate[SDK, P], Coroutine[object, None, R]]: ...
def async_op(
    builder: Callable[Concatenate[SDK, P], BaseCall],
) -> Callable[Concatenate[SDK, P], Coroutine[Any, Any, Any]]:
    """The `_async` twin of an operation: a coroutine of `R` for `Call[R]`, of `AsyncPage[T]` for
    `PageCall[T]`. (Streaming operations take `async_stream_op`: their twin is usable in `async with`.)"""

    @functools.wraps(builder)
    async def method(self: SDK, /, *args: P.args, **kwargs: P.kwargs) -> Any:
        call = builder(self, *args, **kwargs)
        if isinstance(call, StreamCall):
            raise TypeError(f"{builder.__name__} streams: make its _async twin with async_stream_op")
        return await self._execute_async(call)

    return named_twin(method, builder, is_async=True)


@overload
def async_stream_op(
    builder: Callable[Concatenate[SDK, P], StreamCall[Any, A]],
) -> Callable[Concatenate[SDK, P], AsyncStreamContext[A]]: ...
@overload
def async_stream_op(
    builder: Callable[Concatenate[SDK, P], Call[Any]],
) -> Callable[Concatenate[SDK, P], AsyncStreamContext[Any]]: ...
def async_stream_op(
    builder: Callable[Concatenate[SDK, P], BaseCall],
) -> Callable[Concatenate[SDK, P], AsyncStreamContext[Any]]:
    """The `_async` twin of a streaming operation: awaitable, and usable directly in `async with`.

    A builder returning `StreamCall[S, A]` gets an `AsyncStreamContext[A]`; a plain `Call` (older resources)
    one of `Any`.
    """

    @functools.wraps(builder)
    def method(self: SDK, /, *args: P.args, **kwargs: P.kwargs) -> AsyncStreamContext[Any]:
        from .._streams.eventstream import AsyncStreamContext  # loaded with the first stream, not at import

        call = builder(self, *args, **kwargs)  # arguments are checked now, before anything is awaited
        return AsyncStreamContext(lambda: self._execute_async(call))

    return named_twin(method, builder, is_async=True)


def named_twin(method: F, builder: Callable[..., Any], *, is_async: bool) -> F:
    """Name the method after its builder and show the twin's own return type in `help()` and IDEs."""
    name = builder.__name__.lstrip("_") + ("_async" if is_async else "")
    method.__name__ = method.__qualname__ = name
    del method.__wrapped__  # type: ignore[attr-defined]
    method._muxi_builder = builder  # type: ignore[attr-defined]  # for `with_raw_response`
    method._muxi_async = is_async  # type: ignore[attr-defined]
    sig = inspect.signature(builder)
    method.__signature__ = sig.replace(  # type: ignore[attr-defined]
        return_annotation=twin_return(builder, sig.return_annotation, is_async)
    )
    return method


def twin_return(builder: Callable[..., Any], annotation: Any, is_async: bool) -> Any:
    """The type a twin returns, from its builder's return annotation (a `Call` kind or a `Steps` generator).

    Annotations are strings (`from __future__ import annotations`); they are evaluated in the builder's
    module as `typing.get_type_hints` would, but for the return type only. An annotation that cannot be
    evaluated (a name imported only for type checkers) is shown as written.
    """
    ret = annotation
    if isinstance(ret, str):
        try:
            ret = eval(ret, getattr(builder, "__globals__", {}))
        except Exception:
            return annotation
    origin, args = typing.get_origin(ret), typing.get_args(ret)
    if origin is PageCall and args:
        from .pagination import AsyncPage, Page

        return (AsyncPage if is_async else Page)[args[0]]
    if origin is StreamCall and len(args) == 2:
        if not is_async:
            return args[0]
        from .._streams.eventstream import AsyncStreamContext

        return AsyncStreamContext[args[1]]  # type: ignore[valid-type]
    if origin in (Call, Generator, collections.abc.Generator) and args:
        return args[-1] if origin is not Call else args[0]
    return ret
