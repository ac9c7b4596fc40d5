"""`m.server`: ping, health, status and server logs, sync and async, against the fake MUXI server."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from muxi_sdk import Muxi
from muxi_sdk.errors import ConfigurationError, InvalidInputError, ServerError
from muxi_sdk.models.server import ServerHealth, ServerLogs, ServerStatus
from muxi_sdk.testing import FakeMuxi

pytestmark = pytest.mark.usefixtures("clean_env")


@pytest.fixture
def m(muxi_fake: FakeMuxi) -> Muxi:
    return muxi_fake.client(server_url=muxi_fake.url)


def _formation_dir(tmp_path: Path, formation_id: str) -> Path:
    d = tmp_path / formation_id
    d.mkdir()
    (d / "formation.afs").write_text(f'schema: "1.0.0"\nid: {formation_id}\nversion: "1.0.0"\n')
    return d


def test_ping(m: Muxi, muxi_fake: FakeMuxi) -> None:
    assert m.server.ping() == "pong"
    (request,) = muxi_fake.state.requests
    assert request.path == "/ping" and request.headers["accept"] == "text/plain"


def test_health_is_public_and_flat(muxi_fake: FakeMuxi) -> None:
    with Muxi(server_url=muxi_fake.url) as m:
        health = m.server.health()
    assert isinstance(health, ServerHealth)
    assert health.status == "ok" and health.healthy and health.success is True
    assert health.version == muxi_fake.state.version


def test_status(m: Muxi, muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    status = m.server.status()
    assert isinstance(status, ServerStatus)
    assert status.formations.total == 0 and status.server.id
    assert status.port_pool.total and status.port_pool.allocated == 0
    assert status.runtime.go_version
    m.formations.deploy(bundle=_formation_dir(tmp_path, "one"))
    m.formations.deploy(bundle=_formation_dir(tmp_path, "two"))
    m.formations.stop(formation_id="two")
    after = m.server.status()
    assert (after.formations.total, after.formations.running, after.formations.stopped) == (2, 1, 1)
    assert after.port_pool.allocated == 1
    assert after.response_meta is not None and after.response_meta.status_code == 200


def test_status_needs_credentials(muxi_fake: FakeMuxi) -> None:
    with Muxi(server_url=muxi_fake.url) as m, pytest.raises(ConfigurationError):
        m.server.status()


def test_logs_are_text_lines(m: Muxi, muxi_fake: FakeMuxi) -> None:
    m.server.status()
    m.formations.list()
    logs = m.server.logs()
    assert isinstance(logs, ServerLogs)
    assert logs.text.endswith("\n") and str(logs) == logs.text
    assert len(logs.lines) == 3
    assert "GET /rpc/server/status" in logs.lines[0] and "GET /rpc/server/logs" in logs.lines[-1]
    last = m.server.logs(lines=1)
    assert len(last.lines) == 1 and "/rpc/server/logs" in last.lines[0]
    sent = [r for r in muxi_fake.state.requests if r.path == "/rpc/server/logs"]
    assert sent[-1].headers["accept"] == "text/plain"


def test_logs_send_lines_not_limit(muxi_fake: FakeMuxi) -> None:
    seen: list[httpx.URL] = []
    with httpx.Client(event_hooks={"request": [lambda r: seen.append(r.url)]}) as client:
        with muxi_fake.client(server_url=muxi_fake.url, client=client) as m:
            m.server.logs(lines=7)
            m.server.logs()
    assert seen[0].path == "/rpc/server/logs" and dict(seen[0].params) == {"lines": "7"}
    assert dict(seen[1].params) == {}


@pytest.mark.parametrize("bad", [0, -1, 10_001, "5", 2.5, True])
def test_logs_lines_are_checked(m: Muxi, bad: object) -> None:
    with pytest.raises(InvalidInputError):
        m.server.logs(lines=bad)  # type: ignore[arg-type]


def test_per_call_server_url(muxi_fake: FakeMuxi) -> None:
    with Muxi(server_url="http://127.0.0.1:9", key_id="x", secret_key="y") as m:
        assert m.server.ping(server_url=muxi_fake.url) == "pong"


def test_server_errors_map_from_the_server_body(m: Muxi, muxi_fake: FakeMuxi) -> None:
    body = '{"error": "Internal Server Error", "message": "boom", "code": 500}'
    muxi_fake.faults.fail_next(1, 500, body=body, path_contains="/rpc/server/status")
    with pytest.raises(ServerError) as info:
        m.server.status(retries=None)
    assert info.value.message == "boom" and info.value.status_code == 500


async def test_async_twins(muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    async with muxi_fake.client(server_url=muxi_fake.url) as m:
        assert await m.server.ping_async() == "pong"
        assert (await m.server.health_async()).healthy
        await m.formations.deploy_async(bundle=_formation_dir(tmp_path, "async-one"))
        status = await m.server.status_async()
        assert status.formations.running == 1
        logs = await m.server.logs_async(lines=2)
        assert len(logs.lines) == 2 and "/rpc/server/logs" in logs.lines[-1]
        with pytest.raises(InvalidInputError):
            await m.server.logs_async(lines=0)
