"""The MUXI formation envelope, byte-compatible with the runtime's (field order included)."""

from __future__ import annotations

import secrets
import string
import time
from typing import Any

from starlette.responses import JSONResponse

_ALPHABET = string.ascii_letters + string.digits + "_-"

STATUS_CODES = {
    400: "INVALID_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "RESOURCE_NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    422: "INVALID_PARAMS",
    429: "RATE_LIMITED",
    501: "METHOD_NOT_FOUND",
    503: "SYSTEM_OVERLOAD",
}

_ERROR_TYPES = {
    "INVALID_REQUEST": "error.validation",
    "INVALID_PARAMS": "error.validation",
    "PARSE_ERROR": "error.validation",
    "UNAUTHORIZED": "error.authentication",
    "FORBIDDEN": "error.authorization",
    "AGENT_NOT_FOUND": "error.not_found",
    "RESOURCE_NOT_FOUND": "error.not_found",
    "METHOD_NOT_FOUND": "error.not_found",
}


def nanoid(prefix: str, size: int = 21) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(size))


def now_ms() -> int:
    return int(time.time() * 1000)


def envelope(
    obj: str,
    typ: str,
    data: Any,
    *,
    request_id: str | None = None,
    idempotency_key: str | None = None,
    error: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "object": obj,
        "timestamp": now_ms(),
        "type": typ,
        "request": {"id": request_id or nanoid("req_"), "idempotency_key": idempotency_key},
        "success": error is None,
        "error": error,
        "data": data if data is not None else {},
    }


def ok(
    obj: str,
    typ: str,
    data: Any,
    *,
    status: int = 200,
    request_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(envelope(obj, typ, data, request_id=request_id), status_code=status, headers=headers)


def error_body(status: int, message: str, code: str | None = None, data: Any = None) -> dict[str, Any]:
    code = code or STATUS_CODES.get(status, "INTERNAL_ERROR")
    return envelope(
        "error",
        _ERROR_TYPES.get(code, "error.internal"),
        {},
        error={"code": code, "message": message, "data": data},
    )


class APIError(Exception):
    """Raise from a route to answer with the runtime's error envelope."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.data = data
        self.headers = headers

    def response(self) -> JSONResponse:
        return JSONResponse(
            error_body(self.status, self.message, self.code, self.data),
            status_code=self.status,
            headers=self.headers,
        )


def validation_error(*problems: tuple[str, str, str, str]) -> APIError:
    """422 as the runtime words it: each problem is (field, msg, json type, error kind)."""
    errors = [{"field": f, "msg": m, "type": t, "error": e} for f, m, t, e in problems]
    return APIError(422, f"Validation failed: {len(errors)} error(s)", "INVALID_PARAMS", {"validation_errors": errors})
