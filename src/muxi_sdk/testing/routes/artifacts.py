"""Artifacts: /v1/artifacts (either key, always a user), stored files with versions and bytes.

State `artifacts` (id -> row: the runtime's public fields plus `user_id`, `chain` and `content`). Every version
has its own id; versions of one name (per user) form a chain. `add_artifact` stores one (the runtime's agents
do it with their tools). Content is bytes or a file path (streamed from disk in 64 KiB chunks, so a large
artifact costs the fake no memory). `state.features["artifacts"] = False`: a formation without artifact memory
(an empty list and 404s, as the runtime's).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from ..auth import require
from ..envelope import APIError, nanoid, ok
from ..state import FakeState
from ._common import now_iso, query_int, require_user

CHUNK = 64 * 1024
PUBLIC_FIELDS = (
    "public_id",
    "name",
    "version",
    "is_latest",
    "content_type",
    "category",
    "summary",
    "tags",
    "agent_id",
    "conversation_id",
    "size_bytes",
    "created_at",
    "updated_at",
    "last_accessed_at",
)


def add_artifact(
    state: FakeState,
    user_id: str,
    name: str,
    content: bytes | str | os.PathLike[str],
    *,
    content_type: str = "text/plain",
    summary: str | None = None,
    category: str = "document",
    tags: list[str] | None = None,
    agent_id: str = "assistant",
    conversation_id: str | None = None,
) -> dict[str, Any]:
    """Store an artifact for `user_id`; the same name again is its next version. `content`: bytes or a path.

    Returns the row; `row["public_id"]` is the new version's id.
    """
    size = len(content) if isinstance(content, bytes) else os.path.getsize(content)
    now = now_iso()
    with state.lock:
        table = _table(state)
        previous = [r for r in table.values() if r["user_id"] == user_id and r["name"] == name]
        for row in previous:
            row["is_latest"] = False
        row = {
            "public_id": nanoid("", 21),
            "name": name,
            "version": len(previous) + 1,
            "is_latest": True,
            "content_type": content_type,
            "category": category,
            "summary": summary,
            "tags": tags or [],
            "agent_id": agent_id,
            "conversation_id": conversation_id,
            "size_bytes": size,
            "created_at": now,
            "updated_at": now,
            "last_accessed_at": now,
            "user_id": user_id,
            "chain": previous[0]["chain"] if previous else nanoid("chain_", 12),
            "content": content,
        }
        table[row["public_id"]] = row
    return row


def _table(state: FakeState) -> dict[str, dict[str, Any]]:
    return state.table("artifacts")  # type: ignore[no-any-return]


def _public(row: dict[str, Any]) -> dict[str, Any]:
    data = {key: row.get(key) for key in PUBLIC_FIELDS}
    data["id"] = data.pop("public_id")
    return data


def _disposition(name: str) -> str:
    fallback = re.sub(r"[^\x20-\x7e]", "_", name).replace('"', "").replace("\\", "")
    if not fallback.strip():
        fallback = "artifact"
    return f"inline; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _chunks(content: bytes | str | os.PathLike[str]) -> Iterator[bytes]:
    if isinstance(content, bytes):
        view = memoryview(content)
        for offset in range(0, len(content), CHUNK):
            yield bytes(view[offset : offset + CHUNK])
        return
    with open(content, "rb") as fh:
        while chunk := fh.read(CHUNK):
            yield chunk


def routes(state: FakeState) -> list[BaseRoute]:
    def user_rows(request: Request) -> tuple[str, list[dict[str, Any]]]:
        require(request, state, "dual")
        user = require_user(request)
        if not state.features.get("artifacts", True):
            return user, []
        with state.lock:
            return user, [r for r in _table(state).values() if r["user_id"] == user]

    def not_found(artifact_id: str) -> APIError:
        return APIError(404, f"Artifact '{artifact_id}' not found", "NOT_FOUND")

    def chain_of(rows: list[dict[str, Any]], artifact_id: str) -> list[dict[str, Any]]:
        row = next((r for r in rows if r["public_id"] == artifact_id), None)
        if row is None:
            return []
        return sorted((r for r in rows if r["chain"] == row["chain"]), key=lambda r: -int(r["version"]))

    async def list_artifacts(request: Request) -> Response:
        _, rows = user_rows(request)
        limit = query_int(request, "limit", 20, 1, 100)
        latest = sorted((r for r in rows if r["is_latest"]), key=lambda r: r["last_accessed_at"], reverse=True)
        data = {"artifacts": [_public(r) for r in latest[:limit]], "count": min(limit, len(latest)), "total": len(rows)}
        return ok("artifact_list", "artifact.list", data)

    async def get_artifact(request: Request) -> Response:
        _, rows = user_rows(request)
        artifact_id = request.path_params["artifact_id"]
        row = next((r for r in rows if r["public_id"] == artifact_id), None)
        if row is None:
            raise not_found(artifact_id)
        return ok("artifact", "artifact.retrieved", _public(row))

    async def versions(request: Request) -> Response:
        _, rows = user_rows(request)
        artifact_id = request.path_params["artifact_id"]
        chain = chain_of(rows, artifact_id)
        if not chain:
            raise not_found(artifact_id)
        data = {"name": chain[0]["name"], "versions": [_public(r) for r in chain], "count": len(chain)}
        return ok("artifact", "artifact.versions.retrieved", data)

    async def content(request: Request) -> Response:
        _, rows = user_rows(request)
        artifact_id = request.path_params["artifact_id"]
        version = query_int(request, "version", 0, 1, None) if "version" in request.query_params else None
        chain = chain_of(rows, artifact_id)
        if version is None:
            row = next((r for r in chain if r["public_id"] == artifact_id), None)
        else:
            row = next((r for r in chain if r["version"] == version), None)
        if row is None:
            raise not_found(artifact_id)
        with state.lock:
            row["last_accessed_at"] = now_iso()
        headers = {
            "Content-Disposition": _disposition(row["name"]),
            "Content-Length": str(row["size_bytes"]),
            "X-Muxi-Artifact-Id": row["public_id"],
            "X-Muxi-Artifact-Version": str(row["version"]),
        }
        return StreamingResponse(_chunks(row["content"]), media_type=row["content_type"], headers=headers)

    return [
        Route("/artifacts", list_artifacts, methods=["GET"]),
        Route("/artifacts/{artifact_id}", get_artifact, methods=["GET"]),
        Route("/artifacts/{artifact_id}/versions", versions, methods=["GET"]),
        Route("/artifacts/{artifact_id}/content", content, methods=["GET"]),
    ]
