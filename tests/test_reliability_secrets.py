"""Secrets never leak: client key, admin key, HMAC secret and signatures, webhook secrets and signatures are
absent from logs at every level (MUXI_DEBUG=1 and a debug_logger=), from reprs, and from exception messages,
across a run with successes, errors, retries, timeouts, dropped streams, Server API calls and webhooks."""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from muxi_sdk import BackoffStrategy, Muxi, RetryConfig, webhooks
from muxi_sdk.errors import MuxiError
from muxi_sdk.testing import FakeMuxi

CLIENT_KEY = "ck_live_SECRETclient7f3a9"
ADMIN_KEY = "ak_live_SECRETadmin41c2e"
SECRET_KEY = "sk_SECREThmac88d1f0"
WEBHOOK_SECRET = "whsec_SECRETwebhook5b7"
SECRETS = (CLIENT_KEY, ADMIN_KEY, SECRET_KEY, WEBHOOK_SECRET)
FAST = RetryConfig("backoff", BackoffStrategy(initial_interval=1, max_interval=10, max_elapsed_time=2_000))


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeMuxi]:
    with FakeMuxi(client_key=CLIENT_KEY, admin_key=ADMIN_KEY, secret_key=SECRET_KEY) as server:
        yield server


class Capture:
    """A debug_logger keeping every line, formatted and raw (args included)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def debug(self, msg: str, *args: Any, **kwargs: Any) -> None:
        self.lines.append(msg % args if args else msg)
        self.lines.append(repr((msg, args, kwargs)))


def exercise(m: Muxi, fake: FakeMuxi, seen: list[str]) -> None:
    """Successes, errors, retries, a timeout, dropped streams, Server API (HMAC) and webhooks."""

    def keep(exc: BaseException) -> None:
        seen.extend([str(exc), repr(exc), str(getattr(exc, "message", "")), str(exc.args)])
        if isinstance(exc, MuxiError):
            seen.extend([str(exc.body), str(exc.details), repr(exc.headers), str(exc.code)])

    def expect_error(fn: Any) -> None:
        try:
            fn()
        except Exception as exc:  # every kind: all must be clean
            keep(exc)
        else:
            raise AssertionError("expected an error")

    reply = m.chat.send(message="hello")
    seen.extend([repr(reply), repr(reply.response_meta)])
    with m.chat.stream(message="stream me") as events:
        seen.append(repr(events.final()))
    fake.faults.fail_next(2, 503, retry_after="0")
    m.sessions.list(retries=FAST)
    fake.faults.fail_next(1, 429)
    expect_error(lambda: m.sessions.list(retries=None))
    expect_error(lambda: m.sessions.get(session_id="nope"))
    expect_error(lambda: m.chat.send(message=None))
    expect_error(lambda: m.chat.send(message="x", user_id="bad\r\nuser"))
    fake.faults.latency_ms = 300
    expect_error(lambda: m.sessions.list(timeout_ms=50, retries=None))
    fake.faults.latency_ms = 0
    fake.faults.drop_stream_after = 5
    expect_error(lambda: m.chat.stream(message="a b c").text())
    fake.faults.drop_stream_after = None
    fake.faults.drop_response_next(1)
    m.chat.send(message="lost once", retries=FAST)
    seen.append(repr(m.agents.list()))  # admin key
    expect_error(lambda: m.agents.get(agent_id="missing"))
    seen.append(repr(m.server.status()))  # HMAC-signed Server API
    expect_error(lambda: m.formations.get(formation_id="missing"))  # signed, 404
    wrong_id = {"client_key": CLIENT_KEY, "admin_key": ADMIN_KEY, "secret_key": SECRET_KEY, "key_id": "kid"}
    with Muxi(url=fake.url, server_url=fake.url, retry_config=None, **wrong_id) as wrong:
        expect_error(lambda: wrong.server.status())  # 401: the fake expects another key id

    body = b'{"id":"req_1","status":"completed","response":[{"type":"text","text":"hi"}]}'
    header = webhooks.sign(body, WEBHOOK_SECRET, timestamp=int(time.time()))
    assert webhooks.verify_signature(body, header, WEBHOOK_SECRET)
    seen.append(repr(webhooks.construct_event(body, {"X-Muxi-Signature": header}, WEBHOOK_SECRET)))
    expect_error(lambda: webhooks.construct_event(body + b" ", header.replace("t=", "t=1"), WEBHOOK_SECRET))
    expect_error(lambda: webhooks.construct_event(b"{}", header, WEBHOOK_SECRET))
    expect_error(lambda: webhooks.construct_event(body, "garbage", WEBHOOK_SECRET))
    seen.append(repr(m.webhooks))
    seen.extend([repr(m), str(m), repr(m.sdk_configuration), repr(m.chat)])


def signatures_in(fake: FakeMuxi) -> list[str]:
    """The HMAC signatures the client really sent: they must not show up anywhere either."""
    found = []
    for r in fake.state.requests:
        auth = r.headers.get("authorization", "")
        found.extend(m.group(1) for m in re.finditer(r"Signature=([A-Za-z0-9+/=_-]{16,})", auth))
        found.extend(part for part in re.split(r"[ ,:]", auth) if len(part) >= 32)
    return found


@pytest.mark.parametrize("how", ["MUXI_DEBUG=1", "debug_logger="])
def test_secrets_never_appear_in_logs_reprs_or_errors(
    fake: FakeMuxi,
    how: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    for name in list(os.environ):
        if name.startswith("MUXI_"):
            monkeypatch.delenv(name)
    fake.reset()
    caplog.set_level(logging.DEBUG)  # every logger, every level (the SDK's, httpx's, httpcore's)
    capture = Capture()
    if how == "MUXI_DEBUG=1":
        monkeypatch.setenv("MUXI_DEBUG", "1")
        kwargs: dict[str, Any] = {}
    else:
        kwargs = {"debug_logger": capture}
    seen: list[str] = []
    keys = {"client_key": CLIENT_KEY, "admin_key": ADMIN_KEY, "key_id": fake.state.key_id, "secret_key": SECRET_KEY}
    with Muxi(url=fake.url, server_url=fake.url, user_id="u1", **keys, **kwargs) as m:
        exercise(m, fake, seen)
    out, err = capfd.readouterr()
    logged = [caplog.text, *(r.getMessage() for r in caplog.records), *(repr(r.args) for r in caplog.records)]
    haystack = "\n".join([*logged, *capture.lines, *seen, out, err])
    # The run really was observed: requests were logged, errors were raised, the Server API was signed.
    assert "/v1/chat" in haystack and "503" in haystack
    assert len(seen) > 40
    sent_signatures = signatures_in(fake)
    assert sent_signatures, "the Server API calls were signed"
    for secret in (*SECRETS, *sent_signatures):
        assert secret not in haystack, f"leaked: {secret[:6]}..."
    if how == "debug_logger=":
        assert capture.lines and "[REDACTED]" in "\n".join(capture.lines)
    else:
        assert any(r.name == "muxi_sdk" for r in caplog.records)


def test_secrets_in_user_supplied_headers_are_redacted(fake: FakeMuxi) -> None:
    fake.reset()
    capture = Capture()
    with Muxi(url=fake.url, client_key=CLIENT_KEY, user_id="u1", debug_logger=capture) as m:
        m.sessions.list(http_headers={"X-Api-Key": ADMIN_KEY, "X-Upstream-Token": SECRET_KEY, "Cookie": CLIENT_KEY})
    text = "\n".join(capture.lines)
    assert "x-api-key" in text.lower()
    assert all(s not in text for s in SECRETS)
