"""m.triggers against the fake server: list, get, fire (sync and async modes), idempotency, errors."""

from __future__ import annotations

import json
import time

import pytest

from muxi_sdk import errors
from muxi_sdk.models.triggers import TriggerResult
from muxi_sdk.testing import FakeMuxi
from muxi_sdk.testing.idempotency import executions_for

ISSUE = {"repository": "muxi/demo", "issue": {"number": 42, "title": "Crash on start"}}


def _last_fire(fake: FakeMuxi) -> tuple[dict[str, str], dict[str, object]]:
    req = [r for r in fake.state.requests if r.path.startswith("/v1/triggers/") and r.method == "POST"][-1]
    return req.headers, json.loads(req.body)


def _wait_for(predicate: object, timeout: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.01)


def test_list_and_get(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client() as m:
        listed = m.triggers.list()
        assert (listed.formation_id, listed.triggers, listed.count) == ("fake-formation", ["github-issue"], 1)
        trigger = m.triggers.get(name="github-issue")
        assert trigger.data_fields == ["issue.number", "issue.title", "repository"]
        assert trigger.content.startswith("New GitHub issue #${{ data.issue.number }}")
        muxi_fake.state.table("triggers")["ping"] = "Ping!"
        assert m.triggers.list().triggers == ["github-issue", "ping"]
        assert m.triggers.get(name="ping").data_fields is None


def test_fire_sync_returns_the_reply(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as m:
        result = m.triggers.fire(name="github-issue", data=ISSUE, use_async=False)
        assert isinstance(result, TriggerResult) and not result.in_background
        assert result.status == "completed"
        assert result.text.startswith("Echo: New GitHub issue #42 in muxi/demo: Crash on start")
        assert result.request_id and result.request_id == result.response_meta.request_id  # type: ignore[union-attr]
        headers, body = _last_fire(muxi_fake)
        assert body == {"data": ISSUE, "use_async": False}  # the {"data": ...} wrapper the runtime requires
        assert headers["x-muxi-user-id"] == "alice" and "x-muxi-client-key" in headers
        assert headers["x-muxi-idempotency-key"]
        assert muxi_fake.state.table("requests")[result.request_id]["status"] == "completed"


def test_fire_async_by_default_returns_the_request_id(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as m:
        result = m.triggers.fire(name="github-issue", data=ISSUE, session_id="sess_t1")
        assert result.in_background and result.status == "processing" and result.content is None
        assert result.request_id and result.request_id.startswith("req_")
        assert _last_fire(muxi_fake)[1] == {"data": ISSUE, "session_id": "sess_t1", "use_async": True}
        requests = muxi_fake.state.table("requests")
        _wait_for(lambda: requests[result.request_id]["status"] == "completed")
        session = muxi_fake.state.table("sessions")["sess_t1"]
        assert session["messages"][0]["content"].startswith("New GitHub issue #42")


def test_frontmatter_webhook_gets_the_result(muxi_fake: FakeMuxi) -> None:
    delivered: list[tuple[str, dict[str, object]]] = []
    muxi_fake.state.tables["webhook_deliverer"] = lambda url, payload: delivered.append((url, payload))
    muxi_fake.state.table("triggers")["deploy"] = (
        "---\nwebhook: https://hooks.example.com/muxi\n---\nDeploy ${{ data.service }} please"
    )
    with muxi_fake.client(user_id="u1") as m:
        result = m.triggers.fire(name="deploy", data={"service": "api"})
        _wait_for(lambda: delivered)
        url, payload = delivered[0]
        assert url == "https://hooks.example.com/muxi"
        assert payload["id"] == result.request_id and payload["status"] == "completed"
        assert payload["response"] == [{"type": "text", "text": "Echo: Deploy api please"}]


def test_idempotency_key_replays(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="u1") as m:
        first = m.triggers.fire(name="github-issue", data=ISSUE, use_async=False, idempotency_key="trig-1")
        again = m.triggers.fire(name="github-issue", data=ISSUE, use_async=False, idempotency_key="trig-1")
        assert again.request_id == first.request_id
        assert again.response_meta is not None and again.response_meta.idempotency_key == "trig-1"
        assert executions_for(muxi_fake.state, "trig-1") == 1


def test_errors_are_typed(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="u1") as m:
        with pytest.raises(errors.ValidationError) as bad_data:
            m.triggers.fire(name="github-issue", data={"repository": "muxi/demo"}, use_async=False)
        assert bad_data.value.status_code == 400
        assert bad_data.value.message == (
            "Template rendering failed: Data key 'data.issue.number' not found. Available keys: ['repository']"
        )
        with pytest.raises(errors.NotFoundError) as missing:
            m.triggers.get(name="nope")
        assert (missing.value.code, missing.value.message) == ("TRIGGER_NOT_FOUND", "Trigger 'nope' not found")
        with pytest.raises(errors.NotFoundError):
            m.triggers.fire(name="nope", data={})
    with muxi_fake.client(client_key=None) as admin_only:
        with pytest.raises(errors.ConfigurationError):
            admin_only.triggers.list()


def test_validation_before_sending(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client() as m:
        sent = len(muxi_fake.state.requests)
        for call in (
            lambda: m.triggers.get(name="../secrets"),
            lambda: m.triggers.get(name="has space"),
            lambda: m.triggers.fire(name="github-issue", data=["not", "a", "dict"]),  # type: ignore[arg-type]
            lambda: m.triggers.fire(name="github-issue", data=ISSUE, use_async="yes"),  # type: ignore[arg-type]
            lambda: m.triggers.fire(name="github-issue", data=ISSUE, colour="red"),  # type: ignore[call-arg]
        ):
            with pytest.raises(errors.InvalidInputError):
                call()
        assert len(muxi_fake.state.requests) == sent


def test_fake_server_answers_like_the_runtime(muxi_fake: FakeMuxi) -> None:
    import httpx

    headers = {"X-Muxi-Client-Key": muxi_fake.state.client_key}
    with httpx.Client(base_url=muxi_fake.formation_url, headers=headers) as http:
        bare = http.post("/triggers/github-issue", json=ISSUE)  # what the official SDK sends
        assert bare.status_code == 422
        assert bare.json()["error"] == {
            "code": "INVALID_PARAMS",
            "message": "Validation failed: 1 error(s)",
            "data": {
                "validation_errors": [{"field": "data", "msg": "Field required", "type": "string", "error": "missing"}]
            },
        }
        default = http.post("/triggers/github-issue", json={"data": ISSUE}).json()
        assert (default["object"], default["type"], default["data"]) == (
            "request",
            "request.processing",
            {"status": "processing"},
        )
        bad_name = http.get("/triggers/bad.name")
        assert bad_name.status_code == 400
        admin = http.get("/triggers", headers={"X-Muxi-Client-Key": "", "X-Muxi-Admin-Key": muxi_fake.state.admin_key})
        assert admin.status_code == 401


async def test_async_twins(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client(user_id="dave") as m:
        assert (await m.triggers.list_async()).count == 1
        assert (await m.triggers.get_async(name="github-issue")).name == "github-issue"
        done = await m.triggers.fire_async(name="github-issue", data=ISSUE, use_async=False)
        assert done.status == "completed" and done.text.startswith("Echo: New GitHub issue #42")
        queued = await m.triggers.fire_async(name="github-issue", data=ISSUE)
        assert queued.in_background and queued.request_id
        with pytest.raises(errors.ValidationError):
            await m.triggers.fire_async(name="github-issue", data={}, use_async=False)
