"""`m.server`: ping, health, status and server logs, sync and async, against the fake MUXI server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from _server_helpers import Signed, sse_frames, tarball
from muxi_sdk import Muxi
from muxi_sdk.errors import AuthenticationError, ConfigurationError, InvalidInputError, ServerError
from muxi_sdk.models.server import ServerHealth, ServerLogs, ServerStatus
from muxi_sdk.testing import FakeMuxi
from muxi_sdk.testing.routes.server import append_log, set_server_option

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
    assert after.port_pool.allocated == 2  # a stopped formation keeps its port
    assert isinstance(after.server.uptime, int) and after.server.id == "server-local"
    assert after.response_meta is not None and after.response_meta.status_code == 200


def test_status_needs_credentials(muxi_fake: FakeMuxi) -> None:
    with Muxi(server_url=muxi_fake.url) as m, pytest.raises(ConfigurationError):
        m.server.status()


def test_logs_are_empty_like_the_real_server(m: Muxi, muxi_fake: FakeMuxi) -> None:
    # MUXI Server 0.20260423.0 writes no audit file: its log is an empty text/plain body.
    m.server.status()
    logs = m.server.logs()
    assert (logs.text, logs.lines, str(logs)) == ("", [], "")


def test_logs_are_text_lines(m: Muxi, muxi_fake: FakeMuxi) -> None:
    set_server_option(muxi_fake.state, audit_log=True)
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
    set_server_option(muxi_fake.state, audit_log=True)
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


# ------------------------------------------------------------------ the fake's raw answers (real server's)


@pytest.fixture
def signed(muxi_fake: FakeMuxi) -> Iterator[Signed]:
    client = Signed(muxi_fake)
    yield client
    client.close()


def test_unknown_rpc_routes_and_methods(signed: Signed) -> None:
    for method, path in [
        ("GET", "/rpc/nope"),
        ("POST", "/rpc/formations/x/deploy"),
        ("GET", "/rpc/formations/x/logs/stream"),
    ]:
        r = signed.request(method, path)
        assert (r.status_code, r.json()) == (404, {"error": "Not Found", "message": "Endpoint not found", "code": 404})
    r = signed.request("PATCH", "/rpc/formations")
    assert (r.status_code, r.content, r.headers.get("content-type")) == (405, b"", None)


def test_download_answers_the_bundle(m: Muxi, signed: Signed) -> None:
    data = tarball("dl")
    m.formations.deploy(bundle=data)
    r = signed.request("GET", "/rpc/formations/dl/download")
    assert (r.status_code, r.headers["content-type"], r.content) == (200, "application/zip", data)
    assert signed.request("GET", "/rpc/formations/ghost/download").status_code == 404


def test_bad_log_parameters_are_ignored(m: Muxi, signed: Signed) -> None:
    m.formations.deploy(bundle=tarball("lg"))
    for query in ("lines=abc", "lines=0", "lines=-3"):
        r = signed.request("GET", f"/rpc/formations/lg/logs?{query}")
        assert r.status_code == 200 and r.json()["data"]["logs"]["stdout"]
        assert signed.request("GET", f"/rpc/server/logs?{query}").status_code == 200
    bogus = signed.request("GET", "/rpc/formations/lg/logs?stream=bogus").json()["data"]
    assert bogus == {"formation_id": "lg", "logs": {}, "total_lines": {"stderr": 0, "stdout": 0}}


def test_follow_sends_no_keepalive_comments(m: Muxi, muxi_fake: FakeMuxi, signed: Signed) -> None:
    m.formations.deploy(bundle=tarball("quiet"))
    with signed.stream("GET", "/rpc/formations/quiet/logs?follow=true") as r:
        chunks = r.iter_bytes()
        assert next(chunks).startswith(b"event: connected")
        time.sleep(1.3)  # the old fake sent `: keepalive` after 1 s of quiet
        append_log(muxi_fake.state, "quiet", "after the pause")
        assert next(chunks).startswith(b"event: log\n")


def test_lifecycle_streams_frame_errors_with_status_200(signed: Signed) -> None:
    r = signed.request("POST", "/rpc/formations/ghost/rollback", headers={"Accept": "text/event-stream"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    assert [event for event, _ in sse_frames(r.text)] == ["progress", "error"]
    r = signed.request("POST", "/rpc/formations/ghost/rollback")
    assert (r.status_code, r.json()["message"]) == (404, "Formation not found")


def test_cli_key_id_and_secret_key_sign_the_server_api() -> None:
    """`python -m muxi_sdk.testing --key-id ... --secret-key ...` (README's testing section)."""
    import socket
    import subprocess
    import sys

    from _helpers import env_without_muxi

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cmd = [sys.executable, "-m", "muxi_sdk.testing", "--port", str(port), "--key-id", "my-key", "--secret-key", "s3"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env_without_muxi())
    try:
        assert proc.stdout is not None and "fake MUXI server on" in proc.stdout.readline().decode()
        url = f"http://127.0.0.1:{port}"
        with Muxi(server_url=url, key_id="my-key", secret_key="s3") as m:
            assert m.server.status().formations.total == 0
        with Muxi(server_url=url, key_id="my-key", secret_key="wrong") as m, pytest.raises(AuthenticationError):
            m.server.status()
        with Muxi(server_url=url, key_id="fake-key-id", secret_key="fake-secret-key") as m:
            with pytest.raises(AuthenticationError, match="Invalid key"):
                m.server.status()
        assert httpx.get(f"{url}/api/fake-formation/v1/health").status_code == 200  # --formation-id's default
        assert httpx.get(f"{url}/api/not-deployed/v1/health").status_code == 404
    finally:
        proc.terminate()
        proc.wait(10)
