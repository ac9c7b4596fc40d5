"""Live: the SDK's typed errors for what the real runtime answers (401, 404, 422, 501), sync and async."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from muxi_sdk import Muxi
from muxi_sdk.errors import AuthenticationError, InvalidInputError, NotFoundError, ValidationError

pytestmark = pytest.mark.live

INVALID_CLIENT = "Invalid client API key. Please check your 'X-Muxi-Client-Key' header value."
INVALID_ADMIN = "Invalid admin API key. Please check your 'X-Muxi-Admin-Key' header value."
CLIENT_REQUIRED = "A valid client API key is required. Please provide the 'X-Muxi-Client-Key' header."
ADMIN_REQUIRED = "A valid admin API key is required. Please provide the 'X-Muxi-Admin-Key' header."


class DropBodyField:
    """A `before_request` hook that removes one field from the JSON body the SDK built.

    The SDK validates `message` before sending (an empty or missing message is an `InvalidInputError`
    locally), so the only honest way to see the *server's* 422 through the SDK's request path is to
    alter the request after the SDK built it; everything after (send, status, envelope, error mapping)
    is the SDK's own code.
    """

    def __init__(self, field: str) -> None:
        self.field = field

    def before_request(self, hook_ctx: Any, request: httpx.Request) -> httpx.Request:
        body = json.loads(request.read())
        body.pop(self.field, None)
        headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
        return httpx.Request(request.method, request.url, headers=headers, json=body, extensions=request.extensions)


def assert_envelope_error(err: Any, status: int, code: str) -> None:
    assert err.status_code == status
    assert err.code == code
    assert err.request_id and err.request_id.startswith("req_")
    body = json.loads(err.body)
    assert list(body) == ["object", "timestamp", "type", "request", "success", "error", "data"]
    assert body["success"] is False and body["object"] == "error"


# ------------------------------------------------------------------------------------------ 401
def test_wrong_client_key(make_muxi: Callable[..., Muxi]) -> None:
    m = make_muxi(client_key="wrong", user_id="alice")
    with pytest.raises(AuthenticationError) as info:
        m.chat.send(message="hi")
    assert_envelope_error(info.value, 401, "UNAUTHORIZED")
    assert info.value.message == INVALID_CLIENT
    assert info.value.attempts == 1  # 401 is never retried


def test_wrong_client_key_stream(make_muxi: Callable[..., Muxi]) -> None:
    # A stream that fails before its first frame raises the typed error (the official SDK yields nothing).
    m = make_muxi(client_key="wrong", user_id="alice")
    with pytest.raises(AuthenticationError) as info:
        m.chat.stream(message="hi")
    assert info.value.message == INVALID_CLIENT


async def test_wrong_client_key_async(make_muxi_async: Callable[..., Muxi]) -> None:
    m = make_muxi_async(client_key="wrong", user_id="alice")
    with pytest.raises(AuthenticationError) as info:
        await m.chat.send_async(message="hi")
    assert info.value.message == INVALID_CLIENT
    with pytest.raises(AuthenticationError):
        async with m.chat.stream_async(message="hi"):
            pass


# ------------------------------------------------------------------------------------------ 404
def test_proxy_path_on_a_bare_formation_is_404(make_muxi: Callable[..., Muxi]) -> None:
    # A formation reached directly has no MUXI-server proxy: /api/{id}/v1/... is not a route there.
    url = make_muxi().sdk_configuration.url
    m = make_muxi(url=None, server_url=url, formation_id="real-formation")
    with pytest.raises(NotFoundError) as info:
        m.system.health()
    assert_envelope_error(info.value, 404, "RESOURCE_NOT_FOUND")
    assert info.value.message == "Not Found"


async def test_404_async(make_muxi_async: Callable[..., Muxi]) -> None:
    url = make_muxi_async().sdk_configuration.url
    m = make_muxi_async(url=None, server_url=url, formation_id="real-formation")
    with pytest.raises(NotFoundError):
        await m.system.health_async()


# ------------------------------------------------------------------------------------------ 422
def test_missing_message_is_caught_before_sending(muxi: Muxi) -> None:
    with pytest.raises(InvalidInputError):
        muxi.chat.send(message="")


def test_server_validation_error(make_muxi: Callable[..., Muxi]) -> None:
    m = make_muxi(user_id="alice", hooks=[DropBodyField("message")])
    with pytest.raises(ValidationError) as info:
        m.chat.send(message="this field is removed on the way out")
    err = info.value
    assert_envelope_error(err, 422, "INVALID_PARAMS")
    assert err.message == "Validation failed: 1 error(s)"
    assert err.field_errors == [{"field": "message", "msg": "Field required", "type": "string", "error": "missing"}]
    assert json.loads(err.body)["type"] == "error.validation"


async def test_server_validation_error_async(make_muxi_async: Callable[..., Muxi]) -> None:
    m = make_muxi_async(user_id="alice", hooks=[DropBodyField("message")])
    with pytest.raises(ValidationError) as info:
        await m.chat.send_async(message="removed")
    assert info.value.field_errors[0]["field"] == "message"
