"""The example scripts run: against the bundled fake server by default, and against the MUXI env vars name."""

from __future__ import annotations

import pytest

from _helpers import env_without_muxi, run_example
from muxi_sdk.testing import FakeMuxi

EXAMPLES = ["quickstart.py", "chat_stream.py"]


@pytest.mark.parametrize("script", EXAMPLES)
def test_example_runs_against_the_bundled_fake_server(script: str) -> None:
    proc = run_example(script, env_without_muxi())
    assert "Echo:" in proc.stdout
    assert "bundled fake server" in proc.stderr
    CHECKS[script](proc.stdout)


@pytest.mark.parametrize("script", EXAMPLES)
def test_example_uses_the_muxi_named_by_the_environment(script: str, muxi_fake: FakeMuxi) -> None:
    s = muxi_fake.state
    env = {
        **env_without_muxi(),
        "MUXI_URL": muxi_fake.url,
        "MUXI_CLIENT_KEY": s.client_key,
        "MUXI_USER_ID": "env-user",
    }
    proc = run_example(script, env)
    assert "Echo:" in proc.stdout
    assert "bundled fake server" not in proc.stderr
    sessions = s.table("sessions")
    assert sessions and all(rec["user_id"] == "env-user" for rec in sessions.values())


def _check_quickstart(out: str) -> None:
    assert "Formation health: healthy" in out
    assert "Reply: Echo: Hello, MUXI!" in out
    assert "Streamed reply: Echo: Stream this reply token by token" in out
    assert "[async] Reply: Echo: Hello from asyncio!" in out
    assert "[async] Streamed reply: Echo: Async streaming works too" in out


def _check_chat_stream(out: str) -> None:
    kinds = {line.split()[0] for line in out.split("-- .final()")[0].splitlines()[1:] if line.strip()}
    assert {"content", "completed", "done"} <= kinds
    assert "text:     Echo: Summarise that in one line" in out


CHECKS = {"quickstart.py": _check_quickstart, "chat_stream.py": _check_chat_stream}
