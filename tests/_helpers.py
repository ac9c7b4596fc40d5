"""Helpers shared by the test modules (import them: `from _helpers import ...`; fixtures live in conftest.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def load_script(name: str) -> Any:
    """Import `scripts/<name>.py` (not a package) as the module `_muxi_<name>`."""
    spec = importlib.util.spec_from_file_location(f"_muxi_{name}", ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the script runs
    spec.loader.exec_module(module)
    return module
