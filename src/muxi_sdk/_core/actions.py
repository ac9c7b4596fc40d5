"""The I/O a request flow yields (send, read, close, sleep) and what a stream's flow returns."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, Union

import httpx

from ..models.shared import ResponseMeta

if TYPE_CHECKING:

    pass


T = TypeVar("T")


@dataclass(frozen=True)
class Send:
    """Send and return once the headers are in (the body, if read, is read by `Read`)."""

    request: httpx.Request


@dataclass(frozen=True)
class Read:
    """Read a body under its byte budget and deadline (`_core/limits.py`); gives back the error or None."""

    response: httpx.Response
    max_bytes: int | None
    deadline: float | None


@dataclass(frozen=True)
class Close:
    response: httpx.Response


@dataclass(frozen=True)
class Sleep:
    seconds: float


_Action = Union[Send, Read, Close, Sleep]
Flow = Generator[_Action, Any, T]


@dataclass(frozen=True)
class StreamStart:
    """What a streaming operation returns before iteration: the open response and its metadata."""

    response: httpx.Response
    meta: ResponseMeta
