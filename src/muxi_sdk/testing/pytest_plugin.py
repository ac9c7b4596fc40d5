"""Pytest fixtures for the fake MUXI server (auto-registered; inert unless a test asks for them).

Loaded in every pytest run of an environment where muxi-sdk is installed, so it imports nothing beyond
pytest: without the `testing` extra the fixtures fail with the install hint, and every other test runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .server import FakeMuxi


@pytest.fixture(scope="session")
def muxi_fake_server() -> Iterator[FakeMuxi]:
    """One fake MUXI server for the whole session (state shared across tests)."""
    from . import import_extra

    try:
        server = import_extra("server")
    except ImportError as exc:
        pytest.fail(f"muxi_fake_server: {exc}", pytrace=False)
    with server.FakeMuxi() as fake:
        yield fake


@pytest.fixture
def muxi_fake(muxi_fake_server: FakeMuxi) -> Iterator[FakeMuxi]:
    """The session's fake MUXI server, with its state, scripts and faults reset for this test."""
    muxi_fake_server.reset()
    yield muxi_fake_server
    muxi_fake_server.reset()
