"""Property tests: whatever a server (or an attacker) sends, only typed errors come out.

Envelope unwrapping and error mapping run on `httpx.Response` objects built in-process from arbitrary JSON and
bytes; webhook verification runs on arbitrary headers and bodies, including correctly signed arbitrary JSON.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
from httpx_sse import ServerSentEvent
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from muxi_sdk import ChatStream, EventStream, webhooks

# internal: properties of the response parser and the frame decoders, fed inputs no server would send
from muxi_sdk._core.operation import Operation
from muxi_sdk._core.parse import parse_response
from muxi_sdk._streams.chat import decode_chat_event
from muxi_sdk.errors import (
    APIStatusError,
    MuxiError,
    ResponseValidationError,
    StreamError,
    WebhookVerificationError,
    error_from_response,
    parse_retry_after,
)
from muxi_sdk.events import decode_runtime_event
from muxi_sdk.models.chat import ChatResponse
from muxi_sdk.models.sessions import Session

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=30,
)
# Values placed where the SDK looks (success, error, data, request...), so the interesting paths are reached.
ENVELOPE_KEYS = st.sampled_from(["success", "error", "data", "request", "object", "type", "timestamp", "code"])
ENVELOPES = st.dictionaries(
    ENVELOPE_KEYS, JSON | st.dictionaries(ENVELOPE_KEYS | st.text(max_size=8), JSON), max_size=6
)
BODIES = st.one_of(
    JSON.map(lambda v: json.dumps(v).encode()),
    ENVELOPES.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=200),
    st.text(max_size=200).map(str.encode),
    st.integers(1, 3_000).map(lambda n: b"[" * n),  # nested too deeply for some decoders
)
HEADER_VALUES = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40)
HEADERS = st.dictionaries(
    st.sampled_from(["content-type", "retry-after", "retry-after-ms", "x-request-id"]), HEADER_VALUES, max_size=4
)

OPERATIONS = [
    Operation("chat_send", "POST", "/chat", "client", ChatResponse),
    Operation("sessions_get", "GET", "/sessions/{id}", "client", Session),
    Operation("anything", "GET", "/x", "client", dict[str, Any]),
    Operation("a_list", "GET", "/x", "client", list[Session]),
    Operation("nothing", "DELETE", "/x", "client", None),
    Operation("raw", "GET", "/x", "client", dict[str, Any], envelope=False),
]


def response(status: int, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.Response(status, content=body, headers=headers, request=httpx.Request("GET", "http://t/v1/x"))


@SETTINGS
@given(op=st.sampled_from(OPERATIONS), status=st.integers(200, 299), body=BODIES, headers=HEADERS)
def test_parse_of_any_2xx_returns_a_result_or_a_typed_error(
    op: Operation, status: int, body: bytes, headers: dict[str, str]
) -> None:
    try:
        parse_response(op, response(status, body, headers), 1, 0.0)
    except MuxiError as exc:
        # Only two outcomes: a body of the wrong shape, or an envelope that says it failed.
        assert isinstance(exc, (ResponseValidationError, APIStatusError)), type(exc)
        str(exc), repr(exc)


@SETTINGS
@given(status=st.integers(100, 599), body=BODIES, headers=HEADERS, attempts=st.integers(1, 10))
def test_error_mapping_of_any_response_is_a_typed_error(
    status: int, body: bytes, headers: dict[str, str], attempts: int
) -> None:
    err = error_from_response(response(status, body, headers), attempts)
    assert isinstance(err, MuxiError)
    assert err.status_code == status and err.attempts == attempts
    assert isinstance(err.message, str) and err.message
    assert err.retry_after is None or err.retry_after >= 0
    assert err.request_id is None or isinstance(err.request_id, str)
    str(err), repr(err)


@SETTINGS
@given(value=HEADER_VALUES, ms=st.none() | HEADER_VALUES)
def test_retry_after_parsing_never_raises(value: str, ms: str | None) -> None:
    headers = httpx.Headers({"retry-after": value, **({"retry-after-ms": ms} if ms is not None else {})})
    wait = parse_retry_after(headers)
    assert wait is None or wait >= 0


TOKEN_TYPES = st.sampled_from(["content", "completed", "progress", "thinking", "planning", "tool_call", "error"])
TOKENS = st.fixed_dictionaries(
    {"type": TOKEN_TYPES | JSON},
    optional={"content": JSON, "stream_discontinuity": JSON, "session_id": JSON, "status": JSON, "stage": JSON},
)
FRAME_DATA = st.one_of(
    TOKENS.map(lambda t: json.dumps({"token": t})),
    TOKENS.map(json.dumps),  # the shape of /v1/events frames
    st.builds(lambda ui: json.dumps({"ui": ui}), JSON),
    BODIES.map(lambda b: b.decode("utf-8", "replace")),
)
FRAMES = st.lists(
    st.tuples(st.none() | st.sampled_from(["message", "ui", "done", "error", "ping"]), FRAME_DATA), max_size=4
)


def sse_body(frames: list[tuple[str | None, str]]) -> bytes:
    out = []
    for event, data in frames:
        lines = "".join(f"data: {line}\n" for line in data.split("\n"))
        out.append((f"event: {event}\n" if event else "") + lines + "\n")
    return "".join(out).encode()


def stream_response(body: bytes) -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)


@SETTINGS
@given(frames=FRAMES)
def test_chat_stream_of_arbitrary_frames_yields_events_or_raises_a_typed_error(
    frames: list[tuple[str | None, str]],
) -> None:
    stream = ChatStream(stream_response(sse_body(frames)), decode_chat_event)
    try:
        stream.final()
    except MuxiError as exc:
        assert isinstance(exc, (StreamError, ResponseValidationError)), type(exc)
    assert stream.closed


@SETTINGS
@given(frames=FRAMES)
def test_event_stream_of_arbitrary_frames_yields_events_or_raises_a_typed_error(
    frames: list[tuple[str | None, str]],
) -> None:
    stream = EventStream(stream_response(sse_body(frames)), decode_runtime_event)
    try:
        list(stream)
    except MuxiError as exc:
        assert isinstance(exc, (StreamError, ResponseValidationError)), type(exc)
    assert stream.closed


@SETTINGS
@given(token=TOKENS)
def test_chat_token_frames_of_unexpected_types_are_kept_not_fatal(token: dict[str, Any]) -> None:
    event = decode_chat_event(ServerSentEvent(data=json.dumps({"token": token})))
    assert event is not None


# ------------------------------------------------------------------------------------ webhooks

SECRET = "whsec-admin-key"
HEADER_ANY = st.one_of(
    st.none(),
    st.binary(max_size=120),
    st.text(max_size=120),
    st.dictionaries(st.text(max_size=20), st.text(max_size=80), max_size=3),
    st.builds(lambda t, v: f"t={t},v1={v}", st.text(max_size=12), st.text(max_size=70)),
)


@SETTINGS
@given(payload=st.binary(max_size=300) | st.text(max_size=300), header=HEADER_ANY)
def test_verify_signature_on_arbitrary_input_returns_a_bool(payload: bytes | str, header: Any) -> None:
    assert webhooks.verify_signature(payload, header, SECRET) is False


@SETTINGS
@given(payload=st.binary(max_size=300) | st.text(max_size=300), header=HEADER_ANY)
def test_construct_event_on_arbitrary_input_raises_only_verification_errors(payload: bytes | str, header: Any) -> None:
    try:
        webhooks.construct_event(payload, header, SECRET)
    except WebhookVerificationError as exc:
        assert exc.reason in {"missing_header", "malformed_header", "timestamp_out_of_tolerance", "signature_mismatch"}


@SETTINGS
@given(value=JSON | ENVELOPES, raw=st.booleans())
def test_correctly_signed_arbitrary_json_parses_or_raises_a_verification_error(value: Any, raw: bool) -> None:
    body = json.dumps(value).encode() if raw else webhooks.canonical_json(value)
    header = webhooks.sign(body, SECRET, timestamp=int(time.time()))
    assert webhooks.verify_signature(body, header, SECRET) is True
    try:
        event = webhooks.construct_event(body, {"X-Muxi-Signature": header}, SECRET)
    except WebhookVerificationError as exc:
        assert exc.reason in {"invalid_json", "invalid_payload"}
    else:
        assert isinstance(value, dict) and event is not None
