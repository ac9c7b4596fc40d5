"""HTTP client ownership and timeouts: injected clients are never closed by us and keep their own timeout."""

from __future__ import annotations

import asyncio
import gc

import httpx
import pytest

from muxi_sdk import Muxi, __version__
from muxi_sdk.errors import ConfigurationError, InvalidInputError, MuxiError, TimeoutError
from muxi_sdk.testing import FakeMuxi

pytestmark = pytest.mark.usefixtures("clean_env")


def sdk_clients(m: Muxi) -> tuple[httpx.Client, httpx.AsyncClient]:
    pool = m.sdk_configuration.pool
    return pool._client, pool._async_client  # type: ignore[return-value]


# ------------------------------------------------------------------------------------ injected clients


def test_injected_client_is_not_closed_by_with(muxi_fake: FakeMuxi) -> None:
    client = httpx.Client()
    with muxi_fake.client(client=client) as m:
        assert m.system.health().healthy
    assert not client.is_closed
    assert client.get(muxi_fake.url + "/v1/health").status_code == 200  # still usable
    m2 = muxi_fake.client(client=client)
    m2.system.health()
    m2.close()
    assert not client.is_closed
    client.close()


def test_injected_client_is_not_closed_by_gc(muxi_fake: FakeMuxi) -> None:
    client = httpx.Client()
    m = muxi_fake.client(client=client)
    m.system.health()
    del m
    gc.collect()
    assert not client.is_closed
    client.close()


async def test_injected_async_client_is_not_closed_by_async_with(muxi_fake: FakeMuxi) -> None:
    client = httpx.AsyncClient()
    async with muxi_fake.client(async_client=client) as m:
        assert (await m.system.health_async()).healthy
    assert not client.is_closed
    assert (await client.get(muxi_fake.url + "/v1/health")).status_code == 200
    m2 = muxi_fake.client(async_client=client)
    await m2.system.health_async()
    await m2.aclose()
    m2.close()
    assert not client.is_closed
    await client.aclose()


async def test_both_injected_clients_survive_both_exits(muxi_fake: FakeMuxi) -> None:
    client, aclient = httpx.Client(), httpx.AsyncClient()
    async with muxi_fake.client(client=client, async_client=aclient) as m:
        m.system.health()
        await m.system.health_async()
    with muxi_fake.client(client=client, async_client=aclient) as m:
        m.system.health()
    assert not client.is_closed and not aclient.is_closed
    client.close()
    await aclient.aclose()


def test_injected_client_is_used_for_the_calls(muxi_fake: FakeMuxi) -> None:
    seen: list[str] = []
    client = httpx.Client(event_hooks={"request": [lambda r: seen.append(r.url.path)]})
    with muxi_fake.client(client=client, user_id="u1") as m:
        m.chat.send(message="hi")
        with m.chat.stream(message="hi") as events:
            events.text()
    assert seen == ["/v1/chat", "/v1/chat"]
    client.close()


def test_a_non_client_is_rejected() -> None:
    with pytest.raises(TypeError, match=r"httpx\.Client"):
        Muxi(client="not a client")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"httpx\.AsyncClient"):
        Muxi(async_client=httpx.Client())  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------ SDK-created clients


def test_with_closes_the_sdk_clients_sync_and_async(muxi_fake: FakeMuxi) -> None:
    loop = asyncio.new_event_loop()  # still open when `with` ends (an `asyncio.run()` closes its own client)
    with muxi_fake.client() as m:
        m.system.health()
        loop.run_until_complete(m.system.health_async())
        client, aclient = sdk_clients(m)
        assert not client.is_closed and not aclient.is_closed
    loop.run_until_complete(loop.shutdown_asyncgens())  # what asyncio.run() does before closing its loop
    loop.close()
    assert client.is_closed
    assert aclient.is_closed  # `with` closes the async client too, not only the sync one


def test_an_asyncio_run_closes_the_async_client_it_used(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client() as m:
        asyncio.run(m.system.health_async())
        _, aclient = sdk_clients(m)
        assert aclient.is_closed  # closed as that loop shut down; the next asyncio.run() gets a fresh one
        assert asyncio.run(m.system.health_async()).healthy


async def test_async_with_closes_the_sdk_clients_async_and_sync(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client() as m:
        m.system.health()
        await m.system.health_async()
        client, aclient = sdk_clients(m)
    assert aclient.is_closed
    assert client.is_closed  # `async with` closes the sync client too


def test_close_and_then_calls_fail_clearly(muxi_fake: FakeMuxi) -> None:
    m = muxi_fake.client()
    m.system.health()
    client, _ = sdk_clients(m)
    m.close()
    m.close()  # idempotent
    assert client.is_closed
    with pytest.raises(ConfigurationError, match="closed"):
        m.system.health()
    assert len(muxi_fake.state.requests) == 1


async def test_aclose_and_then_calls_fail_clearly(muxi_fake: FakeMuxi) -> None:
    m = muxi_fake.client()
    await m.system.health_async()
    _, aclient = sdk_clients(m)
    await m.aclose()
    assert aclient.is_closed
    with pytest.raises(ConfigurationError, match="closed"):
        await m.system.health_async()


def test_gc_closes_the_sdk_client(muxi_fake: FakeMuxi) -> None:
    m = muxi_fake.client()
    m.system.health()
    client, _ = sdk_clients(m)
    del m
    gc.collect()
    assert client.is_closed


def test_clients_are_created_lazily(muxi_fake: FakeMuxi) -> None:
    m = muxi_fake.client()
    assert sdk_clients(m) == (None, None)
    m.system.health()
    client, aclient = sdk_clients(m)
    assert isinstance(client, httpx.Client) and aclient is None
    m.close()


# ------------------------------------------------------------------------------------ timeouts


def test_injected_client_timeout_is_kept_when_timeout_ms_is_unset(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.latency_ms = 800
    client = httpx.Client(timeout=0.2)
    with muxi_fake.client(client=client, user_id="u1", retry_config=None) as m:
        with pytest.raises(TimeoutError):
            m.system.health()
        with pytest.raises(TimeoutError):
            m.chat.send(message="hi")  # chat's long default is for SDK-made clients only
    client.close()


async def test_injected_client_timeout_is_kept_when_timeout_ms_is_unset_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.latency_ms = 800
    client = httpx.AsyncClient(timeout=0.2)
    async with muxi_fake.client(async_client=client, user_id="u1", retry_config=None) as m:
        with pytest.raises(TimeoutError):
            await m.chat.send_async(message="hi")
        with pytest.raises(TimeoutError):
            async with m.chat.stream_async(message="hi"):
                pass
    await client.aclose()


def test_timeout_ms_overrides_the_injected_client_timeout(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.latency_ms = 400
    client = httpx.Client(timeout=0.1)
    with muxi_fake.client(client=client, timeout_ms=5_000, retry_config=None) as m:
        assert m.system.health().healthy
    client.close()


def test_per_call_timeout_fires_as_a_timeout_error(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.latency_ms = 600
    with muxi_fake.client(user_id="u1") as m, pytest.raises(TimeoutError) as info:
        m.chat.send(message="hi", timeout_ms=150, retries=None)
    err = info.value
    assert isinstance(err, httpx.TimeoutException)
    assert isinstance(err, httpx.TransportError)
    assert isinstance(err, MuxiError)
    assert isinstance(err.__cause__, httpx.ReadTimeout)
    assert err.code == "TIMEOUT"
    assert "ReadTimeout" in err.message and "/v1/chat" in err.message


async def test_per_call_timeout_fires_as_a_timeout_error_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.latency_ms = 600
    async with muxi_fake.client(user_id="u1") as m:
        with pytest.raises(httpx.TimeoutException) as info:  # catchable as plain httpx too
            await m.system.health_async(timeout_ms=150, retries=None)
    assert isinstance(info.value, TimeoutError)


def test_per_call_timeout_beats_the_client_timeout_ms(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.latency_ms = 400
    with muxi_fake.client(timeout_ms=100, retry_config=None) as m:
        with pytest.raises(TimeoutError):
            m.system.health()
        assert m.system.health(timeout_ms=5_000).healthy


def test_per_call_timeout_beats_an_injected_client_timeout(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.latency_ms = 600
    client = httpx.Client(timeout=30)
    with muxi_fake.client(client=client, retry_config=None) as m, pytest.raises(TimeoutError):
        m.system.health(timeout_ms=150)
    client.close()


@pytest.mark.parametrize("bad", [0, -5, 1.5, "10"])
def test_invalid_per_call_timeout_is_rejected_before_sending(muxi_fake: FakeMuxi, bad: object) -> None:
    with muxi_fake.client() as m, pytest.raises(InvalidInputError, match="timeout_ms"):
        m.system.health(timeout_ms=bad)  # type: ignore[arg-type]
    assert muxi_fake.state.requests == []


def test_invalid_client_timeout_is_rejected() -> None:
    with pytest.raises(ConfigurationError, match="timeout_ms"):
        Muxi(timeout_ms=0)


# ------------------------------------------------------------------------------------ headers and options


def test_sdk_identification_headers_and_app(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(app="billing-bot") as m:
        m.system.health()
    [req] = muxi_fake.state.requests
    assert req.headers["x-muxi-sdk"] == f"python/{__version__}"
    assert req.headers["x-muxi-client"] == f"python/{__version__}"
    assert __version__ in req.headers["user-agent"]
    assert req.headers["x-muxi-app"] == "billing-bot"
    assert req.headers["accept"] == "application/json"


def test_per_call_http_headers_are_sent_and_can_override(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="u1") as m:
        m.chat.send(message="hi", http_headers={"X-Trace": "t-1", "X-Muxi-User-ID": "override"})
    [req] = muxi_fake.state.requests
    assert req.headers["x-trace"] == "t-1"
    assert req.headers["x-muxi-user-id"] == "override"


def test_unknown_keyword_is_rejected_before_sending(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client() as m, pytest.raises(InvalidInputError, match="bogus"):
        m.system.health(bogus=1)  # type: ignore[call-arg]
    assert muxi_fake.state.requests == []


def test_resources_are_created_once_on_first_use(muxi_fake: FakeMuxi) -> None:
    m = muxi_fake.client()
    assert "chat" not in vars(m)
    chat = m.chat
    assert m.chat is chat and "chat" in vars(m)
    assert "chat" in dir(m) and "system" in dir(m)
    with pytest.raises(AttributeError):
        _ = m.no_such_resource
    m.close()
