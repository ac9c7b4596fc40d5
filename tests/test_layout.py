"""The package layout CONTRIBUTING.md describes: arrows point down, no module takes another's private names."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from _helpers import ROOT

PACKAGE = ROOT / "src" / "muxi_sdk"
INTERNAL = ("_core", "_streams", "_utils")
# What sits above the internal packages: the resources, the root client and its configuration.
UPPER = {p.stem for p in PACKAGE.glob("*.py") if not p.stem.startswith("_")} - {"types"}


def _runtime_imports(path: Path) -> Iterator[tuple[int, str, list[str]]]:
    """(line, absolute module, names) of every import that runs (not under `if TYPE_CHECKING:`)."""
    tree = ast.parse(path.read_text())
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    skip: set[int] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.If)
            and "TYPE_CHECKING" in ast.unparse(node.test)
            and "not" not in ast.unparse(node.test)
        ):
            skip.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    for node in ast.walk(tree):
        if id(node) in skip or not isinstance(node, ast.ImportFrom) or node.module == "__future__":
            continue
        base = package.split(".")
        if node.level:
            base = base[: len(base) - node.level + 1]
            module = ".".join([*base, node.module] if node.module else base)
        else:
            module = node.module or ""
        yield node.lineno, module, [a.name for a in node.names]


def test_internal_packages_never_import_upward() -> None:
    upward = []
    for folder in INTERNAL:
        for path in sorted((PACKAGE / folder).glob("*.py")):
            for line, module, names in _runtime_imports(path):
                targets = [module] + [f"{module}.{n}" for n in names] if module == "muxi_sdk" else [module]
                for target in targets:
                    parts = target.split(".")
                    if len(parts) >= 2 and parts[0] == "muxi_sdk" and parts[1] in UPPER:
                        upward.append(f"{path.relative_to(PACKAGE)}:{line} imports {target}")
    assert not upward, "internal modules import upward:\n" + "\n".join(upward)


def test_no_module_imports_another_modules_private_names() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for line, module, names in _runtime_imports(path):
            private = [n for n in names if n.startswith("_") and not n.startswith("__") and n != "_version"]
            if private and module.startswith("muxi_sdk"):
                found.append(f"{path.relative_to(PACKAGE)}:{line} takes {', '.join(private)} from {module}")
    assert not found, "private names imported across modules:\n" + "\n".join(found)


def test_every_event_protocol_lives_in_streams() -> None:
    """No resource module decodes frames itself: `decode_*` functions live in `_streams/`."""
    stray = []
    for path in sorted(PACKAGE.glob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and node.name.lstrip("_").startswith("decode_"):
                stray.append(f"{path.name}: {node.name}")
    assert not stray, "frame decoders outside _streams/:\n" + "\n".join(stray)
