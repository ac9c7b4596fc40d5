"""The example scripts run: against the bundled fake server by default, and against the MUXI env vars name."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from muxi_sdk.testing import FakeMuxi

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ["quickstart.py", "chat_stream.py"]


def _run(script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / script)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, f"{script} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("MUXI_")}


@pytest.mark.parametrize("script", EXAMPLES)
def test_example_runs_against_the_bundled_fake_server(script: str) -> None:
    proc = _run(script, _clean_env())
    assert "Echo:" in proc.stdout
    assert "bundled fake server" in proc.stderr
    CHECKS[script](proc.stdout)


@pytest.mark.parametrize("script", EXAMPLES)
def test_example_uses_the_muxi_named_by_the_environment(script: str, muxi_fake: FakeMuxi) -> None:
    s = muxi_fake.state
    env = {
        **_clean_env(),
        "MUXI_URL": muxi_fake.url,
        "MUXI_CLIENT_KEY": s.client_key,
        "MUXI_USER_ID": "env-user",
    }
    proc = _run(script, env)
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
