"""/v1/secrets (admin): list masked, create (409 if taken), update (404 if new), delete, reload.

Names are normalised as the runtime does; messages echo the name as sent. `GET /v1/secrets/{key}` is not a
route (405), as on the real server.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..auth import require
from ..envelope import APIError, ok, validation_error
from ..state import FakeState
from ._formation import emit_log, mask_secret_value, normalize_secret_name, record_audit, secret_in_use, secrets
from .chat import read_json


def _string_field(body: dict[str, object], name: str) -> str:
    value = body.get(name)
    if value is None:
        raise validation_error((name, "Field required", "string", "missing"))
    if not isinstance(value, str):
        raise validation_error((name, "Input should be a valid string", "string", "string_type"))
    return value


def routes(state: FakeState) -> list[BaseRoute]:
    def changed(request: Request, action: str, name: str, message: str, status_code: int = 200) -> None:
        record_audit(request, state, f"secret.{action}", "secret", name, message, status_code=status_code)
        emit_log(state, "info", "config.formation.loaded", message, data={"secret_key": name, "operation": action})

    async def list_secrets(request: Request) -> Response:
        require(request, state, "admin")
        with state.lock:
            listed = {name: mask_secret_value(value) for name, value in secrets(state).items()}
        return ok("secret_list", "secret.list", {"secrets": listed, "count": len(listed)})

    async def create_secret(request: Request) -> Response:
        require(request, state, "admin")
        body = await read_json(request)
        key, value = _string_field(body, "key"), _string_field(body, "value")
        name = normalize_secret_name(key)
        with state.lock:
            if name in secrets(state):
                raise APIError(409, f"Secret '{key}' already exists", "SECRET_EXISTS")
            secrets(state)[name] = value
        changed(request, "created", name, f"Secret '{key}' created successfully", 201)
        return ok("secret", "secret.created", {"message": f"Secret '{key}' created successfully"}, status=201)

    async def update_secret(request: Request) -> Response:
        require(request, state, "admin")
        key = request.path_params["key"]
        value = _string_field(await read_json(request), "value")
        name = normalize_secret_name(key)
        with state.lock:
            if name not in secrets(state):
                raise APIError(404, f"Secret '{key}' not found", "SECRET_NOT_FOUND")
            secrets(state)[name] = value
        changed(request, "updated", name, f"Secret '{key}' updated successfully")
        return ok("secret", "secret.updated", {"message": f"Secret '{key}' updated successfully"})

    async def delete_secret(request: Request) -> Response:
        require(request, state, "admin")
        key = request.path_params["key"]
        name = normalize_secret_name(key)
        with state.lock:
            if name not in secrets(state):
                raise APIError(404, f"Secret '{key}' not found", "SECRET_NOT_FOUND")
            if secret_in_use(state, name):
                raise APIError(
                    409,
                    f"Cannot delete secret '{key}' because it is currently in use by the formation configuration",
                    "SECRET_IN_USE",
                )
            del secrets(state)[name]
        changed(request, "deleted", name, f"Secret '{key}' deleted successfully")
        return ok("secret", "secret.deleted", {"message": f"Secret '{key}' deleted successfully"})

    async def reload_secrets(request: Request) -> Response:
        require(request, state, "admin")
        with state.lock:
            names = sorted(secrets(state))
        # The fake has no encrypted store on disk: everything in memory is "preserved".
        data = {
            "message": "Secrets reloaded successfully using add-or-override merge semantics",
            "added": [],
            "overwritten": [],
            "preserved": names,
            "count": len(names),
        }
        return ok("secret", "secret.reloaded", data)

    return [
        Route("/secrets", list_secrets, methods=["GET"]),
        Route("/secrets", create_secret, methods=["POST"]),
        Route("/secrets/reload", reload_secrets, methods=["POST"]),
        Route("/secrets/{key}", update_secret, methods=["PUT"]),
        Route("/secrets/{key}", delete_secret, methods=["DELETE"]),
    ]
