"""Fixtures of the live tier (muxi-sdk against the REAL MUXI formation server; `scripts/live.sh`).

Every test module here sets `pytestmark = pytest.mark.live` (pyproject's addopts deselect `live` by default).
Without `MUXI_URL` the whole tier is skipped with a reason. Every `Muxi` a test uses comes from `make_muxi` /
`make_muxi_async`, which register `RECORDER`, a hook that notes the operation id of every request sent;
`test_coverage.py` (moved to the end of the run) compares those ids with the SDK's public surface.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest

from muxi_sdk import BackoffStrategy, Muxi, RetryConfig

from .helpers import ADMIN_KEY, CLIENT_KEY, PARTIAL_RUN, RECORDER, SKIP_REASON, URL, OperationRecorder

LIVE_DIR = os.path.dirname(os.path.abspath(__file__))


def _is_live(item: pytest.Item) -> bool:
    return os.path.dirname(str(item.path)) == LIVE_DIR


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not URL:
        for item in items:
            if _is_live(item):
                item.add_marker(pytest.mark.skip(reason=SKIP_REASON))
    # A run that did not collect every live module is partial: the coverage check then skips.
    modules = {i.path.name for i in items if _is_live(i)}
    on_disk = {n for n in os.listdir(LIVE_DIR) if n.startswith("test_") and n.endswith(".py")}
    if modules and modules != on_disk:
        PARTIAL_RUN["value"] = True
    # The coverage check runs after every other live test.
    last = [i for i in items if _is_live(i) and i.path.name == "test_coverage.py"]
    if last:
        items[:] = [i for i in items if i not in last] + last


def pytest_deselected(items: list[pytest.Item]) -> None:
    if any(_is_live(i) and i.path.name != "test_coverage.py" for i in items):
        PARTIAL_RUN["value"] = True


# Retries stay on (the live tier exercises them on the runtime's 5xx answers) but within a second, so the
# known server-side failures below do not cost the default minute each.
LIVE_RETRIES = RetryConfig("backoff", BackoffStrategy(initial_interval=50, max_interval=250, max_elapsed_time=1000))


def _kwargs(overrides: dict[str, Any]) -> dict[str, Any]:
    hooks = [RECORDER, *overrides.pop("hooks", ())]
    base: dict[str, Any] = {
        "url": URL,
        "client_key": CLIENT_KEY,
        "admin_key": ADMIN_KEY,
        "hooks": hooks,
        "retry_config": LIVE_RETRIES,
    }
    base.update(overrides)
    return base


@pytest.fixture
def make_muxi() -> Iterator[Callable[..., Muxi]]:
    """`make_muxi(**overrides)`: a `Muxi` on the live server with both keys and the recorder hook."""
    made: list[Muxi] = []

    def make(**overrides: Any) -> Muxi:
        m = Muxi(**_kwargs(overrides))
        made.append(m)
        return m

    yield make
    for m in made:
        m.close()


@pytest.fixture
async def make_muxi_async() -> AsyncIterator[Callable[..., Muxi]]:
    """Like `make_muxi`, for async calls (closed with `aclose()`)."""
    made: list[Muxi] = []

    def make(**overrides: Any) -> Muxi:
        m = Muxi(**_kwargs(overrides))
        made.append(m)
        return m

    yield make
    for m in made:
        await m.aclose()


@pytest.fixture
def user() -> str:
    """An end user of this test's own."""
    return f"live-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def muxi(make_muxi: Callable[..., Muxi], user: str) -> Muxi:
    """A `Muxi` with both keys and the test's user."""
    return make_muxi(user_id=user)


@pytest.fixture
def amuxi(make_muxi_async: Callable[..., Muxi], user: str) -> Muxi:
    """An async-use `Muxi` with both keys and the test's user."""
    return make_muxi_async(user_id=user)


@pytest.fixture
def recorder() -> OperationRecorder:
    return RECORDER


@pytest.fixture
def raw() -> Iterator[httpx.Client]:
    """A plain httpx client on the live server (for checks the SDK must not be involved in)."""
    with httpx.Client(base_url=URL, timeout=60.0) as client:
        yield client
