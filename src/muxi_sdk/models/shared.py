"""What every response carries besides its data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass(frozen=True)
class ResponseMeta:
    """HTTP and envelope facts of a response: reach it as `result.response_meta`.

    `request_id`, `idempotency_key`, `timestamp` (ms), `object` and `type` come from the MUXI envelope;
    `attempts` counts retries included.
    """

    status_code: int
    headers: httpx.Headers = field(repr=False)
    request_id: str | None = None
    idempotency_key: str | None = None
    timestamp: int | None = None
    object: str | None = None
    type: str | None = None
    attempts: int = 1
    elapsed_ms: float = 0.0
    http_response: httpx.Response | None = field(default=None, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        # A pickled result (multiprocessing, caches) keeps its response, not the keys of the request behind it.
        from .._utils.redaction import scrub_state

        return scrub_state(self.__dict__)
