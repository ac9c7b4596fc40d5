#!/usr/bin/env python
"""Generate `.speakeasy/openapi.yaml` (plus `gen.yaml` and `workflow.yaml`) from the SDK's code.

    python scripts/gen_openapi.py            # rewrite the three files
    python scripts/gen_openapi.py --check    # exit 1 if a committed file differs from what the code says

The OpenAPI document describes the MUXI Formation API and Server API *as this SDK implements them*: every
resource module listed in `Muxi._sub_sdk_map` is imported (a module that does not exist yet is skipped, one
that fails to import is skipped with a warning), each public method built by `sync_op` / `async_op` /
`async_stream_op` is traced to the module-level `Operation` its builder uses, and that `Operation` becomes one
OpenAPI operation (its `operation_id` is the operationId; the sync and `_async` twins share it). Schemas come
from the pydantic models (`Operation.response`, `Operation.request` or the `InputModel` a builder validates).

No YAML library is needed: the document is written in block-style YAML 1.2 whose scalars are JSON literals.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import importlib
import inspect
import json
import re
import sys
import textwrap
import types
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT / "src"))

from pydantic import TypeAdapter  # noqa: E402

from muxi_sdk import _version  # noqa: E402
from muxi_sdk._core.auth import (  # noqa: E402
    ADMIN_KEY_HEADER,
    CLIENT_KEY_HEADER,
    IDEMPOTENCY_HEADER,
    USER_ID_HEADER,
)
from muxi_sdk._core.operation import Operation  # noqa: E402
from muxi_sdk._core.resources import nested  # noqa: E402
from muxi_sdk.basesdk import BaseSDK  # noqa: E402
from muxi_sdk.sdk import Muxi  # noqa: E402
from muxi_sdk.types.basemodel import InputModel  # noqa: E402

SPEAKEASY = ROOT / ".speakeasy"
OPENAPI_PATH = SPEAKEASY / "openapi.yaml"
GEN_PATH = SPEAKEASY / "gen.yaml"
WORKFLOW_PATH = SPEAKEASY / "workflow.yaml"
REF = "#/components/schemas/{model}"

# ------------------------------------------------------------------------------------------------ discovery


@dataclasses.dataclass
class Method:
    """One public SDK method pair (`send` / `send_async`) and the builder both run."""

    resource: str  # attribute path from the root client: "chat", "users.credentials"
    name: str  # the sync method's name
    builder: Callable[..., Any]
    names: list[str]  # every public name built from the builder (sync and async twins)
    operations: list[Operation]


@dataclasses.dataclass
class Entry:
    """One OpenAPI operation: an `Operation` and the SDK methods that call it."""

    op: Operation
    resource: str
    method: Method
    methods: list[str]


@dataclasses.dataclass
class Discovery:
    entries: list[Entry]
    methods: list[Method]
    unmapped: list[str]  # public resource methods with no Operation behind them
    duplicates: list[str]  # operationIds used by two different Operations
    skipped: list[str]  # resource modules that could not be imported

    @property
    def problems(self) -> list[str]:
        """What makes the document wrong (tests/test_openapi.py fails on these)."""
        return self.unmapped + self.duplicates


def _builder_of(fn: Any) -> Callable[..., Any] | None:
    """The builder a public method was made from (`sync_op(_get)` -> `_get`), else None."""
    if isinstance(fn, (staticmethod, classmethod)):
        return None
    if not isinstance(fn, types.FunctionType) or fn.__closure__ is None:
        return None
    code = fn.__code__
    if "builder" not in code.co_freevars:
        return None
    builder = fn.__closure__[code.co_freevars.index("builder")].cell_contents
    return builder if isinstance(builder, types.FunctionType) else None


def _code_names(code: types.CodeType) -> Iterator[str]:
    yield from code.co_names
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_names(const)


def _operations_in(value: Any) -> list[Operation]:
    if isinstance(value, Operation):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, Operation)]
    return []


def _operations_of(fn: types.FunctionType, depth: int = 0, seen: set[int] | None = None) -> list[Operation]:
    """The module-level `Operation`s a builder names; failing that, those of the helpers it calls."""
    seen = seen if seen is not None else set()
    seen.add(id(fn))
    names = list(dict.fromkeys(_code_names(fn.__code__)))
    found: list[Operation] = []
    helpers: list[types.FunctionType] = []
    for name in names:
        value = fn.__globals__.get(name)
        if isinstance(value, types.ModuleType):  # `ops.GET`
            for attr in names:
                found += _operations_in(getattr(value, attr, None))
            continue
        found += _operations_in(value)
        if isinstance(value, types.FunctionType) and id(value) not in seen:
            helpers.append(value)
    if not found and depth < 3:
        for helper in helpers:
            found += _operations_of(helper, depth + 1, seen)
    unique: list[Operation] = []
    for op in found:
        if not any(op is u for u in unique):
            unique.append(op)
    return unique


def _import_resource(attr: str, module_name: str, class_name: str, skipped: list[str]) -> type | None:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:  # planned, not written yet
            return None
        skipped.append(f"{attr}: {module_name} failed to import: {exc!r}")
        return None
    except Exception as exc:  # a resource being written right now must not stop the others
        skipped.append(f"{attr}: {module_name} failed to import: {exc!r}")
        return None
    cls = getattr(module, class_name, None)
    if not isinstance(cls, type):
        skipped.append(f"{attr}: {module_name} has no class {class_name}")
        return None
    return cls


def _children(cls: type, skipped: list[str], prefix: str) -> Iterator[tuple[str, type]]:
    """Nested resources of a resource class: its own `_sub_sdk_map`, `nested(...)`, annotated or property-typed
    attributes."""
    sub_map = cls.__dict__.get("_sub_sdk_map")
    if isinstance(sub_map, dict):
        for attr, (module_name, class_name) in sub_map.items():
            child = _import_resource(f"{prefix}.{attr}", module_name, class_name, skipped)
            if child is not None:
                yield attr, child
    module_globals = vars(sys.modules[cls.__module__])

    def resolve(annotation: Any) -> type | None:
        if isinstance(annotation, str):
            annotation = module_globals.get(annotation.strip("'\""))
        ok = isinstance(annotation, type) and issubclass(annotation, BaseSDK) and annotation is not BaseSDK
        return annotation if ok else None

    for attr, annotation in inspect.get_annotations(cls).items():
        child = resolve(annotation)
        if child is not None and not attr.startswith("_"):
            yield attr, child
    for attr, value in vars(cls).items():
        if isinstance(value, nested):  # `servers = nested(McpServers)`
            yield attr, value.cls
            continue
        fget = getattr(value, "fget", None) or getattr(value, "func", None)  # property / cached_property
        if attr.startswith("_") or not callable(fget):
            continue
        child = resolve(inspect.get_annotations(fget).get("return"))
        if child is not None:
            yield attr, child


def _resources(skipped: list[str]) -> list[tuple[str, type]]:
    found: list[tuple[str, type]] = []
    seen: set[type] = set()

    def visit(path: str, cls: type) -> None:
        if cls in seen:
            return
        seen.add(cls)
        found.append((path, cls))
        for attr, child in _children(cls, skipped, path):
            visit(f"{path}.{attr}", child)

    for attr, (module_name, class_name) in Muxi._sub_sdk_map.items():
        cls = _import_resource(attr, module_name, class_name, skipped)
        if cls is not None:
            visit(attr, cls)
    return found


def _public_functions(cls: type) -> Iterator[tuple[str, Any]]:
    seen: set[str] = set()
    for klass in cls.__mro__:
        if klass is BaseSDK or not issubclass(klass, BaseSDK):
            continue
        for name, value in vars(klass).items():
            if name.startswith("_") or name in seen:
                continue
            seen.add(name)
            if isinstance(value, (staticmethod, classmethod)):
                value = value.__func__
            if isinstance(value, types.FunctionType):
                yield name, value


def discover() -> Discovery:
    """Every resource class, its public methods, and the operations they call."""
    skipped: list[str] = []
    unmapped: list[str] = []
    duplicates: list[str] = []
    methods: list[Method] = []
    for path, cls in _resources(skipped):
        by_builder: dict[int, Method] = {}
        others: list[tuple[str, types.FunctionType]] = []
        for name, fn in _public_functions(cls):
            builder = _builder_of(fn)
            if builder is None:
                others.append((name, fn))
                continue
            method = by_builder.get(id(builder))
            if method is None:
                ops = _operations_of(builder)  # type: ignore[arg-type]
                method = Method(path, name, builder, [], ops)
                by_builder[id(builder)] = method
                methods.append(method)
                if not ops:
                    unmapped.append(
                        f"{path}.{name}: its builder {builder.__qualname__} names no module-level Operation "
                        "(describe the operation once as `X = Operation(...)` and return `Call(X, ...)`)"
                    )
            method.names.append(name)
        twins = {n for m in by_builder.values() for n in m.names}
        for name, fn in others:
            if twins and not twins & set(_code_names(fn.__code__)):
                unmapped.append(
                    f"{path}.{name}: public method of a resource, but not built from an Operation "
                    "(use sync_op/async_op over a builder returning Call(OP, ...), or make it private)"
                )
    entries: list[Entry] = []
    by_id: dict[str, Entry] = {}
    for method in methods:
        for op in method.operations:
            entry = by_id.get(op.operation_id)
            if entry is None:
                entry = Entry(op, method.resource, method, [])
                by_id[op.operation_id] = entry
                entries.append(entry)
            elif entry.op != op:
                duplicates.append(
                    f"operationId {op.operation_id!r} is used by two different Operations "
                    f"({entry.resource}.{entry.method.name} and {method.resource}.{method.name})"
                )
                continue
            entry.methods += [f"{method.resource}.{n}" for n in method.names]
    return Discovery(entries, methods, unmapped, duplicates, skipped)


# ------------------------------------------------------------------------------------------------ builder facts


def _builder_tree(builder: Callable[..., Any]) -> ast.AST | None:
    try:
        return ast.parse(textwrap.dedent(inspect.getsource(builder)))
    except (OSError, TypeError, SyntaxError):
        return None


def _query_names(builder: Callable[..., Any], tree: ast.AST | None) -> list[tuple[str, str | None]]:
    """Query parameters a builder sends: `RequestInput(query={"limit": f(limit), ...})`, or `query=q` with
    `q = {...}` assigned in the builder -> [("limit", "limit"), ...] (wire name, builder argument)."""
    out: list[tuple[str, str | None]] = []
    if tree is None:
        return out
    try:
        params = set(inspect.signature(builder).parameters)
    except (TypeError, ValueError):
        params = set()
    assigned: dict[str, ast.Dict] = {}
    literals: list[ast.Dict] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    assigned[target.id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and isinstance(node.value, ast.Dict):
            assigned[node.target.id] = node.value
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "query":
            if isinstance(node.value, ast.Dict):
                literals.append(node.value)
            elif isinstance(node.value, ast.Name) and node.value.id in assigned:
                literals.append(assigned[node.value.id])
    for literal in literals:
        for key, value in zip(literal.keys, literal.values, strict=True):
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                continue
            names = [n.id for n in ast.walk(value) if isinstance(n, ast.Name) and n.id in params]
            if all(key.value != k for k, _ in out):
                out.append((key.value, names[0] if names else None))
    return out


def _validated_model(builder: Callable[..., Any], tree: ast.AST | None) -> Any:
    """The `InputModel` a builder checks its body with (`validate_input(Model, ...)`), if any."""
    if tree is None:
        return None
    glb = getattr(builder, "__globals__", {})
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "validate_input"
            and node.args
            and isinstance(node.args[0], ast.Name)
        ):
            model = glb.get(node.args[0].id)
            if isinstance(model, type) and issubclass(model, InputModel):
                return model
    return None


def _annotation(builder: Callable[..., Any], arg: str | None) -> tuple[Any, bool]:
    """(type of the builder's argument, required?) - (None, False) when unknown."""
    if arg is None:
        return None, False
    try:
        param = inspect.signature(builder).parameters.get(arg)
    except (TypeError, ValueError):
        return None, False
    if param is None:
        return None, False
    required = param.default is inspect.Parameter.empty and param.kind is not inspect.Parameter.VAR_KEYWORD
    ann = param.annotation
    if isinstance(ann, str):
        try:
            ann = eval(ann, dict(getattr(builder, "__globals__", {})))  # our own source
        except Exception:
            return None, required
    return (None if ann is inspect.Parameter.empty else ann), required


def _doc(builder: Callable[..., Any]) -> tuple[str, str]:
    doc = inspect.cleandoc(builder.__doc__ or "")
    summary, _, rest = doc.partition("\n")
    return summary.strip(), rest.strip()


# ------------------------------------------------------------------------------------------------ schemas


class _Schemas:
    """Collects types, then builds all their JSON schemas in one pass (shared `$defs`, no name clashes)."""

    def __init__(self) -> None:
        self._types: list[tuple[tuple[str, ...], Any]] = []

    def add(self, key: tuple[str, ...], typ: Any) -> None:
        try:
            TypeAdapter(typ).json_schema(ref_template=REF)
        except Exception as exc:
            warnings.warn(f"no JSON schema for {key}: {exc!r}", stacklevel=2)
            return
        self._types.append((key, typ))

    def build(self) -> tuple[dict[tuple[str, ...], Any], dict[str, Any]]:
        if not self._types:
            return {}, {}
        inputs = [(key, "validation", TypeAdapter(typ)) for key, typ in self._types]
        mapping, top = TypeAdapter.json_schemas(inputs, ref_template=REF)  # type: ignore[arg-type]
        schemas = {key: dict(schema) for (key, _mode), schema in mapping.items()}
        return schemas, dict(top.get("$defs", {}))


def _static_components() -> dict[str, Any]:
    nullable_str = {"type": ["string", "null"]}
    return {
        "MuxiEnvelope": {
            "type": "object",
            "description": "Every JSON answer of the Formation API. The SDK returns `data` as the model.",
            "required": ["success"],
            "properties": {
                "object": {"type": "string", "description": "Kind of object in `data` (`message`, `session`...)."},
                "timestamp": {"type": "integer", "description": "Server time, milliseconds since the epoch."},
                "type": {"type": "string", "description": "Event type, e.g. `chat.completed`."},
                "request": {
                    "type": "object",
                    "properties": {"id": nullable_str, "idempotency_key": nullable_str},
                },
                "success": {"type": "boolean"},
                "error": {"type": "null"},
                "data": {},
            },
        },
        "ErrorDetail": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {
                    "type": "string",
                    "description": "INVALID_REQUEST, UNAUTHORIZED, FORBIDDEN, RESOURCE_NOT_FOUND, METHOD_NOT_ALLOWED, "
                    "INVALID_PARAMS, RATE_LIMITED, METHOD_NOT_FOUND, SYSTEM_OVERLOAD, INTERNAL_ERROR, ...",
                },
                "message": {"type": "string"},
                "data": {"description": "Details, e.g. `validation_errors` for INVALID_PARAMS."},
            },
        },
        "ErrorEnvelope": {
            "type": "object",
            "description": "A Formation API error: the envelope with `success: false` (raised as a `MuxiError`).",
            "required": ["success", "error"],
            "properties": {
                "object": {"type": "string", "const": "error"},
                "timestamp": {"type": "integer"},
                "type": {"type": "string", "description": "e.g. `error.validation`."},
                "request": {
                    "type": "object",
                    "properties": {"id": nullable_str, "idempotency_key": nullable_str},
                },
                "success": {"type": "boolean", "const": False},
                "error": {"$ref": REF.format(model="ErrorDetail")},
                "data": {},
            },
        },
        "ServerApiEnvelope": {
            "type": "object",
            "description": "A Server API success body. The SDK returns `data` as the model.",
            "required": ["success"],
            "properties": {"success": {"type": "boolean", "const": True}, "data": {}},
        },
        "ServerApiError": {
            "type": "object",
            "description": "A Server API error body (raised as a `MuxiError`).",
            "required": ["success", "error", "message"],
            "properties": {
                "success": {"type": "boolean", "const": False},
                "error": {"type": "string", "description": "Error name."},
                "message": {"type": "string"},
                "code": {"type": "integer", "description": "The HTTP status."},
            },
        },
        "ServerSentEvent": {
            "type": "object",
            "description": "One SSE frame; the SDK decodes it into a typed event (unknown types are kept).",
            "properties": {
                "event": {"type": "string", "description": "Frame name; unnamed frames carry `{token: {...}}`."},
                "data": {"type": "string", "description": "JSON text."},
                "id": {"type": "string"},
                "retry": {"type": "integer"},
            },
        },
    }


# ------------------------------------------------------------------------------------------------ document

_SECURITY: dict[str, list[dict[str, list[str]]]] = {
    "none": [],
    "client": [{"clientKey": []}],
    "admin": [{"adminKey": []}],
    "dual": [{"clientKey": []}, {"adminKey": []}],
    "dual_admin": [{"adminKey": []}, {"clientKey": []}],
    "hmac": [{"hmac": []}],
}


def _fragment(op: Operation, resource: str) -> str:
    prefixes = [*(f"{t}_" for t in op.tags), f"{resource.replace('.', '_')}_"]
    for prefix in prefixes:
        if op.operation_id.startswith(prefix) and len(op.operation_id) > len(prefix):
            return op.operation_id[len(prefix) :]
    return op.operation_id


def _path_keys(entries: list[Entry]) -> list[str]:
    """Path keys, in `entries` order. Operations sharing method+path get `/path#fragment`, as Speakeasy does;
    the Formation API keeps the plain path when a Server API operation has the same one (`/health`)."""
    api_of: dict[str, str] = {}
    used: set[tuple[str, str]] = set()
    keys: dict[int, str] = {}
    order = sorted(range(len(entries)), key=lambda i: entries[i].op.api != "formation")  # stable
    for i in order:
        op = entries[i].op
        key = op.path
        if api_of.get(key, op.api) != op.api:
            key = f"{op.path}#{op.operation_id}"
        elif (key, op.method) in used:
            key = f"{op.path}#{_fragment(op, entries[i].resource)}"
        if api_of.get(key, op.api) != op.api or (key, op.method) in used:
            key = f"{op.path}#{op.operation_id}"
        api_of.setdefault(key, op.api)
        used.add((key, op.method))
        keys[i] = key
    return [keys[i] for i in range(len(entries))]


def _parameters(entry: Entry, tree: ast.AST | None, schemas: dict[tuple[str, ...], Any]) -> list[Any]:
    op = entry.op
    params: list[Any] = []
    for name in re.findall(r"{([^}/]+)}", op.path):
        params.append({"name": name, "in": "path", "required": True, "schema": {"type": "string"}})
    for wire, arg in _query_names(entry.method.builder, tree):
        _typ, required = _annotation(entry.method.builder, arg)
        param: dict[str, Any] = {"name": wire, "in": "query", "required": required}
        param["schema"] = _not_null(schemas.get(("query", op.operation_id, wire), {}))
        params.append(param)
    if op.user == "required":
        params.append({"$ref": "#/components/parameters/UserIdRequired"})
    elif op.user in ("optional", "client_key"):
        params.append({"$ref": "#/components/parameters/UserId"})
    if op.idempotent_key:
        params.append({"$ref": "#/components/parameters/IdempotencyKey"})
    return params


def _not_null(schema: Any) -> Any:
    """`int | None` -> `integer`: an absent query parameter is how None is sent."""
    options = schema.get("anyOf") if isinstance(schema, dict) else None
    if not isinstance(options, list):
        return schema
    kept = [o for o in options if o != {"type": "null"}]
    rest = {k: v for k, v in schema.items() if k != "anyOf"}
    return {**kept[0], **rest} if len(kept) == 1 else {"anyOf": kept, **rest}


def _responses(op: Operation, schema: Any) -> dict[str, Any]:
    server = op.api == "server"
    if op.stream and not op.envelope:  # a download: the body is the file itself
        ok = {
            "description": "The file's bytes, with its own content type, `Content-Length` and `Content-Disposition`.",
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    elif op.stream:
        body = schema if schema is not None else {"$ref": REF.format(model="ServerSentEvent")}
        ok: dict[str, Any] = {
            "description": "A stream of server-sent events.",
            "content": {"text/event-stream": {"schema": body}},
        }
    elif op.response is str:
        media = op.accept or "text/plain"
        what = "An HTML page." if media == "text/html" else "Plain text."
        ok = {"description": what, "content": {media: {"schema": {"type": "string"}}}}
    elif op.envelope:
        envelope = REF.format(model="ServerApiEnvelope" if server else "MuxiEnvelope")
        wrapped: dict[str, Any] = {"$ref": envelope}
        if schema is not None:
            wrapped = {"allOf": [{"$ref": envelope}, {"type": "object", "properties": {"data": schema}}]}
        ok = {"description": "OK.", "content": {"application/json": {"schema": wrapped}}}
    elif schema is not None:
        ok = {"description": "OK.", "content": {"application/json": {"schema": schema}}}
    else:
        ok = {"description": "OK."}
    error = "#/components/responses/" + ("ServerApiError" if server else "Error")
    return {"200": ok, "4XX": {"$ref": error}, "5XX": {"$ref": error}}


def build_spec(found: Discovery | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 document, as a dict (plain JSON types, deterministic order)."""
    found = found if found is not None else discover()
    entries = found.entries
    collector = _Schemas()
    trees: dict[str, ast.AST | None] = {}
    requests: dict[str, Any] = {}
    for entry in entries:
        op, oid = entry.op, entry.op.operation_id
        tree = trees[oid] = _builder_tree(entry.method.builder)
        if op.response is not None and op.response is not str:
            collector.add(("response", oid), op.response)
        request = op.request
        if request is None and op.method in ("POST", "PUT", "PATCH"):  # a GET may validate arguments, not a body
            request = _validated_model(entry.method.builder, tree)
        if request is not None:
            requests[oid] = request
            collector.add(("request", oid), request)
        for wire, arg in _query_names(entry.method.builder, tree):
            typ, _required = _annotation(entry.method.builder, arg)
            if typ is not None:
                collector.add(("query", oid, wire), typ)
    schemas, defs = collector.build()

    paths: dict[str, Any] = {}
    for entry, key in zip(entries, _path_keys(entries), strict=True):
        op, oid = entry.op, entry.op.operation_id
        summary, description = _doc(entry.method.builder)
        item = paths.setdefault(key, {})
        if op.api == "server" and "servers" not in item:
            item["servers"] = [
                {
                    "url": "{server_url}",
                    "description": "The MUXI server (Server API, HMAC-signed).",
                    "variables": {"server_url": {"default": "http://localhost:7890"}},
                }
            ]
        operation: dict[str, Any] = {
            "operationId": oid,
            "tags": list(op.tags) or [entry.resource.split(".")[0]],
            "summary": summary or oid,
        }
        if description:
            operation["description"] = description
        operation["x-speakeasy-group"] = entry.resource
        operation["x-speakeasy-name-override"] = entry.method.name
        operation["x-muxi-sdk-methods"] = entry.methods
        operation["security"] = _SECURITY[op.auth]
        params = _parameters(entry, trees[oid], schemas)
        if params:
            operation["parameters"] = params
        if oid in requests:
            body = schemas.get(("request", oid), {"type": "object"})
            operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
        operation["responses"] = _responses(op, schemas.get(("response", oid)))
        item[op.method.lower()] = operation

    tags = sorted({t for p in paths.values() for o in p.values() if isinstance(o, dict) for t in o.get("tags", ())})
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "MUXI Formation API and Server API",
            "version": _version.__openapi_doc_version__,
            "description": "The MUXI HTTP API as muxi-sdk implements it: generated from the SDK's code by "
            "scripts/gen_openapi.py (one operationId per SDK method; do not edit by hand). Formation API "
            "paths are relative to a formation's `/v1`; Server API paths (under `/rpc`) to the MUXI server.",
        },
        "servers": [
            {"url": "http://localhost:8271/v1", "description": "A formation reached directly (`Muxi(url=...)`)."},
            {
                "url": "{server_url}/api/{formation_id}/v1",
                "description": "A live formation through the MUXI server's proxy.",
                "variables": {
                    "server_url": {"default": "http://localhost:7890"},
                    "formation_id": {"default": "my-formation"},
                },
            },
            {
                "url": "{server_url}/draft/{formation_id}/v1",
                "description": "A draft formation (`muxi up`) through the MUXI server.",
                "variables": {
                    "server_url": {"default": "http://localhost:7890"},
                    "formation_id": {"default": "my-formation"},
                },
            },
        ],
        "tags": [{"name": t} for t in tags],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "clientKey": {"type": "apiKey", "in": "header", "name": CLIENT_KEY_HEADER},
                "adminKey": {"type": "apiKey", "in": "header", "name": ADMIN_KEY_HEADER},
                "hmac": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "`MUXI-HMAC key=<key_id>, timestamp=<unix seconds>, signature=<base64>`, "
                    'signature = base64(HMAC-SHA256(secret_key, "<timestamp>;<METHOD>;<path without query>")).',
                },
            },
            "parameters": {
                "UserId": {
                    "name": USER_ID_HEADER,
                    "in": "header",
                    "required": False,
                    "description": "The end user (emails are lower-cased by the server).",
                    "schema": {"type": "string"},
                },
                "UserIdRequired": {
                    "name": USER_ID_HEADER,
                    "in": "header",
                    "required": True,
                    "description": "The end user (emails are lower-cased by the server).",
                    "schema": {"type": "string"},
                },
                "IdempotencyKey": {
                    "name": IDEMPOTENCY_HEADER,
                    "in": "header",
                    "required": False,
                    "description": "Replays the stored answer when a retry repeats a finished request. The SDK "
                    "sends a fresh UUID per call and reuses it across that call's retries.",
                    "schema": {"type": "string"},
                },
            },
            "responses": {
                "Error": {
                    "description": "A Formation API error.",
                    "headers": {"Retry-After": {"schema": {"type": "string"}}},
                    "content": {"application/json": {"schema": {"$ref": REF.format(model="ErrorEnvelope")}}},
                },
                "ServerApiError": {
                    "description": "A Server API error.",
                    "headers": {"Retry-After": {"schema": {"type": "string"}}},
                    "content": {"application/json": {"schema": {"$ref": REF.format(model="ServerApiError")}}},
                },
            },
            "schemas": {**_static_components(), **dict(sorted(defs.items()))},
        },
    }


# ------------------------------------------------------------------------------------------------ YAML

_PLAIN = re.compile(r"[A-Za-z_$/][A-Za-z0-9_.\-/$]*\Z")
_RESERVED = {"true", "false", "null", "yes", "no", "on", "off", "y", "n"}


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        if _PLAIN.match(value) and value.lower() not in _RESERVED:
            return value
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False)


def _lines(value: Any, indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            head = f"{pad}{_scalar(str(key))}:"
            if isinstance(item, (dict, list)) and item:
                out.append(head)
                out += _lines(item, indent + (2 if isinstance(item, dict) else 0))
            else:
                out.append(f"{head} {_inline(item)}")
    else:
        for item in value:
            if isinstance(item, (dict, list)) and item:
                sub = _lines(item, indent + 2)
                sub[0] = f"{pad}- {sub[0][indent + 2 :]}"
                out += sub
            else:
                out.append(f"{pad}- {_inline(item)}")
    return out


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _scalar(value)


def to_yaml(value: Any) -> str:
    """Block-style YAML 1.2 (every scalar a JSON literal, so any YAML or JSON-aware reader agrees)."""
    return "\n".join(_lines(value, 0)) + "\n"


# ------------------------------------------------------------------------------------------------ files

_HEADER = "# Generated by scripts/gen_openapi.py from the SDK's code - do not edit; re-run the script.\n"


def _package_version() -> str:
    # The package's one version (pyproject.toml reads it from there: `[tool.hatch.version]`).
    return _version.__version__


GEN_YAML = """\
# Speakeasy-style generator configuration for muxi-sdk. The SDK is hand-written; this file records the
# package settings it follows (written by scripts/gen_openapi.py - edit the script, not this file).
configVersion: 2.0.0
generation:
  sdkClassName: Muxi
  maintainOpenAPIOrder: true
  usageSnippets:
    optionalPropertyRendering: withExample
    sdkInitStyle: constructor
  useClassNamesForArrayFields: true
  fixes:
    nameResolutionDec2023: true
    nameResolutionFeb2025: true
    parameterOrderingFeb2024: true
    requestResponseComponentNamesFeb2024: true
    securityFeb2025: true
    sharedErrorComponentsApr2025: true
  auth:
    oAuth2ClientCredentialsEnabled: false
    oAuth2PasswordEnabled: false
    hoistGlobalSecurity: true
  inferSSEOverload: true
  sdkHooksConfigAccess: true
  tests:
    generateTests: false
    generateNewTests: false
    skipResponseBodyAssertions: false
  schemas:
    allOfMergeStrategy: shallowMerge
  versioningStrategy: automatic
  persistentEdits:
    enabled: false
python:
  version: {version}
  packageName: muxi-sdk
  moduleName: muxi_sdk
  authors:
    - muxi-sdk developers
  description: Typed, fast Python SDK for the MUXI formation and server APIs
  license: MIT
  additionalDependencies:
    main:
      httpx-sse: ">=0.4,<1"
      jsonpath-python: ">=1.0.6"
    dev: {{}}
  packageManager: uv
  asyncMode: both
  baseErrorName: MuxiError
  defaultErrorName: APIStatusError
  clientServerStatusCodesAsErrors: true
  enableCustomCodeRegions: false
  enumFormat: union
  forwardCompatibleEnumsByDefault: true
  forwardCompatibleUnionsByDefault: tagged-only
  inferUnionDiscriminators: true
  envVarPrefix: MUXI
  flattenGlobalSecurity: true
  flattenRequests: true
  flatAdditionalProperties: true
  imports:
    option: openapi
    paths:
      callbacks: models
      errors: errors
      operations: models
      shared: models
      webhooks: models
  inputModelSuffix: input
  outputModelSuffix: output
  maxMethodParams: 999
  methodArguments: infer-optional-args
  responseFormat: flat
  sseFlatResponse: true
  allowedRedefinedBuiltins:
    - id
    - object
    - input
    - type
    - format
  useAsyncHooks: false
  templateVersion: v2
"""

WORKFLOW_YAML = """\
# Speakeasy workflow: the OpenAPI source (generated from the code by scripts/gen_openapi.py) and the python
# target it describes. Written by scripts/gen_openapi.py - edit the script, not this file.
workflowVersion: 1.0.0
speakeasyVersion: latest
sources:
  muxi-api:
    inputs:
      - location: .speakeasy/openapi.yaml
targets:
  muxi-sdk:
    target: python
    source: muxi-api
    publish:
      pypi:
        token: $pypi_token
"""


def render(found: Discovery | None = None) -> dict[Path, str]:
    """What the three files should contain now."""
    return {
        OPENAPI_PATH: _HEADER + to_yaml(build_spec(found)),
        GEN_PATH: GEN_YAML.format(version=_package_version()),
        WORKFLOW_PATH: WORKFLOW_YAML,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="only report files that are out of date")
    args = parser.parse_args(argv)
    found = discover()
    for note in found.skipped:
        print(f"warning: skipped {note}", file=sys.stderr)
    for problem in found.problems:
        print(f"problem: {problem}", file=sys.stderr)
    files = render(found)
    stale = [p for p, text in files.items() if not p.exists() or p.read_text() != text]
    if args.check:
        for path in stale:
            print(f"{path.relative_to(ROOT)} is out of date: run python scripts/gen_openapi.py", file=sys.stderr)
        return 1 if stale or found.problems else 0
    SPEAKEASY.mkdir(exist_ok=True)
    for path in stale:
        path.write_text(files[path])
        print(f"wrote {path.relative_to(ROOT)}")
    print(f"{len(found.entries)} operations from {len(found.methods)} SDK methods")
    return 1 if found.problems else 0


if __name__ == "__main__":
    sys.exit(main())
