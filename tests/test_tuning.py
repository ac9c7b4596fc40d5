"""m.tuning against the fake server: the live MUXI.md, the pending suggestion's review flow, the runtime's errors."""

from __future__ import annotations

import pytest

from muxi_sdk import Muxi, errors
from muxi_sdk.testing import FakeMuxi


@pytest.fixture
def m(muxi_fake: FakeMuxi) -> Muxi:
    return muxi_fake.client(user_id="u1", retry_config=None)  # type: ignore[no-any-return]


def test_live_file_is_replaced_and_read_back(m: Muxi) -> None:
    assert m.tuning.get().content is None
    written = m.tuning.replace(content="# House rules\n\nBe brief.\n")
    assert written.bytes == len("# House rules\n\nBe brief.\n") and written.path.endswith("/MUXI.md")
    live = m.tuning.get()
    assert live.content == "# House rules\n\nBe brief."  # the runtime strips surrounding whitespace
    assert live.response_meta.type == "tuning.retrieved"


def test_run_proposes_a_suggestion_that_apply_makes_live(m: Muxi) -> None:
    m.tuning.replace(content="# Rules")
    assert m.tuning.get_pending().content is None
    m.chat.send(message="Always answer in French")
    run = m.tuning.run()
    assert run.trigger == "manual" and run.entries_written == 1
    pending = m.tuning.get_pending()
    assert pending.content.startswith("# Rules\n") and "Always answer in French" in pending.content
    assert pending.path.endswith("/PENDING-MUXI.md")
    applied = m.tuning.apply_pending()
    assert applied.learnings_activated == 1
    assert m.tuning.get().content == pending.content
    assert m.tuning.get_pending().content is None
    assert m.tuning.run().entries_written == 0  # nothing new since the last pass


def test_dismissed_suggestion_is_gone_and_live_file_unchanged(m: Muxi) -> None:
    m.tuning.replace(content="# Rules")
    m.chat.send(message="hello")
    m.tuning.run()
    assert m.tuning.dismiss_pending().learnings_dismissed == 1
    assert m.tuning.get_pending().content is None
    assert m.tuning.get().content == "# Rules"


@pytest.mark.parametrize("verb", ["apply", "dismiss"])
def test_no_pending_suggestion_is_not_found(m: Muxi, verb: str) -> None:
    with pytest.raises(errors.NotFoundError) as info:
        getattr(m.tuning, f"{verb}_pending")()
    assert info.value.code == "TUNING_NO_PENDING" and info.value.status_code == 404
    assert info.value.message == f"No pending MUXI.md suggestion to {verb}"


def test_too_large_content_is_refused_by_the_runtime(m: Muxi) -> None:
    with pytest.raises(errors.APIStatusError) as info:
        m.tuning.replace(content="x" * 40_000)
    assert info.value.status_code == 413 and info.value.code == "TUNING_CONTENT_TOO_LARGE"
    assert "40000 bytes; the bound is 32768 bytes" in info.value.message


def test_tuning_not_active_is_the_runtimes_503(muxi_fake: FakeMuxi, m: Muxi) -> None:
    muxi_fake.state.features["tuning"] = False
    for call in (m.tuning.run, m.tuning.apply_pending, m.tuning.dismiss_pending):
        with pytest.raises(errors.ServerError) as info:
            call()
        assert info.value.status_code == 503 and info.value.code == "SERVICE_UNAVAILABLE"
        assert info.value.message == "Tuning is not active for this formation"
    assert m.tuning.get().content is None  # the file routes answer without an active tuner


def test_admin_key_is_required_and_bad_input_is_refused_before_sending(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(admin_key=None) as client_only:
        with pytest.raises(errors.ConfigurationError, match="admin key"):
            client_only.tuning.get()
    with muxi_fake.client() as m:
        sent = len(muxi_fake.state.requests)
        with pytest.raises(errors.InvalidInputError):
            m.tuning.replace(content=42)  # type: ignore[arg-type]
        assert len(muxi_fake.state.requests) == sent
        m.tuning.get()
        assert "x-muxi-admin-key" in muxi_fake.state.requests[-1].headers
        assert "x-muxi-client-key" not in muxi_fake.state.requests[-1].headers


async def test_async_twins(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client(user_id="u1", retry_config=None) as m:
        await m.tuning.replace_async(content="# A")
        assert (await m.tuning.get_async()).content == "# A"
        await m.chat.send_async(message="be kind")
        assert (await m.tuning.run_async()).entries_written == 1
        assert "be kind" in (await m.tuning.get_pending_async()).content
        assert (await m.tuning.apply_pending_async()).learnings_activated == 1
        with pytest.raises(errors.NotFoundError):
            await m.tuning.dismiss_pending_async()
