"""Streams under faults: drops say how far they got, `stream_discontinuity` is honoured, and no connection is
ever leaked - not even by streams abandoned mid-way without `with`, a thousand times, with the cyclic garbage
collector switched off (so only prompt release counts)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from muxi_sdk import BackoffStrategy, Muxi, RetryConfig
from muxi_sdk._core.transports import transport_pool  # internal: the httpcore pool behind an owned client
from muxi_sdk.errors import ConnectionError, StreamInterruptedError
from muxi_sdk.models.chat import CompletedEvent
from muxi_sdk.testing import FakeMuxi, ScriptedReply
from muxi_sdk.testing.idempotency import executions_for

FAST = RetryConfig("backoff", BackoffStrategy(initial_interval=1, max_interval=20, max_elapsed_time=3_000))
TWO_CONNECTIONS = httpx.Limits(max_connections=2, max_keepalive_connections=2)
# A leaked connection shows up as a PoolTimeout within half a second, never as a hang.
POOL_TIMEOUT = httpx.Timeout(10.0, pool=0.5)


pytestmark = pytest.mark.usefixtures("clean_env")


@contextlib.contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Release must come from reference counting, not from a lucky run of the cyclic collector."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def pool_of(client: httpx.Client | httpx.AsyncClient) -> Any:
    return transport_pool(client)


def busy(client: httpx.Client | httpx.AsyncClient) -> int:
    return sum(1 for c in pool_of(client).connections if not c.is_idle() and not c.is_closed())


# ------------------------------------------------------------------------------------ drops and discontinuity


def test_dropped_chat_stream_says_how_much_was_received(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.drop_stream_after = 6  # 4 status frames, "Echo:", " one", then the connection is cut
    with muxi_fake.client(user_id="u1", retry_config=None) as m:
        with pytest.raises(StreamInterruptedError) as info, m.chat.stream(message="one two three") as events:
            events.text()
        assert events.closed
        muxi_fake.faults.drop_stream_after = None
        assert m.chat.send(message="again").text == "Echo: again"  # the client is still usable
    err = info.value
    assert err.events_received == 6 and err.received_text == "Echo: one"
    assert "6 events and 9 characters of text received" in err.message
    assert isinstance(err, ConnectionError) and isinstance(err, httpx.TransportError)


async def test_dropped_chat_stream_says_how_much_was_received_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.drop_stream_after = 7
    async with muxi_fake.client(user_id="u1", retry_config=None) as m:
        with pytest.raises(StreamInterruptedError) as info:
            async with m.chat.stream_async(message="one two three") as events:
                async for _ in events:
                    pass
    assert info.value.events_received == 7 and info.value.received_text == "Echo: one two"


def test_stream_cut_inside_its_first_frame_is_interrupted_with_nothing_received(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.drop_response_next(1, when="during", path_contains="/chat")
    with muxi_fake.client(user_id="u1", retry_config=None) as m, pytest.raises(StreamInterruptedError) as info:
        with m.chat.stream(message="hi") as events:
            events.final()
    assert info.value.events_received == 0 and info.value.received_text == ""


def test_stream_lost_before_its_headers_is_a_connection_error_and_not_resent(muxi_fake: FakeMuxi) -> None:
    # A stream cannot be replayed (the runtime never stores streams), so a POST that may have run is not resent.
    muxi_fake.faults.drop_response_next(1, when="before", path_contains="/chat")
    with muxi_fake.client(user_id="u1", retry_config=FAST) as m, pytest.raises(ConnectionError):
        m.chat.stream(message="hi", idempotency_key="k-stream")
    assert executions_for(muxi_fake.state, "k-stream") == 1 and len(muxi_fake.state.requests) == 1


def test_completed_with_stream_discontinuity_is_surfaced_over_the_wire(muxi_fake: FakeMuxi) -> None:
    muxi_fake.script(ScriptedReply(text="The corrected full answer.", discontinuity=True))
    with muxi_fake.client(user_id="u1") as m, m.chat.stream(message="hi") as events:
        result = events.final()
    assert result.text == "The corrected full answer."
    assert result.completed is not None and result.completed.stream_discontinuity is True


def _discontinuous_stream(request: httpx.Request) -> httpx.Response:
    def frame(kind: str, content: str, **extra: Any) -> str:
        token = {"type": kind, "content": content, "session_id": "s1", "request_id": "r1", **extra}
        return f"data: {json.dumps({'token': token})}\n\n"

    body = (
        frame("content", "Hel")
        + frame("content", "lo wrold")  # deltas that went wrong (e.g. a model-side rewrite)
        + frame("completed", "Hello world", status="success", stream_discontinuity=True)
        + 'event: done\ndata: {"finished":true}\n\n'
    )
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, text=body)


def test_discontinuity_final_text_is_the_completed_text_not_the_deltas() -> None:
    client = httpx.Client(transport=httpx.MockTransport(_discontinuous_stream))
    with Muxi(url="http://formation.test", client_key="k", user_id="u1", client=client) as m:
        with m.chat.stream(message="hi") as events:
            seen = list(events)
        completed = next(e for e in seen if isinstance(e, CompletedEvent))
        assert completed.stream_discontinuity is True
        assert m.chat.stream(message="hi").text() == "Hello world"  # not "Hello wrold"
    client.close()


async def test_discontinuity_final_text_is_the_completed_text_async() -> None:
    client = httpx.AsyncClient(transport=httpx.MockTransport(_discontinuous_stream))
    async with Muxi(url="http://formation.test", client_key="k", user_id="u1", async_client=client) as m:
        async with m.chat.stream_async(message="hi") as events:
            result = await events.final()
    assert result.text == "Hello world" and result.completed and result.completed.stream_discontinuity
    await client.aclose()


# ------------------------------------------------------------------------------------ no leaks

MODES = ("with-break", "break-no-with", "never-iterated", "dropped-mid-stream")


def _abandon_sync(m: Muxi, muxi_fake: FakeMuxi, mode: str) -> None:
    if mode == "dropped-mid-stream":
        muxi_fake.faults.drop_stream_after = 5
        try:
            with pytest.raises(StreamInterruptedError):
                for _ in m.chat.stream(message="a b c d"):  # no `with`: the error itself must release
                    pass
        finally:
            muxi_fake.faults.drop_stream_after = None
        return
    stream = m.chat.stream(message="a b c d")
    if mode == "with-break":
        with stream:
            for _ in stream:
                break
    elif mode == "break-no-with":
        for _ in stream:
            break
    del stream  # "never-iterated" and "break-no-with": just dropped


async def _abandon_async(m: Muxi, muxi_fake: FakeMuxi, mode: str) -> None:
    if mode == "dropped-mid-stream":
        muxi_fake.faults.drop_stream_after = 5
        try:
            with pytest.raises(StreamInterruptedError):
                async for _ in await m.chat.stream_async(message="a b c d"):
                    pass
        finally:
            muxi_fake.faults.drop_stream_after = None
        return
    stream = await m.chat.stream_async(message="a b c d")
    if mode == "with-break":
        async with stream:
            async for _ in stream:
                break
    elif mode == "break-no-with":
        async for _ in stream:
            break
    del stream


def _abandon_many_sync(muxi_fake: FakeMuxi, count: int) -> None:
    client = httpx.Client(limits=TWO_CONNECTIONS, timeout=POOL_TIMEOUT)
    with muxi_fake.client(user_id="u1", client=client, retry_config=None) as m, no_cyclic_gc():
        for i in range(count):
            _abandon_sync(m, muxi_fake, MODES[i % len(MODES)])
        assert busy(client) == 0
        assert len(pool_of(client).connections) <= 2
        started = time.monotonic()
        assert m.chat.send(message="still fine").text == "Echo: still fine"
        assert time.monotonic() - started < 1.0  # no waiting for a connection (a leak: PoolTimeout at 0.5 s)
    client.close()


async def _abandon_many_async(muxi_fake: FakeMuxi, count: int) -> None:
    client = httpx.AsyncClient(limits=TWO_CONNECTIONS, timeout=POOL_TIMEOUT)
    async with muxi_fake.client(user_id="u1", async_client=client, retry_config=None) as m:
        with no_cyclic_gc():
            for i in range(count):
                await _abandon_async(m, muxi_fake, MODES[i % len(MODES)])
            await asyncio.sleep(0.01)  # closes handed to the loop by abandoned streams run now
            assert busy(client) == 0
            assert len(pool_of(client).connections) <= 2
            started = time.monotonic()
            assert (await m.chat.send_async(message="still fine")).text == "Echo: still fine"
            assert time.monotonic() - started < 1.0
    await client.aclose()


def test_abandoned_streams_release_their_connections(muxi_fake: FakeMuxi) -> None:
    _abandon_many_sync(muxi_fake, 40)


async def test_abandoned_streams_release_their_connections_async(muxi_fake: FakeMuxi) -> None:
    await _abandon_many_async(muxi_fake, 40)


@pytest.mark.slow
def test_a_thousand_abandoned_streams_leak_nothing(muxi_fake: FakeMuxi) -> None:
    _abandon_many_sync(muxi_fake, 1_000)


@pytest.mark.slow
async def test_a_thousand_abandoned_streams_leak_nothing_async(muxi_fake: FakeMuxi) -> None:
    await _abandon_many_async(muxi_fake, 1_000)


# ------------------------------------------------------------------------------------ event streams


def _session_with_turns(m: Muxi) -> str:
    sid = None
    for i, text in enumerate(["first question here", "second one, a bit longer than that"]):
        sid = m.chat.send(message=text, session_id=sid, request_id=f"req_{i}").session_id
    assert sid
    return sid


def _ids(events: list[Any]) -> list[tuple[str, str | None, str | None]]:
    return [(type(e).__name__, getattr(e, "request_id", None), getattr(e, "content", None)) for e in events]


def test_event_stream_dropped_repeatedly_resumes_without_duplicates(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as m:
        sid = _session_with_turns(m)
        with m.events.session(session_id=sid) as events:
            expected = _ids(list(events))
        muxi_fake.faults.drop_events_after = 2
        with m.events.session(session_id=sid, retries=FAST) as events:
            received = _ids(list(events))
    assert received == expected  # every event once, in order
    assert events.reconnects >= len(expected) // 2 - 1


async def test_event_stream_dropped_repeatedly_resumes_without_duplicates_async(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client(user_id="alice") as m:
        sid = await asyncio.to_thread(_session_with_turns, muxi_fake.client(user_id="alice"))
        async with m.events.session_async(session_id=sid) as events:
            expected = _ids([e async for e in events])
        muxi_fake.faults.drop_events_after = 3
        async with m.events.session_async(session_id=sid, retries=FAST) as events:
            received = _ids([e async for e in events])
    assert received == expected and events.reconnects >= 2


def test_abandoned_event_streams_release_their_connections(muxi_fake: FakeMuxi) -> None:
    client = httpx.Client(limits=TWO_CONNECTIONS, timeout=POOL_TIMEOUT)
    with muxi_fake.client(user_id="alice", client=client, retry_config=None) as m:
        sid = _session_with_turns(m)
        with no_cyclic_gc():
            for _ in range(10):
                for _ in m.events.session(session_id=sid):
                    break
        assert busy(client) == 0
        assert m.chat.send(message="ok").text == "Echo: ok"
    client.close()
