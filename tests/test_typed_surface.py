"""What a user's type checker sees: exact types for sync and async calls, streams, pages and fixtures.

`typed_user_script.py` is a user's script (public imports only). It runs here against the fake server, and
`mypy --strict` (and pyright, when installed) must accept it, `assert_type` by `assert_type`. A misspelt model
import must fail the check.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import typed_user_script as script
from _helpers import ROOT
from muxi_sdk.testing import FakeMuxi

SCRIPT = Path(script.__file__)


def test_the_script_runs_sync(muxi_fake: FakeMuxi) -> None:
    script.sync_calls(muxi_fake)


async def test_the_script_runs_async(muxi_fake: FakeMuxi) -> None:
    await script.async_calls(muxi_fake)


def _mypy(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_mypy_strict_accepts_the_exact_types() -> None:
    done = _mypy(SCRIPT)
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_rejects_a_misspelt_model_import(tmp_path: Path) -> None:
    typo = tmp_path / "typo.py"
    typo.write_text("from muxi_sdk.models import ChatRespons\nfrom muxi_sdk import Pagee\n")
    done = _mypy(typo)
    assert done.returncode == 1
    assert 'has no attribute "ChatRespons"' in done.stdout and 'has no attribute "Pagee"' in done.stdout


def test_pyright_accepts_the_exact_types() -> None:
    pyright = shutil.which("pyright")
    if pyright is None:
        pytest.skip("pyright is not installed (pip install pyright; it needs node)")
    try:
        done = subprocess.run(
            [pyright, "--pythonpath", sys.executable, str(SCRIPT)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:  # no node, or it could not fetch pyright itself
        pytest.skip(f"pyright could not run: {exc}")
    if "node" in done.stderr.lower() and done.returncode not in (0, 1):
        pytest.skip(f"pyright could not run: {done.stderr[:300]}")
    assert done.returncode == 0, done.stdout + done.stderr
