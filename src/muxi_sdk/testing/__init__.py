"""A fake MUXI server for tests and examples: `pip install "muxi-sdk[testing]"`.

    from muxi_sdk.testing import FakeMuxi
    with FakeMuxi() as fake:
        m = fake.client(user_id="u1")
        assert m.chat.send(message="hi").text == "Echo: hi"

Pytest fixtures `muxi_fake` (a fresh state per test) and `muxi_fake_server` (one server per session) are
registered by the `muxi-sdk` pytest plugin. The plugin loads without the `testing` extra (so installing the
SDK never breaks an unrelated pytest run); its fixtures then fail with the install hint, and so does
importing the names below.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import create_app
    from .engine import ReplyEngine, ScriptedReply
    from .envelope import APIError
    from .faults import Faults
    from .server import FakeMuxi
    from .state import FakeState

__all__ = ["APIError", "FakeMuxi", "FakeState", "Faults", "ReplyEngine", "ScriptedReply", "create_app"]

INSTALL_HINT = 'the fake MUXI server needs the testing extra: pip install "muxi-sdk[testing]"'
_EXTRA = ("starlette", "uvicorn")
_EXPORTS = {
    "create_app": "app",
    "ReplyEngine": "engine",
    "ScriptedReply": "engine",
    "APIError": "envelope",
    "Faults": "faults",
    "FakeMuxi": "server",
    "FakeState": "state",
}


def import_extra(module: str) -> Any:
    """Import `muxi_sdk.testing.<module>`, or raise ImportError with the install hint if the extra is missing."""
    try:
        return importlib.import_module(f"{__name__}.{module}")
    except ModuleNotFoundError as exc:
        if exc.name not in _EXTRA:
            raise
        raise ImportError(f"{INSTALL_HINT} (missing: {exc.name})", name=exc.name) from exc


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_extra(_EXPORTS[name]), name)
    globals()[name] = value
    return value
