"""`m.formations` against the fake MUXI server: bundles, deploy/update, lifecycle, logs, progress streams."""

from __future__ import annotations

import gzip
import io
import os
import tarfile
from pathlib import Path
from typing import Any

import pytest
from httpx_sse import ServerSentEvent

from muxi_sdk import Muxi
from muxi_sdk._utils.bundles import pack_directory, parse_manifest
from muxi_sdk._utils.serializers import RawBody, raw_body
from muxi_sdk.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    StreamError,
    ValidationError,
)
from muxi_sdk.formations import (
    FormationOperationError,
    LifecycleStream,
    decode_lifecycle_event,
    decode_log_event,
)
from muxi_sdk.models.formations import (
    CompleteEvent,
    DeployResult,
    FormationList,
    LogConnectedEvent,
    LogLineEvent,
    ProgressEvent,
    UnknownLifecycleEvent,
)
from muxi_sdk.testing import FakeMuxi
from muxi_sdk.testing.routes.server import append_log, begin_update, fail_next_operation, formations

pytestmark = pytest.mark.usefixtures("clean_env")


@pytest.fixture
def m(muxi_fake: FakeMuxi) -> Any:
    with muxi_fake.client(server_url=muxi_fake.url) as client:
        yield client


def make_dir(root: Path, formation_id: str, version: str = "1.0.0", extra: str = "") -> Path:
    d = root / f"{formation_id}-{version}"
    d.mkdir()
    (d / "formation.afs").write_text(
        f'schema: "1.0.0"\nid: {formation_id}\ndescription: "test"\nversion: "{version}"\n\n'
        f"agents:\n  - id: assistant\n    version: nested-ignored\n{extra}"
    )
    (d / "agents").mkdir()
    (d / "agents" / "assistant.md").write_text("You are helpful.\n")
    return d


def make_tarball(root: Path, formation_id: str | None, version: str = "1.0.0", name: str = "bundle.tar.gz") -> Path:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        text = (f"id: {formation_id}\n" if formation_id else "") + f"version: {version}\nagents: []\n"
        data = text.encode()
        info = tarfile.TarInfo("formation.afs")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    path = root / name
    path.write_bytes(buf.getvalue())
    return path


def deploy_requests(fake: FakeMuxi) -> list[Any]:
    return [r for r in fake.state.requests if r.path == "/rpc/formations" and r.method == "POST"]


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
    text = 'schema: "1.0.0"\nid: my-bot   # the id\nversion: \'2.1\'\nagents:\n  - id: nested\nversion: 9\n'
    manifest = parse_manifest(text)
    assert (manifest.id, manifest.version) == ("my-bot", "2.1")
    assert parse_manifest("agents: []\n").id is None


def test_pack_directory_is_reproducible_and_skips_junk(tmp_path: Path) -> None:
    d = make_dir(tmp_path, "packed")
    (d / ".git").mkdir()
    (d / ".git" / "HEAD").write_text("ref")
    (d / "__pycache__").mkdir()
    (d / "__pycache__" / "x.pyc").write_bytes(b"\0")
    first, second = pack_directory(d), pack_directory(d)
    try:
        a, b = first.read(), second.read()
    finally:
        first.close()
        second.close()
    assert a == b and a[:2] == b"\x1f\x8b"
    with tarfile.open(fileobj=io.BytesIO(a), mode="r:gz") as tar:
        names = tar.getnames()
    assert names == ["agents", "agents/assistant.md", "formation.afs"]


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
    got = m.formations.get(formation_id="dir-bot")
    assert got.status == "running" and got.healthy is True and got.version and got.version.current
    # the deployed formation's Formation API answers through the proxy URL
    with Muxi(server_url=muxi_fake.url, formation_id="dir-bot") as f:
        assert f.system.health().healthy


def test_deploy_from_tarball_path_bytes_and_file(m: Muxi, muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    path = make_tarball(tmp_path, "tar-path")
    assert m.formations.deploy(bundle=path).formation_id == "tar-path"
    assert m.formations.deploy(bundle=str(make_tarball(tmp_path, "tar-str", name="b.tgz"))).status == "running"
    data = make_tarball(tmp_path, "tar-bytes", name="c.tar.gz").read_bytes()
    assert m.formations.deploy(bundle=data).formation_id == "tar-bytes"
    with open(make_tarball(tmp_path, "tar-file", name="d.tar.gz"), "rb") as fh:
        assert m.formations.deploy(bundle=fh).formation_id == "tar-file"
    assert sorted(m.formations.list().ids()) == ["tar-bytes", "tar-file", "tar-path", "tar-str"]


def test_deploy_streams_a_non_seekable_source(m: Muxi, muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    source = OneWay(make_tarball(tmp_path, "one-way").read_bytes())
    with pytest.raises(InvalidInputError, match="formation_id is required"):
        m.formations.deploy(bundle=OneWay(b"\x1f\x8b"))
    result = m.formations.deploy(bundle=source, formation_id="one-way")
    assert result.formation_id == "one-way"
    assert source.reads and max(source.reads) <= 64 * 1024
    assert "transfer-encoding" in deploy_requests(muxi_fake)[0].headers  # length unknown: chunked


def test_deploy_conflict_and_bad_bundles(m: Muxi, tmp_path: Path) -> None:
    d = make_dir(tmp_path, "twice")
    m.formations.deploy(bundle=d)
    with pytest.raises(ConflictError, match=r"already exists\. Use PUT to update"):
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
    no_id = tmp_path / "no-id"
    no_id.mkdir()
    with pytest.raises(InvalidInputError, match="formation_id is required"):
        m.formations.deploy(bundle=no_id)


def test_server_side_bundle_validation(m: Muxi, tmp_path: Path) -> None:
    # Non-seekable sources cannot be inspected before sending: the server checks them.
    tarball = make_tarball(tmp_path, "declared").read_bytes()
    with pytest.raises(ValidationError, match="Formation ID mismatch"):
        m.formations.deploy(bundle=OneWay(tarball), formation_id="not-declared")
    with pytest.raises(ValidationError, match="Version mismatch"):
        m.formations.deploy(bundle=OneWay(tarball), formation_id="declared", version="2.0.0")
    with pytest.raises(ValidationError, match="Failed to extract bundle"):
        m.formations.deploy(bundle=OneWay(b"\x1f\x8bnot really gzip"), formation_id="broken")
    empty = io.BytesIO()
    with tarfile.open(fileobj=empty, mode="w:gz"):
        pass
    with pytest.raises(ValidationError, match=r"no formation\.afs"):
        m.formations.deploy(bundle=OneWay(empty.getvalue()), formation_id="empty")
    with pytest.raises(ValidationError, match="Content-Type"):
        m.formations.deploy(bundle=tarball, http_headers={"Content-Type": "application/json"})
    assert m.formations.list().total == 0


def test_deploy_without_credentials_is_rejected(muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    with Muxi(server_url=muxi_fake.url, key_id=muxi_fake.state.key_id, secret_key="wrong") as m:
        with pytest.raises(AuthenticationError, match="Invalid signature"):
            m.formations.deploy(bundle=make_dir(tmp_path, "nope"))


# -------------------------------------------------------------------------------- update and rollback


def test_update_rollback_and_cancel(m: Muxi, muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    m.formations.deploy(bundle=make_dir(tmp_path, "bot", "1.0.0"))
    with pytest.raises(ValidationError, match="No previous version"):
        m.formations.rollback(formation_id="bot")
    v1 = m.formations.get(formation_id="bot").version
    v11 = make_dir(tmp_path, "bot", "1.1.0")
    updated = m.formations.update(formation_id="bot", bundle=v11)
    assert (updated.version, updated.previous_version, updated.deployment_type) == (2, 1, "blue-green")
    put = [r for r in muxi_fake.state.requests if r.method == "PUT"][-1]
    assert put.path == "/rpc/formations/bot" and put.headers["x-formation-version"] == "1.1.0"
    assert "x-formation-id" not in put.headers
    v2 = m.formations.get(formation_id="bot").version
    assert v1 and v2 and v2.previous == v1.current and v2.current != v1.current
    with pytest.raises(ConflictError, match="No changes"):
        m.formations.update(formation_id="bot", bundle=v11)  # packed again: byte-identical
    with pytest.raises(InvalidInputError, match="declares id 'other'"):
        m.formations.update(formation_id="bot", bundle=make_dir(tmp_path, "other"))
    with pytest.raises(NotFoundError):
        m.formations.update(formation_id="ghost", bundle=make_tarball(tmp_path, None))
    rolled = m.formations.rollback(formation_id="bot")
    assert (rolled.version, rolled.previous_version, rolled.status) == (1, 2, "running")
    assert m.formations.get(formation_id="bot").version.current == v1.current  # type: ignore[union-attr]
    with pytest.raises(ValidationError):
        m.formations.rollback(formation_id="bot")
    with pytest.raises(ValidationError, match="No update in progress"):
        m.formations.cancel_update(formation_id="bot")
    begin_update(muxi_fake.state, "bot")
    with pytest.raises(ConflictError, match="already being updated"):
        m.formations.update(formation_id="bot", bundle=make_dir(tmp_path, "bot", "3.0.0"))
    cancelled = m.formations.cancel_update(formation_id="bot")
    assert cancelled.formation_id == "bot" and cancelled.staging_port and cancelled.current_port
    assert cancelled.response_meta is not None and cancelled.response_meta.status_code == 200


# ------------------------------------------------------------------------------------------ lifecycle


def test_start_stop_restart_delete(m: Muxi, tmp_path: Path) -> None:
    m.formations.deploy(bundle=make_dir(tmp_path, "life"))
    with pytest.raises(ConflictError, match="already running"):
        m.formations.start(formation_id="life")
    stopped = m.formations.stop(formation_id="life")
    assert stopped.status == "stopped" and stopped.id == "life"
    with pytest.raises(ConflictError, match="already stopped"):
        m.formations.stop(formation_id="life")
    started = m.formations.start(formation_id="life")
    assert started.status == "running" and started.port
    restarted = m.formations.restart(formation_id="life")
    assert restarted.restart_count == 1
    deleted = m.formations.delete(formation_id="life")
    assert deleted.id == "life"
    with pytest.raises(NotFoundError, match="not found"):
        m.formations.get(formation_id="life")
    with pytest.raises(NotFoundError):
        m.formations.delete(formation_id="life")
    with pytest.raises(InvalidInputError):
        m.formations.start(formation_id="..")
    with pytest.raises(InvalidInputError):
        m.formations.stop(formation_id="")


# ----------------------------------------------------------------------------------------------- logs


def test_logs(m: Muxi, muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    m.formations.deploy(bundle=make_dir(tmp_path, "logged"))
    for i in range(5):
        append_log(muxi_fake.state, "logged", f"line {i}")
    logs = m.formations.logs(formation_id="logged")
    assert logs.formation_id == "logged" and logs.logs.stdout[-1] == "line 4" and logs.logs.stderr
    assert logs.total_lines.stdout == 6 and logs.lines[:1] == logs.logs.stdout[:1]
    tail = m.formations.logs(formation_id="logged", lines=2, stream="stdout")
    assert tail.logs.stdout == ["line 3", "line 4"] and tail.logs.stderr == []
    with pytest.raises(InvalidInputError):
        m.formations.logs(formation_id="logged", stream="both")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError):
        m.formations.logs(formation_id="logged", lines=0)
    with pytest.raises(NotFoundError):
        m.formations.logs(formation_id="ghost")


def test_follow_logs(m: Muxi, muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    m.formations.deploy(bundle=make_dir(tmp_path, "followed"))
    append_log(muxi_fake.state, "followed", "old line")
    with m.formations.follow_logs(formation_id="followed") as events:
        first = next(events)
        assert isinstance(first, LogConnectedEvent) and first.formation_id == "followed"
        append_log(muxi_fake.state, "followed", "new line")
        append_log(muxi_fake.state, "followed", "to stderr", stream="stderr")
        line = next(events)
        assert isinstance(line, LogLineEvent) and line.line == "new line"
    assert events.closed
    follow = [r for r in muxi_fake.state.requests if r.path == "/rpc/formations/followed/logs"][-1]
    assert follow.headers["accept"] == "text/event-stream"
    with pytest.raises(InvalidInputError):
        m.formations.follow_logs(formation_id="followed", stream="all")  # type: ignore[arg-type]


def test_follow_logs_stderr_and_ends_on_delete(m: Muxi, muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    m.formations.deploy(bundle=make_dir(tmp_path, "err"))
    with m.formations.follow_logs(formation_id="err", stream="stderr") as events:
        assert next(events).type == "connected"
        append_log(muxi_fake.state, "err", "out line")
        append_log(muxi_fake.state, "err", "err line", stream="stderr")
        assert next(events).line == "err line"  # type: ignore[union-attr]
        with muxi_fake.state.lock:
            del formations(muxi_fake.state)["err"]
        assert list(events) == []


# -------------------------------------------------------------------------------------------- streams


def test_deploy_stream(m: Muxi, muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    with m.formations.deploy_stream(bundle=make_dir(tmp_path, "streamed")) as events:
        assert isinstance(events, LifecycleStream)
        seen = list(events)
    stages = [e.stage for e in seen if isinstance(e, ProgressEvent)]
    assert stages == ["extracting", "validating", "resolving_runtime", "spawning", "health_check"]
    assert all(isinstance(e.progress, float) for e in seen if isinstance(e, ProgressEvent))
    complete = seen[-1]
    assert isinstance(complete, CompleteEvent) and complete.formation_id == "streamed" and complete.port
    assert events.complete == complete and len(events.progress_events) == 5
    (request,) = deploy_requests(muxi_fake)
    assert request.headers["accept"] == "text/event-stream"
    assert m.formations.get(formation_id="streamed").status == "running"


def test_lifecycle_streams(m: Muxi, tmp_path: Path) -> None:
    m.formations.deploy(bundle=make_dir(tmp_path, "cycle", "1.0.0"))
    with m.formations.update_stream(formation_id="cycle", bundle=make_dir(tmp_path, "cycle", "2.0.0")) as events:
        done = events.result()
    assert (done.previous_version, done.new_version) == (1, 2)
    assert [e.stage for e in events.progress_events][-1] == "stopping_old"
    with m.formations.restart_stream(formation_id="cycle") as events:
        assert events.result().restart_count == 1
    with m.formations.rollback_stream(formation_id="cycle") as events:
        assert events.result().new_version == 1
        assert "spawning_previous" in [e.stage for e in events.progress_events]
    m.formations.stop(formation_id="cycle")
    with m.formations.start_stream(formation_id="cycle") as events:
        assert events.result().status == "running"


def test_stream_error_frame_raises_typed_error(m: Muxi, muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    fail_next_operation(muxi_fake.state, stage="spawning")
    with m.formations.deploy_stream(bundle=make_dir(tmp_path, "doomed")) as events:
        with pytest.raises(FormationOperationError) as info:
            for _ in events:
                pass
    err = info.value
    assert err.code == "HealthCheckFailed" and err.stage == "spawning"
    assert isinstance(err, StreamError) and err.details["stage"] == "spawning"
    assert len(events.progress_events) == 3
    assert m.formations.list().total == 0  # nothing was deployed
    fail_next_operation(muxi_fake.state)
    with pytest.raises(ValidationError, match="Health check failed"):
        m.formations.deploy(bundle=make_dir(tmp_path, "doomed", "2"))


def test_stream_errors_before_the_upload_are_json(m: Muxi, tmp_path: Path) -> None:
    d = make_dir(tmp_path, "exists")
    m.formations.deploy(bundle=d)
    with pytest.raises(ConflictError):
        m.formations.deploy_stream(bundle=d)
    with pytest.raises(ValidationError, match="No previous version"):
        m.formations.rollback_stream(formation_id="exists")
    with pytest.raises(NotFoundError):
        m.formations.start_stream(formation_id="ghost")


def test_bundle_errors_after_the_upload_are_error_frames(m: Muxi, tmp_path: Path) -> None:
    tarball = make_tarball(tmp_path, "declared").read_bytes()
    with m.formations.deploy_stream(bundle=OneWay(tarball), formation_id="mismatch") as events:
        with pytest.raises(FormationOperationError, match="Formation ID mismatch") as info:
            events.result()
    assert info.value.code == "IDMismatch" and info.value.stage == "validating"


def test_decoders_keep_unknown_frames() -> None:
    unknown = decode_lifecycle_event(ServerSentEvent(event="heartbeat", data='{"n": 1}'))
    assert isinstance(unknown, UnknownLifecycleEvent) and unknown.event == "heartbeat" and unknown.data == {"n": 1}
    assert decode_lifecycle_event(ServerSentEvent(event="progress", data="")) is None
    progress = decode_lifecycle_event(
        ServerSentEvent(event="progress", data='{"stage": "pulling_runner", "message": "m", "attempt": 2}')
    )
    assert isinstance(progress, ProgressEvent) and progress.additional_properties == {"attempt": 2}
    text = decode_log_event(ServerSentEvent(event="note", data="plain"))
    assert isinstance(text, UnknownLifecycleEvent) and text.data == "plain"
    with pytest.raises(FormationOperationError) as info:
        decode_lifecycle_event(ServerSentEvent(event="error", data='{"error": "X", "message": "bad", "stage": "s"}'))
    assert (info.value.code, info.value.message, info.value.stage) == ("X", "bad", "s")


def test_result_without_complete_raises(m: Muxi, muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    m.formations.deploy(bundle=make_dir(tmp_path, "cut"))
    muxi_fake.faults.fail_next(1, 200, body="event: progress\ndata: {}\n\n", content_type="text/event-stream")
    with m.formations.restart_stream(formation_id="cut") as events, pytest.raises(StreamError, match="without"):
        events.result()


# ---------------------------------------------------------------------------------------------- async


async def test_async_twins(muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    async with muxi_fake.client(server_url=muxi_fake.url) as m:
        deployed = await m.formations.deploy_async(bundle=make_dir(tmp_path, "a1", "1.0.0"))
        assert deployed.status == "running"
        assert (await m.formations.list_async()).ids() == ["a1"]
        assert (await m.formations.get_async(formation_id="a1")).id == "a1"
        upd = await m.formations.update_async(formation_id="a1", bundle=make_dir(tmp_path, "a1", "1.1.0"))
        assert upd.version == 2
        assert (await m.formations.rollback_async(formation_id="a1")).version == 1
        assert (await m.formations.stop_async(formation_id="a1")).status == "stopped"
        assert (await m.formations.start_async(formation_id="a1")).status == "running"
        assert (await m.formations.restart_async(formation_id="a1")).restart_count == 1
        with pytest.raises(ValidationError):
            await m.formations.cancel_update_async(formation_id="a1")
        begin_update(muxi_fake.state, "a1")
        assert (await m.formations.cancel_update_async(formation_id="a1")).formation_id == "a1"
        logs = await m.formations.logs_async(formation_id="a1", lines=1, stream="stdout")
        assert len(logs.logs.stdout) == 1
        assert (await m.formations.delete_async(formation_id="a1")).id == "a1"
        with pytest.raises(NotFoundError):
            await m.formations.get_async(formation_id="a1")


async def test_async_streams(muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    async with muxi_fake.client(server_url=muxi_fake.url) as m:
        async with m.formations.deploy_stream_async(bundle=make_dir(tmp_path, "s1", "1.0.0")) as events:
            seen = [e async for e in events]
        assert isinstance(seen[-1], CompleteEvent) and seen[0].stage == "extracting"  # type: ignore[union-attr]
        stream = await m.formations.update_stream_async(formation_id="s1", bundle=make_dir(tmp_path, "s1", "2.0.0"))
        assert (await stream.result()).new_version == 2
        async with m.formations.restart_stream_async(formation_id="s1") as events:
            assert (await events.result()).restart_count == 1
        async with m.formations.rollback_stream_async(formation_id="s1") as events:
            assert (await events.result()).new_version == 1
        await m.formations.stop_async(formation_id="s1")
        async with m.formations.start_stream_async(formation_id="s1") as events:
            assert (await events.result()).status == "running"
        fail_next_operation(muxi_fake.state, stage="health_check", error="HealthCheckFailed")
        async with m.formations.restart_stream_async(formation_id="s1") as events:
            with pytest.raises(FormationOperationError) as info:
                await events.result()
        assert info.value.stage == "spawning"  # restart has no health_check stage: fails at its last
        async with m.formations.follow_logs_async(formation_id="s1") as logs:
            assert isinstance(await logs.__anext__(), LogConnectedEvent)
            append_log(muxi_fake.state, "s1", "async line")
            line = await logs.__anext__()
            assert isinstance(line, LogLineEvent) and line.line == "async line"


def test_gzip_bytes_that_are_not_a_tarball(m: Muxi) -> None:
    with pytest.raises(InvalidInputError, match="not a gzipped tarball"):
        m.formations.deploy(bundle=gzip.compress(b"just text"))


# --------------------------------------------------------------------------------------------- example


def _run_example(*args: str, env: dict[str, str]) -> str:
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, str(root / "examples" / "deploy.py"), *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_deploy_example_runs_against_its_own_fake_server() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUXI_")}
    out = _run_example(env=env)
    assert "Deploying hello-muxi" in out and "health_check" in out
    assert "done: hello-muxi running" in out and "hello-muxi: running" in out
    assert "deleted" in _run_example("--async", "--delete", env=env)


def test_deploy_example_uses_the_server_in_the_environment(muxi_fake: FakeMuxi) -> None:
    s = muxi_fake.state
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUXI_")}
    env.update(MUXI_SERVER_URL=muxi_fake.url, MUXI_KEY_ID=s.key_id, MUXI_SECRET_KEY=s.secret_key)
    assert "Deploying hello-muxi" in _run_example(env=env)
    assert formations(s)["hello-muxi"]["status"] == "running"
    again = _run_example(env=env)
    assert "Updating hello-muxi" in again and "nothing to do: No changes detected" in again
