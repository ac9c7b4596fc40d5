"""The fake server refuses wrongly typed input as runtime 1.20260928 does: 422 INVALID_PARAMS, never 500.

The exact answers pinned below were recorded from the real runtime (`scripts/live.sh` starts one; the live
twin of this fuzz is tests/live/test_validation_parity.py). The fuzz walks every route of every fake route
module, so a route added later is covered without being listed here.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from muxi_sdk.testing import FakeMuxi, FakeState
from muxi_sdk.testing.routes import ROUTE_MODULES
from muxi_sdk.testing.routes.server import set_auth
from muxi_sdk.testing.validation import runtime_requests

# Values of every JSON type; whatever a field wants, most of them are wrong for it.
WRONG: list[Any] = [["a"], {"k": ["v"]}, "not-a-number", 12.5, True, None, -1]


def fake_routes() -> Iterator[tuple[str, str]]:
    state = FakeState()
    for name in ROUTE_MODULES:
        module = importlib.import_module(f"muxi_sdk.testing.routes.{name}")
        for route in module.routes(state):
            for method in sorted(route.methods or ()):
                if method != "HEAD":
                    yield method, "/v1" + route.path
        for route in getattr(module, "server_routes", lambda _s: [])(state):
            for method in sorted(route.methods or ()):
                if method != "HEAD":
                    yield method, route.path


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path.replace("{action}", "restart"))


def sample(schema: dict[str, Any]) -> Any:
    """A valid value for a runtime schema (required fields only)."""
    components = runtime_requests().schemas.components
    while "$ref" in schema or len(schema.get("allOf", ())) == 1:
        schema = components[schema["$ref"]] if "$ref" in schema else schema["allOf"][0]
    if "anyOf" in schema:
        return None if any(m.get("type") == "null" for m in schema["anyOf"]) else sample(schema["anyOf"][0])
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {name: sample(props[name]) for name in schema.get("required", ()) if name in props}
    return {"string": "x", "integer": 1, "number": 1.0, "boolean": False, "array": []}.get(kind or "", "x")


def fields_of(body_schema: dict[str, Any]) -> dict[str, Any]:
    schema = body_schema
    components = runtime_requests().schemas.components
    while "$ref" in schema:
        schema = components[schema["$ref"]]
    return dict(schema.get("properties", {}))


def assert_runtime_422(response: httpx.Response, *, from_a_route: bool = False) -> list[dict[str, Any]]:
    """The runtime's validation 422; `from_a_route`: a route's own 422 (the runtime's handlers raise some,
    with a message and no `validation_errors`) is accepted too, and gives []."""
    assert response.status_code == 422, response.text
    body = response.json()
    assert list(body) == ["object", "timestamp", "type", "request", "success", "error", "data"]
    assert body["type"] == "error.validation" and body["success"] is False
    error = body["error"]
    where = (response.request.method, str(response.request.url), error)
    assert error["code"] == "INVALID_PARAMS", where
    if from_a_route and error["data"] is None:
        assert isinstance(error["message"], str) and error["message"], where
        return []
    assert isinstance(error["data"], dict) and "validation_errors" in error["data"], where
    problems = error["data"]["validation_errors"]
    assert error["message"] == f"Validation failed: {len(problems)} error(s)"
    for p in problems:
        assert list(p) == ["field", "msg", "type", "error"] and all(isinstance(v, str) for v in p.values())
    return list(problems)


@pytest.fixture
def raw(muxi_fake: FakeMuxi) -> Iterator[httpx.Client]:
    s = muxi_fake.state
    headers = {"X-Muxi-Client-Key": s.client_key, "X-Muxi-Admin-Key": s.admin_key, "X-Muxi-User-ID": "alice"}
    with httpx.Client(base_url=muxi_fake.url, headers=headers, timeout=10) as client:
        yield client


# ------------------------------------------------------------------------------ answers recorded from the runtime
RECORDED = [
    (
        {"message": "hi", "stream": False, "session_id": ["a"]},
        [{"field": "session_id", "msg": "Input should be a valid string", "type": "string", "error": "wrong_type"}],
    ),
    (
        {"message": "hi", "stream": False, "session_id": {"a": 1}},
        [{"field": "session_id", "msg": "Input should be a valid string", "type": "string", "error": "wrong_type"}],
    ),
    (
        {"message": ["hi"], "stream": "x"},
        [
            {"field": "message", "msg": "Input should be a valid string", "type": "string", "error": "wrong_type"},
            {
                "field": "stream",
                "msg": "Input should be a valid boolean, unable to interpret input",
                "type": "string",
                "error": "invalid",
            },
        ],
    ),
    (
        [1, 2],
        [
            {
                "field": "",
                "msg": "Input should be a valid dictionary or object to extract fields from",
                "type": "string",
                "error": "wrong_type",
            }
        ],
    ),
    (
        {"message": "hi", "stream": False, "files": [1]},
        [{"field": "files.0", "msg": "Input should be a valid dictionary", "type": "string", "error": "wrong_type"}],
    ),
    (
        {"message": "hi", "stream": False, "threshold_seconds": "abc"},
        [
            {
                "field": "threshold_seconds",
                "msg": "Input should be a valid number, unable to parse string as a number",
                "type": "string",
                "error": "invalid",
            }
        ],
    ),
]


@pytest.mark.parametrize(("body", "expected"), RECORDED)
def test_chat_with_wrong_types_answers_like_the_runtime(raw: httpx.Client, body: Any, expected: Any) -> None:
    assert assert_runtime_422(raw.post("/v1/chat", json=body)) == expected


def test_invalid_json_and_missing_body_answer_like_the_runtime(raw: httpx.Client) -> None:
    problems = assert_runtime_422(raw.post("/v1/chat", content=b"{not json"))
    assert problems == [{"field": "1", "msg": "JSON decode error", "type": "string", "error": "invalid_json"}]
    problems = assert_runtime_422(raw.post("/v1/secrets"))
    assert problems == [{"field": "", "msg": "Field required", "type": "string", "error": "missing"}]
    problems = assert_runtime_422(raw.post("/v1/secrets", json={"key": 1, "value": "x"}))
    string = {"msg": "Input should be a valid string", "type": "string", "error": "wrong_type"}
    assert problems == [{"field": "key", **string}]


@pytest.mark.parametrize(
    ("query", "msg"),
    [
        ("limit=abc", "Input should be a valid integer, unable to parse string as an integer"),
        ("limit=0", "Input should be greater than or equal to 1"),
        ("active_only=maybe", "Input should be a valid boolean, unable to interpret input"),
    ],
)
def test_query_parameters_are_checked_like_the_runtime(raw: httpx.Client, query: str, msg: str) -> None:
    problems = assert_runtime_422(raw.get(f"/v1/sessions?{query}"))
    assert problems == [{"field": f"query.{query.split('=')[0]}", "msg": msg, "type": "string", "error": "invalid"}]


def test_the_key_is_checked_before_the_body(raw: httpx.Client, muxi_fake: FakeMuxi) -> None:
    response = raw.post("/v1/chat", json={"message": 1}, headers={"X-Muxi-Client-Key": "wrong"})
    assert response.status_code == 401
    # ... and the body before the user header (the runtime's order)
    response = raw.post("/v1/chat", json={"message": 1}, headers={"X-Muxi-User-ID": ""})
    assert_runtime_422(response)


# ------------------------------------------------------------------------------ the fuzz
def test_every_runtime_operation_the_fake_serves_is_matched() -> None:
    spec = runtime_requests()
    served = {(m, concrete(p)) for m, p in fake_routes() if p.startswith("/v1")}
    matched = {(m, p) for m, p in served if spec.match(m, p) is not None}
    assert ("POST", "/v1/chat") in matched and ("GET", "/v1/sessions") in matched
    assert ("POST", "/v1/triggers/x") in matched  # the fake's {name} is the runtime's {trigger_name}


def test_fuzz_every_route_with_wrong_types_never_500(muxi_fake: FakeMuxi, raw: httpx.Client) -> None:
    """Every route x every body field x every JSON type (and wrong query values): never 500, and a value
    the runtime's schema cannot take is refused with its 422 naming the field."""
    spec = runtime_requests()
    sent = refused = 0
    for method, template in fake_routes():
        path = concrete(template)
        op = spec.match(method, path) if path.startswith("/v1") else None
        cases: list[tuple[str, Any, str | None]] = []  # (query, body, the field made wrong)
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            fields = fields_of(op.body) if op and op.body else dict.fromkeys(("message", "session_id", "name", "value"))
            base = sample(op.body) if op and op.body else {}
            cases += [("", w, None) for w in WRONG]
            cases += [("", {**base, name: w}, name) for name in fields for w in WRONG]
        queries = (op.query if op else None) or {"limit": 0}
        cases += [(f"{q}={v}", None, None) for q in queries for v in ("abc", "-5", "[1]", "")]
        for query, body, field in cases:
            set_auth(muxi_fake.state, enabled=False)
            content = None if body is None and method == "GET" else json.dumps(body)
            with raw.stream(method, f"{path}?{query}" if query else path, content=content) as response:
                if "event-stream" not in response.headers.get("content-type", ""):
                    response.read()
            sent += 1
            assert response.status_code != 500, (method, path, query, body, response.read()[:300])
            if op is not None and response.status_code == 422:
                problems = assert_runtime_422(response, from_a_route=True)
                refused += 1
                kinds = _field_kinds(fields_of(op.body or {}).get(field or "", {}))
                scalar = bool(kinds) and kinds <= {"string", "integer", "number", "boolean"}
                if scalar and isinstance(body, dict) and isinstance(body.get(field or ""), list):
                    # a list is never a scalar: the 422 names the field
                    assert any(p["field"] == field for p in problems), (method, path, body, problems)
            muxi_fake.reset()
    assert sent > 1000 and refused > 200


def _field_kinds(schema: dict[str, Any]) -> set[str]:
    members = schema.get("anyOf") or [schema]
    return {m["type"] for m in members if "type" in m and m["type"] != "null"} | (
        {"ref"} if any("$ref" in m for m in members) else set()
    )


def test_the_schemas_are_the_runtimes_current_openapi() -> None:
    """runtime_requests.json is what scripts/gen_fake_requests.py extracts from ../shared/api today."""
    from _helpers import load_script

    gen = load_script("gen_fake_requests")
    if not gen.SOURCE.exists():
        pytest.skip(f"{gen.SOURCE} is not beside the repository (CI and developer machines have it)")
    assert gen.TARGET.read_text() == gen.render(json.loads(gen.SOURCE.read_text()))
    assert runtime_requests().runtime == "1.20260928.0"
