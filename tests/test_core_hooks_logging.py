"""Hooks (sdk_init, before_request, after_success, after_error) and debug logging that never shows a secret."""

from __future__ import annotations

import contextlib
import io
import logging

import httpx
import pytest

from _helpers import FAST, Probe, dead_url
from muxi_sdk import HookContext, Muxi

# internal: a raw Operation exercises the hooks without a resource in between
from muxi_sdk._core.operation import Operation, RequestInput
from muxi_sdk.errors import AuthenticationError, ConnectionError, MuxiError, ServerError
from muxi_sdk.sdkconfiguration import SDKConfiguration
from muxi_sdk.testing import FakeMuxi

pytestmark = pytest.mark.usefixtures("clean_env")


class Recorder:
    """Implements every request hook and records what it saw."""

    def __init__(self) -> None:
        self.before: list[tuple[HookContext, httpx.Request]] = []
        self.success: list[tuple[HookContext, httpx.Response]] = []
        self.errors: list[tuple[HookContext, httpx.Response | None, Exception | None]] = []

    def before_request(self, ctx: HookContext, request: httpx.Request) -> httpx.Request:
        self.before.append((ctx, request))
        request.headers["X-Hooked"] = f"attempt-{ctx.attempt}"
        return request

    def after_success(self, ctx: HookContext, response: httpx.Response) -> httpx.Response:
        self.success.append((ctx, response))
        return response

    def after_error(
        self, ctx: HookContext, response: httpx.Response | None, error: Exception | None
    ) -> tuple[httpx.Response | None, Exception | None]:
        self.errors.append((ctx, response, error))
        return response, error


# ------------------------------------------------------------------------------------ hooks


def test_before_request_can_add_a_header(muxi_fake: FakeMuxi) -> None:
    rec = Recorder()
    with muxi_fake.client(user_id="u1", hooks=[rec]) as m:
        m.chat.send(message="hi")
    [req] = muxi_fake.state.requests
    assert req.headers["x-hooked"] == "attempt-1"
    [(ctx, _)] = rec.before
    assert ctx.operation_id == "chat_send"
    assert ctx.security_source == "client"
    assert ctx.tags == ("chat",)
    assert ctx.base_url == muxi_fake.url + "/v1"
    assert ctx.config.client_key == muxi_fake.state.client_key


async def test_before_request_can_add_a_header_async(muxi_fake: FakeMuxi) -> None:
    rec = Recorder()
    async with muxi_fake.client(user_id="u1", hooks=[rec]) as m:
        await m.chat.send_async(message="hi")
        async with m.chat.stream_async(message="hi") as events:
            await events.text()
    assert [r.headers["x-hooked"] for r in muxi_fake.state.requests] == ["attempt-1", "attempt-1"]
    assert [ctx.operation_id for ctx, _ in rec.success] == ["chat_send", "chat_stream"]


def test_hooks_see_every_attempt(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(2, 503)
    rec = Recorder()
    with muxi_fake.client(user_id="u1", hooks=[rec]) as m:
        m.chat.send(message="hi", retries=FAST)
    assert [r.headers["x-hooked"] for r in muxi_fake.state.requests] == ["attempt-1", "attempt-2", "attempt-3"]
    assert [ctx.attempt for ctx, _ in rec.before] == [1, 2, 3]
    assert len(rec.success) == 1 and rec.success[0][1].status_code == 200
    assert rec.errors == []  # retried statuses are not reported as errors; only the final outcome is


def test_before_request_returning_an_exception_aborts_before_sending(muxi_fake: FakeMuxi) -> None:
    class Veto:
        def before_request(self, ctx: HookContext, request: httpx.Request) -> Exception:
            return PermissionError("not in business hours")

    with muxi_fake.client(user_id="u1", hooks=[Veto()]) as m, pytest.raises(PermissionError, match="business"):
        m.chat.send(message="hi")
    assert muxi_fake.state.requests == []


def test_after_success_sees_the_response(muxi_fake: FakeMuxi) -> None:
    rec = Recorder()
    with muxi_fake.client(hooks=[rec]) as m:
        m.system.health()
    [(ctx, response)] = rec.success
    assert ctx.operation_id == "system_health"
    assert response.status_code == 200 and response.json()["status"] == "healthy"


def test_after_error_sees_status_errors(muxi_fake: FakeMuxi) -> None:
    rec = Recorder()
    with muxi_fake.client(client_key="wrong", user_id="u1", hooks=[rec]) as m, pytest.raises(AuthenticationError):
        m.chat.send(message="hi")
    [(ctx, response, error)] = rec.errors
    assert ctx.operation_id == "chat_send"
    assert response is not None and response.status_code == 401
    assert isinstance(error, AuthenticationError)
    assert rec.success == []


async def test_after_error_sees_status_errors_async(muxi_fake: FakeMuxi) -> None:
    rec = Recorder()
    muxi_fake.faults.fail_next(1, 500)
    async with muxi_fake.client(user_id="u1", hooks=[rec]) as m:
        with pytest.raises(ServerError):
            await m.chat.send_async(message="hi", retries=None)
    [(_, response, error)] = rec.errors
    assert response is not None and response.status_code == 500 and isinstance(error, ServerError)


def test_after_error_sees_transport_errors(muxi_fake: FakeMuxi) -> None:
    rec = Recorder()
    with Muxi(url=dead_url(), hooks=[rec], retry_config=None) as m, pytest.raises(ConnectionError):
        m.system.health()
    [(ctx, response, error)] = rec.errors
    assert ctx.operation_id == "system_health"
    assert response is None and isinstance(error, httpx.ConnectError)


def test_after_error_can_replace_the_error(muxi_fake: FakeMuxi) -> None:
    class AppError(Exception):
        pass

    class Translate:
        def after_error(
            self, ctx: HookContext, response: httpx.Response | None, error: Exception | None
        ) -> tuple[httpx.Response | None, Exception | None]:
            return response, AppError(f"muxi said {getattr(error, 'status_code', None)}")

    muxi_fake.faults.fail_next(1, 404)
    with muxi_fake.client(user_id="u1", hooks=[Translate()]) as m, pytest.raises(AppError, match="muxi said 404"):
        m.chat.send(message="hi")


def test_after_error_can_recover_a_transport_error_with_a_response() -> None:
    class Fallback:
        def after_error(
            self, ctx: HookContext, response: httpx.Response | None, error: Exception | None
        ) -> tuple[httpx.Response | None, Exception | None]:
            return httpx.Response(200, json={"status": "healthy", "version": "cached"}), None

    with Muxi(url=dead_url(), hooks=[Fallback()], retry_config=None) as m:
        health = m.system.health()
    assert health.version == "cached"


def test_sdk_init_can_change_the_configuration(muxi_fake: FakeMuxi) -> None:
    class Init:
        def sdk_init(self, config: SDKConfiguration) -> SDKConfiguration:
            return config.with_changes(user_id="from-init-hook")

    with muxi_fake.client(hooks=[Init()]) as m:
        m.chat.send(message="hi")
    assert muxi_fake.state.requests[0].headers["x-muxi-user-id"] == "from-init-hook"


def test_hooks_registered_later_run_too(muxi_fake: FakeMuxi) -> None:
    rec = Recorder()
    with muxi_fake.client() as m:
        m.system.health()
        m.hooks.register(rec)
        m.system.health()
    assert len(rec.before) == 1
    assert [r.headers.get("x-hooked") for r in muxi_fake.state.requests] == [None, "attempt-1"]


def test_an_object_without_hook_methods_is_rejected() -> None:
    with pytest.raises(TypeError, match="no hook"):
        Muxi(hooks=[object()])


# ------------------------------------------------------------------------------------ debug logging


@pytest.fixture
def debug_log() -> tuple[logging.Logger, io.StringIO]:
    buffer = io.StringIO()
    logger = logging.getLogger(f"test_core_debug_{id(buffer)}")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    return logger, buffer


def test_debug_log_has_method_url_status_and_no_key(
    muxi_fake: FakeMuxi, debug_log: tuple[logging.Logger, io.StringIO]
) -> None:
    logger, buffer = debug_log
    s = muxi_fake.state
    signatures: list[str] = []

    class GrabAuth:
        def before_request(self, ctx: HookContext, request: httpx.Request) -> httpx.Request:
            if "authorization" in request.headers:
                signatures.append(request.headers["authorization"].rsplit("signature=", 1)[-1])
            return request

    muxi_fake.faults.fail_next(1, 503)
    with muxi_fake.client(
        user_id="u1", debug_logger=logger, hooks=[GrabAuth()], server_url=muxi_fake.url
    ) as m:
        m.chat.send(message="hello", retries=FAST)
        with m.chat.stream(message="streamed") as events:
            events.text()
        m.system.health()
        probe = Probe(m.sdk_configuration)
        probe.run(Operation("admin_probe", "GET", "/health", "admin", dict, envelope=False))
        probe.run(
            Operation("query_probe", "GET", "/health", "none", dict, envelope=False),
            RequestInput(query={"api_key": "query-secret-value", "limit": 5}),
        )
        with contextlib.suppress(MuxiError):  # whatever the route answers, the signed request was logged
            probe.run(Operation("hmac_probe", "GET", "/rpc/things", "hmac", dict, api="server"), retries=None)
    with muxi_fake.client(client_key="wrong-but-still-secret", user_id="u1", debug_logger=logger) as m:
        with pytest.raises(AuthenticationError):
            m.chat.send(message="hi")
    out = buffer.getvalue()
    # It logs what it should ...
    assert f"POST {muxi_fake.url}/v1/chat attempt=1" in out
    assert "attempt=2" in out and "retrying chat_send" in out
    assert f"POST {muxi_fake.url}/v1/chat -> 200" in out
    assert f"GET {muxi_fake.url}/v1/health -> 200" in out
    assert "-> 401" in out and "GET " + muxi_fake.url + "/rpc/things attempt=1" in out
    assert "[REDACTED]" in out and "limit=5" in out
    # ... and never a secret.
    assert signatures and signatures[0] not in out
    for secret in (
        s.client_key,
        s.admin_key,
        s.secret_key,
        "query-secret-value",
        "wrong-but-still-secret",
        *signatures,
    ):
        assert secret not in out, f"{secret!r} leaked into the debug log"


async def test_debug_log_has_no_key_async(muxi_fake: FakeMuxi, debug_log: tuple[logging.Logger, io.StringIO]) -> None:
    logger, buffer = debug_log
    async with muxi_fake.client(user_id="u1", debug_logger=logger) as m:
        await m.chat.send_async(message="hello")
        async with m.chat.stream_async(message="hello") as events:
            await events.text()
    out = buffer.getvalue()
    assert out.count(f"POST {muxi_fake.url}/v1/chat -> 200") == 2
    assert muxi_fake.state.client_key not in out and muxi_fake.state.admin_key not in out


def test_url_credentials_are_refused_without_echoing_them(debug_log: tuple[logging.Logger, io.StringIO]) -> None:
    # New rule (issue 13, item 5): user:password@ in a URL is a ConfigurationError at construction, since
    # httpx itself would log the full URL at INFO on every call.
    logger, buffer = debug_log
    url = dead_url().replace("http://", "http://user:url-password@")
    with pytest.raises(MuxiError) as info:
        Muxi(url=url, debug_logger=logger, retry_config=None)
    assert "url-password" not in str(info.value)
    assert "url-password" not in buffer.getvalue()


def test_muxi_debug_env_logs_to_the_muxi_sdk_logger(
    muxi_fake: FakeMuxi, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("MUXI_DEBUG", "1")
    with caplog.at_level(logging.DEBUG, logger="muxi_sdk"), muxi_fake.client(user_id="u1") as m:
        m.chat.send(message="hi")
    lines = [r.getMessage() for r in caplog.records if r.name == "muxi_sdk"]
    assert any("/v1/chat -> 200" in line for line in lines)
    text = "\n".join(lines)
    assert muxi_fake.state.client_key not in text and muxi_fake.state.admin_key not in text


def test_no_debug_logging_by_default(muxi_fake: FakeMuxi, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG), muxi_fake.client(user_id="u1") as m:
        m.chat.send(message="hi")
    assert [r for r in caplog.records if r.name.startswith("muxi_sdk")] == []


def test_after_success_rejecting_a_stream_releases_its_connection(muxi_fake: FakeMuxi) -> None:
    class RejectStreams:
        def after_success(self, ctx: HookContext, response: httpx.Response) -> httpx.Response | Exception:
            return RuntimeError("rejected by hook") if ctx.operation_id == "chat_stream" else response

    client = httpx.Client(limits=httpx.Limits(max_connections=1), timeout=httpx.Timeout(5.0, pool=0.5))
    with muxi_fake.client(user_id="u1", client=client, hooks=[RejectStreams()], retry_config=None) as m:
        with pytest.raises(RuntimeError, match="rejected by hook"):
            m.chat.stream(message="hi")
        assert m.system.health().healthy  # a pool timeout if the stream's response were left open
    client.close()


async def test_after_success_rejecting_a_stream_releases_its_connection_async(muxi_fake: FakeMuxi) -> None:
    class RejectStreams:
        def after_success(self, ctx: HookContext, response: httpx.Response) -> httpx.Response | Exception:
            return RuntimeError("rejected by hook") if ctx.operation_id == "chat_stream" else response

    client = httpx.AsyncClient(limits=httpx.Limits(max_connections=1), timeout=httpx.Timeout(5.0, pool=0.5))
    async with muxi_fake.client(user_id="u1", async_client=client, hooks=[RejectStreams()], retry_config=None) as m:
        with pytest.raises(RuntimeError, match="rejected by hook"):
            async with m.chat.stream_async(message="hi"):
                pass
        assert (await m.system.health_async()).healthy
    await client.aclose()
