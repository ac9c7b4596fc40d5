"""Keys: which header each auth kind sends, wrong keys, missing keys (caught before sending), secret-free repr."""

from __future__ import annotations

import contextlib
import time
from typing import Any

import pytest

from _helpers import probe
from muxi_sdk import Muxi

# internal: raw Operations probe the key rule of every auth mode, and the signer is checked by itself
from muxi_sdk._core.auth import hmac_signature
from muxi_sdk._core.operation import Operation, RequestInput
from muxi_sdk.errors import AuthenticationError, ConfigurationError, MuxiError
from muxi_sdk.testing import FakeMuxi

pytestmark = pytest.mark.usefixtures("clean_env")


def health_op(auth: Any) -> Operation:
    return Operation(f"probe_{auth}", "GET", "/health", auth, dict, envelope=False)


CLIENT = "x-muxi-client-key"
ADMIN = "x-muxi-admin-key"


# ------------------------------------------------------------------------------------ which key goes where


def test_client_key_is_sent_on_chat_and_admin_key_is_not(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="u1") as m:
        m.chat.send(message="hi")
    [req] = muxi_fake.state.requests
    assert req.headers[CLIENT] == muxi_fake.state.client_key
    assert ADMIN not in req.headers


def test_public_operation_sends_no_key(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client() as m:
        m.system.health()
    [req] = muxi_fake.state.requests
    assert CLIENT not in req.headers and ADMIN not in req.headers and "authorization" not in req.headers


@pytest.mark.parametrize(
    ("auth", "client_key", "admin_key", "expected"),
    [
        ("admin", "ck", "ak", {ADMIN: "ak"}),
        ("client", "ck", "ak", {CLIENT: "ck"}),
        ("dual", "ck", "ak", {CLIENT: "ck"}),
        ("dual", None, "ak", {ADMIN: "ak"}),
        ("dual_admin", "ck", "ak", {ADMIN: "ak"}),
        ("dual_admin", "ck", None, {CLIENT: "ck"}),
    ],
)
def test_each_auth_kind_sends_exactly_one_key(
    muxi_fake: FakeMuxi, auth: str, client_key: str | None, admin_key: str | None, expected: dict[str, str]
) -> None:
    with Muxi(url=muxi_fake.url, client_key=client_key, admin_key=admin_key) as m:
        probe(m).run(health_op(auth))
    [req] = muxi_fake.state.requests
    sent = {h: req.headers[h] for h in (CLIENT, ADMIN) if h in req.headers}
    assert sent == expected


async def test_admin_key_is_sent_for_admin_operations_async(muxi_fake: FakeMuxi) -> None:
    async with Muxi(url=muxi_fake.url, client_key="ck", admin_key="ak") as m:
        await probe(m).run_async(health_op("admin"))
    [req] = muxi_fake.state.requests
    assert req.headers[ADMIN] == "ak" and CLIENT not in req.headers


def test_hmac_operation_is_signed_over_method_and_path(muxi_fake: FakeMuxi) -> None:
    op = Operation("probe_hmac", "GET", "/rpc/formations", "hmac", dict, api="server", envelope=False)
    with Muxi(server_url=muxi_fake.url, formation_id="f", key_id="kid", secret_key="s3cret") as m:
        with contextlib.suppress(MuxiError):  # the fake does not know these credentials; the request matters
            probe(m).run(op, retries=None)
    [req] = muxi_fake.state.requests
    assert req.path == "/rpc/formations"
    auth = req.headers["authorization"]
    assert auth.startswith("MUXI-HMAC key=kid, timestamp=")
    fields = dict(part.strip().split("=", 1) for part in auth[len("MUXI-HMAC ") :].split(","))
    assert abs(int(fields["timestamp"]) - time.time()) < 60
    assert fields["signature"] == hmac_signature("s3cret", int(fields["timestamp"]), "GET", "/rpc/formations")
    assert "s3cret" not in auth


def test_hmac_signature_is_accepted_by_the_server_and_a_wrong_secret_is_not(muxi_fake: FakeMuxi) -> None:
    op = Operation("probe_hmac", "GET", "/rpc/formations", "hmac", dict, api="server", envelope=False)
    s = muxi_fake.state
    with Muxi(server_url=muxi_fake.url, formation_id="f", key_id=s.key_id, secret_key=s.secret_key) as m:
        try:
            probe(m).run(op, retries=None)
        except AuthenticationError as exc:  # pragma: no cover - the failure this test exists for
            pytest.fail(f"the server rejected the SDK's signature: {exc}")
        except MuxiError:
            pass  # whatever else the route answers, the signature was accepted
    with Muxi(server_url=muxi_fake.url, formation_id="f", key_id=s.key_id, secret_key="wrong") as m:
        with pytest.raises(AuthenticationError):
            probe(m).run(op, retries=None)


# ------------------------------------------------------------------------------------ wrong keys


def test_wrong_client_key_raises_authentication_error_with_the_server_message(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(client_key="not-the-key", user_id="u1") as m, pytest.raises(AuthenticationError) as info:
        m.chat.send(message="hi")
    err = info.value
    assert err.status_code == 401
    assert err.code == "UNAUTHORIZED"
    assert err.message == "Invalid client API key. Please check your 'X-Muxi-Client-Key' header value."
    assert len(muxi_fake.state.requests) == 1  # 401 is not retried


async def test_wrong_client_key_raises_authentication_error_with_the_server_message_async(
    muxi_fake: FakeMuxi,
) -> None:
    async with muxi_fake.client(client_key="not-the-key", user_id="u1") as m:
        with pytest.raises(AuthenticationError) as info:
            await m.chat.send_async(message="hi")
    assert info.value.message == "Invalid client API key. Please check your 'X-Muxi-Client-Key' header value."
    assert len(muxi_fake.state.requests) == 1


def test_wrong_key_on_a_stream_raises_before_any_event(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(client_key="nope", user_id="u1") as m, pytest.raises(AuthenticationError) as info:
        m.chat.stream(message="hi")
    assert "Invalid client API key" in info.value.message


def test_admin_key_where_a_client_key_is_required_is_rejected_by_the_server(muxi_fake: FakeMuxi) -> None:
    # The SDK would never do this; force it with http_headers to prove the server's message reaches the caller.
    with muxi_fake.client(user_id="u1") as m, pytest.raises(AuthenticationError) as info:
        m.chat.send(message="hi", http_headers={"X-Muxi-Client-Key": muxi_fake.state.admin_key})
    assert "Invalid client API key" in info.value.message


# ------------------------------------------------------------------------------------ missing keys


def test_missing_client_key_fails_before_sending(muxi_fake: FakeMuxi) -> None:
    with Muxi(url=muxi_fake.url, admin_key="ak") as m:
        with pytest.raises(ConfigurationError, match="client key"):
            m.chat.send(message="hi", user_id="u1")
        with pytest.raises(ConfigurationError, match="client key"):
            m.chat.stream(message="hi", user_id="u1")
    assert muxi_fake.state.requests == []


async def test_missing_client_key_fails_before_sending_async(muxi_fake: FakeMuxi) -> None:
    async with Muxi(url=muxi_fake.url) as m:
        with pytest.raises(ConfigurationError, match="MUXI_CLIENT_KEY"):
            await m.chat.send_async(message="hi", user_id="u1")
        with pytest.raises(ConfigurationError):
            async with m.chat.stream_async(message="hi", user_id="u1"):
                pass
    assert muxi_fake.state.requests == []


@pytest.mark.parametrize(
    ("auth", "kwargs", "match"),
    [
        ("admin", {"client_key": "ck"}, "admin key"),
        ("dual", {}, "client or admin key"),
        ("dual_admin", {}, "client or admin key"),
        ("hmac", {"key_id": "kid"}, "key_id= and secret_key="),
        ("hmac", {"secret_key": "s"}, "key_id= and secret_key="),
    ],
)
def test_missing_keys_of_every_kind_fail_before_sending(
    muxi_fake: FakeMuxi, auth: str, kwargs: dict[str, str], match: str
) -> None:
    op = health_op(auth)
    if auth == "hmac":
        op = Operation("probe_hmac", "GET", "/rpc/x", "hmac", dict, api="server", envelope=False)
    with Muxi(url=muxi_fake.url, server_url=muxi_fake.url, **kwargs) as m, pytest.raises(ConfigurationError) as info:
        probe(m).run(op)
    assert match in str(info.value)
    assert isinstance(info.value, MuxiError) and isinstance(info.value, ValueError)
    assert muxi_fake.state.requests == []


def test_required_user_missing_fails_before_sending(muxi_fake: FakeMuxi) -> None:
    op = Operation("probe_user", "GET", "/health", "none", dict, envelope=False, user="required")
    with Muxi(url=muxi_fake.url) as m:
        with pytest.raises(ConfigurationError, match="user"):
            probe(m).run(op)
        probe(m).run(op, RequestInput(user_id="u9"))
    [req] = muxi_fake.state.requests
    assert req.headers["x-muxi-user-id"] == "u9"


# ------------------------------------------------------------------------------------ no secret in repr


def test_repr_contains_no_secret(muxi_fake: FakeMuxi) -> None:
    secrets = {"client_key": "ck-SECRET-1", "admin_key": "ak-SECRET-2", "secret_key": "sk-SECRET-3"}
    m = Muxi(url=muxi_fake.url, key_id="kid", user_id="u1", **secrets)
    try:
        for text in (repr(m), str(m), repr(m.sdk_configuration), str(m.sdk_configuration)):
            for value in secrets.values():
                assert value not in text
        assert "***" in repr(m)  # the keys are shown as set, just not their values
        assert "url=" in repr(m)
    finally:
        m.close()


def test_repr_contains_no_secret_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUXI_CLIENT_KEY", "env-ck-SECRET")
    monkeypatch.setenv("MUXI_ADMIN_KEY", "env-ak-SECRET")
    monkeypatch.setenv("MUXI_SECRET_KEY", "env-sk-SECRET")
    m = Muxi()
    try:
        assert m.sdk_configuration.client_key == "env-ck-SECRET"  # the env was read ...
        assert "SECRET" not in repr(m) and "SECRET" not in repr(m.sdk_configuration)  # ... and is not shown
    finally:
        m.close()
