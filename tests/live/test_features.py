"""Live: tuning, skills, history, artifacts, user channels and notifications against the real runtime, sync and
async.

The formation gets a `proactive:` block from `tests/live/formation_overlay` (scripts/live.sh points
../shared/real-muxi/start.sh at it through RT_VENV), so the channel and notification routes answer 2xx; its one
channel, `slack`, delivers to the fake LLM. Artifact memory is not configured (and nothing here could make an
agent store an artifact), so the artifact reads answer an empty list and 404s, which is the runtime's contract
for that case. A pending tuning suggestion is written where the runtime says it keeps it (PENDING-MUXI.md in
the formation directory, on this machine), as a person editing the file would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from muxi_sdk import Muxi
from muxi_sdk.errors import ConfigurationError, NotFoundError, ServerError, ValidationError

pytestmark = pytest.mark.live

RT = "muxi/runtime/formation/server/routes"
SKILLS_BUG = (
    f"runtime 1.20260928.0: {RT}/client/skills.py:29/32/83/98 call create_success_response(data=...) without its "
    "object_type and event_type, and :46/:53 call create_error_response(message=..., status_code=404), which "
    "takes no status_code: every skills route answers 500 INTERNAL_ERROR with the TypeError's message"
)


# ------------------------------------------------------------------------------------------ tuning
@pytest.fixture
def tuning_restored(muxi: Muxi) -> Iterator[Muxi]:
    """Put the live MUXI.md back as it was (an empty file reads as None)."""
    before = muxi.tuning.get().content
    yield muxi
    muxi.tuning.replace(content=before or "")


def _write_pending(m: Muxi, text: str) -> Path:
    path = Path(m.tuning.get_pending().path or "")
    if not path.parent.is_dir():
        pytest.skip(f"the runtime's formation directory {path.parent} is not on this machine")
    path.write_text(text)
    return path


def test_tuning_live_file_and_a_run(tuning_restored: Muxi) -> None:
    m = tuning_restored
    written = m.tuning.replace(content="# Live rules\n\n- Be brief.\n")
    assert written.bytes == len("# Live rules\n\n- Be brief.\n") and written.path.endswith("MUXI.md")
    live = m.tuning.get()
    assert live.content == "# Live rules\n\n- Be brief." and live.response_meta.type == "tuning.retrieved"
    run = m.tuning.run()
    assert run.trigger == "manual" and run.events_read >= 0 and run.duration_ms is not None


def test_tuning_pending_is_applied_then_gone(tuning_restored: Muxi) -> None:
    m = tuning_restored
    _write_pending(m, "# Suggested\n- Answer in one line\n")
    assert m.tuning.get_pending().content == "# Suggested\n- Answer in one line"
    applied = m.tuning.apply_pending()
    assert applied.learnings_activated >= 0 and applied.path.endswith("MUXI.md")
    assert m.tuning.get().content == "# Suggested\n- Answer in one line"
    assert m.tuning.get_pending().content is None
    with pytest.raises(NotFoundError) as info:
        m.tuning.apply_pending()
    assert (info.value.code, info.value.message) == ("TUNING_NO_PENDING", "No pending MUXI.md suggestion to apply")


def test_tuning_pending_is_dismissed(tuning_restored: Muxi) -> None:
    m = tuning_restored
    m.tuning.replace(content="# Kept")
    _write_pending(m, "# Not wanted\n")
    assert m.tuning.dismiss_pending().learnings_dismissed >= 0
    assert m.tuning.get_pending().content is None and m.tuning.get().content == "# Kept"
    with pytest.raises(NotFoundError, match=r"No pending MUXI\.md suggestion to dismiss"):
        m.tuning.dismiss_pending()


async def test_tuning_async(amuxi: Muxi) -> None:
    before = (await amuxi.tuning.get_async()).content
    try:
        await amuxi.tuning.replace_async(content="# Async rules")
        assert (await amuxi.tuning.get_async()).content == "# Async rules"
        assert (await amuxi.tuning.run_async()).trigger == "manual"
        _write_pending(amuxi, "# Async suggestion\n")
        assert (await amuxi.tuning.get_pending_async()).content == "# Async suggestion"
        await amuxi.tuning.apply_pending_async()
        _write_pending(amuxi, "# Another\n")
        await amuxi.tuning.dismiss_pending_async()
        assert (await amuxi.tuning.get_async()).content == "# Async suggestion"
    finally:
        await amuxi.tuning.replace_async(content=before or "")


# ------------------------------------------------------------------------------------------ skills
@pytest.mark.xfail(strict=True, raises=ServerError, reason=SKILLS_BUG)
@pytest.mark.parametrize("call", ["list", "get", "list_for_agent"])
def test_skills(muxi: Muxi, call: str) -> None:
    args = {"get": {"skill_name": "compute"}, "list_for_agent": {"agent_id": "assistant"}}.get(call, {})
    getattr(muxi.skills, call)(retries=None, **args)


@pytest.mark.xfail(strict=True, raises=ServerError, reason=SKILLS_BUG)
@pytest.mark.parametrize("call", ["list", "get", "list_for_agent"])
async def test_skills_async(amuxi: Muxi, call: str) -> None:
    args = {"get": {"skill_name": "compute"}, "list_for_agent": {"agent_id": "assistant"}}.get(call, {})
    await getattr(amuxi.skills, f"{call}_async")(retries=None, **args)


def test_skills_error_is_the_runtimes_typeerror(muxi: Muxi) -> None:
    with pytest.raises(ServerError) as info:
        muxi.skills.get(skill_name="no-such-skill", retries=None)
    assert info.value.status_code == 500 and "status_code" in info.value.message


# ------------------------------------------------------------------------------------------ history
def test_history(muxi: Muxi, make_muxi: object) -> None:
    log = muxi.history.list(limit=5, include_sources=True, date_from="2020-01-01", date_to="2100-01-01")
    assert log.count == len(log.entries) and log.response_meta.type == "memory.retrieved"
    with pytest.raises(ConfigurationError):
        make_muxi().history.list()  # type: ignore[operator]


async def test_history_async(amuxi: Muxi) -> None:
    log = await amuxi.history.list_async()
    assert isinstance(log.entries, list)


# ------------------------------------------------------------------------------------------ artifacts
def test_artifacts_without_artifact_memory(muxi: Muxi) -> None:
    listed = muxi.artifacts.list(limit=10)
    assert (listed.artifacts, listed.count, listed.total) == ([], 0, 0)
    for call in (muxi.artifacts.get, muxi.artifacts.list_versions, muxi.artifacts.download):
        with pytest.raises(NotFoundError) as info:
            call(artifact_id="no-such-artifact")
        assert (info.value.code, info.value.message) == ("NOT_FOUND", "Artifact 'no-such-artifact' not found")


async def test_artifacts_async(amuxi: Muxi) -> None:
    assert (await amuxi.artifacts.list_async()).total == 0
    with pytest.raises(NotFoundError):
        await amuxi.artifacts.get_async(artifact_id="nope")
    with pytest.raises(NotFoundError):
        await amuxi.artifacts.list_versions_async(artifact_id="nope")
    with pytest.raises(NotFoundError):
        async with amuxi.artifacts.download_async(artifact_id="nope", version=2):
            pass


# ------------------------------------------------------------------------------------------ channels
def test_channels_are_stored_and_merged(muxi: Muxi, user: str) -> None:
    muxi.users.channels.update(preferred_channel="", channels={"slack": {}}, timezone="")  # a clean slate
    state = muxi.users.channels.get()
    assert state.user_id in (user, "0")  # (SQLite) a single-user formation keeps everyone's state as "0"
    assert (state.preferred_channel, state.channels, state.timezone) == (None, {}, None)
    updated = muxi.users.channels.update(
        preferred_channel="slack", channels={"slack": {"user": "U1"}}, timezone="Europe/Paris"
    )
    assert (updated.preferred_channel, updated.channels, updated.timezone) == (
        "slack",
        {"slack": {"user": "U1"}},
        "Europe/Paris",
    )
    merged = muxi.users.channels.update(channels={"slack": {"thread": "T9"}})
    assert merged.channels == {"slack": {"user": "U1", "thread": "T9"}} and merged.timezone == "Europe/Paris"
    assert muxi.users.channels.get().model_dump() == merged.model_dump()
    with pytest.raises(ValidationError) as info:
        muxi.users.channels.update(preferred_channel="carrier-pigeon")
    assert info.value.message == "Unknown channel 'carrier-pigeon'. Declared channels: ['slack'] (or 'webhook')"
    with pytest.raises(ValidationError, match="Unknown timezone 'Mars/Olympus'"):
        muxi.users.channels.update(timezone="Mars/Olympus")


def test_notifications_route_to_the_preferred_channel(muxi: Muxi) -> None:
    muxi.users.channels.update(preferred_channel="slack")
    sent = muxi.notifications.send(message="The live report is ready")
    assert (sent.channels, sent.delivered, sent.failed) == (["slack"], ["slack"], [])
    assert sent.request_id == sent.response_meta.request_id
    # The formation has no async webhook: a notification sent only there is delivered nowhere (502).
    with pytest.raises(ServerError) as info:
        muxi.notifications.send(message="nowhere", channels=["webhook"])
    assert info.value.status_code == 502 and info.value.attempts == 1  # a POST that may have run: not resent
    assert json.loads(info.value.body or "{}")["data"]["failed"] == ["webhook"]


async def test_channels_and_notifications_async(amuxi: Muxi) -> None:
    await amuxi.users.channels.update_async(preferred_channel="slack", timezone="UTC")
    state = await amuxi.users.channels.get_async()
    assert (state.preferred_channel, state.timezone) == ("slack", "UTC")
    sent = await amuxi.notifications.send_async(message="async ping")
    assert sent.delivered == ["slack"]
