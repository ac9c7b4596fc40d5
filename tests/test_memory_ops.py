"""Memory maintenance, memories batch/ingestion/provenance, distilleries, knowledge and the status page,
against the fake server: every operation sync and async, the wire (keys, bodies), state across calls and the
runtime's error bodies (503 for features the formation does not configure)."""

from __future__ import annotations

import base64
import json
import time
import warnings
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from muxi_sdk import Muxi, errors
from muxi_sdk.distilleries import signed_message
from muxi_sdk.models.knowledge import KnowledgeRebuild
from muxi_sdk.models.memory import IngestionStatus, MemoryBatch
from muxi_sdk.models.memory_admin import (
    Distillery,
    MemoryBackfillResult,
    MemoryBuffers,
    MemoryForgetResult,
    MemoryJobStatus,
    MemoryLintResult,
)
from muxi_sdk.models.system import StatusPage
from muxi_sdk.testing import FakeMuxi

FAST = {"interval": 0.01, "max_interval": 0.05}
NO_RETRY: dict[str, Any] = {"retries": None}
DISTILLERY_OFF = "Memory distillery is not enabled for this formation (memory.distillery.enabled)"
PRIVATE = Ed25519PrivateKey.generate()
KEY = "ed25519:" + base64.b64encode(PRIVATE.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def _last(fake: FakeMuxi, path: str) -> tuple[str, dict[str, str], Any]:
    req = [r for r in fake.state.requests if r.path == path][-1]
    return req.method, req.headers, (json.loads(req.body) if req.body else None)


def _b64_sign(message: bytes) -> str:
    return base64.b64encode(PRIVATE.sign(message)).decode()  # `sign` may return base64 text too


def _settings(fake: FakeMuxi) -> dict[str, Any]:
    return fake.state.table("memory_settings", lambda: {"persistent": True})  # type: ignore[no-any-return]


# ------------------------------------------------------------------------------------------ status page


def test_status_page_at_both_paths(muxi_fake: FakeMuxi) -> None:
    with Muxi(url=muxi_fake.formation_url) as m:  # public: no key at all
        page = m.system.status_page()
        assert isinstance(page, StatusPage) and page.up and page.status == "Up" and "<title>Up</title>" in page.html
        assert m.system.status_page(path="/v1").up
        with pytest.raises(errors.InvalidInputError):
            m.system.status_page(path="/health")
    paths = [(r.path, r.headers.get("accept")) for r in muxi_fake.state.requests]
    assert paths == [("/v1/", "text/html"), ("/v1/v1", "text/html")]


async def test_status_page_async(muxi_fake: FakeMuxi) -> None:
    async with Muxi(url=muxi_fake.formation_url) as m:
        assert (await m.system.status_page_async(path="/v1")).status == "Up"


# ------------------------------------------------------------------------------------------ maintenance


def test_rebuild_sends_the_runtime_body_with_the_admin_key(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="header-user") as m:
        m.memory.add(detail="likes tea", user_id="u1")
        job = m.memory.rebuild(user_id="u1", projection="flat_facts", backfill=True)
        method, headers, body = _last(muxi_fake, "/v1/memory/rebuild")
        assert method == "POST" and body == {"user_id": "u1", "projection": "flat_facts", "backfill": True}
        assert "x-muxi-admin-key" in headers and "x-muxi-client-key" not in headers
        assert "x-muxi-user-id" not in headers  # the user is a body field here
        done = job.wait(**FAST)
        assert done.projections is not None and done.projections["flat_facts"].events == 1
        assert done.backfill is not None and done.backfill["flat_facts"].complete
        assert m.memory.rebuild_status(job_id=job.id or "").status == "completed"  # state holds across calls
        with pytest.raises(errors.ValidationError) as info:
            m.memory.rebuild(user_id="u1", projection="nope")
        assert info.value.message.startswith("Unknown projection 'nope'; registered: ['artifact_metadata'")
        with pytest.raises(errors.NotFoundError) as missing:
            m.memory.rebuild_status(job_id="rebuild_nope")
        assert missing.value.message == "Unknown or expired rebuild job 'rebuild_nope'"


async def test_rebuild_and_status_async(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client() as m:
        job = await m.memory.rebuild_async(user_id="u1", dry_run=True)
        assert job.id is None and job.last is not None and job.last.dry_run
        job = await m.memory.rebuild_async(user_id="u1")
        status = await m.memory.rebuild_status_async(job_id=job.id or "")
        assert isinstance(status, MemoryJobStatus) and status.status == "processing"


def test_maintenance_arguments_are_checked_before_sending(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client() as m:
        for call in (
            lambda: m.memory.rebuild(user_id=""),
            lambda: m.memory.rebuild(user_id="u1", dry_run="maybe"),  # type: ignore[arg-type]
            lambda: m.memory.forget(user_id="u1", source=""),
            lambda: m.memory.backfill(user_id=""),
            lambda: m.memory.lint(user_id=""),
            lambda: m.knowledge.rebuild(agent_id=""),
        ):
            with pytest.raises(errors.InvalidInputError):
                call()
    assert muxi_fake.state.requests == []


def test_forget_removes_the_sources_memories(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="u1") as m:
        m.memory.add(detail="from mail", source="gmail", source_id="m1")
        m.memory.add(detail="said in chat")
        job = m.memory.forget(user_id="u1", source="gmail", reason="gdpr")
        assert isinstance(job.accepted, MemoryForgetResult) and job.accepted.deleted_events == 1
        assert job.accepted.grace_period_days == 30 and job.id and job.id.startswith("forget_")
        assert _last(muxi_fake, "/v1/memory/forget")[2] == {"user_id": "u1", "source": "gmail", "reason": "gdpr"}
        assert job.wait(**FAST).status == "completed"
        assert [x.detail for x in m.memory.list()] == ["said in chat"]
        kept = m.memory.forget(user_id="u1", source="slack", rebuild=False)
        assert kept.id is None and kept.accepted.rebuild_required == [
            "artifact_metadata",
            "captains_log",
            "flat_facts",
            "knowledge_graph",
        ]
        inline = m.memory.forget(user_id="u1", source="slack", background=False)
        assert inline.id is None and inline.wait().projections is not None
        assert m.memory.forget_status(job_id=job.id).status == "completed"


async def test_forget_and_status_async(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client() as m:
        job = await m.memory.forget_async(user_id="u1", source="gmail")
        assert (await m.memory.forget_status_async(job_id=job.id or "")).status == "processing"
        with pytest.raises(errors.NotFoundError) as info:
            await m.memory.forget_status_async(job_id="forget_x")
        assert info.value.message == "Unknown or expired forget job 'forget_x'"


def test_backfill_and_lint(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client() as m:
        filled = m.memory.backfill(user_id="u1")
        assert isinstance(filled, MemoryBackfillResult) and filled.synthesized["flat_facts"].complete
        assert _last(muxi_fake, "/v1/memory/backfill")[2] == {"user_id": "u1"}
        with pytest.raises(errors.ServerError) as info:  # the runtime's default: no memory.lint block
            m.memory.lint(**NO_RETRY)
        assert info.value.status_code == 503 and info.value.code == "SERVICE_UNAVAILABLE"
        assert info.value.message == "Memory lint is not configured (declare a 'memory.lint' block)"
        _settings(muxi_fake)["lint"] = True
        report = m.memory.lint(user_id="u1")
        assert isinstance(report, MemoryLintResult) and report.user_id == "u1" and report.report["users"] == 1
        assert _last(muxi_fake, "/v1/memory/lint")[2] == {"user_id": "u1"}
        assert m.memory.lint().report["unresolved_conflicts"] == 0
        assert _last(muxi_fake, "/v1/memory/lint")[2] == {}


async def test_backfill_and_lint_async(muxi_fake: FakeMuxi) -> None:
    _settings(muxi_fake)["lint"] = True
    async with muxi_fake.client() as m:
        assert (await m.memory.backfill_async(user_id="u1")).user_id == "u1"
        assert (await m.memory.lint_async()).report["users"] == 0


def test_maintenance_needs_the_admin_key(muxi_fake: FakeMuxi) -> None:
    with Muxi(url=muxi_fake.formation_url, client_key=muxi_fake.state.client_key) as m:
        with pytest.raises(errors.ConfigurationError):
            m.memory.rebuild(user_id="u1")
    with Muxi(url=muxi_fake.formation_url, admin_key="wrong") as m:
        with pytest.raises(errors.AuthenticationError):
            m.memory.backfill(user_id="u1")


def test_list_buffers_is_deprecated(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client() as m, pytest.warns(DeprecationWarning, match="use m.memory.stats") as caught:
        buffers = m.memory.list_buffers()
    assert isinstance(buffers, MemoryBuffers) and buffers.buffers[0]["total_entries"] == 0
    assert caught[0].filename == __file__  # points at the caller


async def test_list_buffers_async_is_deprecated(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client() as m:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            await m.memory.list_buffers_async()
    # only deprecations: a ResourceWarning of an earlier test's garbage may land in this window too
    assert [w.category for w in caught if issubclass(w.category, DeprecationWarning)] == [DeprecationWarning]


# ------------------------------------------------------------------------------------------ memories


def test_add_batch_reports_each_item_and_dedupes(muxi_fake: FakeMuxi) -> None:
    items = [{"detail": "likes tea", "source": "gmail", "source_id": "m1"}, {"content": "x", "source": "gmail"}]
    with muxi_fake.client(user_id="u1") as m:
        job = m.memory.add_batch(items=items)
        accepted = job.accepted
        assert isinstance(accepted, MemoryBatch) and accepted.counts.accepted == 2
        assert [(i.index, i.status) for i in accepted.items] == [(0, "accepted"), (1, "accepted")]
        assert accepted.status_url == f"/v1/memories/ingestion/{job.id}"
        _, headers, body = _last(muxi_fake, "/v1/memories/batch")
        assert body == {"items": items} and headers["x-muxi-user-id"] == "u1" and "x-muxi-client-key" in headers
        done = job.wait(**FAST)
        assert isinstance(done, IngestionStatus) and done.status == "completed" and done.counts == {
            "stored": 2,
            "filtered": 0,
            "failed": 0,
        }
        again = m.memory.add_batch(items=items[:1])
        assert again.id is None and again.done and again.accepted.items[0].status == "duplicate"
        assert again.wait().items == [again.accepted.items[0].model_dump()]
        assert len(m.memory.list()) == 2


async def test_add_batch_async(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client(user_id="u1") as m:
        job = await m.memory.add_batch_async(items=[{"detail": "a", "source": "s", "source_id": "1"}])
        assert (await job.wait_async(**FAST)).status == "completed"


def test_add_batch_input_is_checked_before_sending(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="u1") as m:
        for items in ([], [{"detail": "no source"}], [{"source": "s"}], {"detail": "x"}, "x"):
            with pytest.raises(errors.InvalidInputError):
                m.memory.add_batch(items=items)  # type: ignore[arg-type]
    assert muxi_fake.state.requests == []


def test_ingestion_status_of_a_single_add(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="u1") as m:
        ingestion = m.memory.add(detail="likes tea", source="gmail", source_id="m1")
        pid = ingestion.processing_id  # type: ignore[union-attr]
        assert pid and m.memory.ingestion_status(processing_id=pid).status == "processing"
        done = m.memory.ingestion_status(processing_id=pid)
        assert done.status == "completed" and done.items and done.items[0]["disposition"] == "stored"
        with pytest.raises(errors.AuthorizationError) as info:
            m.memory.ingestion_status(processing_id=pid, user_id="u2")
        assert info.value.message == "Ingestion job does not belong to this user"
        with pytest.raises(errors.NotFoundError) as missing:
            m.memory.ingestion_status(processing_id="ing_x")
        assert missing.value.message.startswith("Unknown or expired processing_id 'ing_x'")
    with Muxi(url=muxi_fake.formation_url, admin_key=muxi_fake.state.admin_key) as admin:
        assert admin.memory.ingestion_status(processing_id=pid).status == "completed"  # any job, no user
    with Muxi(url=muxi_fake.formation_url, client_key=muxi_fake.state.client_key) as client:
        with pytest.raises(errors.ConfigurationError):  # the client key needs a user
            client.memory.ingestion_status(processing_id=pid)


async def test_ingestion_status_async(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client(user_id="u1") as m:
        job = await m.memory.add_batch_async(items=[{"detail": "a", "source": "s", "source_id": "1"}])
        status = await m.memory.ingestion_status_async(processing_id=job.id or "")
        assert status.processing_id == job.id and status.status == "processing"


def test_provenance(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="u1") as m:
        with pytest.raises(errors.NotFoundError) as info:
            m.memory.provenance(entity="London")
        assert info.value.message == "Unknown entity 'London'"
        req = muxi_fake.state.requests[-1]
        assert req.path == "/v1/memories/provenance" and req.headers["x-muxi-user-id"] == "u1"
        with pytest.raises(errors.NotFoundError, match="Unknown event 'evt_1'"):
            m.memory.provenance(event_id="evt_1")
        for kwargs in ({}, {"entity": "a", "event_id": "b"}, {"entity": " "}):
            with pytest.raises(errors.InvalidInputError):
                m.memory.provenance(**kwargs)


async def test_provenance_async(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client(user_id="u1") as m:
        with pytest.raises(errors.NotFoundError):
            await m.memory.provenance_async(entity="Paris")


# ------------------------------------------------------------------------------------------ distilleries


def test_distilleries_answer_503_unless_enabled(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client() as m:
        for call in (
            lambda: m.memory.distilleries.list(**NO_RETRY),
            lambda: m.memory.distilleries.register(name="d", public_key=KEY, **NO_RETRY),
            lambda: m.memory.distilleries.revoke(distillery_id="d1", **NO_RETRY),
            lambda: m.memory.distilleries.status(processing_id="p1", **NO_RETRY),
            lambda: m.memory.distilleries.submit(
                batch={"batch_id": "b", "events": [{}]}, distillery_id="d", sign=lambda b: b"s", **NO_RETRY
            ),
        ):
            with pytest.raises(errors.ServerError) as info:
                call()
            assert info.value.status_code == 503
            assert info.value.message == DISTILLERY_OFF


def test_distillery_register_list_submit_revoke(muxi_fake: FakeMuxi) -> None:
    _settings(muxi_fake)["distillery"] = True
    signed: list[bytes] = []

    def sign(message: bytes) -> bytes:
        signed.append(message)
        return PRIVATE.sign(message)

    with muxi_fake.client() as m:
        d = m.memory.distilleries.register(name="onprem", public_key=KEY, scope={"user_ids": ["u1"]})
        assert isinstance(d, Distillery) and d.status == "active" and d.trust_level == "provisional"
        assert d.scope["user_ids"] == ["u1"] and d.response_meta is not None and d.response_meta.status_code == 201
        assert [x.distillery_id for x in m.memory.distilleries.list().distilleries] == [d.distillery_id]
        batch = {"batch_id": "b1", "events": [{"user_id": "u1", "source_id": "e1", "event_type": "fact.extracted"}]}
        now = int(time.time())
        job = m.memory.distilleries.submit(batch=batch, distillery_id=d.distillery_id, sign=sign, timestamp=now)
        assert job.accepted.accepted == 1 and job.accepted.batch_id == "b1" and job.id and job.id.startswith("dst_")
        req = [r for r in muxi_fake.state.requests if r.path == "/v1/memories/distilled"][-1]
        stamp = req.headers["x-distillery-timestamp"]
        assert signed == [signed_message(stamp, d.distillery_id, req.body)]  # signed exactly what was sent
        assert signed[0].startswith(b"muxi-distillery-v1\n")
        signature = base64.b64decode(req.headers["x-distillery-signature"])
        PRIVATE.public_key().verify(signature, signed[0])  # raises if it is not the Ed25519 signature
        assert job.wait(**FAST).status == "completed"
        again = m.memory.distilleries.submit(batch=batch, distillery_id=d.distillery_id, sign=sign)
        assert again.id is None and again.accepted.duplicates == 1 and again.done
        revoked = m.memory.distilleries.revoke(distillery_id=d.distillery_id)
        assert revoked.status == "revoked" and revoked.revoked_at
        with pytest.raises(errors.APIStatusError) as gone:
            m.memory.distilleries.submit(batch=batch, distillery_id=d.distillery_id, sign=sign)
        assert gone.value.status_code == 410 and gone.value.code == "GONE"
        with pytest.raises(errors.AuthenticationError, match="Unknown distillery or invalid signature"):
            m.memory.distilleries.submit(batch=batch, distillery_id="dist_unknown", sign=sign)
        other = Ed25519PrivateKey.generate()
        with pytest.raises(errors.AuthenticationError, match="Unknown distillery or invalid signature"):
            m.memory.distilleries.submit(batch=batch, distillery_id=d.distillery_id, sign=other.sign)
        with pytest.raises(errors.AuthenticationError, match="replay-protection window"):
            m.memory.distilleries.submit(batch=batch, distillery_id=d.distillery_id, sign=sign, timestamp=now - 301)
        with pytest.raises(errors.NotFoundError, match="Unknown distillery 'nope'"):
            m.memory.distilleries.revoke(distillery_id="nope")
        with pytest.raises(errors.ValidationError, match="public_key is not valid base64"):
            m.memory.distilleries.register(name="bad", public_key="ed25519:???")


def test_distilled_status_belongs_to_its_distillery(muxi_fake: FakeMuxi) -> None:
    _settings(muxi_fake)["distillery"] = True
    with muxi_fake.client() as admin:
        d = admin.memory.distilleries.register(name="onprem", public_key=KEY)
        batch = {"batch_id": "b1", "events": [{"user_id": "u1", "source_id": "e1", "event_type": "log.entry"}]}
        job = admin.memory.distilleries.submit(batch=batch, distillery_id=d.distillery_id, sign=_b64_sign)
    pid = job.id or ""
    with Muxi(url=muxi_fake.formation_url, client_key=muxi_fake.state.client_key) as client:
        mine = client.memory.distilleries.status(processing_id=pid, distillery_id=d.distillery_id)
        assert mine.status == "processing"
        with pytest.raises(errors.AuthorizationError, match="does not belong to this distillery"):
            client.memory.distilleries.status(processing_id=pid)


async def test_distilleries_async(muxi_fake: FakeMuxi) -> None:
    _settings(muxi_fake)["distillery"] = True
    async with muxi_fake.client() as m:
        d = await m.memory.distilleries.register_async(name="onprem", public_key=KEY, trust_level="verified")
        assert d.trust_level == "verified"
        assert (await m.memory.distilleries.list_async()).count == 1
        batch = {"batch_id": "b1", "events": [{"user_id": "u1", "source_id": "e1", "event_type": "log.entry"}]}
        job = await m.memory.distilleries.submit_async(batch=batch, distillery_id=d.distillery_id, sign=PRIVATE.sign)
        status = await m.memory.distilleries.status_async(processing_id=job.id or "", distillery_id=d.distillery_id)
        assert status.status == "processing"
        assert (await job.wait_async(**FAST)).status == "completed"
        assert (await m.memory.distilleries.revoke_async(distillery_id=d.distillery_id)).status == "revoked"


def test_submit_checks_its_input_before_sending(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client() as m:
        good = {"batch_id": "b", "events": [{"user_id": "u1", "source_id": "e1"}]}
        for kwargs in (
            {"batch": {"batch_id": "", "events": [{}]}, "sign": lambda b: b"s"},
            {"batch": {"batch_id": "b", "events": []}, "sign": lambda b: b"s"},
            {"batch": {**good, "embedding_mode": "fancy"}, "sign": lambda b: b"s"},
            {"batch": good, "sign": "not callable"},
            {"batch": good, "sign": lambda b: "not base64!"},
            {"batch": good, "sign": lambda b: 42},
        ):
            with pytest.raises(errors.InvalidInputError):
                m.memory.distilleries.submit(distillery_id="d", **kwargs)  # type: ignore[arg-type]
    assert muxi_fake.state.requests == []


# ------------------------------------------------------------------------------------------ knowledge


def test_knowledge_rebuild(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client() as m:
        report = m.knowledge.rebuild()
        assert isinstance(report, KnowledgeRebuild) and report.source_id is None
        assert report.agents["assistant"].rebuilt == [] and _last(muxi_fake, "/v1/knowledge/rebuild")[2] == {}
        one = m.knowledge.rebuild(agent_id="assistant", source_id="handbook")
        assert list(one.agents) == ["assistant"] and one.source_id == "handbook"
        assert _last(muxi_fake, "/v1/knowledge/rebuild")[2] == {"agent_id": "assistant", "source_id": "handbook"}
        with pytest.raises(errors.NotFoundError) as info:
            m.knowledge.rebuild(agent_id="nope")
        assert info.value.code == "AGENT_NOT_FOUND" and info.value.message == "Agent 'nope' not found"
    with Muxi(url=muxi_fake.formation_url, client_key=muxi_fake.state.client_key) as client:
        with pytest.raises(errors.ConfigurationError):
            client.knowledge.rebuild()


async def test_knowledge_rebuild_async(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client() as m:
        assert "assistant" in (await m.knowledge.rebuild_async()).agents
