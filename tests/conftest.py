"""Fixtures shared by the test modules (the fake server's `muxi_fake` comes from muxi_sdk's pytest plugin)."""

from __future__ import annotations

import os

import pytest


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No `MUXI_*` variable of the machine running the tests leaks into a client's defaults.

    A module opts in with `pytestmark = pytest.mark.usefixtures("clean_env")`."""
    for name in list(os.environ):
        if name.startswith("MUXI_"):
            monkeypatch.delenv(name)
