"""Users and multi-identity: /v1/users/..., client key only (the runtime rejects the admin key with 401).

State: `users` (muxi_user_id -> {muxi_user_id, internal_user_id}), `user_identifiers` (identifier ->
{muxi_user_id, type, created_at}). E-mail-shaped identifiers are lower-cased; an identifier associated to
another user is silently moved, as on the real server.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..auth import require
from ..envelope import APIError, nanoid, ok, validation_error
from ..state import FakeState
from ._common import now_iso
from .chat import read_json

_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+$")


def normalize(identifier: str) -> str:
    return identifier.lower() if _EMAIL.match(identifier) else identifier


def routes(state: FakeState) -> list[BaseRoute]:
    def users() -> dict[str, dict[str, Any]]:
        return state.table("users")  # type: ignore[no-any-return]

    def identifiers() -> dict[str, dict[str, Any]]:
        return state.table("user_identifiers")  # type: ignore[no-any-return]

    def new_user(public_id: str) -> dict[str, Any]:
        user = {"muxi_user_id": public_id, "internal_user_id": len(users()) + 1}
        users()[public_id] = user
        return user

    async def associate(request: Request) -> Response:
        require(request, state, "client")
        body = await read_json(request)
        items = body.get("identifiers")
        if items is None:
            raise validation_error(("identifiers", "Field required", "array", "missing"))
        if not isinstance(items, list):
            raise validation_error(("identifiers", "Input should be a valid list", "array", "list_type"))
        muxi_user_id = body.get("muxi_user_id")
        with state.lock:
            if muxi_user_id:
                if muxi_user_id not in users():
                    raise APIError(404, f"User not found: {muxi_user_id!r}")
            else:
                muxi_user_id = new_user(f"usr_{uuid.uuid4().hex[:12]}")["muxi_user_id"]
            associated = []
            for item in items:
                ident, kind = None, None
                if isinstance(item, str):
                    ident = item
                elif isinstance(item, list) and len(item) >= 2:
                    ident, kind = item[0], item[1]
                elif isinstance(item, dict):
                    ident, kind = item.get("identifier"), item.get("type")
                if not ident or not isinstance(ident, str):
                    continue
                ident = normalize(ident)
                existing = identifiers().get(ident)
                if existing is None:
                    identifiers()[ident] = {"muxi_user_id": muxi_user_id, "type": kind, "created_at": now_iso()}
                elif existing["muxi_user_id"] != muxi_user_id:
                    existing["muxi_user_id"] = muxi_user_id
                    if kind:
                        existing["type"] = kind
                associated.append({"identifier": ident, "type": kind or "unknown"})
        data = {"muxi_user_id": muxi_user_id, "identifiers": associated, "count": len(associated)}
        return ok("user_identifier_list", "user.identifiers.associated", data)

    async def list_identifiers(request: Request) -> Response:
        require(request, state, "client")
        public_id = request.path_params["user_id"]
        user = users().get(public_id)
        if user is None:
            raise APIError(404, f"User not found: {public_id!r}")
        found = [
            {"identifier": ident, "type": rec["type"] or "unknown", "created_at": rec["created_at"]}
            for ident, rec in identifiers().items()
            if rec["muxi_user_id"] == public_id
        ]
        data = {
            "muxi_user_id": public_id,
            "internal_user_id": user["internal_user_id"],
            "identifiers": found,
            "count": len(found),
        }
        return ok("user_identifier_list", "user.identifiers.list", data)

    async def unlink(request: Request) -> Response:
        require(request, state, "client")
        ident = normalize(request.path_params["identifier"])
        with state.lock:
            record = identifiers().pop(ident, None)
        if record is None:
            raise APIError(404, f"Identifier {ident!r} not found")
        data = {"message": f"Identifier {ident!r} removed successfully", "muxi_user_id": record["muxi_user_id"]}
        return ok("message", "user.identifier.deleted", data)

    def resolved(ident: str, public_id: str) -> Response:
        data = {
            "identifier": ident,
            "muxi_user_id": public_id,
            "internal_user_id": users()[public_id]["internal_user_id"],
        }
        return ok("user", "user.resolved", data)

    async def lookup(request: Request) -> Response:
        require(request, state, "client")
        ident = normalize(request.path_params["identifier"])
        record = identifiers().get(ident)
        if record is None:
            raise APIError(404, f"Identifier not found: {ident!r}")
        return resolved(ident, record["muxi_user_id"])

    async def resolve(request: Request) -> Response:
        require(request, state, "client")
        body = await read_json(request)
        ident = body.get("identifier")
        if not isinstance(ident, str):
            raise APIError(
                400, "ValidationError('1 validation error for ResolveRequest\\nidentifier\\n  Field required')"
            )
        if not ident.strip():
            raise APIError(400, f'ValueError("identifier must be a non-empty string, got: str = {ident!r}")')
        ident = normalize(ident)
        with state.lock:
            record = identifiers().get(ident)
            if record is None:
                # The runtime names users made here with a bare nanoid (associate() makes usr_<hex> ids).
                public_id = new_user(nanoid("", 21))["muxi_user_id"]
                record = {"muxi_user_id": public_id, "type": body.get("identifier_type"), "created_at": now_iso()}
                identifiers()[ident] = record
        return resolved(ident, record["muxi_user_id"])

    return [
        Route("/users/identifiers", associate, methods=["POST"]),
        Route("/users/identifiers/{user_id}", list_identifiers, methods=["GET"]),
        Route("/users/identifiers/{identifier}", unlink, methods=["DELETE"]),
        Route("/users/resolve", resolve, methods=["POST"]),
        Route("/users/{identifier}", lookup, methods=["GET"]),
    ]
