"""How a compat method runs: one `Muxi` resource call, its result turned into the official SDK's shape.

A compat method is described once by a *spec*: a function with the official method's signature that returns
a `Target` (which `Muxi` resource method to call, with which arguments, and how to shape the result).
`sync_method` and `async_method` make the `FormationClient` / `AsyncFormationClient` methods from it, so the
two clients cannot drift apart. No request is made here: every call goes through `Muxi`'s request path.
"""

from __future__ import annotations

import functools
import json
import logging
import os
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Concatenate, ParamSpec

from typing_extensions import Self

from .._core.retries import BackoffStrategy, RetryConfig
from ..sdk import Muxi
from .errors import translated

P = ParamSpec("P")


def dump(value: Any) -> Any:
    """A muxi-sdk result as plain JSON data: a model's fields as the server sent them, a page's data."""
    if value is None or isinstance(value, (str, int, float, bool, dict)):
        return value
    if isinstance(value, list):
        return [dump(v) for v in value]
    model_dump = getattr(value, "model_dump", None)
    if model_dump is not None:
        return model_dump(mode="json", by_alias=True, exclude_unset=True)
    data = getattr(value, "data", None)  # _core.pagination.Page
    if isinstance(data, dict):
        return dict(data)
    return value


def official_shape(value: Any) -> Any:
    """What the official SDK returns for an envelope: `data` with `request_id`, `idempotency_key` and
    `timestamp` merged in (`setdefault`: a field of `data` with the same name wins)."""
    out = dump(value)
    meta = getattr(value, "response_meta", None)
    if isinstance(out, dict) and meta is not None and meta.object is not None:
        if meta.request_id:
            out.setdefault("request_id", meta.request_id)
        if meta.idempotency_key:
            out.setdefault("idempotency_key", meta.idempotency_key)
        if meta.timestamp is not None:
            out.setdefault("timestamp", meta.timestamp)
    return out


def nothing(_value: Any) -> None:
    """For the official methods that return None."""
    return None


Frame = Callable[[Any], dict[str, Any]]


@dataclass
class Target:
    """One `Muxi` call: `resource` (dotted, e.g. `"users.credentials"`), `method`, keyword arguments;
    `shape` turns the result into the official return value; `frame` makes a stream (one `{"event",
    "data"}` dict per event)."""

    resource: str
    method: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    shape: Callable[[Any], Any] = official_shape
    frame: Frame | None = None


def _resolve(muxi: Muxi, target: Target, suffix: str) -> Callable[..., Any]:
    obj: Any = muxi
    for part in target.resource.split("."):
        obj = getattr(obj, part)
    fn: Callable[..., Any] = getattr(obj, target.method + suffix)
    return fn


def _kwargs(client: Any, target: Target) -> dict[str, Any]:
    kwargs = {k: v for k, v in target.kwargs.items() if v is not None}
    timeout_ms = client._timeout_ms
    if target.frame is None and timeout_ms is not None:
        kwargs.setdefault("timeout_ms", timeout_ms)
    return kwargs


def _frames(stream: Any, frame: Frame) -> Iterator[dict[str, Any]]:
    with translated(), stream:
        for event in stream:
            yield frame(event)


async def _aframes(stream: Any, frame: Frame) -> AsyncIterator[dict[str, Any]]:
    with translated():
        async with stream:
            async for event in stream:
                yield frame(event)


def sync_method(spec: Callable[Concatenate[Any, P], Target]) -> Callable[Concatenate[Any, P], Any]:
    """The blocking compat method described by `spec`."""

    @functools.wraps(spec)
    def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> Any:
        target = spec(self, *args, **kwargs)
        with translated():
            fn = _resolve(self._muxi, target, "")
            result = fn(**_kwargs(self, target))
        if target.frame is not None:
            return _frames(result, target.frame)
        return target.shape(result)

    return method


def async_method(spec: Callable[Concatenate[Any, P], Target]) -> Callable[Concatenate[Any, P], Any]:
    """The `async def` compat method described by `spec` (streams: awaiting it gives an async generator)."""

    @functools.wraps(spec)
    async def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> Any:
        target = spec(self, *args, **kwargs)
        with translated():
            fn = _resolve(self._muxi, target, "_async")
            result = await fn(**_kwargs(self, target))
        if target.frame is not None:
            return _aframes(result, target.frame)
        return target.shape(result)

    return method


# ------------------------------------------------------------------------------------------ stream frames


def _text(data: Any) -> str:
    return data if isinstance(data, str) else json.dumps(data)


def chat_frame(event: Any) -> dict[str, Any]:
    """A typed chat event back as the SSE frame the runtime sent (`data` re-encoded as JSON)."""
    kind = getattr(event, "type", None)
    if kind == "done":
        return {"event": "done", "data": json.dumps({"finished": True})}
    if kind == "ui":
        return {"event": "ui", "data": json.dumps({"ui": event.ui})}
    name = getattr(event, "event", None)
    data = getattr(event, "data", None)
    if name and data is not None and name != "message":  # a named frame this SDK does not know
        return {"event": name, "data": _text(data)}
    if name == "message" and data is not None:
        return {"event": "message", "data": _text(data)}
    return {"event": "message", "data": json.dumps({"token": dump(event)})}


def plain_frame(event: Any) -> dict[str, Any]:
    """Event streams whose frames are unnamed JSON objects (`/v1/events...`)."""
    name = getattr(event, "event", None)
    data = getattr(event, "data", None)
    if name and data is not None:
        return {"event": name, "data": _text(data)}
    return {"event": "message", "data": json.dumps(dump(event))}


def named_frame(default: str | None = None) -> Frame:
    """Streams whose frames are named by the event's `type` (`event: progress`, `event: log`, ...)."""

    def frame(event: Any) -> dict[str, Any]:
        name = getattr(event, "event", None)
        data = getattr(event, "data", None)
        if name and data is not None:
            return {"event": name, "data": _text(data)}
        fields = dump(event)
        kind = fields.pop("type", None) if default is None else fields.get("type")
        return {"event": default or kind or "message", "data": json.dumps(fields)}

    return frame


# ------------------------------------------------------------------------------------------ configuration


def retry_config(max_retries: int | None) -> RetryConfig | None:
    """`max_retries=N` (official, default 0: none) as a muxi-sdk retry policy."""
    if not max_retries:
        return None
    return RetryConfig("backoff", BackoffStrategy(500, 30_000, 2.0, 300_000), max_retries=int(max_retries))


def debug_logger(debug: bool, logger: logging.Logger | None) -> logging.Logger | None:
    if debug or os.environ.get("MUXI_DEBUG"):
        return logger or logging.getLogger("muxi")
    return None


def timeout_ms(timeout: float | None) -> int | None:
    """Official `timeout` (seconds, JSON calls only; 0/None: the default 30 s)."""
    return int((timeout or 30) * 1000)


class ClientShell:
    """What every compat client shares: the `Muxi` underneath, its repr, and (in the subclasses) closing."""

    _muxi: Muxi

    @property
    def muxi(self) -> Muxi:
        """The `Muxi` client underneath: use it to move to the native API one call at a time."""
        return self._muxi

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._muxi!r})"


class SyncClientShell(ClientShell):
    def close(self) -> None:
        """Close the HTTP connections."""
        self._muxi.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncClientShell(ClientShell):
    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._muxi.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
