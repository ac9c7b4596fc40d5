"""What users of openai/anthropic/httpx reach for: scoped clients, their constructor names, escape hatches,
chat stream helpers, raw responses and OpenTelemetry spans, all over loopback against the fake server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from _helpers import fast
from muxi_sdk import Muxi, RetryConfig
from muxi_sdk.errors import ConfigurationError, InvalidInputError, ResponseValidationError, ServerError
from muxi_sdk.testing import FakeMuxi

pytestmark = pytest.mark.usefixtures("clean_env")

USER = "x-muxi-user-id"


def _last(muxi_fake: FakeMuxi) -> Any:
    return muxi_fake.state.requests[-1]


# ------------------------------------------------------------------------------------------ scoped clients


def test_for_user_scopes_every_user_call_and_shares_the_pool(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client() as m:
        alice, bob = m.for_user("alice"), m.for_user("bob")
        alice.chat.send(message="hi")
        assert _last(muxi_fake).headers[USER] == "alice"
        bob.sessions.list()
        assert _last(muxi_fake).headers[USER] == "bob"
        assert alice.sdk_configuration.pool is m.sdk_configuration.pool is bob.sdk_configuration.pool
        assert alice.sdk_configuration.hooks is m.sdk_configuration.hooks
        # a per-call user still wins over the scope
        alice.chat.send(message="hi", user_id="carol")
        assert _last(muxi_fake).headers[USER] == "carol"
        alice.close()  # closes nothing
        with m.for_user("dave") as dave:
            dave.chat.send(message="still open")
        m.chat.send(message="parent still works", user_id="u1")
    with pytest.raises(ConfigurationError, match="closed"):
        alice.chat.send(message="the parent closed the pool")


async def test_for_user_async_shares_the_async_pool(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client() as m:
        async with m.for_user("alice") as alice:
            await alice.chat.send_async(message="hi")
        assert _last(muxi_fake).headers[USER] == "alice"
        await m.for_user("bob").sessions.list_async()  # the scoped exit closed nothing
        assert _last(muxi_fake).headers[USER] == "bob"


def test_a_thousand_scoped_clients_use_one_connection(muxi_fake: FakeMuxi) -> None:
    http = httpx.Client(limits=httpx.Limits(max_connections=1, max_keepalive_connections=1))
    ports: set[int] = set()

    def remember(response: httpx.Response) -> None:
        stream = response.extensions.get("network_stream")
        if stream is not None:
            ports.add(stream.get_extra_info("client_addr")[1])

    http.event_hooks["response"].append(remember)
    with http, muxi_fake.client(client=http) as m:
        for i in range(1000):
            m.for_user(f"user-{i}").system.health()
    assert len(muxi_fake.state.requests) == 1000
    assert len(ports) == 1


def test_with_options_overrides_only_what_it_is_given(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="u1", default_headers={"X-Team": "core"}) as m:
        scoped = m.with_options(timeout_ms=4_000, http_headers={"X-Trace": "t1"}, retries=None)
        muxi_fake.faults.fail_next(1, 503)
        with pytest.raises(ServerError):
            scoped.sessions.list()  # retries=None: the 503 is not retried
        assert len(muxi_fake.state.requests) == 1
        scoped.sessions.list()
        req = _last(muxi_fake)
        assert req.headers["x-team"] == "core" and req.headers["x-trace"] == "t1" and req.headers[USER] == "u1"
        assert scoped.sdk_configuration.timeout_ms == 4_000 and m.sdk_configuration.timeout_ms is None
        muxi_fake.faults.fail_next(1, 503)
        m.sessions.list(retries=fast())  # the parent keeps its own settings
        assert "x-trace" not in _last(muxi_fake).headers


def test_with_options_server_url_is_the_call_default(muxi_fake: FakeMuxi) -> None:
    with Muxi(url="http://127.0.0.1:9", **_keys(muxi_fake)) as m:
        scoped = m.with_options(server_url=muxi_fake.url)
        assert scoped.system.health().status
        assert _last(muxi_fake).path == "/v1/health"


def _keys(muxi_fake: FakeMuxi) -> dict[str, Any]:
    kw = muxi_fake.client_kwargs()
    kw.pop("url", None)
    return kw


def test_with_options_rejects_bad_values_at_once(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client() as m:
        with pytest.raises(ConfigurationError, match="user_id"):
            m.for_user("")
        with pytest.raises(ConfigurationError, match="timeout_ms"):
            m.with_options(timeout_ms=0)
        with pytest.raises(ConfigurationError, match="retry_config= or max_retries="):
            m.with_options(retries=fast(), max_retries=2)
    assert muxi_fake.state.requests == []


# ------------------------------------------------------------------------------ constructor names (openai)


def test_max_retries_counts_retries(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(5, 503, retry_after="0.01")
    with muxi_fake.client(max_retries=2) as m, pytest.raises(ServerError):
        m.sessions.list(user_id="u1")
    assert len(muxi_fake.state.requests) == 3
    muxi_fake.state.requests.clear()
    muxi_fake.faults.reset()
    muxi_fake.faults.fail_next(1, 503)
    with muxi_fake.client(max_retries=0) as m, pytest.raises(ServerError):
        m.sessions.list(user_id="u1")
    assert len(muxi_fake.state.requests) == 1


def test_timeout_in_seconds_and_httpx_timeout(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(timeout=2.5) as m:
        assert m.sdk_configuration.timeout_ms == 2_500
    with muxi_fake.client(timeout=httpx.Timeout(3.0, connect=1.0)) as m:
        assert m.system.health().status
        assert m.sdk_configuration.http_timeout == httpx.Timeout(3.0, connect=1.0)


def test_slow_answer_times_out_with_the_seconds_timeout(muxi_fake: FakeMuxi) -> None:
    from muxi_sdk.errors import TimeoutError as MuxiTimeout
    from muxi_sdk.testing import ScriptedReply

    muxi_fake.script(ScriptedReply(text="late", delay_s=3.0))
    with muxi_fake.client(timeout=0.3, retry_config=None) as m, pytest.raises(MuxiTimeout):
        m.chat.send(message="hi", user_id="u1")


def test_an_httpx_timeout_applies_its_read_phase(muxi_fake: FakeMuxi) -> None:
    from muxi_sdk.errors import TimeoutError as MuxiTimeout
    from muxi_sdk.testing import ScriptedReply

    muxi_fake.script(ScriptedReply(text="late", delay_s=3.0))
    timeout = httpx.Timeout(30.0, read=0.3)
    with muxi_fake.client(timeout=timeout, retry_config=None) as m, pytest.raises(MuxiTimeout):
        m.chat.send(message="hi", user_id="u1")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"max_retries": 2, "retry_config": RetryConfig()}, "retry_config= or max_retries="),
        ({"timeout": 1.0, "timeout_ms": 1_000}, "timeout_ms= or timeout="),
        ({"max_retries": -1}, "max_retries"),
        ({"timeout": float("nan")}, "timeout"),
        ({"timeout": "5"}, "timeout"),
        ({"default_headers": {"X-A": 1}}, "default_headers"),
    ],
)
def test_conflicting_or_bad_constructor_values_raise(muxi_fake: FakeMuxi, kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        muxi_fake.client(**kwargs)


def test_default_headers_go_out_and_per_call_headers_win(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(default_headers={"X-Team": "core", "X-Env": "test"}) as m:
        m.system.health(http_headers={"X-Env": "ci"})
    req = _last(muxi_fake)
    assert req.headers["x-team"] == "core" and req.headers["x-env"] == "ci"


# ------------------------------------------------------------------------------------------ escape hatches


def test_extra_body_query_and_headers_reach_the_server(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="u1") as m:
        m.chat.send(
            message="hi",
            extra_body={"new_runtime_field": {"x": 1}, "stream": False},
            extra_query={"trace": True, "tags": ["a", "b"]},
            extra_headers={"X-Experiment": "on"},
        )
    req = _last(muxi_fake)
    body = json.loads(req.body)
    assert body["new_runtime_field"] == {"x": 1} and body["message"] == "hi"
    assert req.headers["x-experiment"] == "on"
    assert req.query == "trace=true&tags=a&tags=b"


async def test_extra_body_async_and_on_a_body_less_post(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client(user_id="u1") as m:
        await m.chat.send_async(message="hi", extra_body={"beta": "yes"})
        assert json.loads(_last(muxi_fake).body)["beta"] == "yes"


def test_extra_body_with_files_keeps_the_upload(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="u1") as m:
        m.chat.send(message="see file", files=[("a.txt", b"hello")], extra_body={"beta": 1})
    body = json.loads(_last(muxi_fake).body)
    assert body["beta"] == 1 and body["files"][0]["filename"] == "a.txt"


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"extra_headers": {"X-Muxi-Client-Key": "stolen"}}, "credentials"),
        ({"extra_headers": {"authorization": "Bearer x"}}, "credentials"),
        ({"extra_headers": {"X-Evil": "a\r\nX-Injected: 1"}}, "printable ASCII"),
        ({"extra_body": {"when": object()}}, "JSON-serialisable"),
        ({"extra_body": ["not", "a", "mapping"]}, "extra_body"),
        ({"extra_query": {"q": {"nested": 1}}}, "extra_query"),
    ],
)
def test_escape_hatches_are_checked_before_sending(muxi_fake: FakeMuxi, options: dict[str, Any], match: str) -> None:
    with muxi_fake.client(user_id="u1") as m, pytest.raises(InvalidInputError, match=match):
        m.chat.send(message="hi", **options)
    assert muxi_fake.state.requests == []


def test_extra_body_on_a_get_is_refused(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client() as m, pytest.raises(InvalidInputError, match="sends no body"):
        m.system.health(extra_body={"x": 1})
    assert muxi_fake.state.requests == []


# ------------------------------------------------------------------------------------- chat stream helpers


def test_text_stream_current_text_and_final(muxi_fake: FakeMuxi) -> None:
    muxi_fake.script("one two three four")
    with muxi_fake.client(user_id="u1") as m, m.chat.stream(message="hi") as stream:
        pieces: list[str] = []
        for delta in stream.text_stream:
            pieces.append(delta)
            assert stream.current_text.endswith(delta)
        assert "".join(pieces) == "one two three four" == stream.current_text
        assert stream.current_result.text == "one two three four"
        assert stream.final().text == "one two three four"


def test_text_stream_left_early_then_until_done(muxi_fake: FakeMuxi) -> None:
    muxi_fake.script("alpha beta gamma delta")
    with muxi_fake.client(user_id="u1") as m, m.chat.stream(message="hi") as stream:
        for _ in stream.text_stream:
            break
        partial = stream.current_text
        assert partial and partial != "alpha beta gamma delta"
        stream.until_done()
        assert stream.current_text == "alpha beta gamma delta"
        assert stream.current_result.session_id


def test_text_stream_left_early_closes_the_connection(muxi_fake: FakeMuxi) -> None:
    muxi_fake.script("a b c d e f")
    with muxi_fake.client(user_id="u1") as m:
        with m.chat.stream(message="hi") as stream:
            next(iter(stream.text_stream))
        assert stream.closed and stream.response.is_closed


async def test_text_stream_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.script("one two three")
    async with muxi_fake.client(user_id="u1") as m, m.chat.stream_async(message="hi") as stream:
        pieces = [delta async for delta in stream.text_stream]
        assert "".join(pieces) == "one two three" == stream.current_text
    muxi_fake.script("four five six")
    async with muxi_fake.client(user_id="u1") as m, m.chat.stream_async(message="hi") as stream:
        async for _ in stream.text_stream:
            break
        await stream.until_done()
        assert stream.current_result.text == "four five six"


# ------------------------------------------------------------------------------------------ raw responses


def test_raw_response_gives_status_headers_and_parse(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="u1") as m:
        raw = m.chat.with_raw_response.send(message="hi")
        assert raw.status_code == 200 and raw.headers["content-type"].startswith("application/json")
        assert raw.request_id and raw.json()["success"] is True
        reply = raw.parse()
        assert reply.text == m.chat.send(message="hi").text
        assert len(muxi_fake.state.requests) == 2  # parse() sends nothing
        page = m.sessions.with_raw_response.list().parse()
        assert [s.session_id for s in page.items]


def test_raw_response_when_the_body_does_not_parse(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(1, 200, body="<html>proxy page</html>", content_type="text/html")
    with muxi_fake.client(user_id="u1") as m:
        raw = m.sessions.with_raw_response.list()
        assert raw.status_code == 200 and raw.text == "<html>proxy page</html>"
        with pytest.raises(ResponseValidationError):
            raw.parse()


async def test_raw_response_async(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client(user_id="u1") as m:
        raw = await m.chat.with_raw_response.send_async(message="hi")
        assert raw.status_code == 200
        assert raw.parse().text
        page = (await m.sessions.with_raw_response.list_async()).parse()
        assert [s async for s in page]
        # the async proxy: every name is its `_async` twin
        again = await m.chat.with_raw_response_async.send(message="hi")
        assert again.status_code == 200 and again.parse().text
        listed = (await m.sessions.with_raw_response_async.list()).parse()
        assert len([s async for s in listed]) == 2  # both chats' sessions
        assert (await m.system.with_raw_response_async.health_async()).status_code == 200
    assert [r.path for r in muxi_fake.state.requests].count("/v1/chat") == 2


def test_raw_response_error_statuses_still_raise(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(1, 500)
    with muxi_fake.client(user_id="u1", retry_config=None) as m, pytest.raises(ServerError) as info:
        m.sessions.with_raw_response.list()
    assert info.value.raw_response is not None and info.value.raw_response.status_code == 500


def test_raw_response_refuses_streams_and_unknown_names(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="u1") as m:
        with pytest.raises(InvalidInputError, match="stream"):
            m.chat.with_raw_response.stream(message="hi")
        with pytest.raises(AttributeError):
            _ = m.chat.with_raw_response.nope
    assert muxi_fake.state.requests == []


# --------------------------------------------------------------------------------------------- tracing


@pytest.fixture
def spans() -> Iterator[Any]:
    pytest.importorskip("opentelemetry.sdk")
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    exporter.provider = provider  # type: ignore[attr-defined]
    yield exporter
    provider.shutdown()


def _no_secret(span: Any, muxi_fake: FakeMuxi) -> None:
    text = json.dumps({k: str(v) for k, v in span.attributes.items()}) + json.dumps(
        [{k: str(v) for k, v in e.attributes.items()} for e in span.events]
    )
    for secret in (muxi_fake.state.client_key, muxi_fake.state.admin_key, "hello secret message"):
        assert secret not in text


def test_one_span_per_operation_with_retries_as_events(muxi_fake: FakeMuxi, spans: Any) -> None:
    muxi_fake.faults.fail_next(2, 503, retry_after="0.01")
    with muxi_fake.client(user_id="u1", tracing=spans.provider) as m:
        m.chat.send(message="hello secret message", retries=fast())
    [span] = spans.get_finished_spans()
    assert span.name == "chat_send"
    attrs = span.attributes
    assert attrs["http.request.method"] == "POST" and attrs["http.response.status_code"] == 200
    assert attrs["muxi.attempts"] == 3 and attrs["http.request.resend_count"] == 2
    assert attrs["server.address"] == "127.0.0.1" and attrs["muxi.request_id"]
    assert [e.name for e in span.events] == ["muxi.retry", "muxi.retry"]
    _no_secret(span, muxi_fake)
    # W3C trace context went out with every attempt, naming this span
    parents = [r.headers.get("traceparent") for r in muxi_fake.state.requests]
    assert len(parents) == 3 and all(p and f"{span.context.trace_id:032x}" in p for p in parents)


def test_failed_call_span_has_the_error_type(muxi_fake: FakeMuxi, spans: Any) -> None:
    muxi_fake.faults.fail_next(1, 500)
    with muxi_fake.client(user_id="u1", tracing=spans.provider, retry_config=None) as m, pytest.raises(ServerError):
        m.sessions.list()
    [span] = spans.get_finished_spans()
    assert span.attributes["error.type"] == "ServerError"
    assert span.attributes["http.response.status_code"] == 500
    assert not span.status.is_ok


async def test_async_spans_and_a_stream_left_early(muxi_fake: FakeMuxi, spans: Any) -> None:
    muxi_fake.script("a b c d e f g")
    async with muxi_fake.client(user_id="u1", tracing=spans.provider) as m:
        await m.system.health_async()
        async with m.chat.stream_async(message="hi") as stream:
            async for _ in stream:
                assert [s.name for s in spans.get_finished_spans()] == ["system_health"]  # stream span still open
                break
    names = [s.name for s in spans.get_finished_spans()]
    assert names == ["system_health", "chat_stream"]
    stream_span = spans.get_finished_spans()[1]
    assert stream_span.attributes["muxi.stream.events_received"] >= 1


def test_sync_stream_span_ends_when_the_stream_closes(muxi_fake: FakeMuxi, spans: Any) -> None:
    muxi_fake.script("x y z")
    with muxi_fake.client(user_id="u1", tracing=spans.provider) as m:
        stream = m.chat.stream(message="hi")
        assert spans.get_finished_spans() == ()
        stream.final()
    [span] = spans.get_finished_spans()
    assert span.name == "chat_stream" and span.attributes["muxi.stream.events_received"] >= 3


def test_tracing_off_runs_no_tracing_code(muxi_fake: FakeMuxi) -> None:
    import subprocess
    import sys

    code = (
        "import sys; from muxi_sdk.testing import FakeMuxi\n"
        "with FakeMuxi() as fake, fake.client(user_id='u1') as m:\n"
        "    m.chat.send(message='hi')\n"
        "    assert m.sdk_configuration.tracing is None\n"
        "    assert 'traceparent' not in fake.state.requests[-1].headers\n"
        "print(sorted(n for n in sys.modules if 'opentelemetry' in n or n == 'muxi_sdk._core.tracing'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"


def test_tracing_without_opentelemetry_says_what_to_install(muxi_fake: FakeMuxi, monkeypatch: Any) -> None:
    import builtins

    real_import = builtins.__import__

    def no_otel(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("opentelemetry"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_otel)
    with pytest.raises(ConfigurationError, match=r"muxi-sdk\[otel\]"):
        muxi_fake.client(tracing=True)
