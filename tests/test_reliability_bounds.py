"""Every call is bounded in time, memory and requests, whatever the server does (issue 13, items 9-11, 13-16).

Over real sockets against the fake server's fault switches, sync and async: a dribbling body ends at the
attempt's deadline; a stream of keep-alive comments ends at the idle limit; a decompression bomb, a huge
error body and a huge stream event stop at `max_response_bytes` with flat memory; a server repeating pages
ends the iteration; a long resumable stream keeps a bounded de-duplication window; Retry-After is obeyed
exactly or not at all; nothing that may have run is resent.
"""

from __future__ import annotations

import asyncio
import gc
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from _helpers import fast
from muxi_sdk import Muxi, RetryConfig
from muxi_sdk.errors import (
    ConnectionError,
    InvalidInputError,
    RateLimitError,
    ResponseValidationError,
    ServerError,
    TimeoutError,
)
from muxi_sdk.testing import FakeMuxi, ScriptedReply
from muxi_sdk.testing.idempotency import executions_for
from muxi_sdk.utils import BackoffStrategy

pytestmark = pytest.mark.usefixtures("clean_env")

MiB = 1024 * 1024


@contextmanager
def peak_memory() -> Iterator[list[int]]:
    """The peak of traced Python allocations (bytes) inside the block, in `result[0]`."""
    gc.collect()
    result = [0]
    tracemalloc.start()
    try:
        yield result
    finally:
        result[0] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()


# ------------------------------------------------------------------------------ 9: timeout_ms is a deadline


def test_dribbling_body_ends_at_the_attempt_deadline(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.body_drip_ms = 200  # every read is short: each socket read timeout is met
    with muxi_fake.client(retry_config=None) as m:
        started = time.monotonic()
        with pytest.raises(TimeoutError) as info:
            m.system.health(timeout_ms=1000)
        elapsed = time.monotonic() - started
    assert 0.9 <= elapsed < 3.0  # one 1 s attempt (the body alone would take ~15 s)
    assert info.value.attempts == 1


async def test_dribbling_body_ends_at_the_attempt_deadline_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.body_drip_ms = 200
    async with muxi_fake.client(retry_config=None, timeout_ms=1000) as m:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            await m.system.health_async()
        elapsed = time.monotonic() - started
    assert 0.9 <= elapsed < 3.0


def test_an_httpx_timeout_s_read_is_the_attempt_deadline(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.body_drip_ms = 200
    with muxi_fake.client(retry_config=None, timeout=httpx.Timeout(30.0, read=1.0)) as m:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            m.system.health()
    assert time.monotonic() - started < 3.0


def test_a_retry_ends_where_the_retry_budget_ends(muxi_fake: FakeMuxi) -> None:
    # The first attempt fails fast; the retry would be allowed 10 s by timeout_ms, but max_elapsed_time (1 s)
    # bounds the whole call, so the dribbling retry is cut at the budget's end. The error is what the server
    # said last (the 503), the cut attempt's timeout its cause.
    muxi_fake.faults.fail_next(1, 503)
    muxi_fake.faults.body_drip_ms = 100
    with muxi_fake.client() as m:
        started = time.monotonic()
        with pytest.raises(ServerError) as info:
            m.system.health(timeout_ms=10_000, retries=fast(max_elapsed_time=1_000))
        elapsed = time.monotonic() - started
    assert elapsed < 2.5
    assert info.value.status_code == 503 and info.value.attempts == 2
    assert isinstance(info.value.__cause__, httpx.TimeoutException)


async def test_a_retry_ends_where_the_retry_budget_ends_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(1, 503)
    muxi_fake.faults.body_drip_ms = 100
    async with muxi_fake.client() as m:
        started = time.monotonic()
        with pytest.raises(ServerError) as info:
            await m.system.health_async(timeout_ms=10_000, retries=fast(max_elapsed_time=1_000))
    assert time.monotonic() - started < 2.5
    assert info.value.attempts == 2


# ------------------------------------------------------------------------------ 10: idle streams time out


def thinking_forever(fake: FakeMuxi) -> None:
    """The next chat answers after 60 s, sending only `: keepalive` comments meanwhile (every 50 ms)."""
    fake.state.keepalive_interval_s = 0.05
    fake.script(ScriptedReply(text="too late", delay_s=60))


def test_stream_of_keepalives_only_times_out_at_the_idle_limit(muxi_fake: FakeMuxi) -> None:
    thinking_forever(muxi_fake)
    with muxi_fake.client(user_id="u1") as m:
        started = time.monotonic()
        with pytest.raises(TimeoutError, match="keep-alive") as info:
            with m.chat.stream(message="hi", stream_idle_timeout_ms=500) as events:
                list(events)
        elapsed = time.monotonic() - started
        assert events.closed
        assert m.system.health().status  # the client stays usable
    assert 0.45 <= elapsed < 3.0
    assert "stream_idle_timeout_ms" in str(info.value)


async def test_stream_of_keepalives_only_times_out_at_the_client_idle_limit_async(muxi_fake: FakeMuxi) -> None:
    thinking_forever(muxi_fake)
    async with muxi_fake.client(user_id="u1", stream_idle_timeout_ms=500) as m:
        started = time.monotonic()
        with pytest.raises(TimeoutError, match="keep-alive"):
            async with m.chat.stream_async(message="hi") as events:
                [e async for e in events]
        assert time.monotonic() - started < 3.0


def test_events_reset_the_idle_clock(muxi_fake: FakeMuxi) -> None:
    # 100 ms between frames, 300 ms idle limit: a stream far longer than the limit, never idle that long.
    muxi_fake.faults.body_delay_ms = 100
    with muxi_fake.client(user_id="u1", stream_idle_timeout_ms=300) as m:
        with m.chat.stream(message="one two") as events:
            started = time.monotonic()
            assert events.text() == "Echo: one two"
            assert time.monotonic() - started > 0.3


def test_a_slow_reader_is_not_an_idle_server(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="u1", stream_idle_timeout_ms=150) as m, m.chat.stream(message="a") as events:
        for _ in events:
            time.sleep(0.2)  # the reader takes longer than the limit per event; the server never waited
    assert events.closed


def test_stream_idle_limit_defaults_and_options() -> None:
    m = Muxi(url="http://formation.test", client_key="k")
    assert m.sdk_configuration.stream_idle_timeout_ms == 600_000  # ten minutes: agents think for minutes
    assert Muxi(url="http://f.test", stream_idle_timeout_ms=None).sdk_configuration.stream_idle_timeout_ms is None
    with pytest.raises(InvalidInputError):
        m.chat.stream(message="hi", user_id="u1", stream_idle_timeout_ms=0)


# ------------------------------------------------------------------------------ 11: a response-size limit


@pytest.mark.parametrize("inflated", [16 * MiB, 128 * MiB])
def test_gzip_bomb_stops_at_max_response_bytes_with_flat_memory(muxi_fake: FakeMuxi, inflated: int) -> None:
    muxi_fake.faults.huge_next(1, inflated, gzip=True)  # ~1000:1, built before the measurement
    with muxi_fake.client(max_response_bytes=MiB, retry_config=None) as m:
        with peak_memory() as peak, pytest.raises(ResponseValidationError, match="max_response_bytes") as info:
            m.system.health()
    assert info.value.status_code == 200
    assert peak[0] < 8 * MiB  # 16 MiB and 128 MiB inflated alike: the limit plus one 64 KiB piece, not more


async def test_gzip_bomb_stops_at_max_response_bytes_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.huge_next(1, 128 * MiB, gzip=True)
    async with muxi_fake.client(retry_config=None) as m:
        with peak_memory() as peak, pytest.raises(ResponseValidationError, match="max_response_bytes"):
            await m.system.health_async(max_response_bytes=MiB)
    assert peak[0] < 8 * MiB


def test_huge_error_body_stops_at_max_response_bytes(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.huge_next(1, 8 * MiB, status=500)
    with muxi_fake.client(retry_config=None) as m, pytest.raises(ResponseValidationError) as info:
        m.system.health(max_response_bytes=MiB)
    assert info.value.status_code == 500


def test_plain_body_over_the_limit_is_refused_and_under_it_is_read(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.huge_next(1, 3 * MiB)
    with muxi_fake.client(retry_config=None, max_response_bytes=2 * MiB) as m:
        with pytest.raises(ResponseValidationError):
            m.system.health()
        muxi_fake.faults.huge_next(1, MiB, gzip=True)
        with pytest.raises(ResponseValidationError):  # read whole (1 MiB < 2 MiB): it just is no health status
            m.system.health(max_response_bytes=None)
        assert m.system.health().status


def test_huge_stream_event_stops_at_max_response_bytes(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.huge_next(1, 4 * MiB, gzip=True, content_type="text/event-stream", path_contains="/chat")
    with muxi_fake.client(user_id="u1", max_response_bytes=MiB) as m:
        with peak_memory() as peak, pytest.raises(ResponseValidationError, match="a stream event"):
            with m.chat.stream(message="hi") as events:
                list(events)
    assert peak[0] < 8 * MiB


async def test_huge_stream_event_stops_at_max_response_bytes_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.huge_next(1, 4 * MiB, content_type="text/event-stream", path_contains="/chat")
    async with muxi_fake.client(user_id="u1") as m:
        with pytest.raises(ResponseValidationError, match="a stream event"):
            async with m.chat.stream_async(message="hi", max_response_bytes=MiB) as events:
                [e async for e in events]


def test_keepalives_never_add_up_to_an_oversized_event(muxi_fake: FakeMuxi) -> None:
    muxi_fake.state.keepalive_interval_s = 0.005
    muxi_fake.script(ScriptedReply(text="fine", delay_s=0.6))  # ~120 keep-alives, ~1.6 KB of comments
    with muxi_fake.client(user_id="u1", max_response_bytes=1024) as m, m.chat.stream(message="hi") as events:
        assert events.text() == "fine"


def test_max_response_bytes_default_and_validation() -> None:
    assert Muxi(url="http://f.test").sdk_configuration.max_response_bytes == 32 * MiB
    from muxi_sdk.errors import ConfigurationError

    with pytest.raises(ConfigurationError):
        Muxi(url="http://f.test", max_response_bytes=0)


# ------------------------------------------------------------------------------ 13: pagination ends


def _remember(m: Muxi, n: int) -> None:
    for i in range(n):
        m.memory.add(detail=f"fact {i}")


def _capped(first: Any, cap: int = 50) -> list[Any]:
    """The pages of a listing, at most `cap` (an endless listing must fail the test, not hang it)."""
    pages = []
    for page in first.pages():
        pages.append(page)
        if len(pages) >= cap:
            break
    return pages


def _pages(first: Any) -> int:
    return len(_capped(first))


def test_memory_list_ends_when_the_server_repeats_its_pages(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="u1") as m:
        _remember(m, 25)
        muxi_fake.faults.repeat_pages = True  # offset (and limit) ignored: always the first page
        before = len(muxi_fake.state.requests)
        items = [item for page in _capped(m.memory.list(limit=5)) for item in page.items]
        sent = len(muxi_fake.state.requests) - before
    assert len({i.id for i in items}) == len(items) == 10  # the server's default page, each item once
    assert sent <= 3  # old behaviour: thousands of requests per second, forever


async def test_memory_list_ends_when_the_server_repeats_its_pages_async(muxi_fake: FakeMuxi) -> None:
    _remember(muxi_fake.client(user_id="u1"), 25)
    muxi_fake.faults.repeat_pages = True
    async with muxi_fake.client(user_id="u1") as m:
        first = await m.memory.list_async(limit=5)
        pages = 0
        async for _ in first.pages_async():
            pages += 1
            if pages >= 50:
                break
    assert pages <= 3


def test_every_paged_resource_ends_against_a_repeating_server(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="u1") as m:
        sid = None
        for i in range(6):
            sid = m.chat.send(message=f"turn {i}", session_id=sid if i % 2 else None).session_id
        assert sid
        muxi_fake.faults.repeat_pages = True
        assert _pages(m.sessions.list(limit=2)) <= 3
        assert _pages(m.sessions.messages(session_id=sid, limit=1)) <= 3
        assert _pages(m.memory.list(limit=1)) <= 3


async def test_every_paged_resource_ends_against_a_repeating_server_async(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client(user_id="u1") as m:
        reply = await m.chat.send_async(message="hello")
        await m.chat.send_async(message="again", session_id=reply.session_id)
        muxi_fake.faults.repeat_pages = True
        for first in (
            await m.sessions.list_async(limit=1),
            await m.sessions.messages_async(session_id=reply.session_id, limit=1),
        ):
            pages = 0
            async for _ in first.pages_async():
                pages += 1
                assert pages < 50
            assert pages <= 3


# ------------------------------------------------------------------------------ 14: bounded de-duplication


def _long_session(fake: FakeMuxi, m: Muxi) -> str:
    sid = m.chat.send(message="start").session_id
    assert sid
    return sid


@pytest.mark.slow
def test_long_resumable_stream_keeps_a_bounded_dedup_window(muxi_fake: FakeMuxi, monkeypatch: Any) -> None:
    # 5k events with ids, dropped every 600 frames, each resume replaying the last 25 frames: every event
    # arrives once, and memory at 5k events is what it was at 1k. The window is shrunk to 100 ids (default
    # 10,000) so that a short stream shows what a long one would: without it, +4k ids is ~+740 KiB.
    monkeypatch.setattr("muxi_sdk._streams.resumable.DEDUP_WINDOW", 100)
    with muxi_fake.client(user_id="u1") as m:
        sid = _long_session(muxi_fake, m)
        with m.events.session(session_id=sid) as plain:
            others = len(list(plain))  # open, the turn's frames, completed
        muxi_fake.faults.events_flood = 5_000
        muxi_fake.faults.drop_events_after = 600
        muxi_fake.faults.events_replay_on_resume = 25
        ids: set[str] = set()
        count = 0
        marks: dict[int, int] = {}
        gc.collect()
        tracemalloc.start()
        try:
            with m.events.session(session_id=sid, retries=fast(max_retries=None)) as events:
                for event in events:
                    count += 1
                    message = getattr(event, "message", None)
                    if message:
                        ids.add(message)
                    if count in (1_000, 5_000):
                        marks[count] = held_by_streams()
        finally:
            tracemalloc.stop()
    assert len(ids) == 5_000 and count == 5_000 + others  # every event once
    assert events.reconnects >= 8
    assert marks[5_000] - marks[1_000] < 100 * 1024  # without the window: ~740 KiB more


def held_by_streams() -> int:
    """Bytes still allocated by the SDK's stream machinery (`muxi_sdk/_streams/`): ids kept, sets, deques."""
    snapshot = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(True, "*muxi_sdk/_streams/*")])
    return sum(stat.size for stat in snapshot.statistics("filename"))


async def test_long_resumable_stream_delivers_each_event_once_async(muxi_fake: FakeMuxi) -> None:
    sid = _long_session(muxi_fake, muxi_fake.client(user_id="u1"))
    muxi_fake.faults.events_flood = 3_000
    muxi_fake.faults.drop_events_after = 700
    muxi_fake.faults.events_replay_on_resume = 30
    async with muxi_fake.client(user_id="u1") as m:
        async with m.events.session_async(session_id=sid, retries=fast(max_retries=None)) as events:
            messages = [getattr(e, "message", None) async for e in events]
    flood = [x for x in messages if x and x.startswith("activity")]
    assert len(flood) == len(set(flood)) == 3_000
    assert events.reconnects >= 4


# ------------------------------------------------------------------------------ 15: Retry-After exactly or not at all


def test_retry_after_longer_than_the_budget_ends_the_call_at_once(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(1, 429, retry_after=3600)
    with muxi_fake.client(user_id="u1") as m:  # the default policy: 60 s budget
        started = time.monotonic()
        with pytest.raises(RateLimitError) as info:
            m.chat.send(message="hi")
        elapsed = time.monotonic() - started
    assert elapsed < 2.0  # once: four silent 10 s sleeps
    assert info.value.retry_after == 3600 and info.value.attempts == 1


async def test_retry_after_longer_than_the_budget_ends_the_call_at_once_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(1, 503, retry_after=120)
    async with muxi_fake.client(user_id="u1") as m:
        started = time.monotonic()
        with pytest.raises(ServerError) as info:
            await m.chat.send_async(message="hi")
    assert time.monotonic() - started < 2.0
    assert info.value.retry_after == 120


def user_built() -> RetryConfig:
    return RetryConfig("backoff", BackoffStrategy(10, 50, 1.5, 2_000))


def test_negative_retry_after_uses_the_backoff_and_a_user_config_stops_after_max_retries(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(500, 503, retry_after=-5)
    with muxi_fake.client(user_id="u1", retry_config=user_built()) as m, pytest.raises(ServerError) as info:
        m.chat.send(message="hi")
    assert info.value.attempts == len(muxi_fake.state.requests) == 5  # once: 2,500 requests in 2 s
    assert info.value.retry_after is None
    assert user_built().max_retries == RetryConfig().max_retries == 4


async def test_zero_retry_after_uses_the_backoff_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(500, 429, retry_after=0)
    async with muxi_fake.client(user_id="u1", retry_config=user_built()) as m:
        with pytest.raises(RateLimitError) as info:
            await m.chat.send_async(message="hi")
    assert info.value.attempts == len(muxi_fake.state.requests) == 5


# ------------------------------------------------------------------------------ 16: nothing that may have run is resent


@pytest.mark.parametrize("status", [500, 502, 504])
def test_chat_is_not_resent_after_a_status_that_may_follow_its_run(muxi_fake: FakeMuxi, status: int) -> None:
    with muxi_fake.client(user_id="u1", retry_config=fast()) as m:
        for call in (
            lambda: m.chat.send(message="pay", idempotency_key=f"k{status}"),
            lambda: list(m.chat.stream(message="pay")),
            lambda: m.chat.audio(file={"filename": "a.wav", "content": b"RIFF", "content_type": "audio/wav"}),
        ):
            muxi_fake.state.requests.clear()
            muxi_fake.faults.fail_next(1, status)
            with pytest.raises(ServerError) as info:
                call()
            assert info.value.status_code == status and info.value.attempts == 1
            assert len(muxi_fake.state.requests) == 1


async def test_chat_is_not_resent_after_a_500_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.script(ScriptedReply(error="the model failed after the tools ran"))
    async with muxi_fake.client(user_id="u1", retry_config=fast()) as m:
        with pytest.raises(ServerError):
            await m.chat.send_async(message="pay", idempotency_key="k-once")
    assert executions_for(muxi_fake.state, "k-once") == 1 and len(muxi_fake.state.requests) == 1


@pytest.mark.parametrize("status", [408, 425, 429, 503])
def test_chat_is_resent_after_a_status_that_says_it_did_not_run(muxi_fake: FakeMuxi, status: int) -> None:
    muxi_fake.faults.fail_next(1, status)
    with muxi_fake.client(user_id="u1", retry_config=fast()) as m:
        reply = m.chat.send(message="hi", idempotency_key=f"r{status}")
    assert reply.response_meta.attempts == 2
    assert executions_for(muxi_fake.state, f"r{status}") == 1


async def test_chat_is_resent_after_a_lost_response_and_replayed_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.drop_response_next(1, when="before", path_contains="/chat")
    async with muxi_fake.client(user_id="u1", retry_config=fast()) as m:
        reply = await m.chat.send_async(message="hi", idempotency_key="lost")
    assert reply.response_meta.attempts == 2 and executions_for(muxi_fake.state, "lost") == 1


def _deployed(m: Muxi, tmp_path: Path) -> Callable[[str], Path]:
    from test_formations import make_dir

    m.formations.deploy(bundle=make_dir(tmp_path, "bot", "1.0.0"))
    return lambda version: make_dir(tmp_path, "bot", version)


@pytest.mark.parametrize("streamed", [False, True])
def test_formation_update_is_not_resent_after_a_lost_response(
    muxi_fake: FakeMuxi, tmp_path: Path, streamed: bool
) -> None:
    with muxi_fake.client(server_url=muxi_fake.url, retry_config=fast()) as m:
        bundle = _deployed(m, tmp_path)
        muxi_fake.faults.drop_response_next(1, when="before", path_contains="/rpc/formations/bot")
        with pytest.raises(ConnectionError):
            if streamed:
                with m.formations.stream_update(formation_id="bot", bundle=bundle("1.1.0")) as events:
                    list(events)
            else:
                m.formations.update(formation_id="bot", bundle=bundle("1.1.0"))
        puts = [r for r in muxi_fake.state.requests if r.method == "PUT"]
        assert len(puts) == 1  # a resend would answer 409 for an update that succeeded
        assert m.formations.get(formation_id="bot").version.current  # type: ignore[union-attr]


async def test_formation_update_is_not_resent_after_a_lost_response_async(muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    bundle = await asyncio.to_thread(_deployed, muxi_fake.client(server_url=muxi_fake.url), tmp_path)
    muxi_fake.faults.drop_response_next(1, when="during", path_contains="/rpc/formations/bot")
    async with muxi_fake.client(server_url=muxi_fake.url, retry_config=fast()) as m:
        with pytest.raises(ConnectionError):
            await m.formations.update_async(formation_id="bot", bundle=bundle("1.1.0"))
    assert len([r for r in muxi_fake.state.requests if r.method == "PUT"]) == 1


def test_repeatable_writes_and_reads_are_still_resent_after_a_502(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="u1", retry_config=fast()) as m:
        m.secrets.set(key="api_token", value="v1")
        muxi_fake.faults.fail_next(1, 502, path_contains="/secrets/API_TOKEN")
        assert not m.secrets.set(key="api_token", value="v2").created  # POST 409, then PUT: 502, resent
        assert len([r for r in muxi_fake.state.requests if r.method == "PUT"]) == 2
        for call in (m.system.health, m.memory.clear_buffer):
            muxi_fake.faults.fail_next(1, 502)
            assert call().response_meta.attempts == 2  # type: ignore[attr-defined]


def _operations() -> list[Any]:
    import importlib
    import pkgutil

    import muxi_sdk

    # internal: every resource module's Operation table, to compare each one's resend rule with the docs
    from muxi_sdk._core.operation import Operation

    found: dict[str, Any] = {}
    for info in pkgutil.iter_modules(muxi_sdk.__path__):
        if info.name.startswith("_") or info.name in ("testing", "compat"):
            continue
        module = importlib.import_module(f"muxi_sdk.{info.name}")
        for value in vars(module).values():
            if isinstance(value, Operation):
                found[value.operation_id] = value
    return list(found.values())


def test_every_operation_s_resend_rule_is_listed_in_the_reliability_docs() -> None:
    import re

    text = (Path(__file__).parent.parent / "docs" / "reliability.md").read_text()
    listed = dict(re.findall(r"^\| `(\w+)` \| (any|stored|unrun) \|", text, flags=re.M))
    ops = _operations()
    assert len(ops) > 90
    assert {op.operation_id: op.resend for op in ops} == listed
