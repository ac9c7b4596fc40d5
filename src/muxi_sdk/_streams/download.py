"""Binary downloads: a response body read in chunks, to an iterator, a path or a file object.

The body never sits in memory whole: `iter_bytes()` hands out the chunks as they arrive and `save()` writes
them as they come. A byte budget (`max_bytes`) is checked against `Content-Length` before the first byte is
read and against the running count after each chunk. A body cut short (fewer bytes than `Content-Length`, a
reset, a read timeout) raises `StreamInterruptedError` / `TimeoutError`; `save(path)` then leaves no partial
file behind (it writes `path`'s sibling temp file and renames it only when the body is complete).
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import AsyncIterator, Iterator
from types import TracebackType
from typing import IO, Union
from urllib.parse import unquote

import httpx
from typing_extensions import Self

from ..errors import MuxiError, ResponseValidationError, StreamInterruptedError, TimeoutError
from ..models.shared import ResponseMeta
from .closing import ClosesResponse
from .eventstream import aclose_later

DEFAULT_CHUNK_BYTES = 64 * 1024
Destination = Union[str, "os.PathLike[str]", IO[bytes]]

_FILENAME_STAR = re.compile(r"filename\*\s*=\s*([^']*)'[^']*'([^;]+)", re.IGNORECASE)
_FILENAME = re.compile(r'filename\s*=\s*"([^"]*)"|filename\s*=\s*([^;\s]+)', re.IGNORECASE)


def _filename(disposition: str | None) -> str | None:
    """The file name of a `Content-Disposition` header, preferring the RFC 5987 `filename*` form."""
    if not disposition:
        return None
    star = _FILENAME_STAR.search(disposition)
    if star:
        return unquote(star.group(2).strip(), encoding=star.group(1) or "utf-8", errors="replace")
    plain = _FILENAME.search(disposition)
    if plain:
        return plain.group(1) if plain.group(1) is not None else plain.group(2)
    return None


def _content_length(headers: httpx.Headers) -> int | None:
    raw = headers.get("content-length")
    try:
        value = int(raw) if raw is not None else None
    except ValueError:
        return None
    return value if value is not None and value >= 0 else None


class _DownloadBase:
    """What both download kinds know: the headers, the budget, and how far the body got."""

    def __init__(self, response: httpx.Response, *, meta: ResponseMeta | None = None, max_bytes: int | None) -> None:
        self.response = response
        self.response_meta = meta
        self.max_bytes = max_bytes
        self.bytes_received = 0
        self._client_ref: object | None = None  # set by the request path: keeps the client alive while open
        self._closed = False
        self._started = False

    # ----------------------------------------------------------------- what the headers say
    @property
    def headers(self) -> httpx.Headers:
        return self.response.headers

    @property
    def content_type(self) -> str | None:
        """The body's media type as the server sent it (`Content-Type`)."""
        value: str | None = self.response.headers.get("content-type")
        return value

    @property
    def size(self) -> int | None:
        """The body's length in bytes (`Content-Length`), or None when the server did not say."""
        return _content_length(self.response.headers)

    @property
    def filename(self) -> str | None:
        """The file name of `Content-Disposition` (its UTF-8 `filename*` form when given), or None."""
        return _filename(self.response.headers.get("content-disposition"))

    @property
    def closed(self) -> bool:
        return self._closed

    # ----------------------------------------------------------------- the rules, shared by both kinds
    def _begin(self) -> None:
        if self._started:
            raise MuxiError("a download can be read once: iter_bytes() / save() was already called")
        self._started = True
        size = self.size
        if self.max_bytes is not None and size is not None and size > self.max_bytes:
            raise self._too_big(f"the server announces {size} bytes")

    def _count(self, chunk: bytes) -> None:
        self.bytes_received += len(chunk)
        if self.max_bytes is not None and self.bytes_received > self.max_bytes:
            raise self._too_big(f"{self.bytes_received} bytes received so far")

    def _finish(self) -> None:
        size = self.size
        if size is not None and self.bytes_received < size:
            raise StreamInterruptedError(
                f"download ended after {self.bytes_received} of {size} bytes",
                status_code=self.response.status_code,
                headers=self.response.headers,
            )

    def _too_big(self, what: str) -> ResponseValidationError:
        return ResponseValidationError(
            f"download is larger than max_bytes={self.max_bytes}: {what}",
            status_code=self.response.status_code,
            headers=self.response.headers,
            raw_response=self.response,
        )

    def _interrupted(self, exc: httpx.TransportError) -> MuxiError:
        of = f" of {self.size}" if self.size is not None else ""
        where = f"after {self.bytes_received}{of} bytes"
        if isinstance(exc, httpx.TimeoutException):
            return TimeoutError(f"download timed out {where}: {type(exc).__name__}")
        return StreamInterruptedError(f"download dropped {where}: {type(exc).__name__}: {exc}")

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(content_type={self.content_type!r}, size={self.size!r}, "
            f"filename={self.filename!r}, closed={self._closed})"
        )


@contextlib.contextmanager
def _atomic_file(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """A temp file beside `path` (same file system), renamed to `path` when the block ends without error and
    removed when it does not: `path` is either complete or untouched."""
    target = os.fspath(path)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed below, then renamed or removed)
        dir=os.path.dirname(os.path.abspath(target)),
        prefix=f".{os.path.basename(target)}.",
        suffix=".part",
        delete=False,
    )
    try:
        with handle:
            yield handle
        os.replace(handle.name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(handle.name)
        raise


class Download(_DownloadBase, ClosesResponse):
    """A binary download, read once: `for chunk in d.iter_bytes(): ...` or `d.save(path_or_file)`.

    Use it as a context manager (or call `close()`) when you may not read it to the end: the connection is
    released when the body has been read, on error, on `close()` and when the object is garbage-collected.
    """

    def iter_bytes(self, chunk_size: int | None = DEFAULT_CHUNK_BYTES) -> Iterator[bytes]:
        """The body in chunks of at most `chunk_size` bytes (None: as they arrive)."""
        try:
            self._begin()
            for chunk in self.response.iter_bytes(chunk_size):
                self._count(chunk)
                yield chunk
            self._finish()
        except httpx.TransportError as exc:
            raise self._interrupted(exc) from exc
        finally:
            self.close()

    def save(self, destination: Destination, *, chunk_size: int | None = DEFAULT_CHUNK_BYTES) -> int:
        """Write the body to a path (atomically: complete or not at all) or to a binary file object.

        Returns the number of bytes written. A file object is written from its current position and left open.
        """
        if not isinstance(destination, (str, os.PathLike)):
            return self._write_all(destination, chunk_size)
        with _atomic_file(destination) as handle:
            return self._write_all(handle, chunk_size)

    def _write_all(self, out: IO[bytes], chunk_size: int | None) -> int:
        for chunk in self.iter_bytes(chunk_size):
            out.write(chunk)
        return self.bytes_received



class DownloadAsync(_DownloadBase):
    """The async download: `async for chunk in d.aiter_bytes(): ...` or `await d.save(path_or_file)`.

    `save()` writes each chunk to the file with a plain (blocking) `write`: local disk writes of one chunk
    are short; pass a file object of your own to control that.
    """

    async def aiter_bytes(self, chunk_size: int | None = DEFAULT_CHUNK_BYTES) -> AsyncIterator[bytes]:
        """The body in chunks of at most `chunk_size` bytes (None: as they arrive)."""
        try:
            self._begin()
            async for chunk in self.response.aiter_bytes(chunk_size):
                self._count(chunk)
                yield chunk
            self._finish()
        except httpx.TransportError as exc:
            raise self._interrupted(exc) from exc
        finally:
            await self.aclose()

    iter_bytes = aiter_bytes

    async def save(self, destination: Destination, *, chunk_size: int | None = DEFAULT_CHUNK_BYTES) -> int:
        """Write the body to a path (atomically: complete or not at all) or to a binary file object."""
        if not isinstance(destination, (str, os.PathLike)):
            return await self._write_all(destination, chunk_size)
        with _atomic_file(destination) as handle:
            return await self._write_all(handle, chunk_size)

    async def _write_all(self, out: IO[bytes], chunk_size: int | None) -> int:
        async for chunk in self.aiter_bytes(chunk_size):
            out.write(chunk)
        return self.bytes_received

    async def aclose(self) -> None:
        """Release the connection (an unread body is dropped). Safe to call more than once."""
        if not self._closed:
            self._closed = True
            await self.response.aclose()

    close = aclose

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    def __del__(self) -> None:
        if not getattr(self, "_closed", True):
            aclose_later(self.response)
