"""Routing of Formation API calls: direct URL, server proxy (live and draft), env defaults, per-call override.

Every assertion is on the path the fake server really received over loopback.
"""

from __future__ import annotations

import httpx
import pytest

from _helpers import dead_url
from muxi_sdk import Muxi
from muxi_sdk.errors import ConfigurationError, ConnectionError, NotFoundError
from muxi_sdk.testing import FakeMuxi
from muxi_sdk.testing.routes.server import register_formation

pytestmark = pytest.mark.usefixtures("clean_env")


def paths(fake: FakeMuxi) -> list[str]:
    return [r.path for r in fake.state.requests]


def keys(fake: FakeMuxi) -> dict[str, str]:
    s = fake.state
    return {"client_key": s.client_key, "admin_key": s.admin_key}


# ------------------------------------------------------------------------------------ the three URL modes


def test_direct_url_goes_to_v1(muxi_fake: FakeMuxi) -> None:
    with Muxi(url=muxi_fake.url, **keys(muxi_fake)) as m:
        assert m.system.health().healthy
        assert m.chat.send(message="hi", user_id="u1").text == "Echo: hi"
    assert paths(muxi_fake) == ["/v1/health", "/v1/chat"]


async def test_direct_url_goes_to_v1_async(muxi_fake: FakeMuxi) -> None:
    async with Muxi(url=muxi_fake.url, **keys(muxi_fake)) as m:
        assert (await m.system.health_async()).healthy
        assert (await m.chat.send_async(message="hi", user_id="u1")).text == "Echo: hi"
    assert paths(muxi_fake) == ["/v1/health", "/v1/chat"]


def test_direct_url_already_ending_in_v1_is_not_doubled(muxi_fake: FakeMuxi) -> None:
    with Muxi(url=muxi_fake.url + "/v1/", **keys(muxi_fake)) as m:
        m.system.health()
    assert paths(muxi_fake) == ["/v1/health"]


def test_server_url_and_formation_id_go_through_the_live_proxy(muxi_fake: FakeMuxi) -> None:
    register_formation(muxi_fake.state, "my-bot")  # the server's proxy answers only for formations it runs
    with Muxi(server_url=muxi_fake.url, formation_id="my-bot", **keys(muxi_fake)) as m:
        m.system.health()
        m.chat.send(message="hi", user_id="u1")
    assert paths(muxi_fake) == ["/api/my-bot/v1/health", "/api/my-bot/v1/chat"]


async def test_server_url_and_formation_id_go_through_the_live_proxy_async(muxi_fake: FakeMuxi) -> None:
    register_formation(muxi_fake.state, "my-bot")
    async with Muxi(server_url=muxi_fake.url, formation_id="my-bot", **keys(muxi_fake)) as m:
        await m.system.health_async()
        await m.chat.send_async(message="hi", user_id="u1")
    assert paths(muxi_fake) == ["/api/my-bot/v1/health", "/api/my-bot/v1/chat"]


def test_draft_mode_goes_to_draft_prefix(muxi_fake: FakeMuxi) -> None:
    with Muxi(server_url=muxi_fake.url, formation_id="my-bot", mode="draft", **keys(muxi_fake)) as m:
        m.system.health()
        with m.chat.stream(message="hi", user_id="u1") as events:
            assert events.text() == "Echo: hi"
    assert paths(muxi_fake) == ["/draft/my-bot/v1/health", "/draft/my-bot/v1/chat"]


async def test_draft_mode_goes_to_draft_prefix_async(muxi_fake: FakeMuxi) -> None:
    async with Muxi(server_url=muxi_fake.url, formation_id="my-bot", mode="draft", **keys(muxi_fake)) as m:
        await m.system.health_async()
        async with m.chat.stream_async(message="hi", user_id="u1") as events:
            assert await events.text() == "Echo: hi"
    assert paths(muxi_fake) == ["/draft/my-bot/v1/health", "/draft/my-bot/v1/chat"]


def test_formation_id_is_percent_escaped_in_the_path(muxi_fake: FakeMuxi) -> None:
    seen: list[bytes] = []

    class Spy:
        def before_request(self, ctx: object, request: httpx.Request) -> httpx.Request:
            seen.append(request.url.raw_path)
            return request

    register_formation(muxi_fake.state, "my bot")

    with Muxi(server_url=muxi_fake.url, formation_id="my bot", hooks=[Spy()], **keys(muxi_fake)) as m:
        m.system.health()
        # A slash inside the id stays inside its segment: it cannot reach another route.
    with Muxi(server_url=muxi_fake.url, formation_id="x/../../v1", hooks=[Spy()], **keys(muxi_fake)) as m2:
        with pytest.raises(NotFoundError):
            m2.system.health()
    assert seen == [b"/api/my%20bot/v1/health", b"/api/x%2F..%2F..%2Fv1/v1/health"]
    assert paths(muxi_fake)[0] == "/api/my bot/v1/health"


def test_invalid_mode_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="mode"):
        Muxi(server_url="http://x", formation_id="f", mode="staging")  # type: ignore[arg-type]


def test_server_url_without_formation_id_fails_before_sending(muxi_fake: FakeMuxi) -> None:
    with Muxi(server_url=muxi_fake.url, **keys(muxi_fake)) as m:
        with pytest.raises(ConfigurationError, match="formation_id"):
            m.system.health()
    assert muxi_fake.state.requests == []


async def test_server_url_without_formation_id_fails_before_sending_async(muxi_fake: FakeMuxi) -> None:
    async with Muxi(server_url=muxi_fake.url, **keys(muxi_fake)) as m:
        with pytest.raises(ConfigurationError, match="formation_id"):
            await m.chat.send_async(message="hi", user_id="u1")
    assert muxi_fake.state.requests == []


def test_no_url_at_all_defaults_to_a_local_formation() -> None:
    m = Muxi()
    assert m.sdk_configuration.formation_url() == "http://localhost:8271/v1"
    assert m.sdk_configuration.server_api_url() == "http://localhost:7890"
    m.close()


# ------------------------------------------------------------------------------------ environment variables


def test_env_direct_url_and_keys(muxi_fake: FakeMuxi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUXI_URL", muxi_fake.url)
    monkeypatch.setenv("MUXI_CLIENT_KEY", muxi_fake.state.client_key)
    monkeypatch.setenv("MUXI_USER_ID", "env-user")
    with Muxi() as m:
        reply = m.chat.send(message="from env")
    assert reply.text == "Echo: from env"
    [req] = muxi_fake.state.requests
    assert req.path == "/v1/chat"
    assert req.headers["x-muxi-client-key"] == muxi_fake.state.client_key
    assert req.headers["x-muxi-user-id"] == "env-user"
    assert reply.user_id == "env-user"


async def test_env_direct_url_and_keys_async(muxi_fake: FakeMuxi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUXI_URL", muxi_fake.url)
    monkeypatch.setenv("MUXI_CLIENT_KEY", muxi_fake.state.client_key)
    monkeypatch.setenv("MUXI_USER_ID", "env-user")
    async with Muxi() as m:
        reply = await m.chat.send_async(message="from env")
    assert reply.text == "Echo: from env"
    [req] = muxi_fake.state.requests
    assert req.path == "/v1/chat"
    assert req.headers["x-muxi-user-id"] == "env-user"


def test_env_server_url_formation_id_and_mode(muxi_fake: FakeMuxi, monkeypatch: pytest.MonkeyPatch) -> None:
    register_formation(muxi_fake.state, "env-bot")
    monkeypatch.setenv("MUXI_SERVER_URL", muxi_fake.url)
    monkeypatch.setenv("MUXI_FORMATION_ID", "env-bot")
    monkeypatch.setenv("MUXI_CLIENT_KEY", muxi_fake.state.client_key)
    with Muxi() as m:
        m.chat.send(message="x", user_id="u1")
    monkeypatch.setenv("MUXI_MODE", "draft")
    with Muxi() as m:
        m.chat.send(message="x", user_id="u1")
    assert paths(muxi_fake) == ["/api/env-bot/v1/chat", "/draft/env-bot/v1/chat"]


def test_explicit_arguments_beat_env(muxi_fake: FakeMuxi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUXI_URL", dead_url())
    monkeypatch.setenv("MUXI_FORMATION_ID", "env-bot")
    monkeypatch.setenv("MUXI_CLIENT_KEY", "wrong-env-key")
    monkeypatch.setenv("MUXI_USER_ID", "env-user")
    # An explicit server_url beats an env direct URL; explicit ids and keys beat env ones.
    register_formation(muxi_fake.state, "arg-bot")
    with Muxi(
        server_url=muxi_fake.url, formation_id="arg-bot", client_key=muxi_fake.state.client_key, user_id="arg-user"
    ) as m:
        m.chat.send(message="x")
    [req] = muxi_fake.state.requests
    assert req.path == "/api/arg-bot/v1/chat"
    assert req.headers["x-muxi-user-id"] == "arg-user"


def test_call_user_id_beats_client_user_id(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="default-user") as m:
        m.chat.send(message="a")
        m.chat.send(message="b", user_id="call-user")
    assert [r.headers["x-muxi-user-id"] for r in muxi_fake.state.requests] == ["default-user", "call-user"]


# ------------------------------------------------------------------------------------ per-call server_url


def test_per_call_server_url_overrides_the_client_url(muxi_fake: FakeMuxi) -> None:
    with Muxi(url=dead_url(), **keys(muxi_fake), retry_config=None) as m:
        with pytest.raises(ConnectionError):
            m.system.health()
        assert m.system.health(server_url=muxi_fake.url).healthy
        assert m.chat.send(message="hi", user_id="u1", server_url=muxi_fake.url + "/v1").text == "Echo: hi"
    assert paths(muxi_fake) == ["/v1/health", "/v1/chat"]


async def test_per_call_server_url_overrides_the_client_url_async(muxi_fake: FakeMuxi) -> None:
    async with Muxi(url=dead_url(), **keys(muxi_fake), retry_config=None) as m:
        with pytest.raises(ConnectionError):
            await m.system.health_async()
        assert (await m.system.health_async(server_url=muxi_fake.url)).healthy
        reply = await m.chat.send_async(message="hi", user_id="u1", server_url=muxi_fake.url)
        assert reply.text == "Echo: hi"
    assert paths(muxi_fake) == ["/v1/health", "/v1/chat"]


def test_per_call_server_url_overrides_a_proxy_configuration(muxi_fake: FakeMuxi) -> None:
    with Muxi(server_url=dead_url(), formation_id="f", **keys(muxi_fake), retry_config=None) as m:
        m.system.health(server_url=muxi_fake.url)
    assert paths(muxi_fake) == ["/v1/health"]
