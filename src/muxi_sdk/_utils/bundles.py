"""Formation bundles: a gzipped tarball of a formation directory, as the MUXI server deploys it.

- `pack_directory` writes the tarball to an anonymous temporary file on disk (deleted when closed), so the
  upload streams from disk. Packing is reproducible: sorted entries, no owner names, gzip mtime 0, so an
  unchanged directory gives byte-identical bundles (the server answers 409 "no changes" to those).
- `read_manifest` / `bundle_manifest` read the formation's `id` and `version` from its `formation.afs`
  (or `formation.yaml` / `formation.yml`): top-level `key: value` lines only, which is all a manifest
  needs for this (no YAML dependency).
"""

from __future__ import annotations

import gzip
import io
import os
import re
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..errors import InvalidInputError

MANIFEST_NAMES = ("formation.afs", "formation.yaml", "formation.yml")
EXCLUDED_NAMES = frozenset({".git", ".hg", ".svn", "__pycache__", ".DS_Store", ".venv", "venv", "node_modules"})
EXCLUDED_SUFFIXES = (".pyc", ".pyo")
_MANIFEST_LIMIT = 1024 * 1024
_TOP_LEVEL = re.compile(r"^(?P<key>[A-Za-z_][A-Za-z0-9_-]*)\s*:\s*(?P<value>.*)$")


@dataclass(frozen=True)
class Manifest:
    """What a formation declares about itself: `id` and `version` (None when absent)."""

    id: str | None = None
    version: str | None = None


def _scalar(raw: str) -> str | None:
    raw = raw.strip()
    if not raw:
        return None
    if raw[0] in "\"'":
        end = raw.find(raw[0], 1)
        return raw[1:end] if end > 0 else raw[1:]
    value = re.split(r"\s+#", raw, maxsplit=1)[0].strip()
    return value or None


def parse_manifest(text: str) -> Manifest:
    """`id` and `version` from the top level of a formation file."""
    found: dict[str, str | None] = {}
    for line in text.splitlines():
        if not line or line[0] in " \t#-":
            continue
        match = _TOP_LEVEL.match(line)
        if match and match["key"] in ("id", "version") and match["key"] not in found:
            found[match["key"]] = _scalar(match["value"])
    return Manifest(found.get("id"), found.get("version"))


def read_manifest(directory: Path) -> Manifest | None:
    """The manifest of a formation directory, or None if it has no formation file."""
    for name in MANIFEST_NAMES:
        path = directory / name
        if path.is_file():
            return parse_manifest(path.read_text(encoding="utf-8", errors="replace"))
    return None


def is_manifest_member(name: str) -> bool:
    """`formation.afs` at the top of the archive (or inside a single top-level directory)."""
    parts = [p for p in name.split("/") if p not in ("", ".")]
    return 1 <= len(parts) <= 2 and parts[-1] in MANIFEST_NAMES


def bundle_manifest(fileobj: IO[bytes]) -> Manifest | None:
    """Scan a gzipped tarball (streaming, nothing held in memory) for its formation file."""
    try:
        with tarfile.open(fileobj=fileobj, mode="r|gz") as tar:
            for member in tar:
                if member.isfile() and is_manifest_member(member.name):
                    extracted = tar.extractfile(member)
                    if extracted is None:
                        return None
                    return parse_manifest(extracted.read(_MANIFEST_LIMIT).decode("utf-8", errors="replace"))
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise InvalidInputError(f"the bundle is not a gzipped tarball: {exc}") from exc
    return None


def _tar_filter(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
    name = info.name.rsplit("/", 1)[-1]
    if name in EXCLUDED_NAMES or name.endswith(EXCLUDED_SUFFIXES):
        return None
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def pack_directory(directory: Path) -> IO[bytes]:
    """Pack a formation directory into a temporary `.tar.gz` on disk; returns it open and rewound.

    Entries sit at the archive's top level (`formation.afs`, `agents/...`). VCS folders, virtualenvs,
    `node_modules`, `__pycache__` and `*.pyc` files are left out. The file disappears when closed.
    """
    tmp: Any = tempfile.TemporaryFile(prefix="muxi-bundle-", suffix=".tar.gz")  # noqa: SIM115 - returned open
    try:
        with gzip.GzipFile(filename="", mode="wb", fileobj=tmp, mtime=0) as gz, tarfile.open(
            fileobj=gz, mode="w", format=tarfile.PAX_FORMAT
        ) as tar:
            for child in sorted(directory.iterdir(), key=lambda p: p.name):
                tar.add(child, arcname=child.name, recursive=True, filter=_tar_filter)
        tmp.flush()
        tmp.seek(0)
    except BaseException:
        tmp.close()
        raise
    return tmp  # type: ignore[no-any-return]


def looks_gzipped(head: bytes) -> bool:
    return head[:2] == b"\x1f\x8b"


def check_gzip_head(value: Any) -> None:
    """Fail early (before any upload) when a bundle plainly is not gzip data."""
    head: bytes
    if isinstance(value, (bytes, bytearray, memoryview)):
        head = bytes(value[:2])
    elif isinstance(value, (str, os.PathLike)):
        with open(value, "rb") as fh:
            head = fh.read(2)
    elif getattr(value, "seekable", lambda: False)():
        pos = value.tell()
        head = value.read(2)
        value.seek(pos)
    else:
        return
    if not looks_gzipped(head):
        raise InvalidInputError("the bundle is not gzip data: pass a .tar.gz file, its bytes, or a formation directory")


def manifest_of(value: Any) -> Manifest | None:
    """The manifest inside a bundle given as a path, bytes or seekable file (None if unreadable or absent)."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bundle_manifest(io.BytesIO(value))
    if isinstance(value, (str, os.PathLike)):
        with open(value, "rb") as fh:
            return bundle_manifest(fh)
    if getattr(value, "seekable", lambda: False)():
        pos = value.tell()
        try:
            return bundle_manifest(value)
        finally:
            value.seek(pos)
    return None
