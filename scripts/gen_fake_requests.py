#!/usr/bin/env python
"""Extract what the real MUXI runtime validates in each request into the fake server's package.

    python scripts/gen_fake_requests.py            # rewrite src/muxi_sdk/testing/runtime_requests.json
    python scripts/gen_fake_requests.py --check    # exit 1 if the committed file is stale

The source is the runtime's own OpenAPI document (`../shared/api/formation-openapi.json`, written by
runtime 1.20260928.0's FastAPI app). The runtime checks every JSON body and query parameter against these
schemas (pydantic) before a route runs and answers 422 `INVALID_PARAMS`; the fake server does the same
with `muxi_sdk.testing.validation`. Kept per operation: the query parameters and the JSON body schema, with
only the keywords that validation reads; the component schemas they reference are kept once.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "api" / "formation-openapi.json"
TARGET = ROOT / "src" / "muxi_sdk" / "testing" / "runtime_requests.json"

_KEYWORDS = {
    "type", "properties", "required", "items", "anyOf", "oneOf", "allOf", "$ref", "additionalProperties",
    "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength",
    "minItems", "maxItems",
}  # fmt: skip


def _slim(schema: Any) -> Any:
    if isinstance(schema, list):
        return [_slim(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key not in _KEYWORDS:
            continue
        if key == "properties":
            out[key] = {name: _slim(sub) for name, sub in value.items()}
        elif key == "$ref":
            out[key] = value.rsplit("/", 1)[-1]
        else:
            out[key] = _slim(value)
    return out


def _refs(schema: Any, found: set[str]) -> None:
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "$ref":
                found.add(value)
            else:
                _refs(value, found)
    elif isinstance(schema, list):
        for item in schema:
            _refs(item, found)


def build(spec: dict[str, Any]) -> dict[str, Any]:
    operations = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            query = {
                p["name"]: {**_slim(p.get("schema", {})), **({"x-required": True} if p.get("required") else {})}
                for p in op.get("parameters", [])
                if p["in"] == "query"
            }
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if not query and body is None:
                continue
            entry: dict[str, Any] = {"method": method.upper(), "path": path}
            if query:
                entry["query"] = query
            if body is not None:
                entry["body"] = _slim(body)
                entry["body_required"] = bool(op["requestBody"].get("required"))
            operations.append(entry)
    components = {name: _slim(s) for name, s in spec.get("components", {}).get("schemas", {}).items()}
    wanted: set[str] = set()
    _refs(operations, wanted)
    while True:  # references inside referenced schemas
        more: set[str] = set()
        _refs([components[n] for n in wanted], more)
        if more <= wanted:
            break
        wanted |= more
    return {
        "runtime": spec["info"]["version"],
        "operations": operations,
        "schemas": {name: components[name] for name in sorted(wanted)},
    }


def render(spec: dict[str, Any]) -> str:
    # not sorted: pydantic reports a model's errors in the order its fields are declared
    return json.dumps(build(spec), indent=1) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed file is stale")
    args = parser.parse_args()
    text = render(json.loads(SOURCE.read_text()))
    if args.check:
        if not TARGET.exists() or TARGET.read_text() != text:
            print(f"{TARGET.relative_to(ROOT)} is stale: run python scripts/gen_fake_requests.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text)
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
