"""Helpers of the Server API tests: formation bundles in every layout, and raw HMAC-signed requests."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import tarfile
import time
from pathlib import Path
from typing import Any

import httpx

from muxi_sdk.testing import FakeMuxi


def formation_text(formation_id: str | None, version: str = "1.0.0", extra: str = "") -> str:
    head = f"id: {formation_id}\n" if formation_id else ""
    return f'schema: "1.0.0"\n{head}description: "test"\nversion: "{version}"\n\nagents:\n  - id: assistant\n{extra}'


def make_dir(root: Path, formation_id: str, version: str = "1.0.0", extra: str = "") -> Path:
    """A formation directory `<root>/<id>-<version>/` with a formation file and one agent file."""
    d = root / f"{formation_id}-{version}"
    d.mkdir()
    (d / "formation.afs").write_text(formation_text(formation_id, version, extra))
    (d / "agents").mkdir()
    (d / "agents" / "assistant.md").write_text("You are helpful.\n")
    return d


def tarball(
    formation_id: str | None,
    version: str = "1.0.0",
    *,
    layout: str = "root",
    extra: str = "",
    files: dict[str, bytes] | None = None,
) -> bytes:
    """A gzipped bundle: `root` (one top directory, what the server needs), `flat` (files at the top level)
    or `dot` (`./` entries, as `tar -C dir .` writes them)."""
    entries = {"formation.afs": formation_text(formation_id, version, extra).encode(), **(files or {})}
    top = {"root": f"{formation_id or 'bundle'}/", "flat": "", "dot": "./"}[layout]
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        if top:
            info = tarfile.TarInfo(top.rstrip("/") or ".")
            info.type = tarfile.DIRTYPE
            tar.addfile(info)
        for name, data in entries.items():
            info = tarfile.TarInfo(top + name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def write_tarball(root: Path, formation_id: str | None, version: str = "1.0.0", name: str = "bundle.tar.gz") -> Path:
    path = root / name
    path.write_bytes(tarball(formation_id, version))
    return path


class Signed:
    """Raw requests to the fake's Server API, HMAC-signed like the real server checks them."""

    def __init__(self, fake: FakeMuxi) -> None:
        self.fake = fake
        self.client = httpx.Client(base_url=fake.url, timeout=30)

    def headers(
        self, method: str, path: str, *, key: str | None = None, ts: int | None = None, secret: str | None = None
    ) -> dict[str, str]:
        """The Authorization header (`key`, `ts`, `secret` override the right ones, to get each 401)."""
        s = self.fake.state
        ts = int(time.time()) if ts is None else ts
        secret_key = s.secret_key if secret is None else secret
        digest = hmac.new(secret_key.encode(), f"{ts};{method};{path}".encode(), hashlib.sha256).digest()
        signature = base64.b64encode(digest).decode()
        return {"Authorization": f"MUXI-HMAC key={key or s.key_id}, timestamp={ts}, signature={signature}"}

    def request(self, method: str, path: str, *, headers: dict[str, str] | None = None, **kw: Any) -> httpx.Response:
        url = httpx.URL(path)
        return self.client.request(method, path, headers={**self.headers(method, url.path), **(headers or {})}, **kw)

    def stream(self, method: str, path: str, *, headers: dict[str, str] | None = None, **kw: Any) -> Any:
        url = httpx.URL(path)
        return self.client.stream(method, path, headers={**self.headers(method, url.path), **(headers or {})}, **kw)

    def close(self) -> None:
        self.client.close()


def sse_frames(text: str) -> list[tuple[str, str]]:
    """(event, data) of each frame of an SSE body (comments kept as ("comment", text))."""
    frames = []
    for block in text.split("\n\n"):
        if not block.strip():
            continue
        event, data = "message", []
        for line in block.split("\n"):
            if line.startswith(":"):
                frames.append(("comment", line[1:].strip()))
            elif line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
        if data:
            frames.append((event, "\n".join(data)))
    return frames
