"""`m.formations` against the fake MUXI server (faithful to MUXI Server 0.20260423.0): bundles, deploy and
update, rollback, lifecycle, logs, progress streams and their error paths, sync and async."""

from __future__ import annotations

import gzip
import io
import os
import tarfile
import threading
from pathlib import Path
from typing import Any

import pytest
from httpx_sse import ServerSentEvent

from _server_helpers import make_dir, tarball, write_tarball
from muxi_sdk import LifecycleStream, Muxi

# internal: the frame decoders and the bundle helpers are unit-tested where they live
from muxi_sdk._streams.lifecycle import decode_formation_log_event as decode_log_event
from muxi_sdk._streams.lifecycle import decode_lifecycle_event, lifecycle_decoder
from muxi_sdk._utils.bundles import pack_directory, parse_manifest
from muxi_sdk._utils.serializers import RawBody, raw_body
from muxi_sdk.errors import (
    AuthenticationError,
    ConflictError,
    FormationConflictError,
    FormationNotFoundError,
    FormationOperationError,
    FormationServerError,
    FormationValidationError,
    InvalidInputError,
    NotFoundError,
    ServerError,
    StreamError,
    ValidationError,
)
from muxi_sdk.models.formations import (
    CompleteEvent,
    DeployResult,
    FormationList,
    FormationLogs,
    LifecycleProgressEvent,
    LogConnectedEvent,
    LogLineEvent,
    UnknownLifecycleEvent,
)
from muxi_sdk.testing import FakeMuxi
from muxi_sdk.testing.routes.server import (
    append_log,
    begin_update,
    enable_upstream_bug,
    fail_next_operation,
    formations,
    set_server_option,
    settle,
)

pytestmark = pytest.mark.usefixtures("clean_env")


@pytest.fixture
def m(muxi_fake: FakeMuxi) -> Any:
    with muxi_fake.client(server_url=muxi_fake.url) as client:
        yield client


def deploy_requests(fake: FakeMuxi) -> list[Any]:
    return [r for r in fake.state.requests if r.path == "/rpc/formations" and r.method == "POST"]


def names_in(data: bytes) -> list[str]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        return tar.getnames()


class OneWay(io.RawIOBase):
    """A non-seekable binary source that records how much each read asked for."""

    def __init__(self, data: bytes) -> None:
        self._buf = io.BytesIO(data)
        self.reads: list[int] = []

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        self.reads.append(size)
        return self._buf.read(size)


# ------------------------------------------------------------------------------------------- bundles


def test_parse_manifest() -> None:
    text = "schema: \"1.0.0\"\nid: my-bot   # the id\nversion: '2.1'\nagents:\n  - id: nested\nversion: 9\n"
    manifest = parse_manifest(text)
    assert (manifest.id, manifest.version) == ("my-bot", "2.1")
    assert parse_manifest("agents: []\n").id is None


def test_pack_directory_puts_everything_under_one_root_reproducibly(tmp_path: Path) -> None:
    d = make_dir(tmp_path, "packed")
    (d / ".git").mkdir()
    (d / ".git" / "HEAD").write_text("ref")
    (d / "__pycache__").mkdir()
    (d / "__pycache__" / "x.pyc").write_bytes(b"\0")
    first, second = pack_directory(d, root="packed"), pack_directory(d, root="packed")
    try:
        a, b = first.read(), second.read()
    finally:
        first.close()
        second.close()
    assert a == b and a[:2] == b"\x1f\x8b"
    # The MUXI server takes the first entry's first path segment as the formation root.
    assert names_in(a) == ["packed", "packed/agents", "packed/agents/assistant.md", "packed/formation.afs"]
    default = pack_directory(d)
    try:
        assert names_in(default.read())[0] == d.name
    finally:
        default.close()


def test_directory_deploy_sends_one_top_level_directory(m: Muxi, muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    m.formations.deploy(bundle=make_dir(tmp_path, "rooted"))
    (request,) = deploy_requests(muxi_fake)
    assert names_in(request.body) == ["rooted", "rooted/agents", "rooted/agents/assistant.md", "rooted/formation.afs"]


@pytest.mark.parametrize(
    ("layout", "match"),
    [("flat", r"files at the archive's top level \('formation.afs'\)"), ("dot", r"entries start with '\./'")],
)
def test_tarball_layouts_the_server_rejects_are_refused_before_sending(
    m: Muxi, muxi_fake: FakeMuxi, tmp_path: Path, layout: str, match: str
) -> None:
    data = tarball("bad-layout", layout=layout)
    path = tmp_path / "b.tar.gz"
    path.write_bytes(data)
    for bundle in (data, path, io.BytesIO(data)):
        with pytest.raises(InvalidInputError, match=match) as info:
            m.formations.deploy(bundle=bundle)
        assert "tar -czf bundle.tar.gz -C <parent> <formation-dir>" in str(info.value)
        with pytest.raises(InvalidInputError, match=match):
            m.formations.update(formation_id="bad-layout", bundle=bundle)
    assert muxi_fake.state.requests == []


def test_tarball_without_a_formation_file_under_its_root_is_refused(m: Muxi, muxi_fake: FakeMuxi) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("bot/agents/a.md")
        tar.addfile(info, io.BytesIO(b""))
    with pytest.raises(InvalidInputError, match=r"no formation\.afs .* directly inside 'bot/'"):
        m.formations.deploy(bundle=buf.getvalue(), formation_id="bot")
    empty = io.BytesIO()
    with tarfile.open(fileobj=empty, mode="w:gz"):
        pass
    with pytest.raises(InvalidInputError, match="empty archive"):
        m.formations.deploy(bundle=empty.getvalue(), formation_id="bot")
    with pytest.raises(InvalidInputError, match="not a gzipped tarball"):
        m.formations.deploy(bundle=gzip.compress(b"just text"), formation_id="bot")
    assert muxi_fake.state.requests == []


def test_the_fake_rejects_layouts_like_the_real_server(m: Muxi) -> None:
    # Non-seekable sources cannot be read ahead: the server (here the fake) refuses them as the real one does.
    with pytest.raises(ValidationError, match=r"Failed to find formation config: no formation config file found"):
        m.formations.deploy(bundle=OneWay(tarball("flat-one", layout="flat")), formation_id="flat-one")
    with pytest.raises(ValidationError, match=r"Failed to extract bundle: invalid file path in archive: \./"):
        m.formations.deploy(bundle=OneWay(tarball("dot-one", layout="dot")), formation_id="dot-one")
    assert m.formations.list().total == 0


def test_formation_ids_follow_the_server_rule(m: Muxi, muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    for bad in ("My_Bot", "my_bot", "mybot-UPPER"):
        with pytest.raises(InvalidInputError, match="only lowercase letters, digits and hyphens"):
            m.formations.deploy(bundle=tarball(bad), formation_id=bad)
    with pytest.raises(InvalidInputError, match="only lowercase"):
        m.formations.deploy(bundle=make_dir(tmp_path, "Upper_Case"))  # the id comes from the formation file
    assert muxi_fake.state.requests == []
    with pytest.raises(ValidationError, match="Invalid X-Formation-ID: formation ID must contain only lowercase"):
        m.formations.deploy(bundle=OneWay(tarball("ok")), formation_id="ok", http_headers={"X-Formation-ID": "A_b"})


def test_secrets_need_secrets_enc(m: Muxi, tmp_path: Path) -> None:
    uses = '\nllm:\n  api_keys:\n    openai: "${{ secrets.OPENAI_API_KEY }}"\n'
    with pytest.raises(ValidationError, match=r"references secrets \(\[OPENAI_API_KEY\]\) but 'secrets.enc'"):
        m.formations.deploy(bundle=make_dir(tmp_path, "secretive", extra=uses))
    with_file = tarball("secretive", extra=uses, files={"secrets.enc": b"\x00encrypted"})
    assert m.formations.deploy(bundle=with_file).status == "running"


def test_the_version_defaults_to_1_0_0(m: Muxi) -> None:
    # Without X-Formation-Version (a stream the SDK cannot read ahead) the server expects 1.0.0.
    with pytest.raises(ValidationError, match=r"expected '1\.0\.0' but config contains '2\.0\.0'"):
        m.formations.deploy(bundle=OneWay(tarball("v-two", "2.0.0")), formation_id="v-two")
    assert m.formations.deploy(bundle=OneWay(tarball("v-one")), formation_id="v-one").status == "running"


def test_raw_body_streams_in_bounded_chunks(tmp_path: Path) -> None:
    path = tmp_path / "big.bin"
    path.write_bytes(os.urandom(300_000))
    body = raw_body(path, "application/gzip")
    assert isinstance(body, RawBody) and body.replayable and body.length == 300_000
    chunks = list(body.chunks())
    assert max(len(c) for c in chunks) <= 64 * 1024 and b"".join(chunks) == path.read_bytes()
    assert b"".join(body.chunks()) == path.read_bytes()  # replayable
    one_way = raw_body(OneWay(b"abc"))
    assert not one_way.replayable and one_way.length is None


# -------------------------------------------------------------------------------------------- deploy


def test_deploy_from_directory(m: Muxi, muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    result = m.formations.deploy(bundle=make_dir(tmp_path, "dir-bot", "1.2.0"))
    assert isinstance(result, DeployResult)
    assert result.formation_id == "dir-bot" and result.status == "running"
    assert result.port and result.pid and result.url == f"{muxi_fake.url}/api/dir-bot"
    assert result.health_url == f"http://localhost:{result.port}/v1/health"
    assert result.response_meta is not None and result.response_meta.status_code == 201
    (request,) = deploy_requests(muxi_fake)
    assert request.headers["content-type"] == "application/gzip"
    assert request.headers["x-formation-id"] == "dir-bot"
    assert request.headers["x-formation-version"] == "1.2.0"
    assert request.headers["content-length"] == str(len(request.body))
    assert request.headers["accept"] == "application/json"
    assert request.headers["authorization"].startswith("MUXI-HMAC key=")
    listed = m.formations.list()
    assert isinstance(listed, FormationList) and listed.total == 1 and listed.ids() == ["dir-bot"]
    (item,) = listed.formations
    assert item.version is not None and item.version.semantic == "1.2.0" and isinstance(item.uptime, int)
    got = m.formations.get(formation_id="dir-bot")
    assert got.status == "running" and got.healthy is True and got.version and got.version.current
    assert got.version.current == __import__("hashlib").sha256(request.body).hexdigest()
    # the deployed formation's Formation API answers through the proxy URL
    with Muxi(server_url=muxi_fake.url, formation_id="dir-bot") as f:
        assert f.system.health().healthy


def test_deploy_from_tarball_path_bytes_and_file(m: Muxi, tmp_path: Path) -> None:
    assert m.formations.deploy(bundle=write_tarball(tmp_path, "tar-path")).formation_id == "tar-path"
    assert m.formations.deploy(bundle=str(write_tarball(tmp_path, "tar-str", name="b.tgz"))).status == "running"
    assert m.formations.deploy(bundle=tarball("tar-bytes")).formation_id == "tar-bytes"
    with open(write_tarball(tmp_path, "tar-file", name="d.tar.gz"), "rb") as fh:
        assert m.formations.deploy(bundle=fh).formation_id == "tar-file"
    assert sorted(m.formations.list().ids()) == ["tar-bytes", "tar-file", "tar-path", "tar-str"]


def test_deploy_streams_a_non_seekable_source(m: Muxi, muxi_fake: FakeMuxi) -> None:
    source = OneWay(tarball("one-way"))
    with pytest.raises(InvalidInputError, match="formation_id is required"):
        m.formations.deploy(bundle=OneWay(b"\x1f\x8b"))
    result = m.formations.deploy(bundle=source, formation_id="one-way")
    assert result.formation_id == "one-way"
    assert source.reads and max(source.reads) <= 64 * 1024
    assert "transfer-encoding" in deploy_requests(muxi_fake)[0].headers  # length unknown: chunked


def test_deploy_conflict_and_bad_bundles(m: Muxi, tmp_path: Path) -> None:
    d = make_dir(tmp_path, "twice")
    m.formations.deploy(bundle=d)
    with pytest.raises(ConflictError, match=r"Formation 'twice' already exists\. Use PUT to update\."):
        m.formations.deploy(bundle=d)
    with pytest.raises(InvalidInputError, match="not gzip"):
        m.formations.deploy(bundle=b"plain text", formation_id="x")
    with pytest.raises(InvalidInputError, match="not found"):
        m.formations.deploy(bundle=tmp_path / "missing.tar.gz")
    with pytest.raises(InvalidInputError, match="declares id 'twice'"):
        m.formations.deploy(bundle=d, formation_id="other")
    with pytest.raises(InvalidInputError, match="declares version"):
        m.formations.deploy(bundle=d, version="9.9.9")
    with pytest.raises(InvalidInputError):
        m.formations.deploy(bundle=123)  # type: ignore[arg-type]
    no_file = tmp_path / "no-file"
    no_file.mkdir()
    with pytest.raises(InvalidInputError, match=r"has no formation\.afs"):
        m.formations.deploy(bundle=no_file, formation_id="no-file")
    with pytest.raises(InvalidInputError, match="formation_id is required"):
        m.formations.deploy(bundle=tarball(None))


def test_server_side_bundle_validation(m: Muxi) -> None:
    data = tarball("declared")
    with pytest.raises(ValidationError, match=r"Formation ID mismatch: expected 'not-declared' but config contains"):
        m.formations.deploy(bundle=OneWay(data), formation_id="not-declared")
    with pytest.raises(ValidationError, match=r"Formation version mismatch: expected '2\.0\.0'"):
        m.formations.deploy(bundle=OneWay(data), formation_id="declared", version="2.0.0")
    with pytest.raises(ValidationError, match="Failed to extract bundle: "):
        m.formations.deploy(bundle=OneWay(b"\x1f\x8bnot really gzip"), formation_id="broken")
    with pytest.raises(ValidationError, match="gzip: invalid header"):
        m.formations.deploy(bundle=OneWay(b"this is not gzip"), formation_id="broken")
    with pytest.raises(ValidationError, match=r"Invalid Content-Type\. Expected application/gzip"):
        m.formations.deploy(bundle=data, http_headers={"Content-Type": "application/json"})
    assert m.formations.list().total == 0


def test_deploy_without_credentials_is_rejected(muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    with Muxi(server_url=muxi_fake.url, key_id=muxi_fake.state.key_id, secret_key="wrong") as m:
        with pytest.raises(AuthenticationError, match="Invalid signature"):
            m.formations.deploy(bundle=make_dir(tmp_path, "nope"))


# -------------------------------------------------------------------------------- update and rollback


def test_update_and_rollback_toggle(m: Muxi, muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    m.formations.deploy(bundle=make_dir(tmp_path, "bot", "1.0.0"))
    with pytest.raises(ValidationError, match="No previous version available for rollback"):
        m.formations.rollback(formation_id="bot")
    v1 = m.formations.get(formation_id="bot").version
    v11 = make_dir(tmp_path, "bot", "1.1.0")
    updated = m.formations.update(formation_id="bot", bundle=v11)
    assert (updated.version, updated.previous_version, updated.deployment_type) == (2, 1, "blue-green")
    assert updated.message == "Formation updated with zero downtime"
    put = [r for r in muxi_fake.state.requests if r.method == "PUT"][-1]
    assert put.path == "/rpc/formations/bot" and put.headers["x-formation-version"] == "1.1.0"
    assert "x-formation-id" not in put.headers
    assert names_in(put.body)[0] == "bot"
    v2 = m.formations.get(formation_id="bot").version
    assert v1 and v2 and v2.previous == v1.current and v2.current != v1.current
    with pytest.raises(ConflictError, match="Source is identical to current version - nothing to update"):
        m.formations.update(formation_id="bot", bundle=v11)  # packed again: byte-identical
    with pytest.raises(InvalidInputError, match="declares id 'other'"):
        m.formations.update(formation_id="bot", bundle=make_dir(tmp_path, "other"))
    with pytest.raises(NotFoundError, match="Formation not found"):
        m.formations.update(formation_id="ghost", bundle=tarball("ghost"))
    rolled = m.formations.rollback(formation_id="bot")
    assert (rolled.version, rolled.previous_version, rolled.status) == (1, 2, "running")
    assert rolled.message == "Rolled back to previous version"
    after = m.formations.get(formation_id="bot")
    assert after.version and after.version.current == v1.current and after.version.previous == v2.current
    # The swapped-in process is `starting` until the server's next health check; the proxy answers 503.
    assert (after.status, after.healthy, after.uptime) == ("starting", None, 0)
    with Muxi(server_url=muxi_fake.url, formation_id="bot", client_key=muxi_fake.state.client_key) as f:
        with pytest.raises(ServerError, match=r"Formation 'bot' is not running \(status: starting\)") as info:
            f.chat.send(message="hi", user_id="u", retries=None)
        assert info.value.status_code == 503
        settle(muxi_fake.state, "bot")
        assert f.chat.send(message="hi", user_id="u").text == "Echo: hi"
    again = m.formations.rollback(formation_id="bot")  # toggles back: the previous version is kept
    assert (again.version, again.previous_version) == (2, 1)


def test_cancel_update(m: Muxi, muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    m.formations.deploy(bundle=make_dir(tmp_path, "bot"))
    with pytest.raises(ValidationError, match="No update in progress for this formation"):
        m.formations.cancel_update(formation_id="bot")
    with pytest.raises(NotFoundError):
        m.formations.cancel_update(formation_id="ghost")
    begin_update(muxi_fake.state, "bot")
    with pytest.raises(ConflictError, match="Formation is already being updated"):
        m.formations.update(formation_id="bot", bundle=make_dir(tmp_path, "bot", "3.0.0"))
    cancelled = m.formations.cancel_update(formation_id="bot")
    assert cancelled.message == "Update cancelled successfully" and cancelled.status == "running"
    assert cancelled.formation_id == "bot" and cancelled.staging_port and cancelled.current_port
    assert cancelled.response_meta is not None and cancelled.response_meta.status_code == 200


def test_cancel_during_a_streamed_update(m: Muxi, muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    m.formations.deploy(bundle=make_dir(tmp_path, "slow"))
    before = m.formations.get(formation_id="slow").version
    set_server_option(muxi_fake.state, step_delay_s=0.05, health_check_attempts=40)
    with m.formations.stream_update(formation_id="slow", bundle=make_dir(tmp_path, "slow", "2.0.0")) as events:
        for event in events:
            if isinstance(event, LifecycleProgressEvent) and event.stage == "spawning_staging":
                assert event.staging_port
                with muxi_fake.client(server_url=muxi_fake.url) as other:
                    assert other.formations.cancel_update(formation_id="slow").staging_port == event.staging_port
                break
        with pytest.raises(FormationValidationError) as info:
            events.result()
    assert (info.value.code, info.value.stage, info.value.status_code) == ("HealthCheckFailed", "health_check", 400)
    assert "Old version still running" in info.value.message
    assert m.formations.get(formation_id="slow").version == before


# ------------------------------------------------------------------------------------------ lifecycle


def test_start_stop_restart_delete(m: Muxi, muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    deployed = m.formations.deploy(bundle=make_dir(tmp_path, "life"))
    with pytest.raises(ConflictError, match="Formation is already running"):
        m.formations.start(formation_id="life")
    stopped = m.formations.stop(formation_id="life")
    assert (stopped.status, stopped.id, stopped.message) == ("stopped", "life", "Formation stopped successfully")
    got = m.formations.get(formation_id="life")
    assert (got.pid, got.port, got.healthy, got.uptime) == (0, deployed.port, False, 0)
    with Muxi(server_url=muxi_fake.url, formation_id="life", client_key=muxi_fake.state.client_key) as f:
        with pytest.raises(ServerError, match=r"is not running \(status: stopped\)"):
            f.chat.send(message="hi", user_id="u", retries=None)
    with pytest.raises(ConflictError, match="Formation is already stopped"):
        m.formations.stop(formation_id="life")
    started = m.formations.start(formation_id="life")
    assert (started.status, started.port, started.message) == ("running", deployed.port, "Formation started")
    restarted = m.formations.restart(formation_id="life")
    assert restarted.restart_count == 1 and restarted.message == "Formation restarted"
    deleted = m.formations.delete(formation_id="life")
    assert deleted.id == "life" and deleted.message == "Formation deleted successfully"
    with pytest.raises(NotFoundError, match="Formation not found"):
        m.formations.get(formation_id="life")
    with pytest.raises(NotFoundError):
        m.formations.delete(formation_id="life")
    with pytest.raises(InvalidInputError):
        m.formations.start(formation_id="..")
    with pytest.raises(InvalidInputError):
        m.formations.stop(formation_id="")


def test_the_proxy_answers_404_for_an_unknown_formation(muxi_fake: FakeMuxi) -> None:
    with Muxi(server_url=muxi_fake.url, formation_id="nobody", client_key=muxi_fake.state.client_key) as f:
        with pytest.raises(NotFoundError, match="No formation with id 'nobody'") as info:
            f.chat.send(message="x", user_id="u")
    assert info.value.code == "Formation not found"


# ----------------------------------------------------------------------------------------------- logs


def test_logs(m: Muxi, muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    m.formations.deploy(bundle=make_dir(tmp_path, "logged"))
    fresh = m.formations.logs(formation_id="logged")
    # The server sends `"stderr": null` for an empty log file: read as no lines.
    raw = fresh.response_meta.http_response.json()["data"]  # type: ignore[union-attr]
    assert raw["logs"]["stderr"] is None and fresh.logs.stderr == []
    assert fresh.total_lines.stderr == 0 and fresh.total_lines.stdout == 1
    for i in range(5):
        append_log(muxi_fake.state, "logged", f"line {i}")
    logs = m.formations.logs(formation_id="logged")
    assert logs.formation_id == "logged" and logs.logs.stdout[-1] == "line 4"
    assert logs.total_lines.stdout == 6 and logs.lines[:1] == logs.logs.stdout[:1]
    tail = m.formations.logs(formation_id="logged", lines=2, stream="stdout")
    assert tail.logs.stdout == ["line 3", "line 4"] and tail.logs.stderr == []
    assert (tail.total_lines.stdout, tail.total_lines.stderr) == (6, 0)  # both keys, the unasked one 0
    only_err = m.formations.logs(formation_id="logged", stream="stderr")
    assert isinstance(only_err, FormationLogs) and only_err.logs.stdout == [] and only_err.total_lines.stdout == 0
    with pytest.raises(InvalidInputError):
        m.formations.logs(formation_id="logged", stream="both")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError):
        m.formations.logs(formation_id="logged", lines=0)
    with pytest.raises(NotFoundError, match="Formation not found"):
        m.formations.logs(formation_id="ghost")


async def test_logs_with_an_empty_log_async(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client(server_url=muxi_fake.url) as m:
        await m.formations.deploy_async(bundle=tarball("quiet"))
        logs = await m.formations.logs_async(formation_id="quiet", stream="stderr")
        assert logs.logs.stderr == [] and logs.total_lines.stderr == 0


def test_follow_logs(m: Muxi, muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    m.formations.deploy(bundle=make_dir(tmp_path, "followed"))
    append_log(muxi_fake.state, "followed", "old line")
    with m.formations.stream_logs(formation_id="followed") as events:
        first = next(events)
        assert isinstance(first, LogConnectedEvent) and first.formation_id == "followed"
        append_log(muxi_fake.state, "followed", "new line")
        append_log(muxi_fake.state, "followed", "to stderr", stream="stderr")
        line = next(events)
        assert isinstance(line, LogLineEvent) and line.line == "new line" and line.formation_id == "followed"
    assert events.closed
    follow = [r for r in muxi_fake.state.requests if r.path == "/rpc/formations/followed/logs"][-1]
    assert follow.headers["accept"] == "text/event-stream"
    with pytest.raises(InvalidInputError):
        m.formations.stream_logs(formation_id="followed", stream="all")  # type: ignore[arg-type]


def test_follow_logs_stderr_and_ends_on_delete(m: Muxi, muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    m.formations.deploy(bundle=make_dir(tmp_path, "err"))
    with m.formations.stream_logs(formation_id="err", stream="stderr") as events:
        assert next(events).type == "connected"
        append_log(muxi_fake.state, "err", "out line")
        append_log(muxi_fake.state, "err", "err line", stream="stderr")
        assert next(events).line == "err line"  # type: ignore[union-attr]
        with muxi_fake.state.lock:
            del formations(muxi_fake.state)["err"]
        assert list(events) == []


# -------------------------------------------------------------------------------------------- streams


def stages(events: Any) -> list[str]:
    """The stages of the progress events, a repeated stage once (health checks repeat once a second)."""
    out: list[str] = []
    for event in events:
        if isinstance(event, LifecycleProgressEvent) and (not out or out[-1] != event.stage):
            out.append(str(event.stage))
    return out


def test_deploy_stream(m: Muxi, muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    with m.formations.stream_deploy(bundle=make_dir(tmp_path, "streamed")) as events:
        assert isinstance(events, LifecycleStream)
        seen = list(events)
    assert stages(seen) == ["extracting", "resolving_runtime", "spawning", "health_check"]
    progress = [e for e in seen if isinstance(e, LifecycleProgressEvent)]
    assert all(e.progress is None for e in progress)  # the real server never sends a percentage
    resolved = [e for e in progress if e.version]
    assert resolved and resolved[0].stage == "resolving_runtime" and resolved[0].version == "1.20260928.0"
    attempts = [e for e in progress if e.attempt]
    assert attempts and attempts[0].attempt == 1 and attempts[0].max_attempts == 120
    complete = seen[-1]
    assert isinstance(complete, CompleteEvent) and complete.formation_id == "streamed" and complete.port
    assert complete.pid and complete.health_url
    assert events.complete == complete and len(events.progress_events) == len(progress)
    (request,) = deploy_requests(muxi_fake)
    assert request.headers["accept"] == "text/event-stream"
    assert m.formations.get(formation_id="streamed").status == "running"


def test_lifecycle_streams(m: Muxi, muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    m.formations.deploy(bundle=make_dir(tmp_path, "cycle", "1.0.0"))
    with m.formations.stream_update(formation_id="cycle", bundle=make_dir(tmp_path, "cycle", "2.0.0")) as events:
        done = events.result()
    assert (done.previous_version, done.new_version) == ("1", "2")  # strings in the frame
    assert done.pid is None and done.health_url is None
    assert stages(events.progress_events) == [
        "extracting", "validating", "resolving_runtime", "spawning_staging", "health_check", "swapping", "stopping_old"
    ]  # fmt: skip
    assert next(e.staging_port for e in events.progress_events if e.stage == "spawning_staging")
    with m.formations.stream_restart(formation_id="cycle") as events:
        restarted = events.result()
    assert restarted.restart_count == 1 and restarted.url is None
    assert stages(events.progress_events)[:3] == ["stopping", "validating", "resolving_runtime"]
    with m.formations.stream_rollback(formation_id="cycle") as events:
        rolled = events.result()
    assert (rolled.previous_version, rolled.new_version) == ("2", "1")
    assert stages(events.progress_events) == [
        "validating", "resolving_runtime", "spawning_previous", "health_check", "stopping_current", "swapping"
    ]  # fmt: skip
    settle(muxi_fake.state)
    m.formations.stop(formation_id="cycle")
    with m.formations.stream_start(formation_id="cycle") as events:
        started = events.result()
    assert (started.status, started.url, started.pid) == ("running", None, None)
    assert stages(events.progress_events)[0] == "validating"


def test_start_restart_rollback_stream_every_error_as_a_frame(m: Muxi, tmp_path: Path) -> None:
    """On the real server these answer HTTP 200 and report 404/409/400 as `event: error` while iterating."""
    m.formations.deploy(bundle=make_dir(tmp_path, "running"))
    cases: list[tuple[Any, type[Exception], str, str, int, int]] = [
        (m.formations.stream_start, FormationNotFoundError, "ghost", "NotFound", 404, 0),
        (m.formations.stream_restart, FormationNotFoundError, "ghost", "NotFound", 404, 0),
        (m.formations.stream_rollback, FormationNotFoundError, "ghost", "NotFound", 404, 1),
        (m.formations.stream_start, FormationConflictError, "running", "AlreadyRunning", 409, 0),
        (m.formations.stream_rollback, FormationValidationError, "running", "NoPreviousVersion", 400, 1),
    ]
    for method, cls, formation_id, code, status, progress in cases:
        events = method(formation_id=formation_id)  # no error at the call: the stream opened with 200
        with events, pytest.raises(cls) as info:
            events.result()
        err = info.value
        assert isinstance(err, FormationOperationError) and (err.code, err.status_code) == (code, status)
        assert err.stage in ("validating", "stopping") and len(events.progress_events) == progress
    with pytest.raises(NotFoundError):  # the same class as the JSON answer of the plain call
        m.formations.start(formation_id="ghost")


def test_one_except_catches_both_framings(m: Muxi, tmp_path: Path) -> None:
    d = make_dir(tmp_path, "twice")
    m.formations.deploy(bundle=d)
    caught: list[tuple[str, int | None]] = []
    for call in (
        lambda: m.formations.start(formation_id="twice"),  # JSON 409
        lambda: m.formations.stream_start(formation_id="twice").result(),  # 200, then event: error
        lambda: m.formations.stream_deploy(bundle=tarball("twice")).result(),  # JSON 409 before streaming
        lambda: m.formations.stream_update(formation_id="twice", bundle=d).result(),  # NoChange frame
    ):
        try:
            call()
        except ConflictError as exc:
            caught.append((type(exc).__name__, exc.status_code))
    assert [status for _, status in caught] == [409, 409, 409, 409]
    assert [name for name, _ in caught] == [
        "ConflictError", "FormationConflictError", "ConflictError", "FormationConflictError"
    ]  # fmt: skip


def test_deploy_and_update_streams_answer_header_errors_as_json(m: Muxi, tmp_path: Path) -> None:
    d = make_dir(tmp_path, "exists")
    m.formations.deploy(bundle=d)
    with pytest.raises(ConflictError) as info:
        m.formations.stream_deploy(bundle=d)
    assert not isinstance(info.value, FormationOperationError)
    with pytest.raises(NotFoundError):
        m.formations.stream_update(formation_id="ghost", bundle=tarball("ghost"))


def test_bundle_errors_after_the_upload_are_error_frames(m: Muxi, tmp_path: Path) -> None:
    with m.formations.stream_deploy(bundle=OneWay(tarball("declared")), formation_id="mismatch") as events:
        with pytest.raises(FormationValidationError, match="Formation ID mismatch: expected 'mismatch'") as info:
            events.result()
    assert (info.value.code, info.value.stage, info.value.status_code) == ("IDMismatch", "validating", 400)
    assert stages(events.progress_events) == ["extracting"]
    same = make_dir(tmp_path, "same")
    m.formations.deploy(bundle=same)
    with m.formations.stream_update(formation_id="same", bundle=same) as events:
        with pytest.raises(FormationConflictError, match="Source is identical") as conflict:
            events.result()
    assert (conflict.value.code, conflict.value.stage) == ("NoChange", "validating")
    with m.formations.stream_deploy(bundle=OneWay(tarball("flat", layout="flat")), formation_id="flat") as events:
        with pytest.raises(FormationValidationError, match="Failed to find formation config") as parse:
            events.result()
    assert parse.value.code == "ParseError"


def test_injected_failures(m: Muxi, muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    fail_next_operation(muxi_fake.state, stage="spawning")
    with m.formations.stream_deploy(bundle=make_dir(tmp_path, "doomed")) as events:
        with pytest.raises(FormationOperationError) as info:
            for _ in events:
                pass
    err = info.value
    assert err.code == "HealthCheckFailed" and err.stage == "spawning" and isinstance(err, ValidationError)
    assert isinstance(err, StreamError) and err.details["stage"] == "spawning"
    assert stages(events.progress_events) == ["extracting", "resolving_runtime"]
    assert m.formations.list().total == 0  # nothing was deployed
    fail_next_operation(muxi_fake.state)
    with pytest.raises(ValidationError, match="Health check failed"):
        m.formations.deploy(bundle=make_dir(tmp_path, "doomed", "2"))


def test_upstream_bugs_are_opt_in(m: Muxi, muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    m.formations.deploy(bundle=make_dir(tmp_path, "buggy"))
    enable_upstream_bug(muxi_fake.state, "start_outside_current", "lingering_staging", "cancel_after_rollback")
    with pytest.raises(ServerError, match="Failed to find formation config") as info:
        m.formations.restart(formation_id="buggy", retries=None)
    assert info.value.status_code == 500
    with m.formations.stream_restart(formation_id="buggy") as events, pytest.raises(FormationServerError) as frame:
        events.result()
    assert (frame.value.code, frame.value.status_code, frame.value.stage) == ("ParseError", 500, "validating")
    assert m.formations.update(formation_id="buggy", bundle=make_dir(tmp_path, "buggy", "2")).version == 2
    with pytest.raises(ServerError, match="process with ID buggy-staging already exists"):
        m.formations.update(formation_id="buggy", bundle=make_dir(tmp_path, "buggy", "3"), retries=None)
    with m.formations.stream_update(formation_id="buggy", bundle=make_dir(tmp_path, "buggy", "4")) as events:
        with pytest.raises(FormationServerError) as spawn:
            events.result()
    assert (spawn.value.code, spawn.value.stage) == ("SpawnError", "spawning_staging")
    m.formations.rollback(formation_id="buggy")
    cancelled = m.formations.cancel_update(formation_id="buggy")  # 200 with no update running
    assert cancelled.message == "Update cancelled successfully"
    assert m.formations.get(formation_id="buggy").status == "unhealthy"
    with pytest.raises(ValueError, match="unknown upstream bug"):
        enable_upstream_bug(muxi_fake.state, "nope")


def test_decoders_keep_unknown_frames() -> None:
    unknown = decode_lifecycle_event(ServerSentEvent(event="heartbeat", data='{"n": 1}'))
    assert isinstance(unknown, UnknownLifecycleEvent) and unknown.event == "heartbeat" and unknown.data == {"n": 1}
    assert decode_lifecycle_event(ServerSentEvent(event="progress", data="")) is None
    progress = decode_lifecycle_event(
        ServerSentEvent(event="progress", data='{"stage": "pulling_runner", "message": "m", "eta": 2}')
    )
    assert isinstance(progress, LifecycleProgressEvent) and progress.additional_properties == {"eta": 2}
    text = decode_log_event(ServerSentEvent(event="note", data="plain"))
    assert isinstance(text, UnknownLifecycleEvent) and text.data == "plain"
    with pytest.raises(FormationServerError) as info:
        decode_lifecycle_event(ServerSentEvent(event="error", data='{"error": "X", "message": "bad", "stage": "s"}'))
    assert (info.value.code, info.value.message, info.value.stage, info.value.status_code) == ("X", "bad", "s", 500)
    # The same error type is the server's fault on start/restart, the bundle's on deploy.
    parse = '{"error": "ParseError", "message": "m", "stage": "validating"}'
    with pytest.raises(FormationServerError):
        lifecycle_decoder("start")(ServerSentEvent(event="error", data=parse))
    with pytest.raises(FormationValidationError):
        lifecycle_decoder("deploy")(ServerSentEvent(event="error", data=parse))


def test_result_without_complete_raises(m: Muxi, muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    m.formations.deploy(bundle=make_dir(tmp_path, "cut"))
    muxi_fake.faults.fail_next(1, 200, body="event: progress\ndata: {}\n\n", content_type="text/event-stream")
    with m.formations.stream_restart(formation_id="cut") as events, pytest.raises(StreamError, match="without"):
        events.result()


# ---------------------------------------------------------------------------------------------- async


async def test_async_twins(muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    async with muxi_fake.client(server_url=muxi_fake.url) as m:
        deployed = await m.formations.deploy_async(bundle=make_dir(tmp_path, "a1", "1.0.0"))
        assert deployed.status == "running"
        assert (await m.formations.deploy_async(bundle=tarball("a2"))).formation_id == "a2"
        assert sorted((await m.formations.list_async()).ids()) == ["a1", "a2"]
        assert (await m.formations.get_async(formation_id="a1")).id == "a1"
        upd = await m.formations.update_async(formation_id="a1", bundle=make_dir(tmp_path, "a1", "1.1.0"))
        assert (upd.version, upd.previous_version) == (2, 1)
        assert (await m.formations.rollback_async(formation_id="a1")).version == 1
        assert (await m.formations.rollback_async(formation_id="a1")).version == 2
        settle(muxi_fake.state)
        assert (await m.formations.stop_async(formation_id="a1")).status == "stopped"
        assert (await m.formations.start_async(formation_id="a1")).status == "running"
        assert (await m.formations.restart_async(formation_id="a1")).restart_count == 1
        with pytest.raises(ValidationError):
            await m.formations.cancel_update_async(formation_id="a1")
        begin_update(muxi_fake.state, "a1")
        assert (await m.formations.cancel_update_async(formation_id="a1")).formation_id == "a1"
        logs = await m.formations.logs_async(formation_id="a1", lines=1, stream="stdout")
        assert len(logs.logs.stdout) == 1
        with pytest.raises(InvalidInputError, match="top level"):
            await m.formations.update_async(formation_id="a2", bundle=tarball("a2", "2", layout="flat"))
        assert (await m.formations.delete_async(formation_id="a1")).id == "a1"
        with pytest.raises(NotFoundError):
            await m.formations.get_async(formation_id="a1")


async def test_async_streams(muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    async with muxi_fake.client(server_url=muxi_fake.url) as m:
        async with m.formations.stream_deploy_async(bundle=make_dir(tmp_path, "s1", "1.0.0")) as events:
            seen = [e async for e in events]
        assert isinstance(seen[-1], CompleteEvent) and seen[0].stage == "extracting"  # type: ignore[union-attr]
        stream = await m.formations.stream_update_async(formation_id="s1", bundle=make_dir(tmp_path, "s1", "2.0.0"))
        assert (await stream.result()).new_version == "2"
        async with m.formations.stream_restart_async(formation_id="s1") as events:
            assert (await events.result()).restart_count == 1
        async with m.formations.stream_rollback_async(formation_id="s1") as events:
            assert (await events.result()).new_version == "1"
        settle(muxi_fake.state)
        await m.formations.stop_async(formation_id="s1")
        async with m.formations.stream_start_async(formation_id="s1") as events:
            assert (await events.result()).status == "running"
        fail_next_operation(muxi_fake.state, stage="health_check", error="HealthCheckFailed")
        async with m.formations.stream_restart_async(formation_id="s1") as events:
            with pytest.raises(FormationOperationError) as info:
                await events.result()
        assert info.value.stage == "health_check"
        async with m.formations.stream_logs_async(formation_id="s1") as logs:
            assert isinstance(await logs.__anext__(), LogConnectedEvent)
            append_log(muxi_fake.state, "s1", "async line")
            line = await logs.__anext__()
            assert isinstance(line, LogLineEvent) and line.line == "async line"


async def test_async_stream_error_paths(muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    async with muxi_fake.client(server_url=muxi_fake.url) as m:
        same = make_dir(tmp_path, "up")
        await m.formations.deploy_async(bundle=same)
        async with m.formations.stream_start_async(formation_id="up") as events:
            with pytest.raises(ConflictError) as running:
                await events.result()
        assert (running.value.code, running.value.status_code) == ("AlreadyRunning", 409)
        async with m.formations.stream_restart_async(formation_id="ghost") as events:
            with pytest.raises(NotFoundError) as missing:
                await events.result()
        assert isinstance(missing.value, FormationOperationError) and missing.value.stage == "stopping"
        async with m.formations.stream_rollback_async(formation_id="up") as events:
            with pytest.raises(ValidationError, match="No previous version"):
                await events.result()
        with pytest.raises(ConflictError):
            await m.formations.stream_deploy_async(bundle=tarball("up"))
        async with m.formations.stream_update_async(formation_id="up", bundle=same) as events:
            with pytest.raises(FormationConflictError) as unchanged:  # the SDK packs `up` byte-identically
                await events.result()
        assert (unchanged.value.code, unchanged.value.stage) == ("NoChange", "validating")
        with pytest.raises(InvalidInputError, match="entries start with"):
            await m.formations.stream_deploy_async(bundle=tarball("dotted", layout="dot"))
        enable_upstream_bug(muxi_fake.state, "start_outside_current")
        await m.formations.stop_async(formation_id="up")
        async with m.formations.stream_start_async(formation_id="up") as events:
            with pytest.raises(ServerError) as broken:
                await events.result()
        assert (broken.value.code, broken.value.status_code) == ("ParseError", 500)


def test_sync_stream_and_a_parallel_cancel_do_not_deadlock(m: Muxi, muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    """A cancel from another thread while the update streams (the real server's ~7 s window)."""
    m.formations.deploy(bundle=make_dir(tmp_path, "par"))
    set_server_option(muxi_fake.state, step_delay_s=0.05, health_check_attempts=40)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            m.formations.stream_update(formation_id="par", bundle=make_dir(tmp_path, "par", "2")).result()
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    with muxi_fake.client(server_url=muxi_fake.url) as other:
        for _ in range(200):
            try:
                other.formations.cancel_update(formation_id="par")
                break
            except ValidationError:
                threading.Event().wait(0.02)
    worker.join(30)
    assert len(errors) == 1 and isinstance(errors[0], FormationValidationError)


# --------------------------------------------------------------------------------------------- example


def _run_example(*args: str, env: dict[str, str]) -> str:
    from _helpers import run_example

    return run_example("deploy.py", env, *args).stdout


def test_deploy_example_runs_against_its_own_fake_server() -> None:
    from _helpers import env_without_muxi

    out = _run_example(env=env_without_muxi())
    assert "Deploying hello-muxi" in out and "health_check" in out
    assert "done: hello-muxi running" in out and "hello-muxi: running" in out
    assert "deleted" in _run_example("--async", "--delete", env=env_without_muxi())


def test_deploy_example_uses_the_server_in_the_environment(muxi_fake: FakeMuxi) -> None:
    from _helpers import env_without_muxi

    s = muxi_fake.state
    env = env_without_muxi()
    env.update(MUXI_SERVER_URL=muxi_fake.url, MUXI_KEY_ID=s.key_id, MUXI_SECRET_KEY=s.secret_key)
    assert "Deploying hello-muxi" in _run_example(env=env)
    assert formations(s)["hello-muxi"]["status"] == "running"
    again = _run_example(env=env)
    assert "Updating hello-muxi" in again and "nothing to do: Source is identical to current version" in again


def test_the_example_formation_is_deployable(m: Muxi) -> None:
    """`examples/formation` (used by every deploy example in the docs) passes the real server's checks."""
    root = Path(__file__).resolve().parents[1] / "examples" / "formation"
    assert "${{" not in (root / "formation.afs").read_text()
    result = m.formations.deploy(bundle=root)
    assert result.formation_id == "hello-muxi" and result.status == "running"


def test_a_call_right_after_a_rollback_is_retried_until_the_formation_runs(
    m: Muxi, muxi_fake: FakeMuxi, tmp_path: Path
) -> None:
    """The proxy's 503 while `starting` is retryable: the default policy waits it out (docs: Formation states)."""
    from _helpers import fast

    m.formations.deploy(bundle=make_dir(tmp_path, "back"))
    m.formations.update(formation_id="back", bundle=make_dir(tmp_path, "back", "2.0.0"))
    set_server_option(muxi_fake.state, health_check_s=0.3)
    m.formations.rollback(formation_id="back")
    with Muxi(server_url=muxi_fake.url, formation_id="back", client_key=muxi_fake.state.client_key) as f:
        policy = fast(max_elapsed_time=10_000, max_interval=200, max_retries=None)  # as many as 10 s allow
        reply = f.chat.send(message="hi", user_id="u", retries=policy)
    assert reply.text == "Echo: hi"
    chats = [r for r in muxi_fake.state.requests if r.path == "/api/back/v1/chat"]
    assert len(chats) > 1  # answered 503 at least once, then retried
