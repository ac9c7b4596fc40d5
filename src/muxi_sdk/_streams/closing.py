"""What every sync object that owns one open response does to give it back (event streams, downloads)."""

from __future__ import annotations

import contextlib
from types import TracebackType

import httpx
from typing_extensions import Self


class ClosesResponse:
    """`with` it, `close()` it (safe more than once), or drop it: each releases the response's connection."""

    response: httpx.Response
    _closed: bool

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the connection (an unread body is dropped). Safe to call more than once."""
        if not self._closed:
            self._closed = True
            self.response.close()

    def __del__(self) -> None:
        if not getattr(self, "_closed", True):
            with contextlib.suppress(Exception):
                self.response.close()
