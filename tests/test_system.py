"""`m.system`: health, status and configuration views, SOPs, audit log and the live log stream, sync and
async, against the fake MUXI server (shapes from the real runtime's transcript)."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from muxi_sdk import Muxi
from muxi_sdk.errors import (
    AuthenticationError,
    ConfigurationError,
    InvalidInputError,
    NotFoundError,
    StreamError,
    ValidationError,
)
from muxi_sdk.models.chat import UnknownEvent
from muxi_sdk.models.system import (
    AuditLog,
    FormationConfig,
    FormationConfigSummary,
    FormationStatus,
    LogEvent,
    OverlordConfig,
    Sop,
    SopList,
)
from muxi_sdk.system import LogStream, LogStreamAsync
from muxi_sdk.testing import FakeMuxi
from muxi_sdk.testing.routes import _formation as fake
from muxi_sdk.testing.routes import system as fake_system

pytestmark = pytest.mark.usefixtures("clean_env")


def _last(muxi_fake: FakeMuxi) -> tuple[str, str, dict[str, str]]:
    r = muxi_fake.state.requests[-1]
    return r.method, r.path, r.headers


# ------------------------------------------------------------------------------------------ views


def test_health_is_public(muxi_fake: FakeMuxi) -> None:
    with Muxi(url=muxi_fake.url) as m:
        health = m.system.health()
    assert health.healthy and health.version == "1.0.0"
    _, path, headers = _last(muxi_fake)
    assert path == "/v1/health" and "x-muxi-admin-key" not in headers


async def test_health_async(m: Muxi) -> None:
    assert (await m.system.health_async()).status == "healthy"


def test_status(m: Muxi, muxi_fake: FakeMuxi) -> None:
    status = m.system.status()
    assert isinstance(status, FormationStatus)
    assert status.formation.id == muxi_fake.state.formation_id
    assert status.agents.count == 1 and status.mcp_servers.count == 1
    assert status.stats.running is not None and status.stats.running.seconds is not None
    assert status.response_meta is not None and status.response_meta.type == "formation.status.retrieved"
    method, path, headers = _last(muxi_fake)
    assert (method, path) == ("GET", "/v1/status")
    assert headers["x-muxi-admin-key"] == muxi_fake.state.admin_key and "x-muxi-client-key" not in headers


async def test_status_async(m: Muxi) -> None:
    assert (await m.system.status_async()).agents.active == 1


def test_config_is_the_summary(m: Muxi) -> None:
    summary = m.system.config()
    assert isinstance(summary, FormationConfigSummary)
    assert summary.agents is not None and summary.agents.resource == "/v1/agents" and summary.agents.total == 1
    assert summary.async_ is not None and summary.async_.resource == "/v1/async"
    assert summary.mcp is not None and summary.mcp.default_retry_attempts == 3
    assert summary.response_meta is not None and summary.response_meta.object == "formation_config"


async def test_config_counts_secrets_async(m: Muxi) -> None:
    m.secrets.set(key="api-token", value="t0ps3cr3t-value")
    summary = await m.system.config_async()
    assert summary.secrets is not None and summary.secrets.total == 1


def test_formation_is_the_full_config(m: Muxi, muxi_fake: FakeMuxi) -> None:
    full = m.system.formation()
    assert isinstance(full, FormationConfig)
    assert full.id == full.formation_id == muxi_fake.state.formation_id
    assert full.schema_version == "1.0.0"
    assert [a.id for a in full.agents] == ["assistant"]
    assert full.server is not None and "••••" in full.server["api_keys"]["admin_key"]
    assert full.mcp is not None and full.mcp["servers"][0]["id"] == "web-search"


async def test_formation_async(m: Muxi) -> None:
    assert (await m.system.formation_async()).llm is not None


def test_overlord_defaults_and_soul(m: Muxi, muxi_fake: FakeMuxi) -> None:
    overlord = m.system.overlord()
    assert isinstance(overlord, OverlordConfig)
    assert overlord.soul == "" and overlord.caching.ttl == 3600 and overlord.workflow.max_parallel_tasks == 5
    assert m.system.overlord_soul().soul == ""
    fake.config(muxi_fake.state)["overlord"] = {"soul": "You are terse."}
    assert m.system.overlord_soul().soul == "You are terse."
    assert m.system.overlord().soul == "You are terse."


async def test_overlord_async(m: Muxi) -> None:
    assert (await m.system.overlord_async()).response.format == "markdown"
    assert (await m.system.overlord_soul_async()).soul == ""


def test_llm_settings(m: Muxi) -> None:
    llm = m.system.llm_settings()
    assert llm.api_keys["openai"].startswith("sk-") and "••" in llm.api_keys["openai"]
    assert {"text": "openai/fake-chat"} in llm.models and llm.settings["max_tokens"] == 512


async def test_llm_settings_async(m: Muxi) -> None:
    assert (await m.system.llm_settings_async()).settings["temperature"] == 0.2


def test_logging_config_and_destinations(m: Muxi, muxi_fake: FakeMuxi) -> None:
    assert m.system.logging_config().system == {"level": "info"}
    dest = m.system.logging_destinations()
    assert dest.system.level == "info" and dest.system.destination == "stdout" and dest.conversation.count == 0
    fake.config(muxi_fake.state)["logging"]["conversation"] = {
        "streams": [{"transport": "file", "destination": "/var/log/muxi.jsonl"}]
    }
    (only,) = m.system.logging_destinations().conversation.destinations
    assert only.id == "dest-0" and only.transport == "file" and only.level == "INFO" and only.enabled


async def test_logging_async(m: Muxi) -> None:
    assert (await m.system.logging_config_async()).redaction == {"entities": False}
    assert (await m.system.logging_destinations_async()).conversation.destinations == []


def test_a2a_and_async_config(m: Muxi, muxi_fake: FakeMuxi) -> None:
    # Not configured: the runtime answers an empty object.
    assert m.system.a2a_config().model_dump(exclude_none=True) == {}
    assert m.system.background_config().threshold_seconds is None
    fake.config(muxi_fake.state)["async"] = {"threshold_seconds": 30, "webhook_url": "https://example.com/hook"}
    fake.config(muxi_fake.state)["a2a"] = {"server": {"enabled": True}, "registries": ["https://reg"]}
    cfg = m.system.background_config()
    assert cfg.threshold_seconds == 30 and cfg.webhook_url == "https://example.com/hook"
    a2a = m.system.a2a_config()
    assert a2a.server == {"enabled": True} and a2a.additional_properties == {"registries": ["https://reg"]}


async def test_a2a_and_async_config_async(m: Muxi) -> None:
    assert (await m.system.a2a_config_async()).response_meta is not None
    assert (await m.system.background_config_async()).webhook_url is None


# ------------------------------------------------------------------------------------------ auth


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.status(),
        lambda s: s.config(),
        lambda s: s.formation(),
        lambda s: s.overlord(),
        lambda s: s.overlord_soul(),
        lambda s: s.llm_settings(),
        lambda s: s.logging_config(),
        lambda s: s.logging_destinations(),
        lambda s: s.a2a_config(),
        lambda s: s.background_config(),
        lambda s: s.audit_log(),
        lambda s: s.clear_audit_log(),
        lambda s: s.stream_logs(level="info"),
    ],
)
def test_admin_operations_need_an_admin_key_before_sending(muxi_fake: FakeMuxi, call: object) -> None:
    with Muxi(url=muxi_fake.url, client_key=muxi_fake.state.client_key) as m:
        with pytest.raises(ConfigurationError, match="admin key"):
            call(m.system)  # type: ignore[operator]
    assert muxi_fake.state.requests == []


async def test_admin_key_required_async(muxi_fake: FakeMuxi) -> None:
    async with Muxi(url=muxi_fake.url, client_key=muxi_fake.state.client_key) as m:
        with pytest.raises(ConfigurationError):
            await m.system.status_async()
        with pytest.raises(ConfigurationError):
            async with m.system.stream_logs_async(level="info"):
                pass
    assert muxi_fake.state.requests == []


def test_wrong_admin_key_is_the_runtime_401(muxi_fake: FakeMuxi) -> None:
    with Muxi(url=muxi_fake.url, admin_key="wrong") as m, pytest.raises(AuthenticationError) as info:
        m.system.status()
    assert info.value.message == "Invalid admin API key. Please check your 'X-Muxi-Admin-Key' header value."


# ------------------------------------------------------------------------------------------ SOPs (client key)


def test_sops_use_the_client_key(muxi_fake: FakeMuxi) -> None:
    with Muxi(url=muxi_fake.url, client_key=muxi_fake.state.client_key) as m:
        sops = m.system.sops.list()
        assert isinstance(sops, SopList) and sops.count == 1
        (summary,) = sops.sops
        assert summary.name == "incident-response" and summary.steps == 3 and summary.agents_used == ["assistant"]
        sop = m.system.sops.get(name="incident-response")
    assert isinstance(sop, Sop) and sop.title == "Incident response" and sop.content.startswith("# Incident")
    assert sop.metadata["type"] == "template" and sop.references is None
    _, path, headers = _last(muxi_fake)
    assert path == "/v1/sops/incident-response" and "x-muxi-client-key" in headers
    assert "x-muxi-admin-key" not in headers


async def test_sops_async(m: Muxi) -> None:
    assert (await m.system.sops.list_async()).count == 1
    assert (await m.system.sops.get_async(name="incident-response")).type == "template"


def test_sop_errors(m: Muxi, muxi_fake: FakeMuxi) -> None:
    with pytest.raises(NotFoundError) as info:
        m.system.sops.get(name="nope")
    assert info.value.code == "SOP_NOT_FOUND" and info.value.message == "SOP 'nope' not found"
    with pytest.raises(InvalidInputError):
        m.system.sops.get(name="../etc")
    with pytest.raises(InvalidInputError):
        m.system.sops.get(name="")
    # The server's own check, reached without the SDK.
    r = httpx.get(f"{muxi_fake.url}/v1/sops/a.b", headers={"X-Muxi-Client-Key": muxi_fake.state.client_key})
    assert r.status_code == 400 and r.json()["error"]["code"] == "INVALID_REQUEST"


# ------------------------------------------------------------------------------------------ audit


def test_audit_records_admin_changes_most_recent_first(m: Muxi) -> None:
    assert m.system.audit_log().entries == []
    m.secrets.set(key="audit-me", value="v1")
    m.secrets.set(key="audit-me", value="v2")
    m.secrets.delete(key="audit-me")
    log = m.system.audit_log()
    assert isinstance(log, AuditLog) and log.limit == 100 and log.total_entries == 3
    assert [e.action for e in log.entries] == ["secret.deleted", "secret.updated", "secret.created"]
    first = log.entries[-1]
    assert first.resource_type == "secret" and first.resource_id == "AUDIT_ME" and first.status_code == 201
    assert first.user == "admin" and first.result == "success"
    assert [e.action for e in m.system.audit_log(action="secret.created").entries] == ["secret.created"]
    assert len(m.system.audit_log(limit=1).entries) == 1
    assert m.system.audit_log(resource_type="agent").entries == []
    future = datetime.now(timezone.utc) + timedelta(hours=1)
    assert m.system.audit_log(since=future).entries == []
    assert len(m.system.audit_log(since="2000-01-01T00:00:00Z").entries) == 3


def test_audit_argument_checks(m: Muxi, muxi_fake: FakeMuxi) -> None:
    for bad in (0, 1001, "5", True):
        with pytest.raises(InvalidInputError):
            m.system.audit_log(limit=bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError):
        m.system.audit_log(since=12345)  # type: ignore[arg-type]
    assert muxi_fake.state.requests == []
    with pytest.raises(ValidationError) as info:
        m.system.audit_log(resource_type="bogus")
    assert info.value.status_code == 422 and info.value.code == "INVALID_PARAMS"
    with pytest.raises(ValidationError) as info:
        m.system.audit_log(since="yesterday")
    assert info.value.code == "INVALID_PARAMETER" and "Invalid timestamp format" in info.value.message


def test_clear_audit_log(m: Muxi, muxi_fake: FakeMuxi) -> None:
    m.secrets.set(key="one", value="1")
    m.secrets.set(key="two", value="2")
    cleared = m.system.clear_audit_log()
    assert cleared.previous_entries_count == 2 and cleared.cleared_by == "admin"
    assert cleared.message == "Audit log cleared (2 entries removed)"
    assert cleared.response_meta is not None and cleared.response_meta.type == "audit.cleared"
    (only,) = m.system.audit_log().entries
    assert only.action == "audit.cleared" and only.data == {"previous_entries_count": 2}
    # Without the confirmation the server refuses (the SDK always sends it).
    r = httpx.delete(f"{muxi_fake.url}/v1/audit", headers={"X-Muxi-Admin-Key": muxi_fake.state.admin_key})
    assert r.status_code == 400
    assert r.json()["error"]["message"] == "Confirmation required: add ?confirm=clear-audit-log to delete"


async def test_audit_async(m: Muxi) -> None:
    await m.secrets.set_async(key="a", value="1")
    assert (await m.system.audit_log_async()).total_entries == 1
    assert (await m.system.clear_audit_log_async()).previous_entries_count == 1


# ------------------------------------------------------------------------------------------ log stream


def test_stream_logs_yields_typed_events(m: Muxi, muxi_fake: FakeMuxi) -> None:
    with m.system.stream_logs(level="info") as logs:
        assert isinstance(logs, LogStream)
        first = next(logs)
        second = next(logs)
    assert isinstance(first, LogEvent) and first.type == "log" and first.event_type == "formation.loaded"
    assert second.agent_id == "assistant" and second.level == "info"
    assert logs.closed
    _, path, headers = _last(muxi_fake)
    assert path == "/v1/logs" and headers["accept"] == "text/event-stream"
    assert "x-muxi-user-id" not in headers


def test_stream_logs_follows_new_events_and_filters(m: Muxi, muxi_fake: FakeMuxi) -> None:
    def later() -> None:
        time.sleep(0.2)
        fake.emit_log(muxi_fake.state, "debug", "chat.token", "too low", user_id="alice")
        fake.emit_log(muxi_fake.state, "error", "chat.failed", "wrong user", user_id="bob")
        fake.emit_log(muxi_fake.state, "error", "chat.failed", "boom", user_id="alice", session_id="s1")

    threading.Thread(target=later).start()
    with m.system.stream_logs(user_id="alice", level="warning", event_type="chat.*") as logs:
        event = next(logs)
    assert isinstance(event, LogEvent)
    assert (event.message, event.user_id, event.session_id, event.level) == ("boom", "alice", "s1", "error")


def test_stream_logs_error_frame_raises(m: Muxi, muxi_fake: FakeMuxi) -> None:
    fake.emit_log_error(muxi_fake.state, "Observability manager does not support live streaming")
    with pytest.raises(StreamError) as info, m.system.stream_logs(level="debug") as logs:
        list(logs)
    assert info.value.message == "Observability manager does not support live streaming"
    assert info.value.details == {"error": True, "message": "Observability manager does not support live streaming"}


def test_stream_logs_unknown_frames_are_kept() -> None:
    from httpx_sse import ServerSentEvent

    from muxi_sdk._streams.logs import decode_log_event  # internal: the decoder's unit test

    event = decode_log_event(ServerSentEvent(event="metrics", data='{"cpu": 3}'))
    assert isinstance(event, UnknownEvent) and event.event == "metrics" and event.data == {"cpu": 3}
    assert decode_log_event(ServerSentEvent(event="log", data="")) is None
    odd = decode_log_event(ServerSentEvent(event="log", data='{"level": {"nested": 1}}'))
    assert isinstance(odd, UnknownEvent) and odd.type == "log"


def test_stream_logs_needs_a_filter(m: Muxi, muxi_fake: FakeMuxi) -> None:
    with pytest.raises(InvalidInputError, match="at least one filter"):
        m.system.stream_logs()
    assert muxi_fake.state.requests == []
    r = httpx.get(f"{muxi_fake.url}/v1/logs", headers={"X-Muxi-Admin-Key": muxi_fake.state.admin_key})
    assert r.status_code == 400 and r.json()["error"]["code"] == "INVALID_REQUEST"
    assert r.json()["error"]["message"].startswith("At least one filter parameter is required")


async def test_stream_logs_async_context(m: Muxi) -> None:
    async with m.system.stream_logs_async(agent_id="assistant") as logs:
        assert isinstance(logs, LogStreamAsync)
        async for event in logs:
            assert isinstance(event, LogEvent) and event.event_type == "agent.registered"
            break
    assert logs.closed


async def test_stream_logs_async_awaited(m: Muxi, muxi_fake: FakeMuxi) -> None:
    fake.emit_log_error(muxi_fake.state, "Streaming error occurred")
    logs = await m.system.stream_logs_async(event_type="formation.*")
    events = []
    with pytest.raises(StreamError, match="Streaming error occurred"):
        async for event in logs:
            events.append(event)
    assert [e.event_type for e in events] == ["formation.loaded"] and logs.closed


def test_fake_log_stream_ends_when_idle(m: Muxi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fake_system, "LOG_STREAM_IDLE_S", 0.1)
    with m.system.stream_logs(level="error") as logs:
        assert list(logs) == []
