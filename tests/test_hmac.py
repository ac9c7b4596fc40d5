"""MUXI server HMAC: known-answer vectors, what the SDK sends, and how the fake server's checks surface."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from muxi_sdk import Muxi

# internal: the HMAC signer is unit-tested against the server's own algorithm, below the public API
from muxi_sdk._core import auth as security
from muxi_sdk._core.auth import hmac_authorization, hmac_signature
from muxi_sdk.errors import AuthenticationError, ConfigurationError
from muxi_sdk.testing import FakeMuxi
from muxi_sdk.testing.routes.server import set_auth

pytestmark = pytest.mark.usefixtures("clean_env")


def expected_signature(secret: str, timestamp: int, method: str, path: str) -> str:
    """The contract's formula, written out independently of the SDK."""
    message = f"{timestamp};{method};{path}".encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def server(fake: FakeMuxi, **overrides: Any) -> Muxi:
    return fake.client(server_url=fake.url, retry_config=None, **overrides)


# ------------------------------------------------------------------------------------ known answers

VECTORS = [
    ("fake-key-id", "fake-secret-key", 1700000000, "GET", "/rpc/formations"),
    ("key-123", "s3cr3t", 1767225600, "POST", "/rpc/formations/my-assistant/restart"),
    ("k", "secret with spaces/ünïcode", 1, "DELETE", "/rpc/formations/x"),
    ("k", "s", 2000000000, "PUT", "/rpc/formations/a-b_c"),
]


@pytest.mark.parametrize(("key_id", "secret", "ts", "method", "path"), VECTORS)
def test_signature_matches_the_contract_formula(key_id: str, secret: str, ts: int, method: str, path: str) -> None:
    sig = expected_signature(secret, ts, method, path)
    assert hmac_signature(secret, ts, method, path) == sig
    header = hmac_authorization(key_id, secret, method, path, timestamp=ts)
    assert header == f"MUXI-HMAC key={key_id}, timestamp={ts}, signature={sig}"


def test_literal_vectors() -> None:
    assert (
        hmac_authorization("fake-key-id", "fake-secret-key", "GET", "/rpc/formations", timestamp=1700000000)
        == "MUXI-HMAC key=fake-key-id, timestamp=1700000000, signature=QDc9JV/nT/+VtYKi4VMsFValIPprsL6si88PfsiELaU="
    )
    assert (
        hmac_signature("s3cr3t", 1767225600, "POST", "/rpc/formations/my-assistant/restart")
        == "2ofirNkX61KsNrLlFrrEroJmNZIhLgPL6CvjrEq+x6g="
    )


def test_query_string_is_not_signed_and_method_is_uppercased() -> None:
    plain = hmac_signature("s", 10, "GET", "/rpc/formations/f/logs")
    assert hmac_signature("s", 10, "GET", "/rpc/formations/f/logs?lines=5&follow=true") == plain
    assert hmac_signature("s", 10, "get", "/rpc/formations/f/logs") == plain
    assert hmac_signature("s", 10, "POST", "/rpc/formations/f/logs") != plain
    assert hmac_signature("s", 11, "GET", "/rpc/formations/f/logs") != plain


def test_signature_is_padded_base64_of_32_bytes() -> None:
    sig = hmac_signature("s", 10, "GET", "/rpc/server/status")
    assert len(sig) == 44 and sig.endswith("=")
    assert len(base64.b64decode(sig)) == 32


def test_default_timestamp_is_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(security, "time", SimpleNamespace(time=lambda: 1234.9))
    assert "timestamp=1234," in hmac_authorization("k", "s", "GET", "/rpc/server/status")


# --------------------------------------------------------------------------------- what goes on the wire


def _rpc_requests(fake: FakeMuxi) -> list[Any]:
    return [r for r in fake.state.requests if r.path.startswith("/rpc/")]


def test_sent_header_signs_the_path_without_the_query(muxi_fake: FakeMuxi) -> None:
    with server(muxi_fake) as m:
        m.server.logs(lines=5)
    (request,) = _rpc_requests(muxi_fake)
    header = request.headers["authorization"]
    prefix, _, params = header.partition(" ")
    assert prefix == "MUXI-HMAC"
    fields = dict(p.split("=", 1) for p in params.split(", "))
    ts = int(fields["timestamp"])
    assert abs(ts - time.time()) < 60
    assert fields["key"] == muxi_fake.state.key_id
    assert fields["signature"] == expected_signature(muxi_fake.state.secret_key, ts, "GET", "/rpc/server/logs")


def test_public_routes_send_no_authorization(muxi_fake: FakeMuxi) -> None:
    with Muxi(server_url=muxi_fake.url) as m:  # no credentials at all
        assert m.server.ping() == "pong"
        assert m.server.health().healthy
    assert all("authorization" not in r.headers for r in muxi_fake.state.requests)


def test_missing_credentials_fail_before_sending(muxi_fake: FakeMuxi) -> None:
    with Muxi(server_url=muxi_fake.url, key_id="only-the-id") as m, pytest.raises(ConfigurationError) as info:
        m.server.status()
    assert "MUXI_SECRET_KEY" in str(info.value)
    assert not _rpc_requests(muxi_fake)


def test_retries_resend_the_same_signed_header(muxi_fake: FakeMuxi) -> None:
    """Documented policy: one signature per call, reused by its retries (the server allows 300 s)."""
    from muxi_sdk import BackoffStrategy, RetryConfig

    muxi_fake.faults.fail_next(2, 503, retry_after="0", path_contains="/rpc/server/status")
    retry = RetryConfig("backoff", BackoffStrategy(initial_interval=1, max_interval=5))
    with muxi_fake.client(server_url=muxi_fake.url, retry_config=retry) as m:
        status = m.server.status()
    assert status.response_meta is not None and status.response_meta.attempts == 3
    headers = {r.headers["authorization"] for r in _rpc_requests(muxi_fake)}
    assert len(headers) == 1


# --------------------------------------------------------------------------------- server verification


def test_wrong_secret_is_invalid_signature(muxi_fake: FakeMuxi) -> None:
    with server(muxi_fake, secret_key="not-the-secret") as m, pytest.raises(AuthenticationError) as info:
        m.formations.list()
    err = info.value
    assert err.status_code == 401 and err.message == "Invalid signature"
    assert err.code == "Unauthorized"


def test_wrong_key_id_is_invalid_key(muxi_fake: FakeMuxi) -> None:
    with server(muxi_fake, key_id="someone-else") as m, pytest.raises(AuthenticationError) as info:
        m.server.status()
    assert info.value.message == "Invalid key"


@pytest.mark.parametrize("skew", [-301, 301, -3600])
def test_clock_skew_beyond_300s_is_expired(muxi_fake: FakeMuxi, monkeypatch: pytest.MonkeyPatch, skew: int) -> None:
    real = time.time
    monkeypatch.setattr(security, "time", SimpleNamespace(time=lambda: real() + skew))
    with server(muxi_fake) as m, pytest.raises(AuthenticationError) as info:
        m.server.status()
    assert info.value.message == "Request expired (timestamp too old or in future)"


@pytest.mark.parametrize("skew", [-290, 290])
def test_clock_skew_within_300s_is_accepted(muxi_fake: FakeMuxi, monkeypatch: pytest.MonkeyPatch, skew: int) -> None:
    real = time.time
    monkeypatch.setattr(security, "time", SimpleNamespace(time=lambda: real() + skew))
    with server(muxi_fake) as m:
        assert m.server.status().formations.total == 0


def test_tolerance_is_configurable_on_the_fake(muxi_fake: FakeMuxi, monkeypatch: pytest.MonkeyPatch) -> None:
    set_auth(muxi_fake.state, tolerance_s=10)
    real = time.time
    monkeypatch.setattr(security, "time", SimpleNamespace(time=lambda: real() - 60))
    with server(muxi_fake) as m, pytest.raises(AuthenticationError):
        m.server.status()
    set_auth(muxi_fake.state, enabled=False)
    with Muxi(server_url=muxi_fake.url, key_id="x", secret_key="y") as m:
        assert m.server.status().formations.total == 0


async def test_wrong_secret_async(muxi_fake: FakeMuxi) -> None:
    async with server(muxi_fake, secret_key="nope") as m:
        with pytest.raises(AuthenticationError) as info:
            await m.formations.list_async()
    assert info.value.message == "Invalid signature"


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "Missing authorization header"),
        ("Bearer abc", "Invalid authorization header format"),
        ("MUXI-HMAC key=fake-key-id", "Invalid authorization header format"),
        ("MUXI-HMAC key=fake-key-id,timestamp=1,signature=x", "Invalid authorization header format"),
        ("MUXI-HMAC key=fake-key-id, timestamp=soon, signature=x", "Invalid authorization header format"),
        ("MUXI-HMAC key=other, timestamp=1, signature=x", "Invalid key"),
        ("MUXI-HMAC key=fake-key-id, timestamp=1, signature=x", "Request expired (timestamp too old or in future)"),
        ("MUXI-HMAC key=fake-key-id, timestamp={now}, signature=AAAA", "Invalid signature"),
    ],
)
def test_fake_server_rejections(muxi_fake: FakeMuxi, header: str | None, message: str) -> None:
    headers = {} if header is None else {"Authorization": header.format(now=int(time.time()))}
    response = httpx.get(f"{muxi_fake.url}/rpc/server/status", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"error": "Unauthorized", "message": message, "code": 401}


def test_fake_server_accepts_a_hand_made_signature(muxi_fake: FakeMuxi) -> None:
    s = muxi_fake.state
    ts = int(time.time())
    sig = expected_signature(s.secret_key, ts, "GET", "/rpc/formations")
    header = f"MUXI-HMAC key={s.key_id}, timestamp={ts}, signature={sig}"
    response = httpx.get(f"{muxi_fake.url}/rpc/formations?ignored=1", headers={"Authorization": header})
    assert response.status_code == 200
    assert response.json() == {"success": True, "data": {"formations": [], "total": 0}}
