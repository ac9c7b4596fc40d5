"""The one rule every event protocol follows for what it cannot read.

- A frame's `data` is JSON when it parses, else the text as sent: `frame_data` never raises (not even for
  JSON nested too deeply for the decoder).
- A frame this SDK does not know - an unknown event name or type, or known fields of unexpected types - is
  kept as the protocol's unknown event carrying the parsed data (`tolerant`), never a crash mid-stream.
- Only the protocol's own error frame raises (a `StreamError` or a subclass).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from httpx_sse import ServerSentEvent

from ..errors import MuxiError

E = TypeVar("E")


def frame_data(data: str) -> Any:
    """The frame's data: parsed JSON, or the text itself when it is not JSON."""
    try:
        return json.loads(data)
    except (ValueError, RecursionError):  # RecursionError: JSON nested too deeply for the decoder
        return data


def tolerant(
    decode: Callable[[ServerSentEvent], E | None], unknown: Callable[[ServerSentEvent, Any], E]
) -> Callable[[ServerSentEvent], E | None]:
    """`decode`, with a frame that fails validation kept as `unknown(sse, frame_data(sse.data))`.

    Typed errors (the protocol's error frame) pass through; so does anything that is not a validation error.
    """

    def decode_tolerantly(sse: ServerSentEvent) -> E | None:
        try:
            return decode(sse)
        except MuxiError:
            raise
        except ValueError:  # pydantic's ValidationError
            return unknown(sse, frame_data(sse.data))

    named = getattr(decode, "func", decode)  # a functools.partial names its function
    decode_tolerantly.__name__ = str(getattr(named, "__name__", "decode")).lstrip("_")
    decode_tolerantly.__doc__ = decode.__doc__
    return decode_tolerantly
