"""`m.secrets`: list (masked), get (list + filter), set (create, else update), delete, reload; name
normalisation; sync and async, against the fake MUXI server (bodies as the real runtime sends them)."""

from __future__ import annotations

import json

import httpx
import pytest

from muxi_sdk import Muxi
from muxi_sdk.errors import (
    ConfigurationError,
    ConflictError,
    InvalidInputError,
    MuxiError,
    NotFoundError,
    ValidationError,
)
from muxi_sdk.models.secrets import Secret, SecretList, SecretSetResult
from muxi_sdk.secrets import normalize_secret_name
from muxi_sdk.testing import FakeMuxi
from muxi_sdk.testing.routes import _formation as fake

pytestmark = pytest.mark.usefixtures("clean_env")


def _calls(muxi_fake: FakeMuxi) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in muxi_fake.state.requests]


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("openai-api-key", "OPENAI_API_KEY"),
        ("database_url", "DATABASE_URL"),
        ("MySecret123", "MYSECRET123"),
        ("  my..weird--key__ ", "MY_WEIRD_KEY"),
        ("_x_", "X"),
    ],
)
def test_normalize_like_the_runtime(given: str, stored: str) -> None:
    assert normalize_secret_name(given) == stored == fake.normalize_secret_name(given)


def test_normalize_rejects_names_without_letters_or_digits() -> None:
    for bad in ("", "---", "__"):
        with pytest.raises(InvalidInputError):
            normalize_secret_name(bad)
    with pytest.raises(InvalidInputError):
        normalize_secret_name(42)  # type: ignore[arg-type]


def test_list_is_masked(m: Muxi, muxi_fake: FakeMuxi) -> None:
    empty = m.secrets.list()
    assert isinstance(empty, SecretList) and (empty.secrets, empty.count) == ({}, 0)
    m.secrets.set(key="openai-api-key", value="sk-1234567890abcdef")
    m.secrets.set(key="short", value="s3cr3t")
    listed = m.secrets.list()
    assert listed.count == 2
    assert listed.secrets == {"OPENAI_API_KEY": "sk-12••••••cdef", "SHORT": "••••••••"}
    assert listed.response_meta is not None and listed.response_meta.type == "secret.list"
    assert "sk-1234567890abcdef" not in muxi_fake.state.requests[-1].body.decode()


async def test_list_async(m: Muxi) -> None:
    await m.secrets.set_async(key="db-url", value="postgres://user:pass@db.example.com/app")
    listed = await m.secrets.list_async()
    assert listed.secrets == {"DB_URL": "postgres://us•••••••/app"}


def test_set_creates_then_updates(m: Muxi, muxi_fake: FakeMuxi) -> None:
    created = m.secrets.set(key="my-key", value="v1")
    assert isinstance(created, SecretSetResult)
    assert (created.key, created.created) == ("MY_KEY", True)
    assert created.message == "Secret 'MY_KEY' created successfully"
    assert created.response_meta is not None and created.response_meta.status_code == 201
    assert _calls(muxi_fake) == [("POST", "/v1/secrets")]
    assert json.loads(muxi_fake.state.requests[0].body) == {"key": "MY_KEY", "value": "v1"}

    updated = m.secrets.set(key="my-key", value="v2")
    assert (updated.key, updated.created) == ("MY_KEY", False)
    assert updated.message == "Secret 'MY_KEY' updated successfully"
    assert _calls(muxi_fake)[1:] == [("POST", "/v1/secrets"), ("PUT", "/v1/secrets/MY_KEY")]
    assert json.loads(muxi_fake.state.requests[-1].body) == {"value": "v2"}
    assert fake.secrets(muxi_fake.state) == {"MY_KEY": "v2"}


async def test_set_async(m: Muxi, muxi_fake: FakeMuxi) -> None:
    assert (await m.secrets.set_async(key="a.b", value="1")).created is True
    again = await m.secrets.set_async(key="A_B", value="2")
    assert (again.key, again.created) == ("A_B", False)
    assert fake.secrets(muxi_fake.state) == {"A_B": "2"}


def test_set_then_delete_with_the_same_spelling(m: Muxi, muxi_fake: FakeMuxi) -> None:
    m.secrets.set(key="my-key", value="v")
    deleted = m.secrets.delete(key="my-key")
    assert deleted.message == "Secret 'MY_KEY' deleted successfully"
    assert _calls(muxi_fake)[-1] == ("DELETE", "/v1/secrets/MY_KEY")
    assert m.secrets.list().secrets == {}


async def test_delete_async(m: Muxi) -> None:
    await m.secrets.set_async(key="gone-soon", value="v")
    assert (await m.secrets.delete_async(key="gone-soon")).message == "Secret 'GONE_SOON' deleted successfully"


def test_deleted_secret_is_gone(m: Muxi) -> None:
    m.secrets.set(key="temp", value="v")
    m.secrets.delete(key="temp")
    with pytest.raises(NotFoundError) as info:
        m.secrets.delete(key="temp")
    err = info.value
    assert (err.status_code, err.code, err.message) == (404, "SECRET_NOT_FOUND", "Secret 'TEMP' not found")
    body = json.loads(err.body or "")
    assert body["type"] == "error.internal" and body["error"] == {
        "code": "SECRET_NOT_FOUND",
        "message": "Secret 'TEMP' not found",
        "data": None,
    }


def test_delete_in_use_is_a_conflict(m: Muxi) -> None:
    # The seeded MCP server's auth references ${{ secrets.SEARCH_API_KEY }}.
    m.secrets.set(key="search-api-key", value="k")
    with pytest.raises(ConflictError) as info:
        m.secrets.delete(key="search-api-key")
    assert info.value.code == "SECRET_IN_USE"
    assert m.secrets.get(key="SEARCH_API_KEY").masked_value == "••••••••"


def test_get_filters_the_list(m: Muxi, muxi_fake: FakeMuxi) -> None:
    m.secrets.set(key="stripe-key", value="sk-live-abcdefghijklmnop")
    secret = m.secrets.get(key="stripe-key")
    assert isinstance(secret, Secret)
    assert (secret.key, secret.masked_value) == ("STRIPE_KEY", "sk-li••••••mnop")
    assert secret.response_meta is not None and secret.response_meta.type == "secret.list"
    # No GET /secrets/{key} on the runtime: get() lists.
    assert _calls(muxi_fake)[-1] == ("GET", "/v1/secrets")


async def test_get_async(m: Muxi) -> None:
    await m.secrets.set_async(key="x", value="y")
    assert (await m.secrets.get_async(key="x")).key == "X"


def test_get_missing(m: Muxi) -> None:
    with pytest.raises(NotFoundError) as info:
        m.secrets.get(key="nope")
    assert info.value.code == "SECRET_NOT_FOUND" and info.value.message == "Secret 'NOPE' not found"
    assert info.value.request_id is not None


async def test_get_missing_async(m: Muxi) -> None:
    with pytest.raises(NotFoundError):
        await m.secrets.get_async(key="nope")


def test_the_runtime_routes(muxi_fake: FakeMuxi) -> None:
    """What the official SDK gets wrong: PUT does not create (404) and there is no GET /secrets/{key} (405)."""
    headers = {"X-Muxi-Admin-Key": muxi_fake.state.admin_key}
    base = f"{muxi_fake.url}/v1/secrets"
    put = httpx.put(f"{base}/NEW_ONE", headers=headers, json={"value": "v"})
    assert put.status_code == 404 and put.json()["error"]["code"] == "SECRET_NOT_FOUND"
    got = httpx.get(f"{base}/NEW_ONE", headers=headers)
    assert got.status_code == 405 and got.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    first = httpx.post(base, headers=headers, json={"key": "MY_TEST_SECRET", "value": "s3cr3t"})
    assert first.status_code == 201 and first.json()["type"] == "secret.created"
    dup = httpx.post(base, headers=headers, json={"key": "MY_TEST_SECRET", "value": "s3cr3t"})
    assert dup.status_code == 409
    assert dup.json()["error"] == {
        "code": "SECRET_EXISTS",
        "message": "Secret 'MY_TEST_SECRET' already exists",
        "data": None,
    }
    missing = httpx.post(base, headers=headers, json={"key": "K"})
    assert missing.status_code == 422 and missing.json()["error"]["code"] == "INVALID_PARAMS"


def test_update_after_conflict_can_still_fail(muxi_fake: FakeMuxi) -> None:
    """The secret vanishes between the 409 and the PUT: the update's 404 is raised, not swallowed."""
    state = muxi_fake.state

    class DeleteBeforeUpdate:
        def before_request(self, hook_ctx: object, request: httpx.Request) -> httpx.Request:
            if request.method == "PUT":
                fake.secrets(state).pop("RACY", None)
            return request

    with muxi_fake.client(hooks=[DeleteBeforeUpdate()]) as m:
        m.secrets.set(key="racy", value="1")
        with pytest.raises(NotFoundError) as info:
            m.secrets.set(key="racy", value="2")
    assert info.value.code == "SECRET_NOT_FOUND"
    assert _calls(muxi_fake)[-2:] == [("POST", "/v1/secrets"), ("PUT", "/v1/secrets/RACY")]


def test_value_must_be_a_string(m: Muxi, muxi_fake: FakeMuxi) -> None:
    with pytest.raises(InvalidInputError):
        m.secrets.set(key="k", value=123)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError):
        m.secrets.set(key="---", value="v")
    with pytest.raises(InvalidInputError):
        m.secrets.delete(key="")
    assert muxi_fake.state.requests == []


def test_reload(m: Muxi) -> None:
    m.secrets.set(key="kept", value="v")
    result = m.secrets.reload()
    assert result.count == 1 and result.preserved == ["KEPT"] and result.added == []
    assert result.message.startswith("Secrets reloaded successfully")


async def test_reload_async(m: Muxi) -> None:
    assert (await m.secrets.reload_async()).count == 0


def test_admin_key_required(muxi_fake: FakeMuxi) -> None:
    with Muxi(url=muxi_fake.url, client_key=muxi_fake.state.client_key) as m:
        calls = [
            m.secrets.list,
            m.secrets.reload,
            lambda: m.secrets.get(key="k"),
            lambda: m.secrets.set(key="k", value="v"),
            lambda: m.secrets.delete(key="k"),
        ]
        for call in calls:
            with pytest.raises(ConfigurationError, match="admin key"):
                call()
    assert muxi_fake.state.requests == []


async def test_admin_key_required_async(muxi_fake: FakeMuxi) -> None:
    async with Muxi(url=muxi_fake.url, client_key=muxi_fake.state.client_key) as m:
        with pytest.raises(ConfigurationError):
            await m.secrets.set_async(key="k", value="v")
        with pytest.raises(ConfigurationError):
            await m.secrets.list_async()
    assert muxi_fake.state.requests == []


def test_other_errors_of_set_propagate(m: Muxi, muxi_fake: FakeMuxi) -> None:
    with Muxi(url=muxi_fake.url, admin_key="wrong") as bad, pytest.raises(MuxiError) as info:
        bad.secrets.set(key="k", value="v")
    assert info.value.status_code == 401
    assert not isinstance(info.value, (ConflictError, ValidationError))
    assert _calls(muxi_fake) == [("POST", "/v1/secrets")]
