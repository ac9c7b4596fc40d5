"""URL shapes of the two APIs (kept in `_core` so the request path never imports the configuration module)."""

from __future__ import annotations


def formation_base(url: str) -> str:
    """`http://host:8271` -> `http://host:8271/v1` (an URL already ending in /v1 is kept)."""
    url = url.rstrip("/")
    return url if url.endswith("/v1") else url + "/v1"
