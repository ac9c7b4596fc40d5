"""Live: wrongly typed input gets the same 422 from the fake server as from the real runtime.

The live twin of tests/test_fake_validation.py. For every Formation operation the runtime validates (its
own request schemas, `muxi_sdk.testing.validation`) and the live setup can take, each body field is given
values of other JSON types; every case the fake refuses is sent, with raw httpx, to both servers, and the
answers must match: status, error code, message and the `validation_errors` list, entry by entry. Only
cases the fake refuses are sent, so the runtime is never asked to do anything (an accepted case would be a
difference and fail the test).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.datastructures import QueryParams

from muxi_sdk.testing import FakeMuxi
from muxi_sdk.testing.validation import runtime_requests

from .helpers import ADMIN_KEY, CLIENT_KEY, URL

pytestmark = pytest.mark.live

WRONG: list[Any] = [["a"], {"k": 1}, "maybe", 12.5]
# (method, path) the live setup serves; /v1/memories answers 500 with SQLite before validating anything
OPERATIONS = [
    ("POST", "/v1/chat"),
    ("POST", "/v1/audiochat"),
    ("POST", "/v1/secrets"),
    ("PUT", "/v1/secrets/PARITY_KEY"),
    ("POST", "/v1/scheduler/jobs"),
    ("PUT", "/v1/scheduler/jobs/job_missing"),
    ("POST", "/v1/triggers/github-issue"),
    ("POST", "/v1/users/identifiers"),
    ("POST", "/v1/sessions/sess_parity/restore"),
    ("POST", "/v1/credentials"),
]
QUERIES = [("/v1/sessions", "limit"), ("/v1/sessions", "active_only"), ("/v1/audit", "limit")]


@pytest.fixture(scope="module")
def clients() -> Iterator[tuple[httpx.Client, httpx.Client]]:
    with FakeMuxi() as fake:
        s = fake.state
        real = httpx.Client(
            base_url=URL, headers={"X-Muxi-Client-Key": CLIENT_KEY, "X-Muxi-Admin-Key": ADMIN_KEY}, timeout=30
        )
        ours = httpx.Client(
            base_url=fake.url, headers={"X-Muxi-Client-Key": s.client_key, "X-Muxi-Admin-Key": s.admin_key}
        )
        with real, ours:
            yield real, ours


def answer(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    error = body.get("error") or {}
    return {"status": response.status_code, "code": error.get("code"), "message": error.get("message"),
            "data": error.get("data")}  # fmt: skip


def cases() -> Iterator[tuple[str, str, Any]]:
    spec = runtime_requests()
    for method, path in OPERATIONS:
        op = spec.match(method, path)
        assert op is not None and op.body is not None, (method, path)
        schema = op.body
        while "$ref" in schema:
            schema = spec.schemas.components[schema["$ref"]]
        yield method, path, []
        for name in schema.get("properties", {}):
            for value in WRONG:
                yield method, path, {name: value}


def test_wrong_types_get_the_runtimes_422(clients: tuple[httpx.Client, httpx.Client]) -> None:
    real, ours = clients
    spec = runtime_requests()
    compared, differences = 0, []
    headers = {"X-Muxi-User-ID": "parity-user", "Content-Type": "application/json"}
    for method, path, body in cases():
        content = json.dumps(body).encode()
        op = spec.match(method, path)
        assert op is not None
        if not spec.problems(op, QueryParams(), content):
            continue  # the fake would run this one: not sent
        theirs = answer(real.request(method, path, content=content, headers=headers))
        mine = answer(ours.request(method, path, content=content, headers=headers))
        compared += 1
        if theirs != mine:
            differences.append(f"{method} {path} {content.decode()}:\n  runtime {theirs}\n  fake    {mine}")
    for path, name in QUERIES:
        for value in ("abc", "0", "-3", "maybe"):
            op = spec.match("GET", path)
            assert op is not None
            if not spec.problems(op, QueryParams({name: value}), b""):
                continue
            theirs = answer(real.get(path, params={name: value}, headers=headers))
            mine = answer(ours.get(path, params={name: value}, headers=headers))
            compared += 1
            if theirs != mine:
                differences.append(f"GET {path}?{name}={value}:\n  runtime {theirs}\n  fake    {mine}")
    print(f"compared {compared} refused requests")
    assert compared > 50
    assert not differences, "\n".join(differences)
