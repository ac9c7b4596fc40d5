"""m.history against the fake server: the user's captain's log, filtered and with sources."""

from __future__ import annotations

import datetime

import pytest

from muxi_sdk import Muxi, errors
from muxi_sdk.testing import FakeMuxi


def _seed(fake: FakeMuxi) -> None:
    fake.add_history_entry("u1", "Planned the launch", date="2026-11-01", decisions=["ship friday"])
    fake.add_history_entry(
        "u1", "Fixed the build", date="2026-11-15", sources=[{"source_type": "chat", "source_id": "s1"}]
    )
    fake.add_history_entry("u2", "Someone else's day", date="2026-11-20")


def test_entries_are_the_users_newest_first(muxi_fake: FakeMuxi) -> None:
    _seed(muxi_fake)
    with muxi_fake.client(user_id="u1") as m:
        log = m.history.list()
        assert [e.summary for e in log.entries] == ["Fixed the build", "Planned the launch"] and log.count == 2
        assert log.entries[1].decisions == ["ship friday"]
        assert log.entries[0].sources is None  # only with include_sources
        assert m.history.list(user_id="u2").entries[0].summary == "Someone else's day"


def test_filters_limit_and_sources(muxi_fake: FakeMuxi) -> None:
    _seed(muxi_fake)
    with muxi_fake.client(user_id="u1") as m:
        assert [e.date for e in m.history.list(date_from=datetime.date(2026, 11, 10)).entries] == ["2026-11-15"]
        assert [e.date for e in m.history.list(date_to="2026-11-10").entries] == ["2026-11-01"]
        assert m.history.list(limit=1).count == 1
        sourced = m.history.list(include_sources=True, limit=1).entries[0]
        assert sourced.sources is not None and sourced.sources[0].source_id == "s1"
        sent = muxi_fake.state.requests[-1].path
        assert sent == "/v1/history"


def test_user_required_and_bad_arguments_refused_before_sending(muxi_fake: FakeMuxi, m: Muxi) -> None:
    with pytest.raises(errors.ConfigurationError, match="acts for an end user"):
        m.history.list()
    for bad in ({"limit": 0}, {"limit": 101}, {"date_from": 20261101}, {"include_sources": "yes"}):
        with pytest.raises(errors.InvalidInputError):
            m.history.list(user_id="u1", **bad)
    assert muxi_fake.state.requests == []


def test_a_formation_without_a_log_answers_empty(muxi_fake: FakeMuxi) -> None:
    _seed(muxi_fake)
    muxi_fake.state.features["history"] = False
    with muxi_fake.client(user_id="u1") as m:
        assert m.history.list().entries == []


async def test_async_twin_with_the_admin_key(muxi_fake: FakeMuxi) -> None:
    _seed(muxi_fake)
    async with muxi_fake.client(client_key=None, user_id="u1") as m:
        log = await m.history.list_async(limit=5)
        assert log.count == 2
        assert "x-muxi-admin-key" in muxi_fake.state.requests[-1].headers
