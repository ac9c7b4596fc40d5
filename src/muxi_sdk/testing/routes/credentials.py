"""Credentials: /v1/credentials, per-user secrets (either key; a user for everything but `/services`).

State: `credentials` (id -> record with the secret), `credential_services` (what `/services` lists; empty
like the real test formation, whose MCP servers need no user credentials). Secrets never leave the fake
server: answers carry the runtime's masked preview.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..auth import require
from ..envelope import APIError, nanoid, ok, validation_error
from ..state import FakeState
from ._common import now_iso, require_user
from .chat import read_json

_PRIORITY = ("token", "access_token", "api_key", "password", "key", "secret")


def mask(value: str) -> str:
    """The runtime's preview: first 7 characters, `*****`, last 3; `***redacted***` under 15 characters."""
    return f"{value[:7]}*****{value[-3:]}" if len(value) >= 15 else "***redacted***"


def preview(credential: Any) -> str:
    """Mask the credential's main secret: token, access_token, api_key, password, key, secret, else the
    first string value longer than 5 characters."""
    if isinstance(credential, str):
        return mask(credential)
    if not isinstance(credential, dict):
        return "***redacted***"
    for key in _PRIORITY:
        if isinstance(credential.get(key), str):
            return mask(credential[key])
    for value in credential.values():
        if isinstance(value, str) and len(value) > 5:
            return mask(value)
    return "***redacted***"


def _public(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "credential_id": record["credential_id"],
        "service": record["service"],
        "name": record["name"],
        "credential_preview": preview(record["credential"]),
        "created_at": record["created_at"],
        "updated_at": record["updated_at"],
    }


def routes(state: FakeState) -> list[BaseRoute]:
    def table() -> dict[str, dict[str, Any]]:
        return state.table("credentials")  # type: ignore[no-any-return]

    def caller(request: Request) -> str:
        require(request, state, "dual")
        return require_user(request)

    def owned(request: Request, user: str) -> dict[str, Any]:
        credential_id = request.path_params["credential_id"]
        record = table().get(credential_id)
        if record is None or record["user_id"] != user:
            raise APIError(404, f"Credential not found: {credential_id}")
        return record

    async def services(request: Request) -> Response:
        require(request, state, "dual")
        found = list(state.table("credential_services", list))
        return ok("credential_list", "credentials.listed", {"services": found, "count": len(found)})

    async def list_credentials(request: Request) -> Response:
        user = caller(request)
        found = [_public(r) for r in table().values() if r["user_id"] == user]
        return ok("credential_list", "credentials.listed", {"credentials": found, "count": len(found)})

    async def create(request: Request) -> Response:
        user = caller(request)
        body = await read_json(request)
        problems = [
            (f, "Field required", t, "missing")
            for f, t in (("service", "string"), ("credential", "object"))
            if f not in body
        ]
        if problems:
            raise validation_error(*problems)
        if not isinstance(body["service"], str):
            raise validation_error(("service", "Input should be a valid string", "string", "string_type"))
        if not isinstance(body["credential"], dict):
            raise validation_error(("credential", "Input should be a valid dictionary", "object", "dict_type"))
        service = body["service"].lower().strip()
        if " " in service:
            raise APIError(400, "Service name cannot contain spaces", "VALIDATION_ERROR")
        now = now_iso()
        credential_id = nanoid("cred_", 16)
        record: dict[str, Any] = {
            "credential_id": credential_id,
            "user_id": user,
            "service": service,
            "name": body.get("name") or service,
            "credential": body["credential"],
            "created_at": now,
            "updated_at": now,
        }
        with state.lock:
            table()[credential_id] = record
        data = _public(record)
        del data["updated_at"]
        return ok("credential", "credentials.created", data, status=201)

    async def get(request: Request) -> Response:
        user = caller(request)
        return ok("credential", "credentials.retrieved", _public(owned(request, user)))

    async def delete(request: Request) -> Response:
        user = caller(request)
        with state.lock:
            record = owned(request, user)
            del table()[record["credential_id"]]
        return ok("credential", "credentials.deleted", {"credential_id": record["credential_id"], "deleted": True})

    return [
        Route("/credentials/services", services, methods=["GET"]),
        Route("/credentials", list_credentials, methods=["GET"]),
        Route("/credentials", create, methods=["POST"]),
        Route("/credentials/{credential_id}", get, methods=["GET"]),
        Route("/credentials/{credential_id}", delete, methods=["DELETE"]),
    ]
