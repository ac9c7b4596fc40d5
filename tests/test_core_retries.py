"""Retries: Retry-After (seconds, HTTP date; exact or not at all), jitter, budget, precedence, connection errors."""

from __future__ import annotations

import email.utils
import json
import random
import re
import time
from typing import Any

import httpx
import pytest

from _helpers import Probe, dead_url, fast
from muxi_sdk import BackoffStrategy, Muxi, RetryConfig

# internal: raw Operations (POST without a key, streams) and RetryState are the retry logic under test
from muxi_sdk._core.operation import Operation, RequestInput
from muxi_sdk._core.retries import RetryState
from muxi_sdk._utils.serializers import json_body
from muxi_sdk.errors import (
    ConnectionError,
    MuxiError,
    NotFoundError,
    RateLimitError,
    ServerError,
    TimeoutError,
    UnsupportedError,
    parse_retry_after,
)
from muxi_sdk.testing import FakeMuxi

pytestmark = pytest.mark.usefixtures("clean_env")


class Capture:
    """A debug_logger that keeps its lines; `waits` are the retry sleeps the SDK announced."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def debug(self, msg: str, *args: Any, **kwargs: Any) -> None:
        self.lines.append(msg % args if args else msg)

    @property
    def waits(self) -> list[float]:
        return [float(m.group(1)) for line in self.lines if (m := re.search(r"^retrying \S+ in ([\d.]+)s", line))]


def keys_of(fake: FakeMuxi) -> list[str]:
    return [r.headers.get("x-muxi-idempotency-key", "") for r in fake.state.requests]


# ------------------------------------------------------------------------------------ Retry-After


def test_retry_after_seconds_is_honoured(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(1, 503, retry_after=1)
    log = Capture()
    with muxi_fake.client(user_id="u1", debug_logger=log) as m:
        started = time.monotonic()
        reply = m.chat.send(message="hi", retries=fast(max_interval=5_000))
        elapsed = time.monotonic() - started
    assert reply.text == "Echo: hi"
    assert reply.response_meta is not None and reply.response_meta.attempts == 2
    assert log.waits == [1.0]
    assert elapsed >= 0.95  # the backoff alone would have waited ~10 ms
    assert len(muxi_fake.state.requests) == 2


async def test_retry_after_seconds_is_honoured_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(1, 429, retry_after=1)
    log = Capture()
    async with muxi_fake.client(user_id="u1", debug_logger=log) as m:
        started = time.monotonic()
        reply = await m.chat.send_async(message="hi", retries=fast(max_interval=5_000))
        elapsed = time.monotonic() - started
    assert reply.text == "Echo: hi"
    assert log.waits == [1.0]
    assert elapsed >= 0.95


def test_retry_after_http_date_is_honoured(muxi_fake: FakeMuxi) -> None:
    when = email.utils.formatdate(time.time() + 2, usegmt=True)
    muxi_fake.faults.fail_next(1, 503, retry_after=when)
    log = Capture()
    with muxi_fake.client(user_id="u1", debug_logger=log) as m:
        started = time.monotonic()
        m.chat.send(message="hi", retries=fast(max_interval=5_000))
        elapsed = time.monotonic() - started
    [wait] = log.waits
    assert 0.9 <= wait <= 2.0  # the date has whole-second resolution
    assert elapsed >= 0.9


async def test_retry_after_http_date_is_honoured_async(muxi_fake: FakeMuxi) -> None:
    when = email.utils.formatdate(time.time() + 2, usegmt=True)
    muxi_fake.faults.fail_next(1, 503, retry_after=when)
    log = Capture()
    async with muxi_fake.client(user_id="u1", debug_logger=log) as m:
        await m.chat.send_async(message="hi", retries=fast(max_interval=5_000))
    [wait] = log.waits
    assert 0.9 <= wait <= 2.0


@pytest.mark.parametrize("value", ["Wed, 21 Oct 2015 07:28:00 GMT", "0", "-5"])
def test_retry_after_in_the_past_zero_or_negative_falls_back_to_backoff(muxi_fake: FakeMuxi, value: str) -> None:
    muxi_fake.faults.fail_next(1, 503, retry_after=value)
    log = Capture()
    with muxi_fake.client(user_id="u1", debug_logger=log) as m:
        m.chat.send(message="hi", retries=fast(max_interval=5_000))
    [wait] = log.waits
    assert 0.0 < wait <= 0.01  # the backoff's first wait (10 ms, jittered), not "at once"


def test_retry_after_is_waited_exactly_even_past_max_interval(muxi_fake: FakeMuxi) -> None:
    # New rule (replaces "capped by max_interval"): a Retry-After that fits the budget is obeyed as given.
    muxi_fake.faults.fail_next(2, 429, retry_after=0.3)
    log = Capture()
    with muxi_fake.client(user_id="u1", debug_logger=log) as m:
        started = time.monotonic()
        reply = m.chat.send(message="hi", retries=fast(max_interval=50))
        elapsed = time.monotonic() - started
    assert reply.text == "Echo: hi"
    assert log.waits == [0.3, 0.3]
    assert elapsed >= 0.55


async def test_retry_after_is_waited_exactly_even_past_max_interval_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(2, 503, retry_after=0.3)
    log = Capture()
    async with muxi_fake.client(user_id="u1", debug_logger=log) as m:
        reply = await m.chat.send_async(message="hi", retries=fast(max_interval=50))
    assert reply.response_meta is not None and reply.response_meta.attempts == 3
    assert log.waits == [0.3, 0.3]


def test_unparseable_retry_after_falls_back_to_backoff(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(1, 503, retry_after="soon-ish")
    log = Capture()
    with muxi_fake.client(user_id="u1", debug_logger=log) as m:
        m.chat.send(message="hi", retries=fast(max_interval=5_000))
    [wait] = log.waits
    assert 0.0 <= wait <= 0.01


def test_parse_retry_after_forms() -> None:
    assert parse_retry_after(httpx.Headers({"retry-after": "12"})) == 12.0
    assert parse_retry_after(httpx.Headers({"retry-after": "-3"})) is None  # the backoff decides
    assert parse_retry_after(httpx.Headers({"retry-after": "0"})) is None
    assert parse_retry_after(httpx.Headers({"retry-after-ms": "0", "retry-after": "2"})) == 2.0
    assert parse_retry_after(httpx.Headers({"retry-after-ms": "250", "retry-after": "9"})) == 0.25
    assert parse_retry_after(httpx.Headers({"retry-after": "nonsense"})) is None
    assert parse_retry_after(httpx.Headers({})) is None
    now = 1_700_000_000.0
    date = email.utils.formatdate(now + 42, usegmt=True)
    assert parse_retry_after(httpx.Headers({"retry-after": date}), now=now) == 42.0
    assert parse_retry_after(httpx.Headers({"retry-after": date}), now=now + 50) is None  # in the past


# ------------------------------------------------------------------------------------ backoff and jitter (unit)


def test_backoff_grows_exponentially_and_is_capped_without_jitter() -> None:
    backoff = BackoffStrategy(initial_interval=100, max_interval=1_000, exponent=2, jitter=0)
    state = RetryState(RetryConfig(backoff=backoff, max_retries=None), started=0.0)
    waits = []
    for attempt in range(1, 7):
        state.attempts = attempt
        waits.append(state.delay(None, now=0.0))
    assert waits == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]


def test_jitter_stays_within_bounds_and_is_reproducible_with_a_seed() -> None:
    backoff = BackoffStrategy(initial_interval=200, max_interval=10_000, exponent=2, jitter=0.25)
    cfg = RetryConfig(backoff=backoff, max_retries=None)
    a = RetryState(cfg, started=0.0, rng=random.Random(1234))
    b = RetryState(cfg, started=0.0, rng=random.Random(1234))
    seen = []
    for attempt in range(1, 6):
        base = 0.2 * 2 ** (attempt - 1)
        for state in (a, b):
            state.attempts = attempt
        for _ in range(50):
            wa, wb = a.delay(None, 0.0), b.delay(None, 0.0)
            assert wa == wb  # same seed, same sequence
            assert wa is not None and base * 0.75 <= wa <= base
            seen.append(wa / base)
    assert min(seen) < 0.8 and max(seen) > 0.95  # really jittered, across the whole band
    assert len(set(seen)) > 200


def test_full_jitter_and_no_jitter_edges() -> None:
    rng = random.Random(7)
    state = RetryState(RetryConfig(backoff=BackoffStrategy(initial_interval=100, jitter=1.0)), 0.0, rng=rng)
    state.attempts = 1
    assert all(0.0 <= (state.delay(None, 0.0) or -1) <= 0.1 for _ in range(100))


def test_delay_gives_up_when_the_budget_would_be_exceeded() -> None:
    cfg = RetryConfig(backoff=BackoffStrategy(initial_interval=100, max_elapsed_time=1_000, jitter=0))
    state = RetryState(cfg, started=10.0)
    state.attempts = 1
    assert state.delay(None, now=10.5) == 0.1
    assert state.delay(None, now=10.95) is None  # 0.95 s spent + 0.1 s wait > 1 s budget
    assert state.delay(0.6, now=10.5) is None  # a Retry-After past the budget is not waited for either


def test_strategy_none_and_max_retries() -> None:
    none = RetryState(RetryConfig("none"), 0.0)
    none.attempts = 1
    assert none.delay(None, 0.0) is None
    assert not none.status_retryable(503)
    capped = RetryState(RetryConfig(max_retries=1, backoff=BackoffStrategy(jitter=0)), 0.0)
    capped.attempts = 1
    assert capped.delay(None, 0.0) == 0.5
    capped.attempts = 2
    assert capped.delay(None, 0.0) is None


@pytest.mark.parametrize("bad", [{"initial_interval": -1}, {"exponent": 0.5}, {"jitter": 1.5}])
def test_invalid_backoff_is_rejected(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        BackoffStrategy(**bad)


# ------------------------------------------------------------------------------------ time budget and attempts


def test_max_elapsed_time_stops_retrying_and_the_error_carries_the_last_status(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(2, 502)
    muxi_fake.faults.fail_next(500, 503, retry_after=0.05)
    with muxi_fake.client(user_id="u1") as m, pytest.raises(ServerError) as info:
        started = time.monotonic()
        m.sessions.get(session_id="s1", retries=fast(max_elapsed_time=400, max_retries=None))
    elapsed = time.monotonic() - started
    err = info.value
    assert err.status_code == 503 and err.code == "SYSTEM_OVERLOAD"
    assert err.attempts == len(muxi_fake.state.requests) >= 4
    assert f"after {err.attempts} attempts" in str(err)
    assert elapsed < 3.0  # the budget is 0.4 s; generous bound for slow machines
    assert len(muxi_fake.faults.queued) > 0  # it stopped although the server kept failing


async def test_max_elapsed_time_stops_retrying_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(2, 500)
    muxi_fake.faults.fail_next(500, 429, retry_after=0.05)
    async with muxi_fake.client(user_id="u1") as m:
        with pytest.raises(RateLimitError) as info:
            await m.sessions.get_async(session_id="s1", retries=fast(max_elapsed_time=400, max_retries=None))
    assert info.value.status_code == 429
    assert info.value.retry_after == 0.05
    assert info.value.attempts == len(muxi_fake.state.requests) >= 4


def test_max_retries_limits_attempts(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(10, 503)
    with muxi_fake.client(user_id="u1") as m, pytest.raises(ServerError) as info:
        m.chat.send(message="hi", retries=fast(max_retries=2))
    assert info.value.attempts == 3
    assert len(muxi_fake.state.requests) == 3


@pytest.mark.parametrize("status", [408, 425, 429, 500, 502, 503, 504])
def test_retryable_statuses_are_retried(muxi_fake: FakeMuxi, status: int) -> None:
    muxi_fake.faults.fail_next(1, status)
    with muxi_fake.client(user_id="u1") as m:
        health = m.system.health(retries=fast())
    assert health.status
    assert len(muxi_fake.state.requests) == 2


@pytest.mark.parametrize(("status", "cls"), [(501, UnsupportedError), (404, NotFoundError), (400, MuxiError)])
def test_non_retryable_statuses_are_not_retried(muxi_fake: FakeMuxi, status: int, cls: type[Exception]) -> None:
    muxi_fake.faults.fail_next(3, status)
    with muxi_fake.client(user_id="u1") as m, pytest.raises(cls):
        m.chat.send(message="hi", retries=fast())
    assert len(muxi_fake.state.requests) == 1


async def test_501_is_never_retried_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(3, 501)
    async with muxi_fake.client(user_id="u1") as m:
        with pytest.raises(UnsupportedError) as info:
            await m.chat.send_async(message="hi", retries=fast())
    assert info.value.attempts == 1
    assert len(muxi_fake.state.requests) == 1


# ------------------------------------------------------------------------------------ precedence


def test_per_call_retries_beat_the_client_config(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(2, 503)
    with muxi_fake.client(user_id="u1", retry_config=None) as m:
        reply = m.chat.send(message="hi", retries=fast())
    assert reply.response_meta is not None and reply.response_meta.attempts == 3


async def test_per_call_retries_beat_the_client_config_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(2, 503)
    async with muxi_fake.client(user_id="u1", retry_config=None) as m:
        reply = await m.chat.send_async(message="hi", retries=fast())
    assert reply.response_meta is not None and reply.response_meta.attempts == 3


def test_per_call_none_disables_the_client_config(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(2, 503)
    with muxi_fake.client(user_id="u1", retry_config=fast()) as m, pytest.raises(ServerError) as info:
        m.chat.send(message="hi", retries=None)
    assert info.value.attempts == 1
    assert len(muxi_fake.state.requests) == 1


async def test_per_call_none_disables_the_client_config_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(2, 503)
    async with muxi_fake.client(user_id="u1", retry_config=fast()) as m:
        with pytest.raises(ServerError):
            await m.chat.send_async(message="hi", retries=None)
    assert len(muxi_fake.state.requests) == 1


def test_client_config_beats_the_default(muxi_fake: FakeMuxi) -> None:
    # The default would retry both failures away; the client's config allows a single retry.
    muxi_fake.faults.fail_next(2, 503)
    with muxi_fake.client(user_id="u1", retry_config=fast(max_retries=1)) as m, pytest.raises(ServerError) as info:
        m.chat.send(message="hi")
    assert info.value.attempts == 2


def test_client_none_disables_retries(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(1, 503)
    with muxi_fake.client(user_id="u1", retry_config=None) as m, pytest.raises(ServerError):
        m.chat.send(message="hi")
    with muxi_fake.client(user_id="u1", retry_config=RetryConfig("none")) as m:
        muxi_fake.faults.fail_next(1, 503)
        with pytest.raises(ServerError):
            m.chat.send(message="hi")
    assert len(muxi_fake.state.requests) == 2


def test_default_config_retries(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(1, 503, retry_after=0)
    with muxi_fake.client(user_id="u1") as m:
        assert m.chat.send(message="hi").text == "Echo: hi"
    assert len(muxi_fake.state.requests) == 2


def test_invalid_per_call_retries_is_rejected_before_sending(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="u1") as m, pytest.raises(MuxiError, match="RetryConfig"):
        m.chat.send(message="hi", retries=3)  # type: ignore[arg-type]
    assert muxi_fake.state.requests == []


# ------------------------------------------------------------------------------------ connection errors


class Counter:
    def __init__(self) -> None:
        self.attempts: list[int] = []

    def before_request(self, ctx: Any, request: httpx.Request) -> httpx.Request:
        self.attempts.append(ctx.attempt)
        return request


def test_connection_refused_is_retried_when_enabled() -> None:
    counter = Counter()
    with Muxi(url=dead_url(), client_key="k", hooks=[counter]) as m, pytest.raises(ConnectionError) as info:
        m.chat.send(message="hi", user_id="u1", retries=fast(max_elapsed_time=300, retry_connection_errors=True))
    assert info.value.attempts == len(counter.attempts) >= 3
    assert counter.attempts == list(range(1, len(counter.attempts) + 1))


async def test_connection_refused_is_retried_when_enabled_async() -> None:
    counter = Counter()
    async with Muxi(url=dead_url(), client_key="k", hooks=[counter]) as m:
        with pytest.raises(ConnectionError) as info:
            await m.system.health_async(retries=fast(max_elapsed_time=300))
    assert info.value.attempts == len(counter.attempts) >= 3


def test_connection_refused_is_not_retried_when_disabled() -> None:
    counter = Counter()
    with Muxi(url=dead_url(), client_key="k", hooks=[counter]) as m, pytest.raises(ConnectionError) as info:
        m.chat.send(message="hi", user_id="u1", retries=fast(retry_connection_errors=False))
    assert info.value.attempts == 1
    assert counter.attempts == [1]


async def test_connection_refused_is_not_retried_when_disabled_async() -> None:
    counter = Counter()
    async with Muxi(url=dead_url(), client_key="k", hooks=[counter]) as m:
        with pytest.raises(ConnectionError):
            await m.system.health_async(retries=fast(retry_connection_errors=False))
    assert counter.attempts == [1]


# Transport faults after the request was sent (a server cannot produce these on demand): MockTransport.


class Flaky:
    """Raises the queued transport errors, then answers like a formation."""

    def __init__(self, *errs: Exception) -> None:
        self.errors = list(errs)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.errors:
            raise self.errors.pop(0)
        if request.headers.get("accept") == "text/event-stream":
            return httpx.Response(200, text='event: done\ndata: {"finished":true}\n\n',
                                  headers={"content-type": "text/event-stream"})
        return httpx.Response(
            200,
            json={"success": True, "request": {"id": "r"}, "data": {"message": {"content": "ok"}, "status": "ok"}},
        )


def test_read_error_after_sending_is_retried_for_an_idempotent_chat() -> None:
    flaky = Flaky(httpx.ReadError("reset"), httpx.RemoteProtocolError("eof"))
    client = httpx.Client(transport=httpx.MockTransport(flaky))
    with Muxi(url="http://formation.test", client_key="k", client=client) as m:
        assert m.chat.send(message="hi", user_id="u1", retries=fast()).text == "ok"
    assert len(flaky.requests) == 3
    assert len({r.headers["x-muxi-idempotency-key"] for r in flaky.requests}) == 1
    assert {r.read() for r in flaky.requests} == {flaky.requests[0].read()}


async def test_read_error_after_sending_is_retried_for_an_idempotent_chat_async() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return flaky(request)

    flaky = Flaky(httpx.ReadError("reset"))
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    async with Muxi(url="http://formation.test", client_key="k", async_client=client) as m:
        reply = await m.chat.send_async(message="hi", user_id="u1", retries=fast())
    assert reply.text == "ok"
    assert len(flaky.requests) == 2
    await client.aclose()


def test_read_error_on_a_stream_is_not_retried() -> None:
    flaky = Flaky(httpx.ReadError("reset"))
    client = httpx.Client(transport=httpx.MockTransport(flaky))
    with Muxi(url="http://formation.test", client_key="k", client=client) as m, pytest.raises(ConnectionError):
        m.chat.stream(message="hi", user_id="u1", retries=fast())
    assert len(flaky.requests) == 1  # the server may have started the reply: resending could run it twice


def test_read_error_on_a_post_without_idempotency_key_is_not_retried() -> None:
    op = Operation("plain_post", "POST", "/thing", "none", dict)
    flaky = Flaky(httpx.ReadError("reset"))
    client = httpx.Client(transport=httpx.MockTransport(flaky))
    with Muxi(url="http://formation.test", client=client) as m, pytest.raises(ConnectionError):
        Probe(m.sdk_configuration).run(op, RequestInput(body=json_body({"a": 1})), retries=fast())
    assert len(flaky.requests) == 1


def test_read_error_on_a_get_is_retried() -> None:
    op = Operation("plain_get", "GET", "/thing", "none", dict)
    flaky = Flaky(httpx.ReadTimeout("slow"))
    client = httpx.Client(transport=httpx.MockTransport(flaky))
    with Muxi(url="http://formation.test", client=client) as m:
        Probe(m.sdk_configuration).run(op, retries=fast())
    assert len(flaky.requests) == 2


def test_connect_error_is_retried_even_for_a_stream_and_recovers() -> None:
    flaky = Flaky(httpx.ConnectError("refused"), httpx.ConnectTimeout("slow connect"))
    client = httpx.Client(transport=httpx.MockTransport(flaky))
    with Muxi(url="http://formation.test", client_key="k", client=client) as m:
        with m.chat.stream(message="hi", user_id="u1", retries=fast()) as events:
            assert [e.type for e in events] == ["done"]
    assert len(flaky.requests) == 3


def test_timeout_exhausting_retries_is_a_timeout_error() -> None:
    flaky = Flaky(*[httpx.ReadTimeout("slow") for _ in range(100)])
    client = httpx.Client(transport=httpx.MockTransport(flaky))
    with Muxi(url="http://formation.test", client=client) as m, pytest.raises(TimeoutError) as info:
        m.system.health(retries=fast(max_retries=2))
    assert info.value.attempts == 3
    assert isinstance(info.value, httpx.TimeoutException)


# ------------------------------------------------------------------ a feature that is not configured


def test_a_not_configured_503_is_not_retried(muxi_fake: FakeMuxi) -> None:
    """The runtime's 503 for a feature the formation lacks is permanent: one request, not five."""
    with muxi_fake.client() as m, pytest.raises(ServerError) as info:
        m.memory.lint(user_id="u1")  # the fake, like the runtime, has no memory.lint block by default
    assert info.value.status_code == 503 and "not configured" in info.value.message
    assert len(muxi_fake.state.requests) == 1


async def test_a_not_configured_503_is_not_retried_async(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client() as m:
        with pytest.raises(ServerError):
            await m.memory.lint_async(user_id="u1")
    assert len(muxi_fake.state.requests) == 1


# The runtime's own wording (muxi/runtime/formation/server/routes/...): what the formation lacks, and what
# it answers only while it starts.
_UNCONFIGURED_503 = [
    "Persistent memory not configured",
    "Tuning is not active for this formation",
    "Scheduler is not available or not enabled",
    "Artifact memory is not available in this formation",
    "Buffer memory is not available",
    "No agents are available on this formation",
]
_STARTUP_503 = [
    "Overlord not available",
    "Overlord service is not available",
    "Overlord not started",
    "Database service is not available",
    "injected fault: HTTP 503",
]


def _runtime_503(message: str) -> str:
    from muxi_sdk.testing.envelope import error_body

    return json.dumps(error_body(503, message, "SERVICE_UNAVAILABLE"))


@pytest.mark.parametrize("message", _UNCONFIGURED_503)
def test_each_not_configured_wording_is_not_retried(muxi_fake: FakeMuxi, message: str) -> None:
    muxi_fake.faults.fail_next(3, 503, body=_runtime_503(message))
    with muxi_fake.client(retry_config=fast()) as m, pytest.raises(ServerError):
        m.sessions.list(user_id="u1")
    assert len(muxi_fake.state.requests) == 1


@pytest.mark.parametrize("message", _STARTUP_503)
def test_a_startup_or_overload_503_is_still_retried(muxi_fake: FakeMuxi, message: str) -> None:
    muxi_fake.faults.fail_next(2, 503, body=_runtime_503(message))
    with muxi_fake.client(retry_config=fast()) as m:
        m.sessions.list(user_id="u1")
    assert len(muxi_fake.state.requests) == 3


def test_a_not_configured_503_with_retry_after_is_retried(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(1, 503, retry_after="0.01", body=_runtime_503("Persistent memory not configured"))
    with muxi_fake.client(retry_config=fast()) as m:
        m.sessions.list(user_id="u1")
    assert len(muxi_fake.state.requests) == 2
