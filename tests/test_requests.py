"""m.requests against the fake server: list, get, cancel; client key + user vs admin key; sync and async."""

from __future__ import annotations

import time

import pytest

from muxi_sdk.errors import AuthorizationError, ConfigurationError, NotFoundError, ValidationError
from muxi_sdk.models.requests import RequestCancellation, RequestList, RequestStatus
from muxi_sdk.testing import FakeMuxi


def _running(fake: FakeMuxi, rid: str, user: str, status: str = "processing") -> None:
    fake.state.table("requests")[rid] = {
        "request_id": rid,
        "status": status,
        "session_id": "sess_bg",
        "user_id": user,
        "created_at": time.time(),
    }


def test_list_client_key_sees_own_requests(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as m:
        mine = [m.chat.send(message=f"q{i}", request_id=f"req_a{i}").request_id for i in range(3)]
        m.chat.send(message="other", user_id="bob", request_id="req_b0")
        listed = m.requests.list()
        assert isinstance(listed, RequestList)
        assert listed.count == 3 and [r.request_id for r in listed.requests] == mine
        assert all(r.status == "completed" and r.done and r.user_id == "alice" for r in listed.requests)
        assert listed.response_meta is not None and listed.response_meta.object == "request_list"
        assert listed.response_meta.type == "request.list.retrieved"
        assert [r.request_id for r in m.requests.list(user_id="bob").requests] == ["req_b0"]


def test_list_admin_key_without_user_sees_everyone(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as m:
        m.chat.send(message="a", request_id="req_a")
        m.chat.send(message="b", user_id="bob", request_id="req_b")
    with muxi_fake.client(client_key=None) as admin:
        assert {r.request_id for r in admin.requests.list().requests} == {"req_a", "req_b"}
        assert [r.request_id for r in admin.requests.list(user_id="bob").requests] == ["req_b"]
        assert admin.requests.get(request_id="req_a").user_id == "alice"


def test_client_key_without_user_is_refused_before_sending(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client() as m:
        for call in (
            lambda: m.requests.list(),
            lambda: m.requests.get(request_id="req_x"),
            lambda: m.requests.cancel(request_id="req_x"),
        ):
            with pytest.raises(ConfigurationError, match="user"):
                call()
    assert not muxi_fake.state.requests


async def test_list_async(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client(user_id="alice") as m:
        await m.chat.send_async(message="hi", request_id="req_async")
        listed = await m.requests.list_async()
        assert [r.request_id for r in listed.requests] == ["req_async"]


def test_get_completed_has_result(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as m:
        m.chat.send(message="Route me to the assistant", request_id="req_custom_0001")
        status = m.requests.get(request_id="req_custom_0001")
        assert isinstance(status, RequestStatus)
        assert status.status == "completed" and status.done
        assert status.result == "Echo: Route me to the assistant"
        assert status.created_at and status.completed_at and status.progress is None
        assert status.response_meta is not None and status.response_meta.type == "request.status.retrieved"


def test_get_errors(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as m:
        with pytest.raises(NotFoundError) as info:
            m.requests.get(request_id="req_nope")
        assert info.value.code == "REQUEST_NOT_FOUND" and info.value.status_code == 404
        m.chat.send(message="b", user_id="bob", request_id="req_bob")
        with pytest.raises(AuthorizationError) as denied:
            m.requests.get(request_id="req_bob")
        assert denied.value.status_code == 403


async def test_get_async_running(muxi_fake: FakeMuxi) -> None:
    _running(muxi_fake, "req_bg", "alice")
    async with muxi_fake.client(user_id="alice") as m:
        status = await m.requests.get_async(request_id="req_bg")
        assert status.status == "processing" and not status.done and status.result is None
        with pytest.raises(NotFoundError):
            await m.requests.get_async(request_id="req_nope")


def test_cancel(muxi_fake: FakeMuxi) -> None:
    _running(muxi_fake, "req_bg", "alice")
    _running(muxi_fake, "req_queued", "alice", status="pending")
    with muxi_fake.client(user_id="alice") as m:
        cancelled = m.requests.cancel(request_id="req_bg")
        assert isinstance(cancelled, RequestCancellation)
        assert (cancelled.request_id, cancelled.status) == ("req_bg", "cancelled")
        assert cancelled.cancellation == "cooperative"
        assert cancelled.response_meta is not None and cancelled.response_meta.type == "request.cancelled"
        assert m.requests.get(request_id="req_bg").status == "cancelled"
        assert m.requests.cancel(request_id="req_bg").status == "cancelled"  # again: still fine
        assert m.requests.cancel(request_id="req_queued").cancellation == "immediate"


def test_cancel_errors(muxi_fake: FakeMuxi) -> None:
    _running(muxi_fake, "req_bob", "bob")
    with muxi_fake.client(user_id="alice") as m:
        m.chat.send(message="done already", request_id="req_done")
        with pytest.raises(ValidationError) as finished:
            m.requests.cancel(request_id="req_done")
        assert finished.value.code == "OPERATION_FAILED" and finished.value.status_code == 400
        assert "already completed" in finished.value.message
        with pytest.raises(NotFoundError) as missing:
            m.requests.cancel(request_id="req_nope")
        assert missing.value.code == "NOT_FOUND"
        with pytest.raises(AuthorizationError):
            m.requests.cancel(request_id="req_bob")


async def test_cancel_async(muxi_fake: FakeMuxi) -> None:
    _running(muxi_fake, "req_bg", "alice")
    async with muxi_fake.client(user_id="alice") as m:
        cancelled = await m.requests.cancel_async(request_id="req_bg")
        assert cancelled.status == "cancelled"
        with pytest.raises(NotFoundError):
            await m.requests.cancel_async(request_id="req_nope")
