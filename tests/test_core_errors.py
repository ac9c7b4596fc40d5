"""Every error class, produced by a real HTTP response of the fake server (or a real refused connection)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pydantic
import pytest

from _helpers import dead_url, probe
from muxi_sdk import Muxi

# internal: raw Operations reach routes and statuses no resource method sends
from muxi_sdk._core.operation import Operation, RequestInput
from muxi_sdk._utils.serializers import json_body
from muxi_sdk.errors import (
    APIStatusError,
    AuthenticationError,
    AuthorizationError,
    ConflictError,
    ConnectionError,
    MuxiError,
    NotFoundError,
    RateLimitError,
    ResponseValidationError,
    ServerError,
    UnsupportedError,
    ValidationError,
)
from muxi_sdk.testing import FakeMuxi, ScriptedReply
from muxi_sdk.testing.routes.chat import ASYNC_UNSUPPORTED

pytestmark = pytest.mark.usefixtures("clean_env")


RAW_CHAT = Operation("raw_chat", "POST", "/chat", "client", dict)
RAW_AUDIO = Operation("raw_audio", "POST", "/audiochat", "client", dict)
UNKNOWN = Operation("unknown_route", "GET", "/no-such-route", "client", dict)


def assert_carries_response(err: MuxiError, status: int) -> None:
    """The attributes a caller debugs with, without re-sending."""
    assert err.status_code == status
    assert isinstance(err.headers, httpx.Headers) and err.headers.get("content-type")
    assert isinstance(err.raw_response, httpx.Response) and err.raw_response.status_code == status
    assert err.body is not None and err.body == err.raw_response.text
    assert err.code and err.message
    assert err.code in str(err) and f"status {status}" in str(err)


def envelope_error(status_code: str, message: str, data: Any = None, request_id: str = "req_test") -> str:
    return json.dumps(
        {
            "object": "error",
            "timestamp": 1,
            "type": "error.x",
            "request": {"id": request_id, "idempotency_key": None},
            "success": False,
            "error": {"code": status_code, "message": message, "data": data},
            "data": {},
        }
    )


# ------------------------------------------------------------------------------------ 4xx from real routes


def test_422_missing_message_is_a_validation_error_with_field_errors(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="u1") as m, pytest.raises(ValidationError) as info:
        probe(m).run(RAW_CHAT, RequestInput(body=json_body({"stream": False})))
    err = info.value
    assert_carries_response(err, 422)
    assert err.code == "INVALID_PARAMS"
    assert err.message == "Validation failed: 1 error(s)"
    assert err.field_errors == [{"field": "message", "msg": "Field required", "type": "string", "error": "missing"}]
    assert err.request_id and err.request_id.startswith("req_")
    assert err.request_id == json.loads(err.body or "")["request"]["id"]


async def test_422_missing_message_is_a_validation_error_with_field_errors_async(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client(user_id="u1") as m:
        with pytest.raises(ValidationError) as info:
            await probe(m).run_async(RAW_CHAT, RequestInput(body=json_body({"message": 5, "stream": False})))
    assert info.value.status_code == 422
    assert [e["msg"] for e in info.value.field_errors] == ["Input should be a valid string"]


def test_400_is_a_validation_error(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="u1") as m, pytest.raises(ValidationError) as info:
        probe(m).run(RAW_AUDIO, RequestInput(body=json_body({"files": [], "stream": False})))
    err = info.value
    assert_carries_response(err, 400)
    assert err.code == "VALIDATION_ERROR"
    assert err.message == "files parameter is required for audiochat()"
    assert err.details == {"field": "files"}
    assert err.field_errors == []


def test_401_carries_everything(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(client_key="wrong", user_id="u1") as m, pytest.raises(AuthenticationError) as info:
        m.chat.send(message="hi")
    err = info.value
    assert_carries_response(err, 401)
    assert err.code == "UNAUTHORIZED"
    assert err.request_id and err.request_id.startswith("req_")
    assert err.attempts == 1
    assert isinstance(err, APIStatusError) and isinstance(err, MuxiError)


def test_404_unknown_route_is_not_found(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client() as m, pytest.raises(NotFoundError) as info:
        probe(m).run(UNKNOWN)
    assert_carries_response(info.value, 404)
    assert info.value.code == "RESOURCE_NOT_FOUND"
    assert info.value.message == "Not Found"


async def test_404_unknown_route_is_not_found_async(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client() as m:
        with pytest.raises(NotFoundError) as info:
            await probe(m).run_async(UNKNOWN)
    assert info.value.status_code == 404


def test_500_from_the_reply_engine_is_a_server_error(muxi_fake: FakeMuxi) -> None:
    muxi_fake.script(ScriptedReply(error="the model exploded"))
    with muxi_fake.client(user_id="u1") as m, pytest.raises(ServerError) as info:
        m.chat.send(message="hi", retries=None)
    err = info.value
    assert type(err) is ServerError
    assert_carries_response(err, 500)
    assert err.code == "INTERNAL_ERROR"
    assert err.message == "the model exploded"


async def test_500_from_the_reply_engine_is_a_server_error_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.script(ScriptedReply(error="the model exploded"))
    async with muxi_fake.client(user_id="u1") as m:
        with pytest.raises(ServerError) as info:
            await m.chat.send_async(message="hi", retries=None)
    assert info.value.message == "the model exploded"


def test_501_async_chat_unsupported(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="u1") as m, pytest.raises(UnsupportedError) as info:
        m.chat.submit(message="later", webhook_url="https://example.com/hook")
    err = info.value
    assert_carries_response(err, 501)
    assert err.code == "METHOD_NOT_FOUND"
    assert err.message == ASYNC_UNSUPPORTED
    assert isinstance(err, ServerError)
    assert len(muxi_fake.state.requests) == 1  # default retries on, still never retried


async def test_501_async_chat_unsupported_async(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client(user_id="u1") as m:
        with pytest.raises(UnsupportedError):
            await m.chat.submit_async(message="later", webhook_url="https://example.com/hook")
    assert len(muxi_fake.state.requests) == 1


# ------------------------------------------------------------------------------------ statuses via injected faults


@pytest.mark.parametrize(
    ("status", "cls", "code"),
    [
        (403, AuthorizationError, "FORBIDDEN"),
        (404, NotFoundError, "RESOURCE_NOT_FOUND"),
        (409, ConflictError, "CONFLICT"),
        (422, ValidationError, "INVALID_PARAMS"),
        (429, RateLimitError, "RATE_LIMITED"),
        (500, ServerError, "INTERNAL_ERROR"),
        (502, ServerError, "INTERNAL_ERROR"),
        (503, ServerError, "SYSTEM_OVERLOAD"),
        (501, UnsupportedError, "METHOD_NOT_FOUND"),
        (405, APIStatusError, "METHOD_NOT_ALLOWED"),
    ],
)
def test_status_maps_to_error_class(muxi_fake: FakeMuxi, status: int, cls: type[MuxiError], code: str) -> None:
    muxi_fake.faults.fail_next(1, status)
    with muxi_fake.client(user_id="u1") as m, pytest.raises(MuxiError) as info:
        m.chat.send(message="hi", retries=None)
    assert type(info.value) is cls
    assert info.value.code == code
    assert info.value.message == f"injected fault: HTTP {status}"
    assert_carries_response(info.value, status)


def test_429_carries_retry_after(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(1, 429, retry_after=7)
    with muxi_fake.client(user_id="u1") as m, pytest.raises(RateLimitError) as info:
        m.chat.send(message="hi", retries=None)
    assert info.value.retry_after == 7.0
    assert info.value.headers["retry-after"] == "7"


async def test_429_carries_retry_after_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(1, 429, retry_after=3)
    async with muxi_fake.client(user_id="u1") as m:
        with pytest.raises(RateLimitError) as info:
            await m.chat.send_async(message="hi", retries=None)
    assert info.value.retry_after == 3.0


def test_error_on_a_stream_is_raised_at_open_with_its_body(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(1, 403)
    with muxi_fake.client(user_id="u1") as m, pytest.raises(AuthorizationError) as info:
        m.chat.stream(message="hi")
    assert info.value.message == "injected fault: HTTP 403"


async def test_error_on_a_stream_is_raised_at_open_with_its_body_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(1, 409)
    async with muxi_fake.client(user_id="u1") as m:
        with pytest.raises(ConflictError) as info:
            async with m.chat.stream_async(message="hi"):
                pass
    assert info.value.message == "injected fault: HTTP 409"


def test_body_code_refines_an_unmapped_status_but_never_overrides_a_mapped_one(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(1, 418, body=envelope_error("CONFLICT", "teapot conflict"))
    muxi_fake.faults.fail_next(1, 404, body=envelope_error("INTERNAL_ERROR", "gone"))
    with muxi_fake.client(user_id="u1") as m:
        with pytest.raises(ConflictError) as first:
            m.chat.send(message="hi", retries=None)
        with pytest.raises(NotFoundError) as second:
            m.chat.send(message="hi", retries=None)
    assert (first.value.status_code, first.value.code, first.value.request_id) == (418, "CONFLICT", "req_test")
    assert (second.value.code, second.value.message) == ("INTERNAL_ERROR", "gone")


def test_server_api_error_body_shape(muxi_fake: FakeMuxi) -> None:
    body = json.dumps({"success": False, "error": "Not Found", "message": "formation 'x' not found", "code": 404})
    muxi_fake.faults.fail_next(1, 404, body=body)
    with muxi_fake.client(user_id="u1") as m, pytest.raises(NotFoundError) as info:
        m.chat.send(message="hi", retries=None)
    assert info.value.message == "formation 'x' not found"
    assert info.value.code == "Not Found"


def test_non_json_error_body(muxi_fake: FakeMuxi) -> None:
    html = "<html><body><h1>502 Bad Gateway</h1></body></html>"
    muxi_fake.faults.fail_next(1, 502, body=html, content_type="text/html")
    with muxi_fake.client(user_id="u1") as m, pytest.raises(ServerError) as info:
        m.chat.send(message="hi", retries=None)
    err = info.value
    assert_carries_response(err, 502)
    assert err.body == html
    assert err.code == "INTERNAL_ERROR"
    assert "Bad Gateway" in err.message and "<h1>" in err.message  # the reason plus a snippet of the body
    assert err.details is None


async def test_non_json_error_body_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(1, 403, body="forbidden by proxy", content_type="text/plain")
    async with muxi_fake.client(user_id="u1") as m:
        with pytest.raises(AuthorizationError) as info:
            await m.chat.send_async(message="hi", retries=None)
    assert info.value.body == "forbidden by proxy"
    assert "forbidden by proxy" in info.value.message


def test_empty_error_body(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(1, 409, body=b"")
    with muxi_fake.client(user_id="u1") as m, pytest.raises(ConflictError) as info:
        m.chat.send(message="hi", retries=None)
    assert info.value.message == "Conflict"
    assert info.value.body == ""


def test_success_false_envelope_with_a_2xx_status_is_still_an_error(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(1, 200, body=envelope_error("RATE_LIMITED", "slow down"))
    with muxi_fake.client(user_id="u1") as m, pytest.raises(RateLimitError) as info:
        m.chat.send(message="hi")
    assert info.value.message == "slow down"


# ------------------------------------------------------------------------------------ malformed 2xx


def test_truncated_json_is_a_response_validation_error(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.truncate_next = 1
    with muxi_fake.client(user_id="u1") as m, pytest.raises(ResponseValidationError) as info:
        m.chat.send(message="hi", retries=None)
    err = info.value
    assert err.status_code == 200
    assert err.body and err.body.startswith('{"object":"message"')
    assert isinstance(err.raw_response, httpx.Response)
    assert isinstance(err.cause, ValueError)
    assert "expected JSON" in err.message


async def test_truncated_json_is_a_response_validation_error_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.truncate_next = 1
    async with muxi_fake.client(user_id="u1") as m:
        with pytest.raises(ResponseValidationError):
            await m.chat.send_async(message="hi", retries=None)


def test_wrong_shape_is_a_response_validation_error_with_the_pydantic_cause(muxi_fake: FakeMuxi) -> None:
    body = json.dumps(
        {"object": "message", "request": {"id": "req_shape"}, "success": True, "error": None, "data": {"message": 42}}
    )
    muxi_fake.faults.fail_next(1, 200, body=body)
    with muxi_fake.client(user_id="u1") as m, pytest.raises(ResponseValidationError) as info:
        m.chat.send(message="hi")
    err = info.value
    assert err.status_code == 200
    assert err.request_id == "req_shape"
    assert err.body == body
    assert isinstance(err.cause, pydantic.ValidationError)
    assert "chat_send" in err.message


def test_unknown_fields_are_kept_not_rejected(muxi_fake: FakeMuxi) -> None:
    body = json.dumps(
        {
            "object": "message",
            "request": {"id": "req_x", "idempotency_key": "k"},
            "success": True,
            "error": None,
            "data": {"message": {"role": "assistant", "content": "hey"}, "brand_new": [1]},
            "timestamp": 123,
        }
    )
    muxi_fake.faults.fail_next(1, 200, body=body)
    with muxi_fake.client(user_id="u1") as m:
        reply = m.chat.send(message="hi")
    assert reply.text == "hey"
    assert reply.additional_properties == {"brand_new": [1]}
    meta = reply.response_meta
    assert meta is not None
    assert (meta.request_id, meta.idempotency_key, meta.timestamp, meta.object) == ("req_x", "k", 123, "message")


# ------------------------------------------------------------------------------------ transport


def test_connection_refused_is_a_connection_error_and_an_httpx_transport_error() -> None:
    with Muxi(url=dead_url(), client_key="k", retry_config=None) as m, pytest.raises(ConnectionError) as info:
        m.chat.send(message="hi", user_id="u1")
    err = info.value
    assert isinstance(err, httpx.TransportError) and isinstance(err, MuxiError)
    assert isinstance(err.__cause__, httpx.ConnectError)
    assert err.code == "CONNECTION_ERROR"
    assert err.status_code is None
    assert "ConnectError" in err.message and "/v1/chat" in err.message


async def test_connection_refused_is_a_connection_error_async() -> None:
    async with Muxi(url=dead_url(), client_key="k", retry_config=None) as m:
        with pytest.raises(ConnectionError) as info:
            await m.chat.send_async(message="hi", user_id="u1")
    assert isinstance(info.value.__cause__, httpx.ConnectError)
