"""m.users and m.users.credentials against the fake server: every operation sync and async."""

from __future__ import annotations

import json

import httpx
import pytest

from muxi_sdk import errors
from muxi_sdk.credentials import Credentials
from muxi_sdk.models.users import IdentifierSpec
from muxi_sdk.testing import FakeMuxi


def _last_body(fake: FakeMuxi, path: str) -> object:
    req = [r for r in fake.state.requests if r.path == path][-1]
    return json.loads(req.body)


def test_associate_accepts_every_identifier_shape(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client() as m:
        user = m.users.associate(
            identifiers=[
                "Alice@Example.com",
                ("U123ABC", "slack"),
                {"identifier": "@alice_tg", "type": "telegram"},
                IdentifierSpec(identifier="+15551234567", type="phone"),
            ]
        )
        assert user.muxi_user_id.startswith("usr_") and user.count == 4
        assert [(i.identifier, i.type) for i in user.identifiers] == [
            ("alice@example.com", "unknown"),  # e-mails are lower-cased; no type given
            ("U123ABC", "slack"),
            ("@alice_tg", "telegram"),
            ("+15551234567", "phone"),
        ]
        assert _last_body(muxi_fake, "/v1/users/identifiers") == {
            "identifiers": [
                "Alice@Example.com",
                {"identifier": "U123ABC", "type": "slack"},
                {"identifier": "@alice_tg", "type": "telegram"},
                {"identifier": "+15551234567", "type": "phone"},
            ]
        }


def test_identifiers_resolve_to_the_same_user(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client() as m:
        user = m.users.associate(identifiers=["alice@example.com"])
        linked = m.users.link(muxi_user_id=user.muxi_user_id, identifiers=[("U123ABC", "slack")])
        assert linked.muxi_user_id == user.muxi_user_id
        assert _last_body(muxi_fake, "/v1/users/identifiers") == {
            "muxi_user_id": user.muxi_user_id,
            "identifiers": [{"identifier": "U123ABC", "type": "slack"}],
        }
        by_email = m.users.resolve(identifier="ALICE@example.com")
        by_slack = m.users.resolve(identifier="U123ABC", create=False)
        assert by_email.muxi_user_id == by_slack.muxi_user_id == user.muxi_user_id
        assert by_email.internal_user_id == by_slack.internal_user_id

        listed = m.users.list_identifiers(muxi_user_id=user.muxi_user_id)
        assert sorted(i.identifier for i in listed.identifiers) == ["U123ABC", "alice@example.com"]
        assert listed.internal_user_id == by_email.internal_user_id and all(i.created_at for i in listed.identifiers)

        removed = m.users.unlink(identifier="U123ABC")
        assert (removed.muxi_user_id, removed.message) == (
            user.muxi_user_id,
            "Identifier 'U123ABC' removed successfully",
        )
        with pytest.raises(errors.NotFoundError) as gone:
            m.users.resolve(identifier="U123ABC", create=False)
        assert gone.value.message == "Identifier not found: 'U123ABC'"
        with pytest.raises(errors.NotFoundError):
            m.users.unlink(identifier="U123ABC")
        assert m.users.list_identifiers(muxi_user_id=user.muxi_user_id).count == 1


def test_moving_an_identifier_and_creating_on_resolve(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client() as m:
        first = m.users.associate(identifiers=["shared-device-1"])
        second = m.users.associate(identifiers=["bob@example.com", "shared-device-1"])
        assert m.users.resolve(identifier="shared-device-1").muxi_user_id == second.muxi_user_id  # no conflict
        assert m.users.list_identifiers(muxi_user_id=first.muxi_user_id).count == 0
        new = m.users.resolve(identifier="carol@example.com", identifier_type="email")
        assert new.muxi_user_id not in (first.muxi_user_id, second.muxi_user_id)
        assert m.users.resolve(identifier="carol@example.com").muxi_user_id == new.muxi_user_id
        assert _last_body(muxi_fake, "/v1/users/resolve") == {"identifier": "carol@example.com"}


def test_user_errors(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client() as m:
        with pytest.raises(errors.NotFoundError) as unknown:
            m.users.link(muxi_user_id="usr_000000000000", identifiers=["x"])
        assert unknown.value.message == "User not found: 'usr_000000000000'"
        with pytest.raises(errors.NotFoundError):
            m.users.list_identifiers(muxi_user_id="usr_000000000000")
        sent = len(muxi_fake.state.requests)
        for call in (
            lambda: m.users.associate(identifiers=[]),
            lambda: m.users.associate(identifiers="alice@example.com"),  # type: ignore[arg-type]
            lambda: m.users.associate(identifiers=[("only-one",)]),  # type: ignore[list-item]
            lambda: m.users.associate(identifiers=[{"type": "slack"}]),  # type: ignore[list-item]
            lambda: m.users.associate(identifiers=[42]),  # type: ignore[list-item]
            lambda: m.users.associate(identifiers=[""]),
            lambda: m.users.link(muxi_user_id="", identifiers=["x"]),
            lambda: m.users.resolve(identifier=""),
            lambda: m.users.resolve(identifier="x", identifier_type="email", create=False),
            lambda: m.users.unlink(identifier=".."),
        ):
            with pytest.raises(errors.InvalidInputError):
                call()
        assert len(muxi_fake.state.requests) == sent
    with muxi_fake.client(client_key=None) as admin_only:
        with pytest.raises(errors.ConfigurationError):  # /users takes the client key only
            admin_only.users.resolve(identifier="x")


def test_admin_key_is_rejected_by_the_server(muxi_fake: FakeMuxi) -> None:
    with httpx.Client(base_url=muxi_fake.formation_url) as http:
        denied = http.post(
            "/users/resolve", headers={"X-Muxi-Admin-Key": muxi_fake.state.admin_key}, json={"identifier": "x"}
        )
        assert denied.status_code == 401  # what the official SDK (admin key) gets


def test_credentials_lifecycle(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as m:
        creds = m.users.credentials
        assert isinstance(creds, Credentials) and m.users.credentials is creds
        assert creds.services().count == 0
        muxi_fake.state.table("credential_services").append(
            {"service": "github", "server_id": "github-mcp", "description": "MCP server requiring user authentication"}
        )
        assert [s.server_id for s in creds.services().services] == ["github-mcp"]

        made = creds.create(service="GitHub", credential={"token": "ghp_1234567890abcdefXYZ"}, name="work")
        assert (made.service, made.name, made.credential_preview) == ("github", "work", "ghp_123*****XYZ")
        assert made.response_meta is not None and made.response_meta.status_code == 201
        short = creds.create(service="slack", credential={"api_key": "xoxb-short"})
        assert (short.name, short.credential_preview) == ("slack", "***redacted***")

        listed = creds.list()
        assert [c.credential_id for c in listed.credentials] == [made.credential_id, short.credential_id]
        assert creds.list(user_id="bob").count == 0  # per user
        assert creds.get(credential_id=made.credential_id).credential_preview == "ghp_123*****XYZ"
        with pytest.raises(errors.NotFoundError):
            creds.get(credential_id=made.credential_id, user_id="bob")

        gone = creds.delete(credential_id=made.credential_id)
        assert (gone.credential_id, gone.deleted) == (made.credential_id, True)
        with pytest.raises(errors.NotFoundError) as missing:
            creds.get(credential_id=made.credential_id)
        assert missing.value.message == f"Credential not found: {made.credential_id}"
        assert creds.list().count == 1


def test_credential_errors(muxi_fake: FakeMuxi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MUXI_USER_ID", raising=False)
    with muxi_fake.client() as m:
        with pytest.raises(errors.ConfigurationError):
            m.users.credentials.list()
        assert m.users.credentials.services().count == 0  # needs no user
        sent = len(muxi_fake.state.requests)
        for call in (
            lambda: m.users.credentials.create(service="my service", credential={"token": "x"}, user_id="a"),
            lambda: m.users.credentials.create(service="github", credential="ghp_x", user_id="a"),  # type: ignore[arg-type]
            lambda: m.users.credentials.create(service="", credential={}, user_id="a"),
        ):
            with pytest.raises(errors.InvalidInputError):
                call()
        assert len(muxi_fake.state.requests) == sent
    with httpx.Client(base_url=muxi_fake.formation_url) as http:
        headers = {"X-Muxi-Client-Key": muxi_fake.state.client_key}
        no_user = http.get("/credentials", headers=headers)
        assert (no_user.status_code, no_user.json()["error"]["message"]) == (400, "X-Muxi-User-ID header is required")
        spaced = http.post(
            "/credentials", headers={**headers, "X-Muxi-User-ID": "a"}, json={"service": "my service", "credential": {}}
        )
        assert spaced.status_code == 400 and spaced.json()["error"]["code"] == "VALIDATION_ERROR"


async def test_async_twins(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client(user_id="frank") as m:
        user = await m.users.associate_async(identifiers=["frank@example.com"])
        await m.users.link_async(muxi_user_id=user.muxi_user_id, identifiers=[("F99", "slack")])
        assert (await m.users.list_identifiers_async(muxi_user_id=user.muxi_user_id)).count == 2
        assert (await m.users.resolve_async(identifier="F99", create=False)).muxi_user_id == user.muxi_user_id
        assert (await m.users.resolve_async(identifier="frank@example.com")).muxi_user_id == user.muxi_user_id
        assert (await m.users.unlink_async(identifier="F99")).muxi_user_id == user.muxi_user_id
        creds = m.users.credentials
        assert (await creds.services_async()).count == 0
        made = await creds.create_async(service="notion", credential={"token": "secret_abcdefghijklmnop"})
        assert (await creds.list_async()).count == 1
        assert (await creds.get_async(credential_id=made.credential_id)).service == "notion"
        assert (await creds.delete_async(credential_id=made.credential_id)).deleted
        with pytest.raises(errors.NotFoundError):
            await creds.delete_async(credential_id=made.credential_id)
