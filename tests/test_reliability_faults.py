"""Reliability under a misbehaving network and server, over real sockets against the fake server's faults.

Error storms (5xx, 429, with and without Retry-After) stop at the time budget with a fully described error;
a chat whose response is lost is replayed, never run twice; refused connections, resets, stalls, truncated
or nested JSON, HTML from proxies and empty 2xx bodies all surface as typed `MuxiError`s.
"""

from __future__ import annotations

import asyncio
import json
import time
from functools import partial

import httpx
import pytest

from _helpers import dead_url
from _helpers import fast as _fast
from muxi_sdk import Muxi
from muxi_sdk.errors import (
    ConnectionError,
    MuxiError,
    RateLimitError,
    ResponseValidationError,
    ServerError,
    TimeoutError,
    error_from_response,
)
from muxi_sdk.testing import FakeMuxi
from muxi_sdk.testing.idempotency import executions_for

KEY_HEADER = "x-muxi-idempotency-key"


pytestmark = pytest.mark.usefixtures("clean_env")


fast = partial(_fast, initial_interval=5, max_interval=40)


def error_envelope(status: int, request_id: str, code: str = "INTERNAL_ERROR") -> str:
    return json.dumps(
        {
            "object": "error",
            "type": "error.internal",
            "timestamp": 0,
            "request": {"id": request_id, "idempotency_key": None},
            "success": False,
            "error": {"code": code, "message": f"storm {status}", "data": None},
            "data": {},
        }
    )


def queue_storm(fake: FakeMuxi, statuses: list[int], retry_after: str | None = None) -> None:
    """One injected error per status, each with its own request id (`req_storm_<n>`)."""
    for i, status in enumerate(statuses):
        code = "RATE_LIMITED" if status == 429 else "INTERNAL_ERROR"
        fake.faults.fail_next(1, status, retry_after=retry_after, body=error_envelope(status, f"req_storm_{i}", code))


# ------------------------------------------------------------------------------------ error storms


@pytest.mark.parametrize(("status", "cls"), [(503, ServerError), (500, ServerError), (429, RateLimitError)])
def test_storm_without_retry_after_stops_at_max_elapsed_time(
    muxi_fake: FakeMuxi, status: int, cls: type[MuxiError]
) -> None:
    with muxi_fake.client(user_id="u1", retry_config=fast(max_elapsed_time=300)) as m:
        m.system.health()  # a warm client: the first attempt's cold start is not the budget's to pay
        warm = len(muxi_fake.state.requests)
        queue_storm(muxi_fake, [status] * 500)
        started = time.monotonic()
        with pytest.raises(cls) as info:
            m.sessions.list()
        elapsed = time.monotonic() - started
    err = info.value
    sent = len(muxi_fake.state.requests) - warm
    assert elapsed < 0.3 + 0.5  # the budget, plus the last attempt's own round trip (and a loaded CI box)
    assert sent >= 3 and err.attempts == sent
    assert err.status_code == status
    assert err.request_id == f"req_storm_{sent - 1}"  # the LAST response's request id
    assert f"after {sent} attempts" in str(err)


async def test_storm_without_retry_after_stops_at_max_elapsed_time_async(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client(user_id="u1", retry_config=fast(max_elapsed_time=300)) as m:
        await m.system.health_async()  # warm, as in the sync test
        warm = len(muxi_fake.state.requests)
        queue_storm(muxi_fake, [502] * 500)
        started = time.monotonic()
        with pytest.raises(ServerError) as info:
            await m.sessions.list_async()
        elapsed = time.monotonic() - started
    sent = len(muxi_fake.state.requests) - warm
    assert elapsed < 0.8
    assert info.value.attempts == sent >= 3
    assert info.value.status_code == 502 and info.value.request_id == f"req_storm_{sent - 1}"


def test_429_storm_with_retry_after_waits_as_told_and_stops_at_the_budget(muxi_fake: FakeMuxi) -> None:
    queue_storm(muxi_fake, [429] * 100, retry_after="0.1")
    with muxi_fake.client(user_id="u1", retry_config=fast(max_elapsed_time=450, max_interval=1_000)) as m:
        started = time.monotonic()
        with pytest.raises(RateLimitError) as info:
            m.sessions.list()
        elapsed = time.monotonic() - started
    sent = len(muxi_fake.state.requests)
    # 0.1 s between attempts: 4 or 5 attempts fit in 0.45 s, never more.
    assert 3 <= sent <= 5 and info.value.attempts == sent
    assert 0.1 * (sent - 1) <= elapsed < 0.45 + 0.5
    assert info.value.retry_after == pytest.approx(0.1)
    assert info.value.request_id == f"req_storm_{sent - 1}"


async def test_503_storm_with_retry_after_async(muxi_fake: FakeMuxi) -> None:
    queue_storm(muxi_fake, [503] * 100, retry_after="0.1")
    async with muxi_fake.client(user_id="u1", retry_config=fast(max_elapsed_time=350, max_interval=1_000)) as m:
        with pytest.raises(ServerError) as info:
            await m.sessions.list_async()
    sent = len(muxi_fake.state.requests)
    assert 2 <= sent <= 4 and info.value.attempts == sent and info.value.retry_after == pytest.approx(0.1)


def test_retry_after_beyond_the_budget_gives_up_at_once_and_says_how_long(muxi_fake: FakeMuxi) -> None:
    queue_storm(muxi_fake, [429] * 3, retry_after="30")
    retry = fast(max_elapsed_time=2_000, max_interval=60_000)
    with muxi_fake.client(user_id="u1", retry_config=retry) as m:
        started = time.monotonic()
        with pytest.raises(RateLimitError) as info:
            m.sessions.list()
    assert time.monotonic() - started < 0.5  # no pointless 2 s sleep that could never be enough
    assert info.value.attempts == 1 and info.value.retry_after == 30


def test_mixed_storm_reports_the_last_status(muxi_fake: FakeMuxi) -> None:
    queue_storm(muxi_fake, [502, 503, 500, 429])
    with muxi_fake.client(user_id="u1", retry_config=fast(max_retries=3)) as m, pytest.raises(RateLimitError) as info:
        m.sessions.list()
    assert info.value.attempts == 4 and info.value.status_code == 429 and info.value.request_id == "req_storm_3"


def test_storm_that_ends_in_time_succeeds(muxi_fake: FakeMuxi) -> None:
    queue_storm(muxi_fake, [503, 429, 408, 425])
    with muxi_fake.client(user_id="u1", retry_config=fast()) as m:
        reply = m.chat.send(message="hi")
    assert reply.text == "Echo: hi" and reply.response_meta.attempts == 5


# ------------------------------------------------------------------------------------ lost responses


@pytest.mark.parametrize("when", ["before", "during"])
def test_chat_whose_response_is_lost_runs_once_and_is_replayed(muxi_fake: FakeMuxi, when: str) -> None:
    muxi_fake.faults.drop_response_next(1, when=when, path_contains="/chat")
    with muxi_fake.client(user_id="u1", retry_config=fast()) as m:
        reply = m.chat.send(message="pay the invoice", idempotency_key="k-lost")
    assert reply.text == "Echo: pay the invoice"
    assert reply.response_meta.attempts == 2
    keys = [r.headers.get(KEY_HEADER) for r in muxi_fake.state.requests]
    assert keys == ["k-lost", "k-lost"]
    assert executions_for(muxi_fake.state, "k-lost") == 1
    sessions = muxi_fake.state.table("sessions")
    user_turns = [msg for s in sessions.values() for msg in s["messages"] if msg["role"] == "user"]
    assert len(user_turns) == 1  # the conversation holds the message once


@pytest.mark.parametrize("when", ["before", "during"])
async def test_chat_whose_response_is_lost_runs_once_and_is_replayed_async(muxi_fake: FakeMuxi, when: str) -> None:
    muxi_fake.faults.drop_response_next(1, when=when, path_contains="/chat")
    async with muxi_fake.client(user_id="u1", retry_config=fast()) as m:
        reply = await m.chat.send_async(message="pay", idempotency_key="k-lost-a")
    assert reply.text == "Echo: pay" and reply.response_meta.attempts == 2
    assert executions_for(muxi_fake.state, "k-lost-a") == 1


def test_sdk_generated_key_also_prevents_a_second_run(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.drop_response_next(2, path_contains="/chat")
    queue_storm(muxi_fake, [503])
    with muxi_fake.client(user_id="u1", retry_config=fast()) as m:
        reply = m.chat.send(message="hi")
    keys = {r.headers.get(KEY_HEADER) for r in muxi_fake.state.requests}
    assert len(keys) == 1 and None not in keys
    (key,) = keys
    assert key is not None and executions_for(muxi_fake.state, key) == 1
    assert reply.response_meta.attempts == 4  # lost, 503, lost, replayed


def test_lost_response_without_retries_is_a_connection_error_and_ran_once(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.drop_response_next(1, path_contains="/chat")
    with muxi_fake.client(user_id="u1", retry_config=None) as m, pytest.raises(ConnectionError) as info:
        m.chat.send(message="hi", idempotency_key="k-once")
    assert isinstance(info.value, httpx.TransportError)
    assert executions_for(muxi_fake.state, "k-once") == 1
    # The caller can retry by hand with the same key: the server replays, it does not run it again.
    with muxi_fake.client(user_id="u1", retry_config=None) as m:
        assert m.chat.send(message="hi", idempotency_key="k-once").text == "Echo: hi"
    assert executions_for(muxi_fake.state, "k-once") == 1


# ------------------------------------------------------------------------------------ transport failures


def test_connection_refused_retries_within_the_budget_then_connection_error() -> None:
    with Muxi(url=dead_url(), client_key="k", user_id="u1", retry_config=fast(max_elapsed_time=250)) as m:
        started = time.monotonic()
        with pytest.raises(ConnectionError) as info:
            m.sessions.list()
        elapsed = time.monotonic() - started
    assert not isinstance(info.value, TimeoutError)
    assert info.value.attempts >= 2 and elapsed < 0.25 + 0.5
    assert "ConnectError" in str(info.value)


async def test_connection_refused_async() -> None:
    async with Muxi(url=dead_url(), client_key="k", user_id="u1", retry_config=fast(max_elapsed_time=150)) as m:
        with pytest.raises(ConnectionError) as info:
            await m.chat.send_async(message="hi")
    assert info.value.attempts >= 2


def test_reset_mid_body_is_a_connection_error(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.drop_response_next(1, when="during")
    with muxi_fake.client(user_id="u1", retry_config=None) as m, pytest.raises(ConnectionError) as info:
        m.sessions.list()
    assert "RemoteProtocolError" in str(info.value) and info.value.__cause__ is not None


async def test_reset_mid_body_is_retried_for_a_get_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.drop_response_next(1, when="during")
    async with muxi_fake.client(user_id="u1", retry_config=fast()) as m:
        page = await m.sessions.list_async()
    assert page.items == [] and len(muxi_fake.state.requests) == 2


def test_slow_headers_time_out_per_timeout_ms(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.latency_ms = 500
    with muxi_fake.client(user_id="u1", retry_config=None, timeout_ms=100) as m:
        started = time.monotonic()
        with pytest.raises(TimeoutError) as info:
            m.sessions.list()
    assert 0.09 <= time.monotonic() - started < 0.45  # the timeout fired, not the (late) answer
    assert isinstance(info.value, ConnectionError) and isinstance(info.value, httpx.TimeoutException)
    time.sleep(0.5)  # the abandoned request is still waiting in the fake; let it finish before the next test


async def test_slow_headers_time_out_per_call_timeout_ms_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.latency_ms = 500
    async with muxi_fake.client(user_id="u1", retry_config=None) as m:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            await m.sessions.list_async(timeout_ms=100)
    assert time.monotonic() - started < 0.45
    await asyncio.sleep(0.5)  # let the abandoned request finish in the fake before the next test


def test_slow_body_times_out_per_timeout_ms(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.body_stall_ms = 3_000
    with muxi_fake.client(user_id="u1", retry_config=None) as m:
        started = time.monotonic()
        with pytest.raises(TimeoutError) as info:
            m.sessions.list(timeout_ms=150)
    assert time.monotonic() - started < 1.5
    assert "ReadTimeout" in str(info.value)


async def test_slow_body_times_out_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.body_stall_ms = 3_000
    async with muxi_fake.client(user_id="u1", retry_config=None, timeout_ms=150) as m:
        with pytest.raises(TimeoutError):
            await m.sessions.list_async()


def test_slow_body_within_the_timeout_is_fine(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.body_stall_ms = 50
    with muxi_fake.client(user_id="u1", retry_config=None, timeout_ms=1_000) as m:
        assert m.chat.send(message="hi").text == "Echo: hi"


# ------------------------------------------------------------------------------------ bad bodies


def test_truncated_json_is_a_response_validation_error(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.truncate_next = 1
    with muxi_fake.client(user_id="u1", retry_config=None) as m, pytest.raises(ResponseValidationError) as info:
        m.sessions.list()
    err = info.value
    assert not isinstance(err, json.JSONDecodeError)
    assert isinstance(err.cause, json.JSONDecodeError)  # the decoder's error is kept as the cause
    assert err.status_code == 200 and err.body


async def test_truncated_json_is_a_response_validation_error_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.truncate_next = 1
    async with muxi_fake.client(user_id="u1", retry_config=None) as m:
        with pytest.raises(ResponseValidationError):
            await m.chat.send_async(message="hi")


def test_json_nested_too_deeply_is_a_typed_error_not_a_recursion_error(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(1, 200, body="[" * 100_000)
    muxi_fake.faults.fail_next(1, 500, body="[" * 100_000)
    with muxi_fake.client(user_id="u1", retry_config=None) as m:
        with pytest.raises(ResponseValidationError) as ok_info:
            m.sessions.list()
        with pytest.raises(ServerError) as err_info:
            m.sessions.list()
    assert "nested too deeply" in ok_info.value.message
    assert err_info.value.status_code == 500


@pytest.mark.parametrize(
    ("status", "body", "content_type"),
    [
        (500, "upstream connect error or disconnect/reset before headers", "text/plain"),
        (503, "", "text/plain"),
        (502, b"\xff\xfe\x00garbage", "application/octet-stream"),
        (500, '{"unexpected": ["shape"]}', "application/json"),
        (500, "null", "application/json"),
    ],
)
def test_non_json_or_odd_error_bodies_are_server_errors(
    muxi_fake: FakeMuxi, status: int, body: str | bytes, content_type: str
) -> None:
    muxi_fake.faults.fail_next(1, status, body=body, content_type=content_type)
    with muxi_fake.client(user_id="u1", retry_config=None) as m, pytest.raises(ServerError) as info:
        m.chat.send(message="hi")
    assert info.value.status_code == status and info.value.message


PROXY_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>"
    "\r\n<hr><center>nginx/1.25.3</center>\r\n</body>\r\n</html>\r\n"
)


def test_html_502_from_a_proxy_is_a_server_error_with_a_readable_message(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(1, 502, body=PROXY_PAGE, content_type="text/html")
    with muxi_fake.client(user_id="u1", retry_config=None) as m, pytest.raises(ServerError) as info:
        m.chat.send(message="hi")
    err = info.value
    assert err.status_code == 502 and err.body == PROXY_PAGE and err.details is None
    assert err.message.startswith("Bad Gateway: ") and "502 Bad Gateway" in err.message
    assert len(err.message) < 250  # a snippet, not the whole page
    assert "status 502" in str(err)


async def test_html_from_a_proxy_on_a_2xx_is_a_response_validation_error_async(muxi_fake: FakeMuxi) -> None:
    portal = "<html><body>Sign in to the hotel Wi-Fi</body></html>"
    muxi_fake.faults.fail_next(1, 200, body=portal, content_type="text/html")
    async with muxi_fake.client(user_id="u1", retry_config=None) as m:
        with pytest.raises(ResponseValidationError) as info:
            await m.sessions.list_async()
    assert "text/html" in info.value.message


def test_empty_204_never_crashes(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="u1", retry_config=None) as m:
        muxi_fake.faults.fail_next(1, 204, body=b"", content_type="text/plain")
        page = m.sessions.list()  # a list answer: empty
        assert page.items == []
        muxi_fake.faults.fail_next(1, 204, body=b"", content_type="text/plain")
        with pytest.raises(ResponseValidationError) as info:  # a reply that must have content: typed error
            m.chat.send(message="hi")
    assert info.value.status_code == 204


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e999", "soon"])
def test_retry_after_that_is_not_a_finite_number_falls_back_to_backoff(muxi_fake: FakeMuxi, value: str) -> None:
    # `Retry-After: nan` used to reach time.sleep(nan) and crash the call with a bare ValueError.
    muxi_fake.faults.fail_next(2, 503, retry_after=value)
    with muxi_fake.client(user_id="u1", retry_config=fast()) as m:
        assert m.sessions.list().items == []
    assert len(muxi_fake.state.requests) == 3


def test_non_finite_retry_after_is_not_exposed_on_the_error() -> None:
    odd = ({"retry-after": "nan"}, {"retry-after-ms": "inf"}, {"retry-after-ms": "nan", "retry-after": "1e999"})
    for headers in odd:
        resp = httpx.Response(429, headers=headers, request=httpx.Request("GET", "http://t/v1/x"))
        assert error_from_response(resp).retry_after is None
