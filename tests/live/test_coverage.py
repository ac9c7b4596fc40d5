"""Live: every public operation of the SDK reached the real runtime during this run (runs last).

The surface is discovered, not listed: every resource reachable from `Muxi._sub_sdk_map` whose module
imports (and the resources nested in it), every public method except the `*_async` twins (a twin shares
its sync method's builder and so its operations). A method's operations are the module-level `Operation`s
its builder names. `conftest.RECORDER`, a hook on every `Muxi` of the tier, notes each operation id that
reached the wire; an operation that never did fails this test.
"""

from __future__ import annotations

import importlib
import inspect
import types
from collections.abc import Iterator
from typing import Any

import pytest

from muxi_sdk import Muxi

# internal: the coverage check walks every Operation the resources declare
from muxi_sdk._core.operation import Operation
from muxi_sdk.basesdk import BaseSDK

from .helpers import PARTIAL_RUN, RECORDER, OperationRecorder

pytestmark = pytest.mark.live

NO_MUXI_SERVER = (
    "Server API (MUXI server, /rpc/..., HMAC): the live tier runs a bare formation runtime "
    "(muxi-runtime); there is no MUXI server (a Go binary) to run it against"
)
# Whole resources that cannot or need not run against the formation runtime.
EXCLUDED_RESOURCES: dict[str, str] = {
    "server": NO_MUXI_SERVER,
    "formations": NO_MUXI_SERVER,
    "webhooks": "local helpers (signature verification and payload parsing): they send no request",
}
# Single operations exempted from the live tier, with the reason (operation id -> reason). Keep it short.
EXEMPT_OPERATIONS: dict[str, str] = {}
# Public methods that are not operations (no builder, no request), per "resource.method".
LOCAL_HELPERS: dict[str, str] = {}


def _class_members(cls: type) -> dict[str, Any]:
    """Attributes of a class and its bases, without running descriptors (`inspect.getmembers_static`
    needs Python 3.11)."""
    members: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        members.update(vars(klass))
    return members


def _builder_of(method: Any) -> Any:
    """The private builder a `sync_op` / `async_op` / `async_stream_op` method was made from (or None)."""
    for cell in getattr(method, "__closure__", None) or ():
        value = cell.cell_contents
        if isinstance(value, types.FunctionType) and value.__name__.startswith("_"):
            return value
    return None


def _code_names(code: types.CodeType) -> Iterator[str]:
    yield from code.co_names
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_names(const)


def _operations_of(builder: Any) -> list[Operation]:
    found: dict[str, Operation] = {}
    for name in _code_names(builder.__code__):
        value = builder.__globals__.get(name)
        if isinstance(value, Operation):
            found[value.operation_id] = value
    return list(found.values())


def _resources(m: Muxi) -> Iterator[tuple[str, BaseSDK | None, str | None]]:
    """(dotted path, resource or None, reason it is unavailable) for every resource reachable from `m`."""
    for name, (module_name, class_name) in sorted(type(m)._sub_sdk_map.items()):
        try:
            getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError) as exc:
            yield name, None, f"{module_name}.{class_name} does not import yet ({type(exc).__name__})"
            continue
        yield from _walk(name, getattr(m, name), set())


def _walk(path: str, resource: BaseSDK, seen: set[int]) -> Iterator[tuple[str, BaseSDK | None, str | None]]:
    if id(resource) in seen:
        return
    seen.add(id(resource))
    yield path, resource, None
    names = set(vars(resource)) | set(_class_members(type(resource)))
    for attr in sorted(n for n in names if not n.startswith("_") and n != "parent_ref"):
        if getattr(inspect.getattr_static(resource, attr, None), "deprecated", False):
            continue  # an old name of a method that is walked under its new name
        try:
            value = getattr(resource, attr)
        except Exception:
            continue
        if isinstance(value, BaseSDK) and not isinstance(value, Muxi):
            yield from _walk(f"{path}.{attr}", value, seen)


def surface() -> tuple[dict[str, list[Operation]], dict[str, str]]:
    """({"chat.send": [ops], ...}, {"resource or method": why it is not checked})."""
    methods: dict[str, list[Operation]] = {}
    skipped: dict[str, str] = {}
    with Muxi(url="http://127.0.0.1:9", client_key="k", admin_key="k", key_id="k", secret_key="k") as m:
        for path, resource, unavailable in _resources(m):
            top = path.split(".")[0]
            if unavailable is not None:
                skipped[path] = unavailable
                continue
            if top in EXCLUDED_RESOURCES:
                skipped[path] = EXCLUDED_RESOURCES[top]
                continue
            assert resource is not None
            cls = type(resource)
            for name, member in sorted(_class_members(cls).items()):
                if name.startswith("_") or not callable(member) or isinstance(member, type):
                    continue
                if name.endswith("_async") and hasattr(cls, name[: -len("_async")]):
                    continue
                if any(name in vars(base) for base in BaseSDK.__mro__):
                    continue
                key = f"{path}.{name}"
                builder = _builder_of(member)
                if builder is None:
                    if key in LOCAL_HELPERS:
                        skipped[key] = LOCAL_HELPERS[key]
                        continue
                    methods[key] = []  # reported below: neither an operation nor a listed helper
                    continue
                methods[key] = _operations_of(builder)
    return methods, skipped


def test_every_public_operation_ran_live(recorder: OperationRecorder) -> None:
    if PARTIAL_RUN["value"]:
        pytest.skip("partial live run (tests were deselected): the coverage check needs the whole tier")
    assert recorder is RECORDER
    methods, skipped = surface()
    recorded = set(recorder.counts)
    problems: list[str] = []
    exempt_used: set[str] = set()
    for key, ops in sorted(methods.items()):
        if not ops:
            problems.append(
                f"{key}: a public method that is not derived from an Operation; if it sends no request, "
                "list it in LOCAL_HELPERS (tests/live/test_coverage.py) with the reason"
            )
            continue
        for op in ops:
            if op.api == "server":
                skipped[f"{key} ({op.operation_id})"] = NO_MUXI_SERVER
            elif op.operation_id in EXEMPT_OPERATIONS:
                exempt_used.add(op.operation_id)
                skipped[f"{key} ({op.operation_id})"] = EXEMPT_OPERATIONS[op.operation_id]
            elif op.operation_id not in recorded:
                problems.append(f"{key}: operation {op.operation_id} ({op.method} {op.path}) never ran live")
    for op_id in sorted(set(EXEMPT_OPERATIONS) & recorded):
        problems.append(f"{op_id} is exempted in EXEMPT_OPERATIONS but ran live: remove the exemption")
    print(f"\nlive coverage: {len(methods)} public methods, {len(recorded)} operation ids sent")
    for what, why in sorted(skipped.items()):
        print(f"  not checked: {what}: {why}")
    assert not problems, "operations not exercised by the live tier:\n  " + "\n  ".join(problems)
