"""Request bodies: compact JSON, and JSON with base64 file contents streamed from disk.

MUXI takes uploads inside the JSON body (`files: [{filename, content: <base64>, content_type, size}]`).
Encoding a file into a string would hold it in memory twice (bytes + base64 text) and once more inside the
JSON text; instead the body is emitted in chunks, with each file read and base64-encoded 48 KiB at a time.
"""

from __future__ import annotations

import base64
import io
import json
import mimetypes
import os
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Union

from ..errors import InvalidInputError

FileContent = Union[bytes, bytearray, memoryview, str, "os.PathLike[str]", IO[bytes]]
_CHUNK = 48 * 1024  # a multiple of 3, so chunks encode to base64 without padding in between


# json.dumps with arguments builds a new JSONEncoder on every call; one encoder, the same bytes.
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def dumps(obj: Any) -> bytes:
    return _ENCODER.encode(obj).encode("utf-8")


@dataclass
class FileSource:
    """One file to upload: where its bytes come from, and how many there are (when known)."""

    filename: str
    content_type: str
    source: bytes | memoryview | Path | IO[bytes]
    size: int | None
    start: int = 0
    limit: int | None = None  # most bytes this file may have (checked while reading when `size` is unknown)

    @property
    def replayable(self) -> bool:
        if isinstance(self.source, (bytes, memoryview, Path)):
            return True
        return bool(getattr(self.source, "seekable", lambda: False)())

    def encoded_length(self) -> int | None:
        return None if self.size is None else 4 * ((self.size + 2) // 3)

    def iter_base64(self) -> Iterator[bytes]:
        src = self.source
        if isinstance(src, (bytes, memoryview)):
            view = memoryview(src)
            for i in range(0, len(view), _CHUNK):
                yield base64.b64encode(view[i : i + _CHUNK])
            return
        if isinstance(src, Path):
            with src.open("rb") as fh:
                yield from _encode_stream(fh)
            return
        if self.replayable:
            src.seek(self.start)
        yield from _encode_stream(src, self.limit, self.filename)


def _encode_stream(fh: IO[bytes], limit: int | None = None, filename: str = "") -> Iterator[bytes]:
    pending = b""
    total = 0
    while True:
        chunk = fh.read(_CHUNK)
        if not chunk:
            break
        total += len(chunk)
        if limit is not None and total > limit:
            raise _too_large(filename, None, limit)
        data = pending + chunk if pending else chunk
        cut = len(data) - len(data) % 3
        if cut:
            yield base64.b64encode(data[:cut])
        pending = data[cut:]
    if pending:
        yield base64.b64encode(pending)


def file_source(value: Any, *, audio_only: bool = False) -> FileSource:
    """Normalise a path, bytes, file object or `{"filename", "content", "content_type"}` dict."""
    filename: str | None = None
    content_type: str | None = None
    content: Any = value
    if isinstance(value, Mapping):
        content = value.get("content", value.get("file"))
        filename = value.get("filename") or value.get("file_name") or value.get("name")
        content_type = value.get("content_type") or value.get("mime_type")
        if content is None:
            raise InvalidInputError("a file dict needs 'content' (bytes, a path or a binary file object)")
    elif isinstance(value, tuple) and len(value) in (2, 3):
        filename, content = value[0], value[1]
        content_type = value[2] if len(value) == 3 else None
    source: bytes | memoryview | Path | IO[bytes]
    size: int | None
    start = 0
    if isinstance(content, (bytes, bytearray, memoryview)):
        source = memoryview(content)
        size = len(source)
    elif isinstance(content, (str, os.PathLike)):
        path = Path(content)
        if not path.is_file():
            raise InvalidInputError(f"file not found: {path}")
        source, size = path, path.stat().st_size
        filename = filename or path.name
    elif hasattr(content, "read"):
        if isinstance(content, io.TextIOBase):
            raise InvalidInputError("open files in binary mode ('rb') to upload them")
        source = content
        size = None
        if getattr(content, "seekable", lambda: False)():
            start = content.tell()
            content.seek(0, os.SEEK_END)
            size = content.tell() - start
            content.seek(start)
        filename = filename or os.path.basename(str(getattr(content, "name", ""))) or None
    else:
        raise InvalidInputError(f"cannot upload a {type(content).__name__}: pass bytes, a path or a binary file")
    if not filename:
        raise InvalidInputError("a file needs a filename (pass a path, or a dict with 'filename')")
    content_type = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    if audio_only and not content_type.startswith("audio/"):
        raise InvalidInputError(f"audio chat accepts audio/* files only, got {content_type!r} for {filename!r}")
    return FileSource(filename, content_type, source, size, start)


def _too_large(filename: str, size: int | None, limit: int) -> InvalidInputError:
    what = f"is {size} bytes, over" if size is not None else "is larger than"
    return InvalidInputError(
        f"file {filename!r} {what} the upload limit of {limit} bytes per file (Muxi(max_upload_bytes=...) sets it)"
    )


def check_upload_size(body: Body, limit: int | None) -> None:
    """Refuse files embedded in `body` that are larger than `limit` bytes, before anything is sent.

    Files of unknown size (non-seekable file objects) are checked as they are read instead.
    """
    if limit is None:
        return
    for part in body.parts:
        if isinstance(part, FileSource):
            if part.size is not None and part.size > limit:
                raise _too_large(part.filename, part.size, limit)
            part.limit = limit


@dataclass
class Body:
    """A request body that can be produced again for every retry attempt."""

    content: bytes | None = None
    parts: list[bytes | FileSource] = field(default_factory=list)
    content_type: str = "application/json"
    # The JSON object (and files) this body was made from, so `extra_body=` can merge into it.
    doc: Any = field(default=None, repr=False, compare=False)
    files: list[FileSource] | None = field(default=None, repr=False, compare=False)
    files_key: str = "files"

    @property
    def replayable(self) -> bool:
        return all(not isinstance(p, FileSource) or p.replayable for p in self.parts)

    @property
    def length(self) -> int | None:
        if self.content is not None:
            return len(self.content)
        total = 0
        for p in self.parts:
            n = len(p) if isinstance(p, bytes) else p.encoded_length()
            if n is None:
                return None
            total += n
        return total

    def chunks(self) -> Iterator[bytes]:
        for p in self.parts:
            if isinstance(p, bytes):
                yield p
            else:
                yield from p.iter_base64()

    async def achunks(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks():
            yield chunk


def json_body(obj: Any, files: list[FileSource] | None = None, files_key: str = "files") -> Body:
    """Compact JSON; with `files`, a streamed body whose `files_key` list carries them base64-encoded."""
    if not files:
        return Body(content=dumps(obj), doc=obj)
    marker = f"@@muxi-file-{uuid.uuid4().hex}-"
    doc = dict(obj)
    doc[files_key] = [
        {"filename": f.filename, "content": f"{marker}{i}@@", "content_type": f.content_type, "size": f.size}
        for i, f in enumerate(files)
    ]
    text = dumps(doc)
    parts: list[bytes | FileSource] = []
    for i, f in enumerate(files):
        token = f"{marker}{i}@@".encode()
        head, _, text = text.partition(token)
        parts.extend([head, f])
    parts.append(text)
    return Body(parts=parts, doc=obj, files=files, files_key=files_key)


# ------------------------------------------------------------------------------------------- raw bodies
# Uploads that are not JSON (the MUXI server's formation bundles): the bytes go on the wire as they are,
# read from disk 64 KiB at a time, never held in memory whole.
_RAW_CHUNK = 64 * 1024


def iter_raw(source: FileSource) -> Iterator[bytes]:
    """The bytes of `source` as they are, in chunks (a seekable file is rewound to where it started)."""
    src = source.source
    if isinstance(src, (bytes, memoryview)):
        view = memoryview(src)
        for i in range(0, len(view), _RAW_CHUNK):
            yield bytes(view[i : i + _RAW_CHUNK])
        return
    if isinstance(src, Path):
        with src.open("rb") as fh:
            yield from _read_chunks(fh)
        return
    if source.replayable:
        src.seek(source.start)
    yield from _read_chunks(src)


def _read_chunks(fh: IO[bytes]) -> Iterator[bytes]:
    while True:
        chunk = fh.read(_RAW_CHUNK)
        if not chunk:
            return
        yield chunk


@dataclass
class RawBody(Body):
    """A body sent as raw bytes from a path, bytes or binary file object (e.g. `application/gzip`).

    Replayable for retries when the source is bytes, a path or a seekable file; `keep` holds objects that
    must live as long as the body (a temporary file it streams from).
    """

    source: FileSource | None = None
    keep: Any = None

    @property
    def replayable(self) -> bool:
        return self.source is None or self.source.replayable

    @property
    def length(self) -> int | None:
        return 0 if self.source is None else self.source.size

    def chunks(self) -> Iterator[bytes]:
        if self.source is not None:
            yield from iter_raw(self.source)

    async def achunks(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks():
            yield chunk


def raw_body(value: Any, content_type: str = "application/octet-stream", *, keep: Any = None) -> RawBody:
    """A raw-bytes body streamed from a path, bytes or binary file object (see `file_source`).

    A seekable file object is sent from its current position; a non-seekable one is sent once (no retries).
    """
    source = file_source(("body", value, content_type))
    return RawBody(content_type=content_type, source=source, keep=keep)
