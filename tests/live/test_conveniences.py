"""Live: what the conveniences promise holds on the real runtime (scoped clients, escape hatches, raw
responses, chat stream helpers, tracing), sync and async."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from muxi_sdk import Muxi

pytestmark = pytest.mark.live


def test_for_user_chat_with_extra_body_and_raw_response(make_muxi: Callable[..., Muxi], user: str) -> None:
    m = make_muxi()  # no default user: the scoped client supplies it
    alice = m.for_user(user)
    # The runtime's ChatRequest ignores fields it does not know (no additionalProperties): a field of a newer
    # runtime sent through extra_body does not break an older one.
    reply = alice.chat.send(message="scoped hello", extra_body={"field_of_a_newer_runtime": True})
    assert reply.text == "Echo: scoped hello"
    raw = alice.chat.with_raw_response.send(message="raw hello", extra_query={"unknown_param": "1"})
    assert raw.status_code == 200 and raw.request_id
    assert raw.parse().text == "Echo: raw hello"
    alice.close()  # closes nothing
    assert m.system.health().status


def test_text_stream_and_snapshot(muxi: Muxi) -> None:
    with muxi.chat.stream(message="stream helpers") as stream:
        text = "".join(stream.text_stream)
        assert stream.current_text == text == "Echo: stream helpers"
        assert stream.current_result.session_id


async def test_async_scoped_stream_and_raw(make_muxi_async: Callable[..., Muxi], user: str) -> None:
    m = make_muxi_async()
    bob = m.with_options(user_id=user, http_headers={"X-Job": "live"}, max_retries=2)
    async with bob.chat.stream_async(message="async helpers") as stream:
        async for _ in stream.text_stream:
            break
        await stream.until_done()
        assert stream.current_text == "Echo: async helpers"
    raw = await bob.chat.with_raw_response.send_async(message="async raw")
    assert raw.parse().text == "Echo: async raw"
    again = await bob.chat.with_raw_response_async.send(message="async raw again")
    assert again.status_code == 200 and again.parse().text == "Echo: async raw again"


@pytest.fixture
def spans() -> Iterator[Any]:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    exporter.provider = provider  # type: ignore[attr-defined]
    yield exporter
    provider.shutdown()


def test_tracing_spans_on_the_real_runtime(make_muxi: Callable[..., Muxi], user: str, spans: Any) -> None:
    m = make_muxi(user_id=user, tracing=spans.provider)
    m.chat.send(message="traced")  # the runtime accepts the traceparent header
    with m.chat.stream(message="traced stream") as stream:
        stream.final()
    send, streamed = spans.get_finished_spans()
    assert send.name == "chat_send" and send.attributes["http.response.status_code"] == 200
    assert send.attributes["muxi.request_id"]
    assert streamed.name == "chat_stream" and streamed.attributes["muxi.stream.events_received"] >= 2
