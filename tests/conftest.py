"""Fixtures shared by the test modules (the fake server's `muxi_fake` comes from muxi_sdk's pytest plugin)."""

from __future__ import annotations

import os

import pytest

from muxi_sdk import Muxi
from muxi_sdk.testing import FakeMuxi


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No `MUXI_*` variable of the machine running the tests leaks into a client's defaults.

    A module opts in with `pytestmark = pytest.mark.usefixtures("clean_env")`."""
    for name in list(os.environ):
        if name.startswith("MUXI_"):
            monkeypatch.delenv(name)


@pytest.fixture
def m(muxi_fake: FakeMuxi) -> Muxi:
    """A client of the fake server with every key and no user (a module may override it with its own `m`)."""
    return muxi_fake.client()
