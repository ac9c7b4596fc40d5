"""m.users.channels and m.notifications against the fake server: stored channel state and routed deliveries."""

from __future__ import annotations

import json

import pytest

from muxi_sdk import Muxi, errors
from muxi_sdk.testing import FakeMuxi

NOT_CONFIGURED = "Proactive notifications are not configured for this formation (missing 'proactive' block)"


@pytest.fixture
def m(muxi_fake: FakeMuxi) -> Muxi:
    return muxi_fake.client(user_id="alice", retry_config=None)  # type: ignore[no-any-return]


def test_channel_state_is_stored_merged_and_cleared(m: Muxi) -> None:
    empty = m.users.channels.get()
    assert (empty.user_id, empty.preferred_channel, empty.channels) == ("alice", None, {})
    m.users.channels.update(preferred_channel="telegram", channels={"telegram": {"chat_id": "1"}}, timezone="UTC")
    merged = m.users.channels.update(channels={"telegram": {"thread": "9"}, "slack": {"user": "U1"}})
    assert merged.preferred_channel == "telegram" and merged.timezone == "UTC"  # untouched fields kept
    assert merged.channels == {"telegram": {"chat_id": "1", "thread": "9"}, "slack": {"user": "U1"}}
    cleared = m.users.channels.update(preferred_channel="", timezone="", channels={"slack": {}})
    assert (cleared.preferred_channel, cleared.timezone, cleared.channels) == (
        None,
        None,
        {"telegram": {"chat_id": "1", "thread": "9"}},
    )
    assert m.users.channels.get().model_dump() == cleared.model_dump()
    assert m.users.channels.get(user_id="bob").channels == {}


def test_update_sends_only_the_fields_given(muxi_fake: FakeMuxi, m: Muxi) -> None:
    m.users.channels.update(user_id="bob@example.com", timezone="Europe/London")
    sent = muxi_fake.state.requests[-1]
    assert sent.method == "PUT" and sent.path == "/v1/users/bob@example.com/channels"
    assert json.loads(sent.body) == {"timezone": "Europe/London"}


def test_undeclared_channel_and_unknown_timezone_are_the_runtimes_400(m: Muxi) -> None:
    with pytest.raises(errors.ValidationError) as info:
        m.users.channels.update(preferred_channel="carrier-pigeon")
    assert (
        info.value.message
        == "Unknown channel 'carrier-pigeon'. Declared channels: ['slack', 'telegram'] (or 'webhook')"
    )
    with pytest.raises(errors.ValidationError, match="Unknown timezone 'Mars/Olympus'"):
        m.users.channels.update(timezone="Mars/Olympus")


def test_notification_goes_to_the_preferred_channel(muxi_fake: FakeMuxi, m: Muxi) -> None:
    assert m.notifications.send(message="no preference yet").delivered == ["webhook"]
    m.users.channels.update(preferred_channel="slack")
    result = m.notifications.send(message="Your report is ready")
    assert (result.channels, result.delivered, result.failed) == (["slack"], ["slack"], [])
    explicit = m.notifications.send(message="both", user_id="alice", channels=["telegram", "webhook"])
    assert explicit.delivered == ["telegram", "webhook"]
    sent = muxi_fake.state.table("notifications", list)
    assert [(n["channel"], n["message"]) for n in sent][1] == ("slack", "Your report is ready")


def test_failed_channel_falls_back_to_the_webhook_and_no_delivery_is_a_502(muxi_fake: FakeMuxi, m: Muxi) -> None:
    failing = muxi_fake.state.table("failing_channels", set)
    failing.add("telegram")
    fallback = m.notifications.send(message="hi", channels=["telegram"])
    assert (fallback.delivered, fallback.failed) == (["webhook"], ["telegram"])
    failing.add("webhook")
    with muxi_fake.client(user_id="alice") as default_retries, pytest.raises(errors.ServerError) as info:
        default_retries.notifications.send(message="hi", channels=["telegram"])
    assert info.value.status_code == 502 and json.loads(info.value.body)["data"]["failed"] == ["telegram"]
    assert sum(r.path == "/v1/notifications" for r in muxi_fake.state.requests) == 2  # the 502 is not resent


def test_without_a_proactive_block_everything_is_the_runtimes_503(muxi_fake: FakeMuxi, m: Muxi) -> None:
    muxi_fake.state.features["proactive"] = False
    for call in (
        m.users.channels.get,
        lambda: m.users.channels.update(timezone="UTC"),
        lambda: m.notifications.send(message="x"),
    ):
        with pytest.raises(errors.ServerError) as info:
            call()
        assert (info.value.status_code, info.value.code, info.value.message) == (
            503,
            "SERVICE_UNAVAILABLE",
            NOT_CONFIGURED,
        )


def test_bad_input_is_refused_before_sending(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client() as no_user:
        with pytest.raises(errors.ConfigurationError, match="acts for an end user"):
            no_user.notifications.send(message="hi")
        with pytest.raises(errors.ConfigurationError, match="acts for an end user"):
            no_user.users.channels.get()
        for bad in ({"message": "  "}, {"message": "x", "channels": "slack"}, {"message": 3}):
            with pytest.raises(errors.InvalidInputError):
                no_user.notifications.send(user_id="u", **bad)
        with pytest.raises(errors.InvalidInputError):
            no_user.users.channels.update(user_id="u", channels={"slack": "U1"})  # type: ignore[dict-item]
    assert muxi_fake.state.requests == []


def test_client_key_only(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(client_key=None, user_id="u") as admin_only:
        with pytest.raises(errors.ConfigurationError, match="client key"):
            admin_only.notifications.send(message="x")


async def test_async_twins(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client(user_id="carol") as m:
        await m.users.channels.update_async(preferred_channel="telegram")
        assert (await m.users.channels.get_async()).preferred_channel == "telegram"
        assert (await m.notifications.send_async(message="ping")).delivered == ["telegram"]
