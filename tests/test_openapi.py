""".speakeasy/openapi.yaml is what scripts/gen_openapi.py makes of the code: one operation per SDK method."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from typing import Any

import pytest

from _helpers import ROOT, discover, load_script

# internal: a demo resource is built the way resources are, to prove the spec generator reads it
from muxi_sdk._core.operation import Call, Operation, RequestInput
from muxi_sdk._core.options import RequestOptions, call_options
from muxi_sdk._core.twins import async_op, sync_op
from muxi_sdk.basesdk import BaseSDK
from muxi_sdk.sdk import Muxi

FIX = "run `python scripts/gen_openapi.py` and commit the result"

gen = load_script("gen_openapi")


@pytest.fixture(scope="module")
def found() -> Any:
    return discover(gen, "gen_openapi")


@pytest.fixture(scope="module")
def spec(found: Any) -> dict[str, Any]:
    return gen.build_spec(found)  # type: ignore[no-any-return]


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method != "servers":
                yield path, method, op


def test_committed_files_match_the_code(found: Any) -> None:
    for path, text in gen.render(found).items():
        rel = path.relative_to(ROOT)
        assert path.exists(), f"{rel} is missing: {FIX}"
        assert path.read_text() == text, f"{rel} is out of date with the code: {FIX}"


def test_operation_ids_are_unique(found: Any, spec: dict[str, Any]) -> None:
    assert not found.duplicates, "\n".join(found.duplicates)
    ids = [op["operationId"] for _, _, op in _operations(spec)]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def test_every_public_resource_method_has_an_operation(found: Any, spec: dict[str, Any]) -> None:
    assert not found.unmapped, "\n".join(found.unmapped)
    documented = {m for _, _, op in _operations(spec) for m in op["x-muxi-sdk-methods"]}
    for method in found.methods:
        for name in method.names:
            assert f"{method.resource}.{name}" in documented


def test_known_operations_are_described(spec: dict[str, Any]) -> None:
    ops = {op["operationId"]: (path, method, op) for path, method, op in _operations(spec)}
    path, method, send = ops["chat_send"]
    assert (path, method) == ("/chat", "post")
    assert send["security"] == [{"clientKey": []}]
    assert {"$ref": "#/components/parameters/IdempotencyKey"} in send["parameters"]
    assert send["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ChatRequest"}
    data = send["responses"]["200"]["content"]["application/json"]["schema"]["allOf"][1]["properties"]["data"]
    assert data == {"$ref": "#/components/schemas/ChatResponse"}
    assert send["x-muxi-sdk-methods"] == ["chat.send", "chat.send_async"]
    path, _, stream = ops["chat_stream"]
    assert path == "/chat#stream"
    assert "text/event-stream" in stream["responses"]["200"]["content"]
    if "system_health" in ops:  # public, and the Formation API keeps `/health` (the Server API's is `#...`)
        path, _, health = ops["system_health"]
        assert path == "/health" and health["security"] == []
    schemas = spec["components"]["schemas"]
    assert {"ChatRequest", "ChatResponse", "MuxiEnvelope", "ErrorEnvelope"} <= set(schemas)


def test_every_reference_resolves(spec: dict[str, Any]) -> None:
    def refs(value: Any) -> Iterator[str]:
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "$ref" and isinstance(item, str):
                    yield item
                else:
                    yield from refs(item)
        elif isinstance(value, list):
            for item in value:
                yield from refs(item)

    for ref in set(refs(spec)):
        node: Any = spec
        for part in ref.removeprefix("#/").split("/"):
            assert isinstance(node, dict) and part in node, f"dangling $ref {ref}"
            node = node[part]


def test_yaml_reads_back_as_the_document(spec: dict[str, Any]) -> None:
    yaml = pytest.importorskip("yaml")
    assert yaml.safe_load(gen.to_yaml(spec)) == spec


def test_yaml_writer_quotes_what_yaml_would_misread() -> None:
    text = gen.to_yaml({"a": ["yes", "1.0", "/x#y", "", None, True, 3, {}, [], {"b": [{"c": "d"}]}]})
    assert text == ('a:\n- "yes"\n- "1.0"\n- "/x#y"\n- ""\n- null\n- true\n- 3\n- {}\n- []\n- b:\n  - c: d\n')


# ------------------------------------------------------------------------------ the checks catch mistakes

ONE = Operation("demo_one", "GET", "/demo/{demo_id}", "admin", dict)
SAME_ID = Operation("demo_one", "DELETE", "/demo/{demo_id}", "admin", dict)


class _Demo(BaseSDK):
    def _one(self, *, demo_id: str, limit: int | None = None, **options: Any) -> Call[Any]:
        """Get one demo.

        Longer text.
        """
        return Call(ONE, RequestInput({"demo_id": demo_id}, query={"limit": limit}), call_options(options))

    def _clash(self, **options: Any) -> Call[Any]:
        """Same id, other operation."""
        return Call(SAME_ID, RequestInput(), call_options(options))

    def _nothing(self, **options: Any) -> Call[Any]:
        """Builds no Operation at all."""
        return Call(options["op"], RequestInput(), call_options(options))

    one = sync_op(_one)
    one_async = async_op(_one)
    clash = sync_op(_clash)
    nothing = sync_op(_nothing)

    def helper(self) -> None:
        """Public, makes HTTP calls the spec cannot see."""

    def first(self, **options: Any) -> Any:
        """A convenience over `one`: fine."""
        return self.one(demo_id="x", **options)


@pytest.fixture
def demo_module(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("muxi_sdk._demo_resource")
    module.Demo = _Demo  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr(Muxi, "_sub_sdk_map", {"demo": (module.__name__, "Demo")})
    _ = RequestOptions


def test_discovery_reports_duplicates_and_unmapped_methods(demo_module: None) -> None:
    found = gen.discover()
    assert [m.names for m in found.methods] == [["one", "one_async"], ["clash"], ["nothing"]]
    assert len(found.duplicates) == 1 and "demo_one" in found.duplicates[0]
    unmapped = "\n".join(found.unmapped)
    assert "demo.nothing" in unmapped and "demo.helper" in unmapped and "demo.first" not in unmapped
    spec = gen.build_spec(found)
    op = spec["paths"]["/demo/{demo_id}"]["get"]
    assert op["summary"] == "Get one demo." and op["description"] == "Longer text."
    assert op["security"] == [{"adminKey": []}]
    assert op["parameters"][:2] == [
        {"name": "demo_id", "in": "path", "required": True, "schema": {"type": "string"}},
        {"name": "limit", "in": "query", "required": False, "schema": {"type": "integer"}},
    ]


def test_missing_and_broken_resource_modules_are_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = types.ModuleType("muxi_sdk._broken_resource")
    monkeypatch.setitem(sys.modules, broken.__name__, broken)  # no class in it
    monkeypatch.setattr(
        Muxi,
        "_sub_sdk_map",
        {
            "nothere": ("muxi_sdk._no_such_resource", "Nothing"),
            "broken": (broken.__name__, "Broken"),
            "chat": ("muxi_sdk.chat", "Chat"),
        },
    )
    found = gen.discover()
    assert [s.split(":")[0] for s in found.skipped] == ["broken"]
    assert {e.op.operation_id for e in found.entries} >= {"chat_send", "chat_stream"}
