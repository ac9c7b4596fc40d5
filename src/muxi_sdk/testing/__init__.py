"""A fake MUXI server for tests and examples: `pip install muxi-sdk[testing]`.

    from muxi_sdk.testing import FakeMuxi
    with FakeMuxi() as fake:
        m = fake.client(user_id="u1")
        assert m.chat.send(message="hi").text == "Echo: hi"

Pytest fixtures `muxi_fake` (a fresh state per test) and `muxi_fake_server` (one server per session) are
registered automatically when this extra is installed.
"""

from .app import create_app
from .engine import ReplyEngine, ScriptedReply
from .envelope import APIError
from .faults import Faults
from .server import FakeMuxi
from .state import FakeState

__all__ = ["APIError", "FakeMuxi", "FakeState", "Faults", "ReplyEngine", "ScriptedReply", "create_app"]
