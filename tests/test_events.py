"""m.events against the fake server: typed SSE streams for a user, a session and a request; resumption."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from httpx_sse import ServerSentEvent

from muxi_sdk import BackoffStrategy, Muxi, RetryConfig
from muxi_sdk import RuntimeEventStream as EventStream
from muxi_sdk import RuntimeEventStreamAsync as EventStreamAsync
from muxi_sdk._streams.runtime import decode_runtime_event  # internal: the decoder's unit tests
from muxi_sdk.errors import ConfigurationError, NotFoundError, StreamError, StreamInterruptedError
from muxi_sdk.models.chat import CompletedEvent, ContentEvent, ErrorEvent, ProgressEvent, UnknownEvent
from muxi_sdk.models.events import ActivityEvent, StreamCompletedEvent, StreamOpenEvent
from muxi_sdk.testing import FakeMuxi

FAST = RetryConfig("backoff", BackoffStrategy(initial_interval=1, max_interval=20, max_elapsed_time=2_000))


def _turns(m: Muxi, *messages: str) -> tuple[str, list[str]]:
    """One session with a turn per message; returns (session_id, request_ids)."""
    sid = None
    rids = []
    for i, text in enumerate(messages):
        reply = m.chat.send(message=text, session_id=sid, request_id=f"req_{i}")
        sid = reply.session_id
        rids.append(f"req_{i}")
    assert sid
    return sid, rids


def _summary(events: list[Any]) -> list[tuple[str, str | None]]:
    return [(type(e).__name__, getattr(e, "content", None)) for e in events]


def _event_requests(fake: FakeMuxi) -> list[dict[str, str]]:
    return [r.headers for r in fake.state.requests if "/events" in r.path]


# ------------------------------------------------------------------------------------------- streams


def test_session_stream_is_typed(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as m:
        sid, rids = _turns(m, "Hello MUXI", "Tell me a joke")
        with m.events.session(session_id=sid) as events:
            assert isinstance(events, EventStream)
            received = list(events)
        assert events.closed and events.reconnects == 0
        assert isinstance(received[0], StreamOpenEvent) and received[0].session_id == sid
        assert isinstance(received[-1], StreamCompletedEvent)
        assert isinstance(received[1], ProgressEvent) and received[1].stage == "init"
        completed = [e for e in received if isinstance(e, CompletedEvent)]
        assert [c.content for c in completed] == ["Echo: Hello MUXI", "Echo: Tell me a joke"]
        assert [c.request_id for c in completed] == rids
        first_deltas = [e.content for e in received if isinstance(e, ContentEvent) and e.request_id == rids[0]]
        assert "".join(d or "" for d in first_deltas) == "Echo: Hello MUXI"
        assert events.last_event_id == "completed" and events.events_received == len(received)
        assert events.response_meta is not None and events.response_meta.status_code == 200


def test_request_stream_has_only_that_request(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as m:
        sid, rids = _turns(m, "one", "two")
        with m.events.request(session_id=sid, request_id=rids[1]) as events:
            received = list(events)
        assert {getattr(e, "request_id", None) for e in received[1:-1]} == {rids[1]}
        assert received[0] == StreamOpenEvent(session_id=sid, request_id=rids[1])
        assert [e.content for e in received if isinstance(e, CompletedEvent)] == ["Echo: two"]
    # As on the runtime, the admin key without a user sees only the stream markers.
    with muxi_fake.client(client_key=None) as admin, admin.events.request(session_id=sid, request_id=rids[1]) as ev:
        assert [type(e) for e in ev] == [StreamOpenEvent, StreamCompletedEvent]


def test_user_stream_covers_every_session_of_the_user(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as m:
        a = m.chat.send(message="first").session_id
        m.chat.send(message="not mine", user_id="bob")
        b = m.chat.send(message="second").session_id
        with m.events.user() as events:
            completed = [e for e in events if isinstance(e, CompletedEvent)]
        assert [(c.session_id, c.content) for c in completed] == [(a, "Echo: first"), (b, "Echo: second")]


def test_client_key_needs_a_user_admin_key_does_not(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client() as m:
        for open_stream in (
            lambda: m.events.user(),
            lambda: m.events.session(session_id="s"),
            lambda: m.events.request(session_id="s", request_id="r"),
        ):
            with pytest.raises(ConfigurationError, match="user"):
                open_stream()
        with pytest.raises(ConfigurationError):
            m.events.session_async(session_id="s")  # checked when called, before anything is awaited
    assert not muxi_fake.state.requests
    with muxi_fake.client(client_key=None) as admin, admin.events.user() as events:
        assert [type(e) for e in events] == [StreamOpenEvent, StreamCompletedEvent]


async def test_session_stream_async(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client(user_id="alice") as m:
        reply = await m.chat.send_async(message="async hello", request_id="req_x")
        assert reply.session_id
        async with m.events.session_async(session_id=reply.session_id) as events:
            assert isinstance(events, EventStreamAsync)
            received = [e async for e in events]
        assert events.closed
        assert isinstance(received[0], StreamOpenEvent) and isinstance(received[-1], StreamCompletedEvent)
        stream = await m.events.request_async(session_id=reply.session_id, request_id="req_x")
        async with stream:
            assert [e.content async for e in stream if isinstance(e, CompletedEvent)] == ["Echo: async hello"]
        async with m.events.user_async() as events:
            assert sum([1 async for e in events if isinstance(e, CompletedEvent)]) == 1


def test_error_frame_raises_stream_error(muxi_fake: FakeMuxi) -> None:
    muxi_fake.state.faults.events_error = "Observability manager not available"
    with muxi_fake.client(user_id="alice") as m:
        sid, _ = _turns(m, "hi")
        received: list[Any] = []
        with pytest.raises(StreamError, match="Observability manager not available"), m.events.session(
            session_id=sid
        ) as events:
            received.extend(events)
        assert isinstance(received[-1], CompletedEvent)  # everything before the error arrived
        assert events.closed


def test_decoder_keeps_unknown_and_types_activity() -> None:
    def sse(data: str) -> ServerSentEvent:
        return ServerSentEvent(event="message", data=data)

    record = '{"type":"chat.request.received","timestamp":1.5,"message":"m","session_id":"s"}'
    activity = decode_runtime_event(sse(record))
    assert isinstance(activity, ActivityEvent) and activity.type == "chat.request.received"
    assert activity.timestamp == 1.5 and activity.session_id == "s"
    unknown = decode_runtime_event(sse('{"type":"brand_new","x":1}'))
    assert isinstance(unknown, UnknownEvent) and unknown.type == "brand_new"
    assert unknown.data == {"type": "brand_new", "x": 1}
    assert isinstance(decode_runtime_event(sse("[1, 2]")), UnknownEvent)
    blocked = decode_runtime_event(sse('{"type":"error","content":"nope","stage":"security_blocked"}'))
    assert isinstance(blocked, ErrorEvent) and blocked.stage == "security_blocked"  # a runtime event, not fatal
    assert decode_runtime_event(ServerSentEvent(data="")) is None
    with pytest.raises(StreamError, match="boom"):
        decode_runtime_event(sse('{"error":"boom"}'))


# ------------------------------------------------------------------------------------------- resumption


def test_drop_mid_stream_resumes_without_duplicates(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as m:
        sid, _ = _turns(m, "one two three", "four five")
        with m.events.session(session_id=sid) as events:
            expected = _summary(list(events))
        muxi_fake.state.requests.clear()
        muxi_fake.state.faults.drop_events_after = 4
        with m.events.session(session_id=sid, retries=FAST) as events:
            received = list(events)
        assert _summary(received) == expected  # all delivered, in order, none twice
        assert events.reconnects == (len(expected) - 1) // 4
        headers = _event_requests(muxi_fake)
        assert len(headers) == events.reconnects + 1
        assert "last-event-id" not in headers[0]
        resumed_at = [h["last-event-id"] for h in headers[1:]]
        assert len(set(resumed_at)) == len(resumed_at) and resumed_at[-1] != "completed"


def test_single_drop_in_the_middle(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as m:
        sid, rids = _turns(m, "a fairly long message to stream")
        with m.events.request(session_id=sid, request_id=rids[0]) as events:
            expected = _summary(list(events))
        muxi_fake.state.faults.drop_events_after = 5
        with m.events.request(session_id=sid, request_id=rids[0], retries=FAST) as events:
            received = [next(events)]
            muxi_fake.state.faults.drop_events_after = None  # the first connection still drops after 5
            received.extend(events)
        assert _summary(received) == expected and events.reconnects == 1
        resumed = _event_requests(muxi_fake)[-1]
        assert resumed["last-event-id"] == f"{rids[0]}:3"  # stream_open + 4 runtime events were delivered


def test_server_replaying_from_the_start_is_deduplicated(muxi_fake: FakeMuxi) -> None:
    class ForgetLastEventId:
        """Make the server replay everything on reconnection, as a server without resume support would."""

        def before_request(self, ctx: Any, request: httpx.Request) -> httpx.Request:
            request.headers.pop("Last-Event-ID", None)
            return request

    with muxi_fake.client(user_id="alice", hooks=[ForgetLastEventId()]) as m:
        sid, _ = _turns(m, "dedupe me please")
        with m.events.session(session_id=sid) as events:
            expected = _summary(list(events))
        muxi_fake.state.faults.drop_events_after = 6
        with m.events.session(session_id=sid, retries=FAST) as events:
            received = [next(events)]
            muxi_fake.state.faults.drop_events_after = None  # the first connection still drops after 6
            received.extend(events)
        assert _summary(received) == expected and events.reconnects == 1
        assert "last-event-id" not in _event_requests(muxi_fake)[-1]  # the server replayed everything


def test_retry_hint_is_waited(muxi_fake: FakeMuxi) -> None:
    faults = muxi_fake.state.faults
    with muxi_fake.client(user_id="alice") as m:
        sid, _ = _turns(m, "hint")
        faults.drop_events_after = 3
        faults.events_retry_ms = 40
        started = time.monotonic()
        patient = RetryConfig("backoff", BackoffStrategy(initial_interval=1, max_interval=1_000))  # hint <= cap
        with m.events.session(session_id=sid, retries=patient) as events:
            received = list(events)
        elapsed = time.monotonic() - started
        assert isinstance(received[-1], StreamCompletedEvent) and events.reconnects >= 2
        assert elapsed >= 0.04 * events.reconnects
        # A zero hint with the client's default policy (500 ms backoff) reconnects at once.
        faults.events_retry_ms = 0
        started = time.monotonic()
        with m.events.session(session_id=sid) as events:
            assert isinstance(list(events)[-1], StreamCompletedEvent)
        assert events.reconnects >= 2 and time.monotonic() - started < 0.5 * events.reconnects


def test_no_retries_means_no_resumption(muxi_fake: FakeMuxi) -> None:
    muxi_fake.state.faults.drop_events_after = 2
    with muxi_fake.client(user_id="alice") as m:
        sid, _ = _turns(m, "hi")
        received: list[Any] = []
        with pytest.raises(StreamInterruptedError) as info, m.events.session(session_id=sid, retries=None) as ev:
            received.extend(ev)
        assert len(received) == 2 and info.value.events_received == 2
    with muxi_fake.client(user_id="alice", retry_config=None) as m, pytest.raises(StreamInterruptedError):
        list(m.events.session(session_id=sid))


def test_budget_is_bounded_without_progress(muxi_fake: FakeMuxi) -> None:
    muxi_fake.state.faults.drop_events_after = 0  # every connection drops before its first event
    backoff = BackoffStrategy(initial_interval=1, max_interval=5, max_elapsed_time=10_000)
    tight = RetryConfig("backoff", backoff, max_retries=3)
    with muxi_fake.client(user_id="alice") as m:
        sid, _ = _turns(m, "hi")
        muxi_fake.state.requests.clear()
        with pytest.raises(StreamInterruptedError, match="3 reconnections"), m.events.session(
            session_id=sid, retries=tight
        ) as events:
            list(events)
        assert len(_event_requests(muxi_fake)) == 4  # the first connection and 3 reconnections


def test_transient_reconnection_failure_is_retried_and_fatal_one_raised(muxi_fake: FakeMuxi) -> None:
    faults = muxi_fake.state.faults
    with muxi_fake.client(user_id="alice") as m:
        sid, _ = _turns(m, "transient failure")
        with m.events.session(session_id=sid) as events:
            expected = _summary(list(events))
        faults.drop_events_after = 3
        with m.events.session(session_id=sid, retries=FAST) as events:
            received = [next(events)]
            faults.drop_events_after = None
            faults.fail_next(1, 503, path_contains="/events")
            received.extend(events)
        assert _summary(received) == expected and events.reconnects == 1
        faults.drop_events_after = 3
        with m.events.session(session_id=sid, retries=FAST) as events:
            next(events)
            faults.fail_next(1, 404, path_contains="/events")
            with pytest.raises(NotFoundError):
                list(events)
        assert events.closed


def test_manual_resume_with_last_event_id(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as m:
        sid, rids = _turns(m, "resume by hand")
        with m.events.session(session_id=sid, last_event_id=f"{rids[0]}:2") as events:
            first = next(events)
            assert events.last_event_id == f"{rids[0]}:3" and isinstance(first, ContentEvent)


async def test_async_resumption(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as setup:
        sid, _ = _turns(setup, "async drop one two three")
        with setup.events.session(session_id=sid) as events:
            expected = _summary(list(events))
    muxi_fake.state.faults.drop_events_after = 3
    async with muxi_fake.client(user_id="alice") as m:
        async with m.events.session_async(session_id=sid, retries=FAST) as events:
            received = [e async for e in events]
        assert _summary(received) == expected and events.reconnects == (len(expected) - 1) // 3
        muxi_fake.state.faults.drop_events_after = 0
        with pytest.raises(StreamInterruptedError):
            async with m.events.session_async(session_id=sid, retries=None) as events:
                [e async for e in events]
