"""The I/O a request flow yields (send, read, close, sleep) and what a stream's flow returns.

Plain slotted classes, not dataclasses: two or three are made per call, and a frozen dataclass's
`__init__` (one `object.__setattr__` per field) plus its generated code at import cost more than the rest
of this module.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any, TypeVar, Union

if TYPE_CHECKING:
    import httpx

    from ..models.shared import ResponseMeta


T = TypeVar("T")


class Send:
    """Send and return once the headers are in (the body, if read, is read by `Read`)."""

    __slots__ = ("request",)

    def __init__(self, request: httpx.Request) -> None:
        self.request = request


class Read:
    """Read a body under its byte budget and deadline (`_core/limits.py`); gives back the error or None."""

    __slots__ = ("deadline", "max_bytes", "response")

    def __init__(self, response: httpx.Response, max_bytes: int | None, deadline: float | None) -> None:
        self.response = response
        self.max_bytes = max_bytes
        self.deadline = deadline


class Close:
    __slots__ = ("response",)

    def __init__(self, response: httpx.Response) -> None:
        self.response = response


class Sleep:
    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


_Action = Union[Send, Read, Close, Sleep]
Flow = Generator[_Action, Any, T]


class StreamStart:
    """What a streaming operation returns before iteration: the open response and its metadata."""

    __slots__ = ("meta", "response")

    def __init__(self, response: httpx.Response, meta: ResponseMeta) -> None:
        self.response = response
        self.meta = meta

    def __repr__(self) -> str:
        return f"StreamStart(response={self.response!r}, meta={self.meta!r})"
