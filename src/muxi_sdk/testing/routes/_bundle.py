"""How the MUXI server (0.20260423.0) reads an uploaded formation bundle, for the fake's deploy and update.

The first archive entry's first path segment is the formation root; `<root>/formation.afs` (or `.yaml` /
`.yml`) is the formation file. Entries at the top level leave no config under that root ("Failed to find
formation config"); a `./` entry is refused while extracting. A formation file that references
`${{ secrets.NAME }}` needs `<root>/secrets.enc`. The version hash is the sha256 of the uploaded bytes.
"""

from __future__ import annotations

import hashlib
import io
import re
import tarfile
import zlib
from dataclasses import dataclass

MANIFEST_NAMES = ("formation.afs", "formation.yaml", "formation.yml")
NO_CONFIG = (
    "Failed to find formation config: no formation config file found "
    "(tried: [formation.afs formation.yaml formation.yml])"
)
_TOP_LEVEL = re.compile(r"^(id|version)\s*:\s*(.*)$")
_SECRET_REF = re.compile(r"\$\{\{\s*secrets\.([A-Za-z0-9_\-]+)\s*\}\}")


class BundleError(Exception):
    """A bundle the server refuses: `kind` is the SSE error type, `stage` where it is found."""

    def __init__(self, message: str, kind: str, stage: str) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.stage = stage


@dataclass(frozen=True)
class Bundle:
    """A readable bundle: what its formation file declares, and what else the server checks."""

    id: str | None
    version: str | None
    hash: str
    secrets: tuple[str, ...]
    has_secrets_file: bool
    data: bytes


def parse_manifest(text: str) -> dict[str, str]:
    """`id` and `version` from the top level of a formation file."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        match = _TOP_LEVEL.match(line)
        if not match or match[1] in found:
            continue
        raw = match[2].strip()
        if raw[:1] in ("'", '"'):
            end = raw.find(raw[0], 1)
            value = raw[1:end] if end > 0 else raw[1:]
        else:
            value = re.split(r"\s+#", raw, maxsplit=1)[0].strip()
        if value:
            found[match[1]] = value
    return found


def extract(body: bytes) -> tuple[str | None, dict[str, bytes]]:
    """(root, {path under root: bytes}) of a gzipped tarball, or `BundleError` at the `extracting` stage."""
    if body[:2] != b"\x1f\x8b":
        raise BundleError(
            "Failed to extract bundle: failed to create gzip reader: gzip: invalid header", "ExtractError", "extracting"
        )
    root: str | None = None
    files: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as tar:
            for member in tar:
                name = member.name
                parts = [p for p in name.split("/") if p]
                if name in (".", "./") or name.startswith(("./", "/")) or ".." in parts:
                    shown = "./" if name in (".", "./") else name
                    raise BundleError(
                        f"Failed to extract bundle: invalid file path in archive: {shown}", "ExtractError", "extracting"
                    )
                if root is None:
                    root = parts[0]
                if member.isfile() and parts[0] == root and len(parts) > 1:
                    extracted = tar.extractfile(member)
                    files["/".join(parts[1:])] = extracted.read() if extracted else b""
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise BundleError(f"Failed to extract bundle: {exc}", "ExtractError", "extracting") from None
    return root, files


def read_bundle(body: bytes) -> Bundle:
    """Extract and read a bundle as the server does (`BundleError` for what it refuses)."""
    _, files = extract(body)
    config = next((files[name] for name in MANIFEST_NAMES if name in files), None)
    if config is None:
        raise BundleError(NO_CONFIG, "ParseError", "validating")
    text = config.decode("utf-8", "replace")
    manifest = parse_manifest(text)
    secrets = tuple(dict.fromkeys(_SECRET_REF.findall(text)))
    return Bundle(
        id=manifest.get("id"),
        version=manifest.get("version"),
        hash=hashlib.sha256(body).hexdigest(),
        secrets=secrets,
        has_secrets_file="secrets.enc" in files,
        data=body,
    )


def check_bundle(bundle: Bundle, formation_id: str, header_version: str | None) -> None:
    """The bundle must declare this formation's id and the `X-Formation-Version` (default `1.0.0`), and
    carry `secrets.enc` when its formation file references secrets."""
    if bundle.id and bundle.id != formation_id:
        raise BundleError(
            f"Formation ID mismatch: expected '{formation_id}' but config contains '{bundle.id}'",
            "IDMismatch",
            "validating",
        )
    expected = header_version or "1.0.0"
    if bundle.version and bundle.version != expected:
        raise BundleError(
            f"Formation version mismatch: expected '{expected}' but config contains '{bundle.version}'",
            "VersionMismatch",
            "validating",
        )
    if bundle.secrets and not bundle.has_secrets_file:
        names = " ".join(bundle.secrets)
        raise BundleError(
            f"formation references secrets ([{names}]) but 'secrets.enc' file not found - "
            "encrypted secrets are required",
            "SecretsError",
            "validating",
        )
