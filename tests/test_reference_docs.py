"""Reference docs are complete: every public resource method has its section, with a python example, and
README.md's "Available Resources and Operations" links every resource and method.

A resource is every class reachable from `Muxi._sub_sdk_map`, nested ones included (`users.credentials`,
documented in the parent's page as `## credentials.<method>`). `*_async` twins are documented with their
sync method. The examples themselves are executed by tests/test_docs.py.
"""

from __future__ import annotations

import importlib
import re
import typing
from pathlib import Path

import pytest

from muxi_sdk._core.resources import nested

# internal: the walk reads how resources are put together (BaseSDK, nested), which no public name exposes.
from muxi_sdk.basesdk import BaseSDK
from muxi_sdk.sdk import Muxi

ROOT = Path(__file__).resolve().parents[1]
_SECTION = re.compile(r"^## +(.+?)\s*$", re.M)
_OPERATIONS = re.compile(
    r"<!-- Start Available Resources and Operations \[operations\] -->(.*?)"
    r"<!-- End Available Resources and Operations \[operations\] -->",
    re.S,
)


def public_methods(cls: type) -> list[str]:
    """Public methods defined by the resource class (and its own bases up to `BaseSDK`), sync names only."""
    names: list[str] = []
    for klass in cls.__mro__:
        if klass is BaseSDK or not issubclass(klass, BaseSDK):
            continue
        for name, value in vars(klass).items():
            if name.startswith("_") or name.endswith("_async") or name in names:
                continue
            if callable(value) and not isinstance(value, type):
                names.append(name)
    return names


def nested_resources(cls: type) -> dict[str, type]:
    """Nested resources (`Users.credentials` -> `Credentials`): `nested(...)` or a property returning one."""
    found: dict[str, type] = {}
    for name, value in vars(cls).items():
        if isinstance(value, nested):
            found[name] = value.cls
            continue
        if name.startswith("_") or not isinstance(value, property) or value.fget is None:
            continue
        module = importlib.import_module(cls.__module__)
        hints = typing.get_type_hints(value.fget, vars(module))
        ret = hints.get("return")
        if isinstance(ret, type) and issubclass(ret, BaseSDK):
            found[name] = ret
    return found


def operations() -> dict[str, list[str]]:
    """resource -> documented names (`method`, `credentials.method`)."""
    out: dict[str, list[str]] = {}
    for resource, (module_name, class_name) in Muxi._sub_sdk_map.items():
        cls = getattr(importlib.import_module(module_name), class_name)
        names = public_methods(cls)
        for prefix, child in nested_resources(cls).items():
            names += [f"{prefix}.{m}" for m in public_methods(child)]
        out[resource] = names
    return out


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = heading.strip().lower().replace("`", "")
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def sections(path: Path) -> dict[str, str]:
    """`## name` -> the section's text (until the next `## `)."""
    text = path.read_text()
    found = list(_SECTION.finditer(text))
    out: dict[str, str] = {}
    for i, match in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(text)
        name = match.group(1).replace("`", "").split("(")[0].strip()
        out[name] = text[match.end() : end]
    return out


OPERATIONS = operations()


@pytest.mark.parametrize("resource", sorted(OPERATIONS))
def test_every_method_has_a_section_with_a_python_example(resource: str) -> None:
    page = ROOT / "docs" / "sdks" / resource / "README.md"
    assert page.exists(), f"{page.relative_to(ROOT)} is missing"
    found = sections(page)
    missing = [m for m in OPERATIONS[resource] if m not in found]
    assert not missing, f"{page.relative_to(ROOT)} has no '## <method>' section for {missing}"
    no_example = [m for m in OPERATIONS[resource] if "```python" not in found[m]]
    assert not no_example, f"{page.relative_to(ROOT)}: sections without a python example: {no_example}"


def test_readme_lists_every_resource_and_method() -> None:
    match = _OPERATIONS.search((ROOT / "README.md").read_text())
    assert match, "README.md has no Available Resources and Operations section"
    section = match.group(1)
    for resource, methods in OPERATIONS.items():
        page = f"docs/sdks/{resource}/README.md"
        assert f"({page})" in section, f"README.md does not link {page}"
        for method in methods:
            link = f"({page}#{anchor(method)})"
            assert link in section, f"README.md does not link {resource}.{method} as {link}"


def test_the_walk_finds_nested_resources() -> None:
    assert "credentials.create" in OPERATIONS["users"]
    assert "send" in OPERATIONS["chat"] and "send_async" not in OPERATIONS["chat"]
