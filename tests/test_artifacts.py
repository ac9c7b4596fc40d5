"""m.artifacts against the fake server: metadata, versions, and downloads streamed to a path, a file or chunks."""

from __future__ import annotations

import gc
import io
import os
import tracemalloc
from pathlib import Path

import pytest

from muxi_sdk import Muxi, errors
from muxi_sdk.artifacts import ArtifactDownload
from muxi_sdk.testing import FakeMuxi

MiB = 1024 * 1024


@pytest.fixture
def m(muxi_fake: FakeMuxi) -> Muxi:
    return muxi_fake.client(user_id="u1", retry_config=None)  # type: ignore[no-any-return]


def _two_versions(fake: FakeMuxi) -> tuple[str, str]:
    first = fake.add_artifact("u1", "report.md", b"# v1\n", content_type="text/markdown", summary="draft")
    second = fake.add_artifact("u1", "report.md", b"# v2, longer\n", content_type="text/markdown", summary="final")
    return first["public_id"], second["public_id"]


def test_list_shows_latest_versions_and_total(muxi_fake: FakeMuxi, m: Muxi) -> None:
    _two_versions(muxi_fake)
    muxi_fake.add_artifact("u1", "chart.png", b"\x89PNG", content_type="image/png")
    muxi_fake.add_artifact("u2", "theirs.txt", b"not yours")
    listed = m.artifacts.list()
    assert sorted(a.name for a in listed.artifacts) == ["chart.png", "report.md"]
    assert (listed.count, listed.total) == (2, 3)
    assert {a.name: a.version for a in listed.artifacts}["report.md"] == 2
    assert m.artifacts.list(limit=1).count == 1


def test_metadata_and_version_chain(muxi_fake: FakeMuxi, m: Muxi) -> None:
    v1, v2 = _two_versions(muxi_fake)
    meta = m.artifacts.get(artifact_id=v1)
    assert (meta.id, meta.version, meta.is_latest, meta.size_bytes, meta.summary) == (v1, 1, False, 5, "draft")
    chain = m.artifacts.list_versions(artifact_id=v1)
    assert chain.name == "report.md" and chain.count == 2
    assert [(v.id, v.version) for v in chain.versions] == [(v2, 2), (v1, 1)]  # newest first


def test_unknown_artifact_and_other_users_artifacts_are_not_found(muxi_fake: FakeMuxi, m: Muxi) -> None:
    theirs = muxi_fake.add_artifact("u2", "theirs.txt", b"x")["public_id"]
    for call in (m.artifacts.get, m.artifacts.list_versions, m.artifacts.download):
        with pytest.raises(errors.NotFoundError, match=f"Artifact '{theirs}' not found"):
            call(artifact_id=theirs)


def test_download_to_a_path_with_its_headers(muxi_fake: FakeMuxi, m: Muxi, tmp_path: Path) -> None:
    _, v2 = _two_versions(muxi_fake)
    download = m.artifacts.download(artifact_id=v2)
    assert isinstance(download, ArtifactDownload)
    assert download.content_type.startswith("text/markdown") and download.size == 13
    assert (download.filename, download.artifact_id, download.version) == ("report.md", v2, 2)
    assert download.save(tmp_path / "report.md") == 13 and download.closed
    assert (tmp_path / "report.md").read_bytes() == b"# v2, longer\n"
    assert os.listdir(tmp_path) == ["report.md"]  # the temp file was renamed, nothing left over


def test_download_a_version_to_a_file_object_or_in_chunks(muxi_fake: FakeMuxi, m: Muxi) -> None:
    v1, v2 = _two_versions(muxi_fake)
    out = io.BytesIO(b"prefix:")
    out.seek(0, io.SEEK_END)
    assert m.artifacts.download(artifact_id=v2, version=1).save(out) == 5
    assert out.getvalue() == b"prefix:# v1\n" and not out.closed
    with m.artifacts.download(artifact_id=v1) as download:
        assert list(download.iter_bytes(chunk_size=2)) == [b"# ", b"v1", b"\n"]
    with pytest.raises(errors.NotFoundError):
        m.artifacts.download(artifact_id=v1, version=9)


def test_unicode_file_names_come_from_the_utf8_form(muxi_fake: FakeMuxi, m: Muxi) -> None:
    row = muxi_fake.add_artifact("u1", 'Bericht "März".txt', b"x")
    with m.artifacts.download(artifact_id=row["public_id"]) as download:
        assert download.filename == 'Bericht "März".txt'


def test_a_download_is_read_once(muxi_fake: FakeMuxi, m: Muxi) -> None:
    v1, _ = _two_versions(muxi_fake)
    download = m.artifacts.download(artifact_id=v1)
    assert b"".join(download.iter_bytes()) == b"# v1\n"
    with pytest.raises(errors.MuxiError, match="read once"):
        download.save(io.BytesIO())


def test_max_bytes_refuses_an_announced_larger_body_before_reading(
    muxi_fake: FakeMuxi, m: Muxi, tmp_path: Path
) -> None:
    row = muxi_fake.add_artifact("u1", "big.bin", b"y" * 10_000)
    download = m.artifacts.download(artifact_id=row["public_id"], max_bytes=1000)
    with pytest.raises(errors.ResponseValidationError, match="larger than max_bytes=1000: the server announces 10000"):
        download.save(tmp_path / "big.bin")
    assert download.closed and download.bytes_received == 0 and os.listdir(tmp_path) == []
    assert m.artifacts.download(artifact_id=row["public_id"], max_bytes=10_000).save(io.BytesIO()) == 10_000


def test_a_body_cut_short_is_interrupted_and_leaves_no_file(muxi_fake: FakeMuxi, m: Muxi, tmp_path: Path) -> None:
    row = muxi_fake.add_artifact("u1", "short.bin", b"z" * 100_000)
    row["size_bytes"] = 200_000  # the server announces more than it sends, then closes the connection
    with pytest.raises(errors.StreamInterruptedError, match="of 200000 bytes"):
        m.artifacts.download(artifact_id=row["public_id"]).save(tmp_path / "short.bin")
    assert os.listdir(tmp_path) == []


def test_user_required_and_arguments_checked_before_sending(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client() as no_user:
        with pytest.raises(errors.ConfigurationError, match="acts for an end user"):
            no_user.artifacts.list()
        for call, bad in (
            (no_user.artifacts.list, {"limit": 0}),
            (no_user.artifacts.download, {"artifact_id": "a", "version": 0}),
            (no_user.artifacts.download, {"artifact_id": "a", "max_bytes": -1}),
            (no_user.artifacts.get, {"artifact_id": ""}),
        ):
            with pytest.raises(errors.InvalidInputError):
                call(user_id="u1", **bad)
    assert muxi_fake.state.requests == []


def test_a_formation_without_artifact_memory(muxi_fake: FakeMuxi, m: Muxi) -> None:
    v1, _ = _two_versions(muxi_fake)
    muxi_fake.state.features["artifacts"] = False
    assert m.artifacts.list().artifacts == []
    with pytest.raises(errors.NotFoundError):
        m.artifacts.get(artifact_id=v1)


async def test_async_twins(muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    v1, v2 = _two_versions(muxi_fake)
    async with muxi_fake.client(user_id="u1") as m:
        assert (await m.artifacts.list_async()).total == 2
        assert (await m.artifacts.get_async(artifact_id=v2)).version == 2
        assert (await m.artifacts.list_versions_async(artifact_id=v2)).count == 2
        async with m.artifacts.download_async(artifact_id=v1) as download:
            assert download.size == 5 and download.version == 1
            assert [c async for c in download.aiter_bytes(chunk_size=3)] == [b"# v", b"1\n"]
        assert download.closed
        download = await m.artifacts.download_async(artifact_id=v2)
        assert await download.save(tmp_path / "r.md") == 13
        assert (tmp_path / "r.md").read_bytes() == b"# v2, longer\n"
        row = muxi_fake.add_artifact("u1", "big.bin", b"y" * 10_000)
        big = await m.artifacts.download_async(artifact_id=row["public_id"], max_bytes=10)
        with pytest.raises(errors.ResponseValidationError):
            await big.save(io.BytesIO())
        assert big.closed


# ------------------------------------------------------------------------------------------ memory
# 100 MiB served from a file by the fake server (in this process: tracemalloc sees both sides) and saved to
# another file: the peak stays a few chunks, not the body.
BIG = 100 * MiB
PEAK_LIMIT = 4 * MiB


@pytest.fixture
def big_artifact(muxi_fake: FakeMuxi, tmp_path: Path) -> str:
    source = tmp_path / "source.bin"
    block = os.urandom(MiB)
    with open(source, "wb") as fh:
        for _ in range(BIG // MiB):
            fh.write(block)
    return muxi_fake.add_artifact("u1", "big.bin", source, content_type="application/octet-stream")["public_id"]  # type: ignore[no-any-return]


def _peak(run: object) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        run()  # type: ignore[operator]
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_100_mib_download_keeps_memory_flat(m: Muxi, big_artifact: str, tmp_path: Path) -> None:
    target = tmp_path / "copy.bin"
    m.artifacts.list()  # warm the connection and the model caches outside the measurement
    peak = _peak(lambda: m.artifacts.download(artifact_id=big_artifact).save(target))
    assert target.stat().st_size == BIG
    assert peak < PEAK_LIMIT, f"peak {peak / MiB:.1f} MiB"


def test_a_100_mib_async_download_keeps_memory_flat(muxi_fake: FakeMuxi, big_artifact: str, tmp_path: Path) -> None:
    import asyncio

    target = tmp_path / "copy.bin"

    async def download() -> None:
        async with muxi_fake.client(user_id="u1") as m:
            await m.artifacts.list_async()
            gc.collect()
            tracemalloc.start()
            try:
                d = await m.artifacts.download_async(artifact_id=big_artifact)
                await d.save(target)
                peaks.append(tracemalloc.get_traced_memory()[1])
            finally:
                tracemalloc.stop()

    peaks: list[int] = []
    asyncio.run(download())
    assert target.stat().st_size == BIG
    assert peaks[0] < PEAK_LIMIT, f"peak {peaks[0] / MiB:.1f} MiB"
