"""The fast paths keep their promises over loopback: query folding, bounded fan-out, reply text, stream caps.

Performance itself is measured in bench/ (ratios, never timing asserts here); these tests pin the behaviour
each optimisation must keep, and the structural property that makes it fast.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _loopback import Answer, Seen, loopback
from muxi_sdk import Muxi
from muxi_sdk._core.transports import transport_pool  # internal: the httpcore pool behind an owned client
from muxi_sdk.errors import InvalidInputError, ResponseValidationError, StreamError, StreamInterruptedError
from muxi_sdk.models.chat import ContentEvent
from muxi_sdk.testing import FakeMuxi, ScriptedReply

pytestmark = pytest.mark.usefixtures("clean_env")

WORDS = [f"w{i}" for i in range(2600)]  # more than two runs of 1,024 deltas


def pool_of(client: Any) -> Any:
    return transport_pool(client)


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


# ------------------------------------------------------------------------------------------- chat request body

_CHAT_VALUES = st.one_of(
    st.none(),
    st.text(max_size=8),
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.just({"action": "submit"}),
)
_CHAT_NAMES = [
    "session_id", "group_id", "agent_id", "request_id", "webhook_url", "threshold_seconds", "source_channel",
    "ui_response",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(
    message=st.one_of(st.text(max_size=6), st.none(), st.integers()),
    fields=st.dictionaries(st.sampled_from(_CHAT_NAMES), _CHAT_VALUES, max_size=5),
    stream=st.booleans(),
    mode=st.sampled_from([None, "sync", "async", "later"]),
)
def test_the_plain_chat_body_is_the_models_body_key_for_key(
    message: Any, fields: dict[str, Any], stream: bool, mode: Any
) -> None:
    """The body built without `ChatRequest` (plain strings) is byte for byte what the model would dump, and
    every other input still goes through the model (so it gets the model's error)."""
    from muxi_sdk._utils.inputs import body_dict, validate_input  # internal: the slow path it must equal
    from muxi_sdk.chat import _plain_chat_doc  # internal: the fast path under test
    from muxi_sdk.models.chat import ChatRequest

    fields = {k: v for k, v in fields.items() if v is not None}
    fast = _plain_chat_doc(dict(fields), message, stream, mode)
    try:
        given_fields = {**fields, "message": message, "stream": stream, "mode": mode}
        slow: Any = body_dict(validate_input(ChatRequest, given_fields))
    except InvalidInputError:
        slow = None
    if fast is not None:
        assert slow is not None and list(fast.items()) == list(slow.items())
        assert json.dumps(fast) == json.dumps(slow)
    else:  # not taken: only inputs that are not all plain strings
        assert not (
            type(message) is str and message and mode in (None, "sync", "async")
            and all(type(v) is str and k not in ("threshold_seconds", "ui_response") for k, v in fields.items())
        )  # fmt: skip


def test_a_chat_with_plain_fields_sends_them_all(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="u1") as m:
        reply = m.chat.send(message="hello", agent_id="assistant", request_id="r-1", source_channel="web")
        sent = json.loads(reply.response_meta.http_response.request.content)  # type: ignore[union-attr]
    expected = {"message": "hello", "agent_id": "assistant", "request_id": "r-1", "stream": False}
    assert sent == {**expected, "source_channel": "web"}


# ------------------------------------------------------------------------------------------- direct requests


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Muxi-Client-Key": "k", "X-Muxi-User-ID": "alice"},
        {"Accept": "text/event-stream", "X-Muxi-Idempotency-Key": "abc"},
        {"accept": "text/html", "user-agent": "mine/1.0", "Content-Type": "application/json"},
        {"Content-Length": "17", "Content-Type": "application/octet-stream"},
    ],
)
@pytest.mark.parametrize("content", [None, b'{"message":"hello","stream":false}', b""])
@pytest.mark.parametrize("timeout", [httpx.USE_CLIENT_DEFAULT, httpx.Timeout(2.5), httpx.Timeout(9, connect=1), 4.0])
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_a_direct_request_is_what_build_request_builds(
    headers: dict[str, str], content: bytes | None, timeout: Any, method: str
) -> None:
    """Our own clients skip build_request's merges; the request on the wire must not change by a byte."""
    from muxi_sdk._core.httpclient import _new_async_client, _new_client, direct_request  # internal: fast path

    url = httpx.URL("http://127.0.0.1:9/v1/chat?x=1&y=%20z")
    for client in (_new_client(), _new_async_client()):
        built = client.build_request(method, url, headers=headers, content=content, timeout=timeout)  # type: ignore[attr-defined]
        direct = direct_request(client, method, url, headers, content, timeout)  # type: ignore[arg-type]
        assert direct.method == built.method and direct.url == built.url
        assert direct.headers.raw == built.headers.raw
        assert direct.extensions == built.extensions
        assert direct.read() == built.read()
        direct.extensions["timeout"]["read"] = 0  # a hook changing one request's timeout changes no other
        again = direct_request(client, method, url, headers, content, timeout)  # type: ignore[arg-type]
        assert again.extensions == built.extensions


def _cookie_answer(seen: Seen) -> Answer:
    return Answer(200, {"status": "healthy"}, {"Set-Cookie": "sid=secret; Path=/"})


@pytest.mark.parametrize("is_async", [False, True])
def test_owned_clients_do_not_read_answers_for_cookies(is_async: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx would wrap every answer for the cookie jar before the jar declines it; ours skip that step and
    still keep no cookie (the server sets one on every answer)."""
    from muxi_sdk._core.httpclient import _new_async_client, _new_client  # internal: fast path

    wrapped: list[object] = []
    real = httpx.Cookies._CookieCompatRequest
    spy = staticmethod(lambda request: wrapped.append(request) or real(request))
    monkeypatch.setattr(httpx.Cookies, "_CookieCompatRequest", spy)
    with loopback(_cookie_answer) as server:
        url = f"{server.url}/v1/health"
        if is_async:
            aclient = _new_async_client()

            async def go() -> None:
                for _ in range(3):
                    (await aclient.send(aclient.build_request("GET", url))).raise_for_status()  # type: ignore[attr-defined]
                await aclient.aclose()

            asyncio.run(go())
            cookies = aclient.cookies  # type: ignore[attr-defined]
        else:
            client = _new_client()
            for _ in range(3):
                client.send(client.build_request("GET", url)).raise_for_status()
            client.close()
            cookies = client.cookies  # type: ignore[attr-defined]
        assert wrapped == [] and len(cookies) == 0 and len(server.seen) == 3
        with httpx.Client() as plain:  # the control: a plain client wraps them, and keeps the cookie
            plain.get(url)
            assert len(wrapped) == 1 and plain.cookies.get("sid") == "secret"
