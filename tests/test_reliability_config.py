"""Bad configuration fails at once, typed (issue 13, items 17-19), over real loopback sockets."""

from __future__ import annotations

import asyncio
import gc
import io
import sys
import warnings
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from _helpers import call_twin
from _loopback import loopback
from muxi_sdk import Muxi
from muxi_sdk.errors import ConfigurationError, InvalidInputError, MuxiError
from muxi_sdk.testing import FakeMuxi

pytestmark = pytest.mark.usefixtures("clean_env")

TWINS = pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])


run = call_twin


# ------------------------------------------------------------------- 17. URLs are checked when configured
BAD_URLS = {
    "no scheme": "localhost:8271",
    "ftp": "ftp://localhost:8271",
    "file": "file:///etc/passwd",
    "query": "http://localhost:8271/?tenant=a",
    "empty query": "http://localhost:8271?",
    "fragment": "http://localhost:8271/#x",
    "unclosed ipv6": "http://[::1",
    "bad ipv6": "http://[::g]:8271",
    "port too big": "http://localhost:99999",
    "port not a number": "http://localhost:http",
    "no host": "http://",
    "space in host": "http://local host:8271",
    "not a string": 8271,
}


BAD_URL_CASES = [
    pytest.param(argument, bad, id=f"{what}-{argument}")
    for what, bad in BAD_URLS.items()
    for argument in ("url", "server_url", "MUXI_URL", "MUXI_SERVER_URL")
    if isinstance(bad, str) or not argument.startswith("MUXI_")  # environment variables are strings
]


@pytest.mark.parametrize(("argument", "bad"), BAD_URL_CASES)
def test_a_bad_url_is_a_configuration_error_at_construction(
    argument: str, bad: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    kwargs: dict[str, Any] = {}
    if argument.startswith("MUXI_"):
        monkeypatch.setenv(argument, bad)
    else:
        kwargs[argument] = bad
    with pytest.raises(ConfigurationError, match=argument):
        Muxi(**kwargs)


@pytest.mark.parametrize(
    "good", ["http://localhost:8271", "https://muxi.example.com/", "http://[::1]:8271", "http://h:8271/proxy/v1"]
)
def test_good_urls_are_kept(good: str) -> None:
    assert Muxi(url=good).sdk_configuration.url == good.rstrip("/")


@TWINS
@pytest.mark.parametrize("bad", ["http://h/#x", "localhost:8271", "http://[::1"], ids=["fragment", "no-scheme", "ipv6"])
def test_a_bad_per_call_server_url_is_refused_before_sending(bad: str, is_async: bool) -> None:
    with loopback() as server, Muxi(url=server.url, admin_key="ak") as m:
        with pytest.raises(ConfigurationError, match="server_url"):
            run(m, "memory.stats", is_async, server_url=bad)
    assert server.seen == []


@TWINS
def test_an_id_too_long_for_a_url_is_invalid_input_not_an_httpx_error(muxi_fake: FakeMuxi, is_async: bool) -> None:
    with muxi_fake.client(user_id="u1") as m:
        for dotted, kwargs in [
            ("memory.delete", {"memory_id": "m" * 70_000}),
            ("sessions.get", {"session_id": "s" * 70_000}),
        ]:
            with pytest.raises(InvalidInputError, match="URL") as info:
                run(m, dotted, is_async, **kwargs)
            assert not isinstance(info.value, httpx.HTTPError)
        assert run(m, "sessions.list", is_async).items == []  # the client is fine afterwards


# -------------------------------------------------------- 18. one client, several asyncio.run() calls
def test_one_client_in_several_asyncio_runs_works(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="u1") as m:
        for n in range(3):
            reply = asyncio.run(m.chat.send_async(message=f"hi {n}"))
            assert reply.text == f"Echo: hi {n}"
        assert asyncio.run(m.system.health_async()).healthy


def test_one_client_in_several_asyncio_runs_streams_too(muxi_fake: FakeMuxi) -> None:
    async def stream(m: Muxi) -> str:
        async with m.chat.stream_async(message="stream") as events:
            return await events.text()

    with muxi_fake.client(user_id="u1") as m:
        assert [asyncio.run(stream(m)) for _ in range(2)] == ["Echo: stream"] * 2


def _unclosed_after(work: Callable[[], None]) -> list[str]:
    """The "unclosed ..." ResourceWarnings raised once `work` is done and its garbage collected."""
    gc.collect()  # earlier tests' garbage goes first, outside the window
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        work()
        gc.collect()
    return [str(w.message) for w in caught if issubclass(w.category, ResourceWarning) and "unclosed" in str(w.message)]


def test_each_asyncio_run_closes_its_loops_connections(muxi_fake: FakeMuxi) -> None:
    """README, Resource Management: the client each `asyncio.run()` got is closed as that loop shuts down."""

    def three_runs() -> None:
        m = muxi_fake.client(user_id="u1")
        for n in range(3):
            assert asyncio.run(m.chat.send_async(message=f"hi {n}")).text == f"Echo: hi {n}"
        m.close()

    assert _unclosed_after(three_runs) == []


def test_a_loop_closed_by_hand_leaves_no_unraisable_error(muxi_fake: FakeMuxi, monkeypatch: pytest.MonkeyPatch) -> None:
    """`loop.close()` without `shutdown_asyncgens()`: that loop's client cannot be closed any more; the next
    loop's client replaces it without an 'Exception ignored' (an unraisable error) from the dropped closer."""
    unraisable: list[str] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda info: unraisable.append(repr(info.exc_value)))
    m = muxi_fake.client(user_id="u1")
    for _ in range(2):
        loop = asyncio.new_event_loop()
        assert loop.run_until_complete(m.system.health_async()).healthy
        loop.close()
    assert asyncio.run(m.system.health_async()).healthy
    m.close()
    gc.collect()
    assert unraisable == []


def test_the_sync_client_and_async_calls_in_a_loop_still_mix(muxi_fake: FakeMuxi) -> None:
    async def both(m: Muxi) -> tuple[bool, bool]:
        first = (await m.system.health_async()).healthy
        second = (await m.system.health_async()).healthy
        return first, second

    with muxi_fake.client() as m:
        assert asyncio.run(both(m)) == (True, True)
        assert m.system.health().healthy
        assert asyncio.run(both(m)) == (True, True)


# ------------------------------------------------------------- 19. user-scoped calls name their user
NEEDS_USER: dict[str, dict[str, Any]] = {
    "chat.send": {"message": "hi"},
    "chat.submit": {"message": "hi", "webhook_url": "http://127.0.0.1:9/hook"},
    "chat.audio": {"file": ("a.wav", io.BytesIO(b"RIFF"))},
    "triggers.fire": {"name": "t", "data": {}},
    "scheduler.create": {"message": "x", "schedule": "0 9 * * *"},
    "scheduler.update": {"job_id": "j1", "message": "y"},
    "scheduler.pause": {"job_id": "j1"},
    "scheduler.resume": {"job_id": "j1"},
    "scheduler.delete": {"job_id": "j1"},
    "memory.list": {},
    "memory.add": {"type": "fact", "detail": "likes tea"},
    "memory.delete": {"memory_id": "m1"},
    "memory.get_buffer": {},
    "memory.clear_buffer": {},
    "sessions.list": {},
    "sessions.get": {"session_id": "s1"},
    "credentials.list": {},
    "artifacts.list": {},
    "artifacts.get": {"artifact_id": "a1"},
    "history.list": {},
    "notifications.send": {"message": "hi"},
    "channels.get": {},
}
NEEDS_USER_WITH_CLIENT_KEY: dict[str, dict[str, Any]] = {
    "requests.list": {},
    "requests.get": {"request_id": "r1"},
    "requests.cancel": {"request_id": "r1"},
    "scheduler.list": {},
    "memory.clear_session_buffer": {"session_id": "s1"},
}


def _resolve(m: Muxi, dotted: str) -> tuple[Any, str]:
    return (m.users, dotted) if dotted.startswith(("credentials.", "channels.")) else (m, dotted)


@TWINS
@pytest.mark.parametrize("dotted", list(NEEDS_USER))
def test_every_user_scoped_call_without_a_user_is_one_clear_error(dotted: str, is_async: bool) -> None:
    with loopback() as server, Muxi(url=server.url, client_key="ck", admin_key="ak") as m:
        owner, name = _resolve(m, dotted)
        with pytest.raises(ConfigurationError, match="acts for an end user: pass user_id=") as info:
            run(owner, name, is_async, **NEEDS_USER[dotted])
    assert 'user_id="0"' in str(info.value)
    assert server.seen == []  # refused before anything was sent


@TWINS
@pytest.mark.parametrize("dotted", list(NEEDS_USER_WITH_CLIENT_KEY))
def test_with_the_client_key_a_user_is_required_the_admin_key_may_act_for_all(dotted: str, is_async: bool) -> None:
    with loopback() as server, Muxi(url=server.url, client_key="ck") as m:
        with pytest.raises(ConfigurationError, match="acts for an end user"):
            run(m, dotted, is_async, **NEEDS_USER_WITH_CLIENT_KEY[dotted])
    assert server.seen == []
    with loopback() as server, Muxi(url=server.url, admin_key="ak", retry_config=None) as admin:
        try:
            run(admin, dotted, is_async, **NEEDS_USER_WITH_CLIENT_KEY[dotted])
        except ConfigurationError:
            raise
        except MuxiError:  # sent; the loopback's answer may not have the right shape, that is all
            pass
    assert len(server.seen) == 1 and "x-muxi-user-id" not in server.seen[0].headers


@TWINS
def test_chat_streams_need_a_user_too(is_async: bool) -> None:
    with loopback() as server, Muxi(url=server.url, client_key="ck") as m:
        with pytest.raises(ConfigurationError, match="acts for an end user"):
            if is_async:

                async def main() -> None:
                    async with m.chat.stream_async(message="hi"):
                        pass

                asyncio.run(main())
            else:
                m.chat.stream(message="hi")
    assert server.seen == []


@TWINS
def test_user_zero_is_accepted_when_asked_for_explicitly(muxi_fake: FakeMuxi, is_async: bool) -> None:
    with muxi_fake.client() as m:
        reply = run(m, "chat.send", is_async, message="as the default user", user_id="0")
        assert reply.text == "Echo: as the default user"
        sessions = run(m, "sessions.list", is_async, user_id="0")
        assert reply.session_id in [s.session_id for s in sessions.items]


def test_a_configured_user_or_a_user_header_satisfies_the_rule(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as m:
        assert m.chat.send(message="hi").text == "Echo: hi"
    with muxi_fake.client() as m:
        reply = m.chat.send(message="hi", http_headers={"X-Muxi-User-ID": "bob"})
        assert reply.text == "Echo: hi"
        assert [s.session_id for s in m.sessions.list(user_id="bob").items] == [reply.session_id]


def test_closing_in_another_event_loop_than_the_calls_is_quiet(muxi_fake: FakeMuxi) -> None:
    m = muxi_fake.client()
    asyncio.run(m.system.health_async())
    asyncio.run(m.aclose())  # the client of the first (closed) loop is dropped, not awaited on a dead loop
    with pytest.raises(ConfigurationError, match="closed"):
        asyncio.run(m.system.health_async())


def test_an_injected_async_client_from_a_closed_loop_is_a_configuration_error_saying_what_to_do(
    muxi_fake: FakeMuxi,
) -> None:
    http = httpx.AsyncClient()
    with muxi_fake.client(async_client=http) as m:
        assert asyncio.run(m.system.health_async()).healthy
        with pytest.raises(ConfigurationError, match=r"create the httpx\.AsyncClient inside the loop"):
            asyncio.run(m.system.health_async())  # its pooled connection belongs to the first, closed loop
