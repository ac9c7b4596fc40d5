"""The fast paths keep their promises over loopback: query folding, bounded fan-out, reply text, stream caps.

Performance itself is measured in bench/ (ratios, never timing asserts here); these tests pin the behaviour
each optimisation must keep, and the structural property that makes it fast.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from muxi_sdk import Muxi
from muxi_sdk.errors import InvalidInputError, ResponseValidationError, StreamError, StreamInterruptedError
from muxi_sdk.models.chat import ContentEvent
from muxi_sdk.testing import FakeMuxi, ScriptedReply

pytestmark = pytest.mark.usefixtures("clean_env")

WORDS = [f"w{i}" for i in range(2600)]  # more than two runs of 1,024 deltas


def pool_of(client: Any) -> Any:
    return client._transport._pool


# ------------------------------------------------------------------------------------------- query in the URL


def test_the_query_is_sent_as_httpx_would_encode_it(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="u1") as m:
        m.chat.send(message="hello")
        page = m.sessions.list(limit=7)
        assert page.response_meta is not None and page.response_meta.http_response is not None
        url = page.response_meta.http_response.request.url
        assert url.query == b"limit=7" and url.path == "/v1/sessions"
        assert [s.session_id for s in page.items]  # the server read the limit and answered


def test_an_injected_client_with_params_of_its_own_still_gets_both(muxi_fake: FakeMuxi) -> None:
    # httpx replaces a URL's query with the merged `params`: the query must not be folded for such a client.
    client = httpx.Client(params={"trace": "on"})
    with muxi_fake.client(user_id="u1", client=client) as m:
        page = m.sessions.list(limit=3)
        assert page.response_meta is not None and page.response_meta.http_response is not None
        params = page.response_meta.http_response.request.url.params
        assert params["trace"] == "on" and params["limit"] == "3"
    client.close()


async def test_the_query_is_sent_as_httpx_would_encode_it_async(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client(user_id="u1") as m:
        page = await m.sessions.list_async(limit=4)
        assert page.response_meta is not None and page.response_meta.http_response is not None
        assert page.response_meta.http_response.request.url.query == b"limit=4"


# ------------------------------------------------------------------------------------------------ fan-out


async def test_a_cold_fan_out_never_queues_more_than_the_pool_inside_httpcore(muxi_fake: FakeMuxi) -> None:
    """1,000 gathered calls on a fresh client took ~30 s: httpcore rescans every queued request against every
    connection on each change. The SDK lets at most its pool size (100) into httpcore at once."""
    muxi_fake.faults.latency_ms = 20
    async with muxi_fake.client(user_id="u1") as m:
        client = m.sdk_configuration.pool.async_client
        most = 0
        done = False

        async def watch() -> None:
            nonlocal most
            while not done:
                most = max(most, len(pool_of(client)._requests))
                await asyncio.sleep(0.002)

        watcher = asyncio.create_task(watch())
        results = await asyncio.gather(*(m.system.health_async() for _ in range(250)), return_exceptions=True)
        done = True
        await watcher
        assert [r for r in results if isinstance(r, BaseException)] == []
        assert 0 < most <= 100  # without the bound: all 250 at once


async def test_an_open_stream_holds_no_slot(muxi_fake: FakeMuxi) -> None:
    """Slots are held until the response headers arrive, so long-lived streams cannot starve other calls."""
    async with muxi_fake.client(user_id="u1") as m:
        slots = m.sdk_configuration.pool.async_slots()
        async with m.chat.stream_async(message="one two") as events:
            assert slots._value == 100  # the stream is open and holds its connection, not a slot
            assert (await m.chat.send_async(message="meanwhile")).text == "Echo: meanwhile"
            assert await events.text() == "Echo: one two"
        assert slots._value == 100


async def test_an_injected_async_client_is_not_bounded(muxi_fake: FakeMuxi) -> None:
    client = httpx.AsyncClient()
    async with muxi_fake.client(user_id="u1", async_client=client) as m:
        assert m.sdk_configuration.pool.async_slots() is None
        assert (await m.system.health_async()).healthy
    await client.aclose()


# ---------------------------------------------------------------------------------------------- reply text


def _dropped_stream_text(muxi_fake: FakeMuxi, m: Muxi) -> tuple[str, list[str]]:
    muxi_fake.script(" ".join(WORDS))
    muxi_fake.faults.drop_stream_after = 2400
    seen: list[str] = []
    with pytest.raises(StreamInterruptedError) as info, m.chat.stream(message="x") as events:
        for event in events:
            if isinstance(event, ContentEvent):
                seen.append(event.content or "")
    return info.value.received_text, seen


def test_reply_text_over_many_runs_of_deltas_is_exact(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="u1") as m:
        received, seen = _dropped_stream_text(muxi_fake, m)
    assert len(seen) > 2 * 1024
    assert received == "".join(seen)


async def test_reply_text_over_many_runs_of_deltas_is_exact_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.script(" ".join(WORDS))
    muxi_fake.faults.drop_stream_after = 2400
    seen: list[str] = []
    async with muxi_fake.client(user_id="u1") as m:
        with pytest.raises(StreamInterruptedError) as info:
            async with m.chat.stream_async(message="x") as events:
                async for event in events:
                    if isinstance(event, ContentEvent):
                        seen.append(event.content or "")
    assert len(seen) > 2 * 1024 and info.value.received_text == "".join(seen)


def test_keep_text_false_keeps_no_deltas_and_answers_with_the_completed_text(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="u1") as m:
        with m.chat.stream(message="one two three", keep_text=False) as events:
            assert events.final().text == "Echo: one two three"  # the completed event's full text
            assert events._acc.runs == [] and events._acc.deltas == []
        muxi_fake.faults.drop_stream_after = 6
        with pytest.raises(StreamInterruptedError) as info:
            m.chat.stream(message="one two three", keep_text=False).text()
        assert info.value.received_text == "" and info.value.events_received == 6
        muxi_fake.faults.drop_stream_after = None
        muxi_fake.script(ScriptedReply("partial", error="boom"))
        with pytest.raises(StreamError) as err:
            m.chat.stream(message="x", keep_text=False).text()
        assert err.value.received_text == ""
        with pytest.raises(InvalidInputError, match="keep_text"):
            m.chat.stream(message="x", keep_text="no")  # type: ignore[arg-type]


async def test_keep_text_false_async(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client(user_id="u1") as m:
        async with m.chat.stream_async(message="one two", keep_text=False) as events:
            assert await events.text() == "Echo: one two"
            assert events._acc.runs == [] and events._acc.deltas == []


# ------------------------------------------------------------------------------------------ one event capped


def test_an_event_past_the_cap_ends_the_stream_with_response_validation_error(muxi_fake: FakeMuxi) -> None:
    muxi_fake.script("x" * 300_000)  # the completed frame carries the whole text: ~300 KB in one event
    client = httpx.Client()
    with muxi_fake.client(user_id="u1", client=client) as m:
        with m.chat.stream(message="big") as events:
            events.max_event_bytes = 256 * 1024
            with pytest.raises(ResponseValidationError, match="max_response_bytes"):
                events.final()
        assert events.closed
        assert all(c.is_idle() or c.is_closed() for c in pool_of(client).connections)
        muxi_fake.script("x" * 300_000)
        assert len(m.chat.stream(message="big").text()) == 300_000  # the default cap is far above
    client.close()


async def test_an_event_past_the_cap_ends_the_stream_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.script("x" * 300_000)
    async with muxi_fake.client(user_id="u1") as m:
        async with m.chat.stream_async(message="big") as events:
            events.max_event_bytes = 256 * 1024
            with pytest.raises(ResponseValidationError, match="max_response_bytes"):
                await events.final()
        assert events.closed
