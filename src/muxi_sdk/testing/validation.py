"""Request validation as the real MUXI runtime does it, for every route of the fake server at once.

The runtime (FastAPI + pydantic) checks each operation's JSON body and query parameters against its
request schema before the route runs, and answers 422 `INVALID_PARAMS` with one entry per problem in
`error.data.validation_errors` (`field` in dot notation, pydantic's `msg`, a field `type` and an `error`
kind). The schemas are the runtime's own (`runtime_requests.json`, extracted from its OpenAPI document by
`scripts/gen_fake_requests.py`); values are checked with pydantic in the runtime's lax mode, so `"5"` is an
integer and `"yes"` a boolean exactly when the runtime says so.

`RequestValidation` is ASGI middleware: it reads the body once, replays it to the app, and leaves the
problem in the scope; `auth.require()` raises it after the key check, because the runtime authenticates
before it validates (a wrong key with a bad body is 401).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter
from pydantic import ValidationError as PydanticValidationError
from starlette.datastructures import QueryParams
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .envelope import APIError, validation_error

PENDING = "muxi.invalid_request"
"""Scope key of the 422 a request earned; `auth.require()` raises it once the caller is authenticated."""

_PREFIX = re.compile(r"^(?:/api/[^/]+|/draft/[^/]+)?(/v1/.*)$")
# The runtime names a field's type "string" unless the path ends in one of these (its FIELD_SUFFIX_PATTERNS).
_SUFFIX_TYPES = {
    "boolean": (".active",),
    "array": (".llm_models", ".mcp_servers", ".knowledge"),
    "object": (".a2a", ".settings"),
    "integer": (".max_tokens", ".timeout_seconds", ".max_retries"),
    "number": (".temperature",),
}
_KINDS = {
    "missing": "missing",
    "json_invalid": "invalid_json",
    "too_short": "too_short",
    "too_long": "too_long",
    "string_too_short": "too_short",
    "string_too_long": "too_long",
}
_SCALARS: dict[str, Any] = {"string": str, "integer": int, "number": float, "boolean": bool}
_CONSTRAINTS = {
    "minimum": "ge",
    "maximum": "le",
    "exclusiveMinimum": "gt",
    "exclusiveMaximum": "lt",
    "minLength": "min_length",
    "maxLength": "max_length",
}

Loc = tuple[str | int, ...]
_MODEL_TYPE = "Input should be a valid dictionary or object to extract fields from"


def _kind(error_type: str) -> str:
    """The runtime's `error` for a pydantic error type (its `_infer_field_type`, reduced to v2's types)."""
    if error_type in _KINDS:
        return _KINDS[error_type]
    for needle, kind in (("json", "invalid_json"), ("missing", "missing"), ("type", "wrong_type")):
        if needle in error_type:
            return kind
    if "min_length" in error_type:
        return "too_short"
    if "max_length" in error_type:
        return "too_long"
    if "pattern" in error_type or "regex" in error_type:
        return "invalid_format"
    return "extra_field" if "extra" in error_type else "invalid"


def _field_type(field: str) -> str:
    plain = re.sub(r"\.\d+", "", field)
    for name, suffixes in _SUFFIX_TYPES.items():
        if plain.endswith(suffixes):
            return name
    return "string"


def problem(loc: Loc, msg: str, error_type: str) -> tuple[str, str, str, str]:
    """One `validation_errors` entry as `(field, msg, type, error)`."""
    field = ".".join(str(part) for part in loc)
    return field, msg, _field_type(field), _kind(error_type)


@functools.lru_cache(maxsize=256)
def _adapter(schema_json: str) -> TypeAdapter[Any]:
    schema = json.loads(schema_json)
    if "enum" in schema or "const" in schema:
        values = schema["enum"] if "enum" in schema else [schema["const"]]
        return TypeAdapter(Literal[tuple(values)])  # type: ignore[arg-type]
    constraints = {arg: schema[key] for key, arg in _CONSTRAINTS.items() if key in schema}
    base = _SCALARS[schema["type"]]
    return TypeAdapter(Annotated[base, Field(**constraints)] if constraints else base)


class _Schemas:
    def __init__(self, components: dict[str, Any]) -> None:
        self.components = components

    def check(self, schema: dict[str, Any], value: Any, loc: Loc, out: list[tuple[str, str, str, str]]) -> None:
        while "$ref" in schema or len(schema.get("allOf", ())) == 1:
            schema = self.components[schema["$ref"]] if "$ref" in schema else schema["allOf"][0]
        members = schema.get("anyOf") or schema.get("oneOf")
        if members:
            self._union(members, value, loc, out)
            return
        kind = schema.get("type")
        if "enum" in schema or "const" in schema or kind in _SCALARS:
            self._scalar(schema, value, loc, out)
        elif kind == "array":
            if not isinstance(value, list):
                out.append(problem(loc, "Input should be a valid list", "list_type"))
                return
            for i, item in enumerate(value):
                self.check(schema.get("items", {}), item, (*loc, i), out)
        elif kind == "object" or "properties" in schema:
            self._object(schema, value, loc, out)

    def _union(self, members: list[Any], value: Any, loc: Loc, out: list[tuple[str, str, str, str]]) -> None:
        if value is None and any(m.get("type") == "null" for m in members):
            return
        first: list[tuple[str, str, str, str]] | None = None
        for member in (m for m in members if m.get("type") != "null"):
            found: list[tuple[str, str, str, str]] = []
            self.check(member, value, loc, found)
            if not found:
                return
            first = found if first is None else first
        out.extend(first or ())

    def _scalar(self, schema: dict[str, Any], value: Any, loc: Loc, out: list[tuple[str, str, str, str]]) -> None:
        try:
            _adapter(json.dumps(schema, sort_keys=True)).validate_python(value)
        except PydanticValidationError as exc:
            out.extend(problem(loc, e["msg"], e["type"]) for e in exc.errors(include_url=False))

    def _object(self, schema: dict[str, Any], value: Any, loc: Loc, out: list[tuple[str, str, str, str]]) -> None:
        properties: dict[str, Any] = schema.get("properties", {})
        if not isinstance(value, dict):
            if properties:
                out.append(problem(loc, _MODEL_TYPE, "model_attributes_type"))
            else:
                out.append(problem(loc, "Input should be a valid dictionary", "dict_type"))
            return
        required = set(schema.get("required", ()))
        for name, sub in properties.items():
            if name in value:
                self.check(sub, value[name], (*loc, name), out)
            elif name in required:
                out.append(problem((*loc, name), "Field required", "missing"))
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and extra:
            for name, item in value.items():
                if name not in properties:
                    self.check(extra, item, (*loc, name), out)


@dataclass
class _Operation:
    method: str
    pattern: re.Pattern[str]
    literals: int
    query: dict[str, Any]
    body: dict[str, Any] | None
    body_required: bool


class RuntimeRequests:
    """The runtime's request schemas, matched by method and path (`/v1/...`)."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.runtime: str = document["runtime"]
        self.schemas = _Schemas(document["schemas"])
        self.operations: list[_Operation] = []
        for op in document["operations"]:
            parts = op["path"].strip("/").split("/")
            regex = "/".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
            literals = sum(not p.startswith("{") for p in parts)
            pattern, query = re.compile(f"/{regex}"), op.get("query", {})
            body, body_required = op.get("body"), op.get("body_required", False)
            self.operations.append(_Operation(op["method"], pattern, literals, query, body, body_required))
        # a literal segment wins over a path parameter (/v1/users/identifiers before /v1/users/{id})
        self.operations.sort(key=lambda o: -o.literals)

    def match(self, method: str, path: str) -> _Operation | None:
        return next((o for o in self.operations if o.method == method and o.pattern.fullmatch(path)), None)

    def problems(self, op: _Operation, query: QueryParams, body: bytes) -> list[tuple[str, str, str, str]]:
        out: list[tuple[str, str, str, str]] = []
        for name, schema in op.query.items():
            values = query.getlist(name)
            if not values:
                if schema.get("x-required"):
                    out.append(problem(("query", name), "Field required", "missing"))
                continue
            plain = {k: v for k, v in schema.items() if k != "x-required"}
            self.schemas.check(plain, values if _is_array(plain) else values[-1], ("query", name), out)
        if op.body is not None:
            out.extend(self._body(op, body))
        return out

    def _body(self, op: _Operation, body: bytes) -> Iterable[tuple[str, str, str, str]]:
        assert op.body is not None
        if not body.strip():
            return [problem((), "Field required", "missing")] if op.body_required else []
        try:
            value = json.loads(body)
        except ValueError as exc:
            return [problem((getattr(exc, "pos", 0),), "JSON decode error", "json_invalid")]
        out: list[tuple[str, str, str, str]] = []
        self.schemas.check(op.body, value, (), out)
        return out


def _is_array(schema: dict[str, Any]) -> bool:
    members = schema.get("anyOf") or [schema]
    return any(m.get("type") == "array" for m in members)


@functools.lru_cache(maxsize=1)
def runtime_requests() -> RuntimeRequests:
    return RuntimeRequests(json.loads((Path(__file__).parent / "runtime_requests.json").read_text()))


class RequestValidation:
    """ASGI middleware: the 422 a Formation API request earns is computed here and raised by `require()`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = _PREFIX.match(scope.get("path", "")) if scope["type"] == "http" else None
        op = runtime_requests().match(scope["method"], match.group(1)) if match else None
        if op is None:
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        body = b""
        if op.body is not None:
            while True:
                message = await receive()
                messages.append(message)
                if message["type"] != "http.request":
                    break
                body += message.get("body", b"")
                if not message.get("more_body"):
                    break
        found = runtime_requests().problems(op, QueryParams(scope.get("query_string", b"")), body)
        if found:
            scope[PENDING] = validation_error(*found)

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


def raise_pending(scope: Scope) -> None:
    """Raise the request's 422, if it earned one (once)."""
    pending: APIError | None = scope.pop(PENDING, None)
    if pending is not None:
        raise pending
