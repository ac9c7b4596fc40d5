"""Formation bundles: a gzipped tarball of a formation directory, as the MUXI server deploys it.

The MUXI server (0.20260423.0) takes the first archive entry's first path segment as the formation root and
looks for `<root>/formation.afs` (or `.yaml` / `.yml`): a bundle holds ONE top-level directory with the
formation file directly inside it. Entries at the archive's top level fail with 400 "Failed to find
formation config", `./`-prefixed ones (`tar -C dir .`) with 400 "invalid file path in archive: ./".

- `pack_directory` writes the tarball to an anonymous temporary file on disk (deleted when closed), so the
  upload streams from disk, every entry under one top-level directory. Packing is reproducible: sorted
  entries, no owner names, gzip mtime 0, so an unchanged directory gives byte-identical bundles (the server
  answers 409 "Source is identical to current version" to those).
- `inspect_bundle` checks a given tarball's layout before anything is sent (`InvalidInputError` saying how
  to pack it) and returns its manifest.
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


HOW_TO_PACK = (
    "pack the formation under one top-level directory (`tar -czf bundle.tar.gz -C <parent> <formation-dir>`), "
    "or pass the formation directory itself as bundle= and the SDK packs it"
)


def _layout_error(problem: str) -> InvalidInputError:
    return InvalidInputError(f"{problem}: the MUXI server would reject it; {HOW_TO_PACK}")


def _root_of(name: str, is_dir: bool) -> str:
    """The formation root the server derives from the first entry (its first path segment)."""
    if name in (".", "./") or name.startswith("./"):
        raise _layout_error(f"the bundle's entries start with './' ({name!r}, as `tar -C dir .` writes them)")
    parts = [p for p in name.split("/") if p]
    if not parts or name.startswith("/") or ".." in parts:
        raise _layout_error(f"the bundle's first entry {name!r} is not a relative path")
    if len(parts) == 1 and not is_dir:
        raise _layout_error(f"the bundle has its files at the archive's top level ({name!r})")
    return parts[0]


def bundle_manifest(fileobj: IO[bytes]) -> Manifest:
    """Check a gzipped tarball's layout as the MUXI server reads it and return its formation file's manifest.

    Streams the archive (nothing held in memory) and stops at the formation file. `InvalidInputError` when it is
    not a gzipped tarball, starts with `./`, has its files at the top level, or has no formation file
    directly under its top-level directory.
    """
    root: str | None = None
    try:
        with tarfile.open(fileobj=fileobj, mode="r|gz") as tar:
            for member in tar:
                if root is None:
                    root = _root_of(member.name, member.isdir())
                elif member.name.startswith("./"):
                    raise _layout_error(f"the bundle's entries start with './' ({member.name!r})")
                parts = [p for p in member.name.split("/") if p]
                if member.isfile() and len(parts) == 2 and parts[0] == root and parts[1] in MANIFEST_NAMES:
                    extracted = tar.extractfile(member)
                    text = extracted.read(_MANIFEST_LIMIT).decode("utf-8", errors="replace") if extracted else ""
                    return parse_manifest(text)
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise InvalidInputError(f"the bundle is not a gzipped tarball: {exc}") from exc
    if root is None:
        raise _layout_error("the bundle is an empty archive")
    raise _layout_error(f"the bundle has no formation.afs (or formation.yaml / .yml) directly inside {root + '/'!r}")


def _owned_by_nobody(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def _tar_filter(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
    name = info.name.rsplit("/", 1)[-1]
    if name in EXCLUDED_NAMES or name.endswith(EXCLUDED_SUFFIXES):
        return None
    return _owned_by_nobody(info)


def pack_directory(directory: Path, root: str | None = None) -> IO[bytes]:
    """Pack a formation directory into a temporary `.tar.gz` on disk; returns it open and rewound.

    Every entry sits under one top-level directory, `root` (default: the directory's name), as the MUXI
    server needs: `<root>/`, `<root>/agents/...`, `<root>/formation.afs`. VCS folders, virtualenvs,
    `node_modules`, `__pycache__` and `*.pyc` files are left out. The file disappears when closed.
    """
    top = root or directory.resolve().name
    if not top or "/" in top or top in (".", ".."):
        raise InvalidInputError(f"cannot use {top!r} as the bundle's top-level directory")
    tmp: Any = tempfile.TemporaryFile(prefix="muxi-bundle-", suffix=".tar.gz")  # noqa: SIM115 - returned open
    try:
        with (
            gzip.GzipFile(filename="", mode="wb", fileobj=tmp, mtime=0) as gz,
            tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
        ):
            tar.add(directory, arcname=top, recursive=False, filter=_owned_by_nobody)
            for child in sorted(directory.iterdir(), key=lambda p: p.name):
                tar.add(child, arcname=f"{top}/{child.name}", recursive=True, filter=_tar_filter)
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


def inspect_bundle(value: Any) -> Manifest | None:
    """Check the layout of a bundle given as a path, bytes or seekable file and return its manifest.

    None for a source that cannot be read ahead (a non-seekable stream): the server checks that one.
    """
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
