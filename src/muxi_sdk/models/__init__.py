"""Public models, loaded on first use: `from muxi_sdk.models import ChatResponse`."""

from __future__ import annotations

import importlib
from typing import Any

# name -> module under muxi_sdk.models; resources add their modules here.
_MODULES = [
    "shared",
    "chat",
    "system",
    "webhooks",
    "memory",
    "server",
    "formations",
    "triggers",
    "scheduler",
    "sessions",
    "requests",
    "events",
    "agents",
    "secrets",
    "mcp",
    "users",
    "credentials",
    "tuning",
    "skills",
    "history",
    "channels",
    "artifacts",
    "memory_admin",
    "knowledge",
]
_INDEX: dict[str, str] | None = None


def _index() -> dict[str, str]:
    global _INDEX
    if _INDEX is None:
        index: dict[str, str] = {}
        for mod in _MODULES:
            module = importlib.import_module(f"muxi_sdk.models.{mod}")
            for name in dir(module):
                if not name.startswith("_") and name[0].isupper():
                    index.setdefault(name, mod)
        _INDEX = index
    return _INDEX


def __getattr__(name: str) -> Any:
    mod = _index().get(name)
    if mod is None:
        raise AttributeError(f"module 'muxi_sdk.models' has no attribute {name!r}")
    return getattr(importlib.import_module(f"muxi_sdk.models.{mod}"), name)


def __dir__() -> list[str]:
    return sorted(_index())
