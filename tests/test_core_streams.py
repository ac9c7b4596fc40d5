"""Chat streams: typed events, gathering helpers, and the connection released however the stream is left.

Pool checks use an injected client with ONE connection and a short pool timeout: a stream that kept its
connection would make the next call fail with a pool timeout. The pool's connections are also inspected.
"""

from __future__ import annotations

import asyncio
import gc
import json
from typing import Any

import httpx
import pytest

from _helpers import FAST
from muxi_sdk import Muxi
from muxi_sdk._core.transports import transport_pool  # internal: the httpcore pool behind an owned client
from muxi_sdk.errors import ConnectionError, StreamError, StreamInterruptedError, TimeoutError
from muxi_sdk.models.chat import (
    ChatResult,
    CompletedEvent,
    ContentEvent,
    DoneEvent,
    ProgressEvent,
    UIEvent,
    UnknownEvent,
)
from muxi_sdk.testing import FakeMuxi, ScriptedReply

pytestmark = pytest.mark.usefixtures("clean_env")


ONE_CONNECTION = httpx.Limits(max_connections=1, max_keepalive_connections=1)
POOL_TIMEOUT = httpx.Timeout(10.0, pool=0.5)


def tight_client() -> httpx.Client:
    return httpx.Client(limits=ONE_CONNECTION, timeout=POOL_TIMEOUT)


def tight_async_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(limits=ONE_CONNECTION, timeout=POOL_TIMEOUT)


def busy_connections(client: httpx.Client | httpx.AsyncClient) -> int:
    """Connections of the pool that are in use (not idle and not closed)."""
    pool: Any = transport_pool(client)
    return sum(1 for c in pool.connections if not c.is_idle() and not c.is_closed())


def tight_muxi(fake: FakeMuxi, client: httpx.Client) -> Muxi:
    # No retries: a pool timeout must surface, not be retried away.
    return fake.client(user_id="u1", client=client, retry_config=None)


def tight_muxi_async(fake: FakeMuxi, client: httpx.AsyncClient) -> Muxi:
    return fake.client(user_id="u1", async_client=client, retry_config=None)


def sse(*frames: tuple[str | None, Any]) -> str:
    out = []
    for name, data in frames:
        head = f"event: {name}\n" if name else ""
        out.append(f"{head}data: {json.dumps(data)}\n\n")
    return "".join(out)


def token(kind: str, content: Any = "", **extra: Any) -> tuple[None, dict[str, Any]]:
    return None, {"token": {"type": kind, "content": content, "session_id": "sess_1", "request_id": "req_1", **extra}}


DONE = ("done", {"finished": True})


# ------------------------------------------------------------------------------------ typed events and helpers


def test_events_arrive_typed_and_in_order(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="u1") as m, m.chat.stream(message="one two") as events:
        got = list(events)
    assert [e.type for e in got] == [
        "progress", "thinking", "planning", "progress", "content", "content", "content", "completed", "done",
    ]  # fmt: skip
    assert isinstance(got[0], ProgressEvent) and got[0].stage == "init"
    assert [e.content for e in got if isinstance(e, ContentEvent)] == ["Echo:", " one", " two"]
    completed = got[-2]
    assert isinstance(completed, CompletedEvent)
    assert completed.content == "Echo: one two" and completed.status == "success"
    assert isinstance(got[-1], DoneEvent)
    assert events.closed  # exhausted -> released


async def test_events_arrive_typed_and_in_order_async(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client(user_id="u1") as m, m.chat.stream_async(message="one two") as events:
        got = [e async for e in events]
    assert [e.type for e in got][-3:] == ["content", "completed", "done"]
    assert "".join(e.content or "" for e in got if isinstance(e, ContentEvent)) == "Echo: one two"
    assert events.closed


def test_text_and_final(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="u1") as m:
        with m.chat.stream(message="hello", session_id="sess_mine") as events:
            assert events.text() == "Echo: hello"
        with m.chat.stream(message="again") as events:
            first = next(events)
            assert first.type == "progress"
            result = events.final()  # gathers the rest, including what was already consumed
    assert isinstance(result, ChatResult)
    assert result.text == "Echo: again"
    assert result.status == "success"
    assert result.session_id and result.session_id.startswith("sess_")
    assert result.request_id and result.request_id.startswith("req_")
    assert result.events_received == 8  # 4 status events, 2 deltas, completed, done
    assert result.completed is not None and result.completed.content == "Echo: again"
    assert events.response_meta is not None and events.response_meta.status_code == 200


async def test_text_and_final_async(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client(user_id="u1") as m:
        async with m.chat.stream_async(message="hello") as events:
            assert await events.text() == "Echo: hello"
        stream = await m.chat.stream_async(message="again")  # awaitable without `async with` too
        result = await stream.final()
        assert stream.closed
    assert result.text == "Echo: again" and result.status == "success"


def test_ui_event(muxi_fake: FakeMuxi) -> None:
    widgets = [{"type": "options", "id": "w1", "options": ["red", "blue"]}]
    muxi_fake.script(ScriptedReply(text="Pick a colour", ui=widgets))
    with muxi_fake.client(user_id="u1") as m, m.chat.stream(message="?") as events:
        got = list(events)
    assert [e.type for e in got][-3:] == ["completed", "ui", "done"]
    ui = got[-2]
    assert isinstance(ui, UIEvent) and ui.ui == widgets


async def test_ui_event_final_async(muxi_fake: FakeMuxi) -> None:
    widgets = [{"type": "confirm", "id": "w2"}]
    muxi_fake.script(ScriptedReply(text="Sure?", ui=widgets))
    async with muxi_fake.client(user_id="u1") as m, m.chat.stream_async(message="?") as events:
        result = await events.final()
    assert result.text == "Sure?" and result.ui == widgets


def test_keepalive_comments_are_not_events(muxi_fake: FakeMuxi) -> None:
    muxi_fake.state.keepalive_interval_s = 0.05
    muxi_fake.script(ScriptedReply(text="thought hard", delay_s=0.3))
    with muxi_fake.client(user_id="u1") as m, m.chat.stream(message="?") as events:
        got = list(events)
    assert got[0].type == "progress"
    assert not any(isinstance(e, UnknownEvent) for e in got)
    assert events.events_received == len(got)


def test_stream_discontinuity_uses_the_completed_text(muxi_fake: FakeMuxi) -> None:
    body = sse(
        token("content", "Hel"),
        token("content", "lo wrld"),
        token("completed", "Hello world", status="success", stream_discontinuity=True),
        DONE,
    )
    muxi_fake.faults.fail_next(1, 200, body=body, content_type="text/event-stream")
    with muxi_fake.client(user_id="u1") as m, m.chat.stream(message="x") as events:
        result = events.final()
    assert result.text == "Hello world"
    assert result.completed is not None and result.completed.stream_discontinuity is True


async def test_stream_discontinuity_from_the_fake_engine_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.script(ScriptedReply(text="rewritten answer", discontinuity=True))
    async with muxi_fake.client(user_id="u1") as m, m.chat.stream_async(message="x") as events:
        result = await events.final()
    assert result.text == "rewritten answer"
    assert result.completed is not None and result.completed.stream_discontinuity


def test_without_completed_the_deltas_make_the_text(muxi_fake: FakeMuxi) -> None:
    body = sse(token("content", "only "), token("content", "deltas"), DONE)
    muxi_fake.faults.fail_next(1, 200, body=body, content_type="text/event-stream")
    with muxi_fake.client(user_id="u1") as m, m.chat.stream(message="x") as events:
        assert events.text() == "only deltas"


def test_unknown_event_types_are_kept(muxi_fake: FakeMuxi) -> None:
    body = sse(
        ("surprise", {"x": 1}),
        token("hologram", "3d", depth=7),
        (None, {"token": "old style "}),
        (None, {"weird": True}),
        token("content", "tail"),
        DONE,
    )
    muxi_fake.faults.fail_next(1, 200, body=body, content_type="text/event-stream")
    with muxi_fake.client(user_id="u1") as m, m.chat.stream(message="x") as events:
        got = list(events)
    assert [type(e).__name__ for e in got] == [
        "UnknownEvent", "UnknownEvent", "ContentEvent", "UnknownEvent", "ContentEvent", "DoneEvent",
    ]  # fmt: skip
    named, hologram, _, unwrapped = got[:4]
    assert isinstance(named, UnknownEvent)
    assert (named.type, named.event, named.data) == ("surprise", "surprise", {"x": 1})
    assert isinstance(hologram, UnknownEvent) and hologram.type == "hologram"
    assert hologram.additional_properties["depth"] == 7 and hologram.additional_properties["content"] == "3d"
    assert isinstance(unwrapped, UnknownEvent) and unwrapped.data == {"weird": True}
    assert events.final().text == "old style tail"


async def test_unknown_event_types_are_kept_async(muxi_fake: FakeMuxi) -> None:
    body = sse(("brand_new", {"v": 2}), token("content", "ok"), DONE)
    muxi_fake.faults.fail_next(1, 200, body=body, content_type="text/event-stream")
    async with muxi_fake.client(user_id="u1") as m, m.chat.stream_async(message="x") as events:
        got = [e async for e in events]
    assert isinstance(got[0], UnknownEvent) and got[0].type == "brand_new" and got[0].data == {"v": 2}
    assert [e.type for e in got[1:]] == ["content", "done"]


# ------------------------------------------------------------------------------------ leaving early


def test_break_inside_with_releases_the_connection(muxi_fake: FakeMuxi) -> None:
    client = tight_client()
    with tight_muxi(muxi_fake, client) as m:
        with m.chat.stream(message="a b c d e f") as events:
            for event in events:
                if event.type == "content":
                    break
            assert busy_connections(client) == 1
        assert events.closed
        assert busy_connections(client) == 0
        assert m.chat.send(message="next").text == "Echo: next"  # would be a pool timeout if still held
    client.close()


async def test_break_inside_async_with_releases_the_connection(muxi_fake: FakeMuxi) -> None:
    client = tight_async_client()
    async with tight_muxi_async(muxi_fake, client) as m:
        async with m.chat.stream_async(message="a b c d e f") as events:
            async for event in events:
                if event.type == "content":
                    break
            assert busy_connections(client) == 1
        assert events.closed
        assert busy_connections(client) == 0
        assert (await m.chat.send_async(message="next")).text == "Echo: next"
    await client.aclose()


def test_exception_in_caller_code_releases_the_connection(muxi_fake: FakeMuxi) -> None:
    client = tight_client()
    with tight_muxi(muxi_fake, client) as m:
        with pytest.raises(KeyError), m.chat.stream(message="hi") as events:
            next(events)
            raise KeyError("caller bug")
        assert busy_connections(client) == 0
        assert m.system.health().healthy
    client.close()


def test_break_without_with_then_gc_releases_the_connection(muxi_fake: FakeMuxi) -> None:
    client = tight_client()
    with tight_muxi(muxi_fake, client) as m:
        for _event in m.chat.stream(message="a b c"):
            break
        gc.collect()
        assert busy_connections(client) == 0
        assert m.system.health().healthy
    client.close()


def test_gc_of_an_uniterated_stream_closes_it(muxi_fake: FakeMuxi) -> None:
    client = tight_client()
    with tight_muxi(muxi_fake, client) as m:
        stream = m.chat.stream(message="never read")
        assert busy_connections(client) == 1
        response = stream.response
        del stream
        gc.collect()
        assert response.is_closed
        assert busy_connections(client) == 0
        assert m.chat.send(message="next").text == "Echo: next"
    client.close()


async def test_gc_of_an_uniterated_stream_closes_it_async(muxi_fake: FakeMuxi) -> None:
    client = tight_async_client()
    async with tight_muxi_async(muxi_fake, client) as m:
        stream = await m.chat.stream_async(message="never read")
        response = stream.response
        del stream
        gc.collect()
        for _ in range(20):  # the close is handed to the running loop
            if response.is_closed:
                break
            await asyncio.sleep(0.01)
        assert response.is_closed
        assert busy_connections(client) == 0
        assert (await m.chat.send_async(message="next")).text == "Echo: next"
    await client.aclose()


def test_retried_stream_error_responses_are_released(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(3, 503)
    client = tight_client()
    with muxi_fake.client(user_id="u1", client=client) as m, m.chat.stream(message="hi", retries=FAST) as events:
        assert events.text() == "Echo: hi"
    assert len(muxi_fake.state.requests) == 4
    assert busy_connections(client) == 0
    client.close()


async def test_retried_stream_error_responses_are_released_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(3, 429)  # turned away: safe to resend a stream
    client = tight_async_client()
    async with muxi_fake.client(user_id="u1", async_client=client) as m:
        async with m.chat.stream_async(message="hi", retries=FAST) as events:
            assert await events.text() == "Echo: hi"
    assert len(muxi_fake.state.requests) == 4
    await client.aclose()


def test_final_stream_error_response_is_released(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(1, 404)
    client = tight_client()
    with tight_muxi(muxi_fake, client) as m:
        with pytest.raises(Exception, match="injected fault"):
            m.chat.stream(message="hi")
        assert busy_connections(client) == 0
        assert m.system.health().healthy
    client.close()


# ------------------------------------------------------------------------------------ streams that fail


def test_error_event_raises_stream_error_with_received_text(muxi_fake: FakeMuxi) -> None:
    muxi_fake.script(ScriptedReply(text="partial answer", error="model crashed", error_type="ValueError"))
    client = tight_client()
    with tight_muxi(muxi_fake, client) as m:
        with pytest.raises(StreamError) as info, m.chat.stream(message="hi") as events:
            for _ in events:
                pass
        err = info.value
        assert err.message == "model crashed"
        assert err.code == "ValueError"
        assert err.received_text == "partial answer"
        assert err.events_received == 6  # 4 status events + 2 content deltas
        assert err.details == {"error": "model crashed", "type": "ValueError"}
        assert events.closed
        assert busy_connections(client) == 0
        assert m.chat.send(message="next").text == "Echo: next"
    client.close()


async def test_error_event_raises_stream_error_with_received_text_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.script(ScriptedReply(text="partial answer", error="model crashed"))
    client = tight_async_client()
    async with tight_muxi_async(muxi_fake, client) as m:
        with pytest.raises(StreamError) as info:
            async with m.chat.stream_async(message="hi") as events:
                await events.text()
        assert info.value.received_text == "partial answer"
        assert info.value.code == "RuntimeError"
        assert busy_connections(client) == 0
        assert (await m.chat.send_async(message="next")).text == "Echo: next"
    await client.aclose()


def test_error_event_without_with_still_releases(muxi_fake: FakeMuxi) -> None:
    muxi_fake.script(ScriptedReply(text="x", error="boom"))
    client = tight_client()
    with tight_muxi(muxi_fake, client) as m:
        with pytest.raises(StreamError):
            m.chat.stream(message="hi").text()
        gc.collect()
        assert busy_connections(client) == 0
        assert m.system.health().healthy
    client.close()


def test_dropped_stream_raises_stream_interrupted(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.drop_stream_after = 6  # 4 status frames, "Echo:", " one", then the connection is cut
    client = tight_client()
    with tight_muxi(muxi_fake, client) as m:
        with pytest.raises(StreamInterruptedError) as info, m.chat.stream(message="one two three") as events:
            for _ in events:
                pass
        err = info.value
        assert err.received_text == "Echo: one"
        assert err.events_received == 6
        assert isinstance(err, ConnectionError) and isinstance(err, httpx.TransportError)
        assert isinstance(err.__cause__, httpx.TransportError)
        assert "6 events" in err.message
        assert busy_connections(client) == 0
        muxi_fake.faults.drop_stream_after = None
        assert m.chat.send(message="next").text == "Echo: next"
    client.close()


async def test_dropped_stream_raises_stream_interrupted_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.drop_stream_after = 5
    async with muxi_fake.client(user_id="u1") as m:
        with pytest.raises(StreamInterruptedError) as info:
            async with m.chat.stream_async(message="one two three") as events:
                await events.text()
    assert info.value.received_text == "Echo:"
    assert info.value.events_received == 5


def test_stall_mid_stream_is_a_timeout_error(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.body_delay_ms = 600
    with muxi_fake.client(user_id="u1") as m:
        with pytest.raises(TimeoutError) as info, m.chat.stream(message="hi", timeout_ms=200) as events:
            events.text()
    assert isinstance(info.value, httpx.TimeoutException)
    assert events.closed


async def test_stall_mid_stream_is_a_timeout_error_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.body_delay_ms = 600
    async with muxi_fake.client(user_id="u1") as m:
        with pytest.raises(TimeoutError):
            async with m.chat.stream_async(message="hi", timeout_ms=200) as events:
                await events.text()


# ------------------------------------------------------------------------------------ stream outlives its Muxi


def test_a_stream_keeps_a_temporary_muxi_and_its_client_alive(muxi_fake: FakeMuxi) -> None:
    def open_stream() -> Any:
        return muxi_fake.client(user_id="u1").chat.stream(message="a b c d e f g")

    stream = open_stream()  # the root `Muxi` is not referenced by the caller any more
    gc.collect()
    assert stream.text() == "Echo: a b c d e f g"  # its finalizer must not close the client under the stream


async def test_a_stream_keeps_a_temporary_muxi_alive_async(muxi_fake: FakeMuxi) -> None:
    async def open_stream() -> Any:
        return await muxi_fake.client(user_id="u1").chat.stream_async(message="a b c")

    stream = await open_stream()
    gc.collect()
    assert await stream.text() == "Echo: a b c"


async def test_break_without_async_with_then_gc_releases_the_connection(muxi_fake: FakeMuxi) -> None:
    client = tight_async_client()
    async with tight_muxi_async(muxi_fake, client) as m:
        async for _event in await m.chat.stream_async(message="a b c"):
            break
        gc.collect()
        for _ in range(50):
            if busy_connections(client) == 0:
                break
            await asyncio.sleep(0.01)
        assert busy_connections(client) == 0
        assert (await m.chat.send_async(message="next")).text == "Echo: next"
    await client.aclose()


def test_an_unawaited_async_stream_sends_nothing(muxi_fake: FakeMuxi) -> None:
    m = muxi_fake.client(user_id="u1")
    pending = m.chat.stream_async(message="never")
    del pending
    gc.collect()
    assert muxi_fake.state.requests == []
    m.close()
