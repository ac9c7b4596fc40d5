"""Live: memory maintenance, memories batch/ingestion/provenance, distilleries, knowledge rebuild and the
status page against the REAL runtime, sync and async.

The formation of `../shared/real-muxi` declares no `memory.lint` block and no `memory.distillery`, so those
routes answer 503 there: strict xfails that assert the typed error (`ServerError`, 503).
"""

from __future__ import annotations

import base64

import pytest

from muxi_sdk import Job, Muxi
from muxi_sdk.errors import NotFoundError, ServerError, ValidationError

pytestmark = pytest.mark.live

RT = "muxi/runtime/formation/server"
LINT_503 = (
    f"runtime 1.20260928.0: {RT}/routes/admin/memory.py:372 answers 503 'Memory lint is not configured' "
    "(the live formation has no memory.lint block; start.sh has no option to add one)"
)
DISTILLERY_503 = (
    f"runtime 1.20260928.0: {RT}/utils.py:366 (distillery_service_or_error) answers 503 'Memory distillery is "
    "not enabled' (the live formation has no memory.distillery.enabled; start.sh has no option to add it)"
)
KEY = "ed25519:" + base64.b64encode(bytes(range(32))).decode()
WAIT = {"timeout": 60.0, "interval": 0.2, "max_interval": 1.0}
PROJECTIONS = {"artifact_metadata", "captains_log", "flat_facts", "knowledge_graph"}


def _503(call: object) -> None:
    with pytest.raises(ServerError) as info:
        call()  # type: ignore[operator]
    assert info.value.status_code == 503 and info.value.code == "SERVICE_UNAVAILABLE"
    raise info.value


# ------------------------------------------------------------------------------------------ status page


def test_status_page(muxi: Muxi) -> None:
    page = muxi.system.status_page()
    assert page.up and page.status == "Up" and "<title>Up</title>" in page.html
    assert muxi.system.status_page(path="/v1").up


async def test_status_page_async(amuxi: Muxi) -> None:
    assert (await amuxi.system.status_page_async()).up
    assert (await amuxi.system.status_page_async(path="/v1")).status == "Up"


# ------------------------------------------------------------------------------------------ maintenance


def test_rebuild_job_finishes(muxi: Muxi, user: str) -> None:
    job = muxi.memory.rebuild(user_id=user)
    assert isinstance(job, Job) and job.id and job.id.startswith("rebuild_") and job.status == "processing"
    assert job.accepted.response_meta is not None and job.accepted.response_meta.status_code == 202
    done = job.wait(**WAIT)
    assert done.status == "completed" and done.user_id == user and set(done.projections or {}) == PROJECTIONS
    assert muxi.memory.rebuild_status(job_id=job.id).status == "completed"
    inline = muxi.memory.rebuild(user_id=user, background=False, backfill=True)
    assert inline.id is None and inline.last is not None and inline.last.backfill is not None
    dry = muxi.memory.rebuild(user_id=user, dry_run=True).wait()
    assert dry.dry_run and all(p.dry_run for p in (dry.projections or {}).values())
    with pytest.raises(ValidationError, match="Unknown projection 'nope'"):
        muxi.memory.rebuild(user_id=user, projection="nope")
    with pytest.raises(NotFoundError, match="Unknown or expired rebuild job 'rebuild_nope'"):
        muxi.memory.rebuild_status(job_id="rebuild_nope")


async def test_rebuild_job_finishes_async(amuxi: Muxi, user: str) -> None:
    job = await amuxi.memory.rebuild_async(user_id=user, projection="flat_facts")
    done = await job.wait_async(**WAIT)
    assert done.status == "completed" and set(done.projections or {}) == {"flat_facts"}
    assert (await amuxi.memory.rebuild_status_async(job_id=job.id or "")).status == "completed"


def test_forget_job_finishes(muxi: Muxi, user: str) -> None:
    job = muxi.memory.forget(user_id=user, source="gmail", reason="gdpr")
    assert job.accepted.deleted_events == 0 and job.accepted.grace_period_days == 30 and job.id
    done = job.wait(**WAIT)
    assert done.status == "completed" and set(done.projections or {}) == PROJECTIONS
    assert muxi.memory.forget_status(job_id=job.id).status == "completed"
    later = muxi.memory.forget(user_id=user, source="gmail", rebuild=False)
    assert later.id is None and set(later.accepted.rebuild_required or []) == PROJECTIONS
    with pytest.raises(NotFoundError, match="Unknown or expired forget job 'forget_nope'"):
        muxi.memory.forget_status(job_id="forget_nope")


async def test_forget_job_finishes_async(amuxi: Muxi, user: str) -> None:
    job = await amuxi.memory.forget_async(user_id=user, source="slack", background=False)
    assert job.id is None and (await job.wait_async()).projections is not None
    bg = await amuxi.memory.forget_async(user_id=user, source="slack")
    await bg.wait_async(**WAIT)
    assert (await amuxi.memory.forget_status_async(job_id=bg.id or "")).status == "completed"


def test_backfill(muxi: Muxi, user: str) -> None:
    result = muxi.memory.backfill(user_id=user)
    assert result.user_id == user and set(result.synthesized) == PROJECTIONS
    assert all(r.complete for r in result.synthesized.values())


async def test_backfill_async(amuxi: Muxi, user: str) -> None:
    assert (await amuxi.memory.backfill_async(user_id=user)).user_id == user


@pytest.mark.xfail(strict=True, raises=ServerError, reason=LINT_503)
def test_lint(muxi: Muxi, user: str) -> None:
    _503(lambda: muxi.memory.lint(user_id=user))


@pytest.mark.xfail(strict=True, raises=ServerError, reason=LINT_503)
async def test_lint_async(amuxi: Muxi) -> None:
    with pytest.raises(ServerError) as info:
        await amuxi.memory.lint_async()
    assert info.value.status_code == 503
    raise info.value


def test_list_buffers_is_deprecated(muxi: Muxi) -> None:
    with pytest.warns(DeprecationWarning):
        buffers = muxi.memory.list_buffers()
    assert isinstance(buffers.buffers, list)


async def test_list_buffers_async_is_deprecated(amuxi: Muxi) -> None:
    with pytest.warns(DeprecationWarning):
        buffers = await amuxi.memory.list_buffers_async()
    assert isinstance(buffers.buffers, list)


# ------------------------------------------------------------------------------------------ memories


def test_add_batch_ingests_in_the_background(muxi: Muxi, user: str) -> None:
    items = [{"content": f"{user} likes tea", "source": "gmail", "source_id": f"{user}-m1"}]
    job = muxi.memory.add_batch(items=items)
    assert job.accepted.counts.accepted == 1 and job.id and job.id.startswith("ing_")
    done = job.wait(**WAIT)
    assert done.status == "completed" and done.items and done.items[0]["source_id"] == f"{user}-m1"
    assert muxi.memory.ingestion_status(processing_id=job.id).status == "completed"
    again = muxi.memory.add_batch(items=items)
    assert again.id is None and again.accepted.items[0].status == "duplicate"
    with pytest.raises(NotFoundError, match="Unknown or expired processing_id 'ing_nope'"):
        muxi.memory.ingestion_status(processing_id="ing_nope")


async def test_add_batch_ingests_in_the_background_async(amuxi: Muxi, user: str) -> None:
    items = [{"content": f"{user} likes coffee", "source": "gmail", "source_id": f"{user}-m2"}]
    job = await amuxi.memory.add_batch_async(items=items)
    assert (await job.wait_async(**WAIT)).status == "completed"
    assert (await amuxi.memory.ingestion_status_async(processing_id=job.id or "")).status == "completed"


def test_provenance_of_unknown_things(muxi: Muxi) -> None:
    with pytest.raises(NotFoundError, match="Unknown entity 'Atlantis'"):
        muxi.memory.provenance(entity="Atlantis")
    with pytest.raises(NotFoundError, match="Unknown event 'evt_nope'"):
        muxi.memory.provenance(event_id="evt_nope")


async def test_provenance_of_unknown_things_async(amuxi: Muxi) -> None:
    with pytest.raises(NotFoundError):
        await amuxi.memory.provenance_async(entity="Atlantis")


# ------------------------------------------------------------------------------------------ distilleries


@pytest.mark.xfail(strict=True, raises=ServerError, reason=DISTILLERY_503)
def test_distilleries_register_list_revoke(muxi: Muxi) -> None:
    for call in (
        lambda: muxi.memory.distilleries.list(),
        lambda: muxi.memory.distilleries.revoke(distillery_id="dist_nope"),
    ):
        with pytest.raises(ServerError):
            call()
    _503(lambda: muxi.memory.distilleries.register(name="onprem", public_key=KEY))


@pytest.mark.xfail(strict=True, raises=ServerError, reason=DISTILLERY_503)
def test_distilled_submit_and_status(muxi: Muxi) -> None:
    batch = {"batch_id": "b1", "events": [{"user_id": "u1", "source_id": "e1", "event_type": "fact.extracted"}]}
    with pytest.raises(ServerError):
        muxi.memory.distilleries.status(processing_id="dst_nope")
    _503(lambda: muxi.memory.distilleries.submit(batch=batch, distillery_id="dist_x", sign=lambda m: b"sig"))


@pytest.mark.xfail(strict=True, raises=ServerError, reason=DISTILLERY_503)
async def test_distilleries_async(amuxi: Muxi) -> None:
    for call in (
        amuxi.memory.distilleries.list_async,
        lambda: amuxi.memory.distilleries.register_async(name="onprem", public_key=KEY),
        lambda: amuxi.memory.distilleries.revoke_async(distillery_id="dist_nope"),
        lambda: amuxi.memory.distilleries.status_async(processing_id="dst_nope"),
        lambda: amuxi.memory.distilleries.submit_async(
            batch={"batch_id": "b", "events": [{"user_id": "u1", "source_id": "e1"}]},
            distillery_id="dist_x",
            sign=lambda m: b"sig",
        ),
    ):
        with pytest.raises(ServerError) as info:
            await call()
        assert info.value.status_code == 503
    raise info.value


# ------------------------------------------------------------------------------------------ knowledge


def test_knowledge_rebuild(muxi: Muxi) -> None:
    report = muxi.knowledge.rebuild()
    assert "assistant" in report.agents and report.agents["assistant"].rebuilt == []
    one = muxi.knowledge.rebuild(agent_id="assistant", source_id="handbook")
    assert list(one.agents) == ["assistant"] and one.source_id == "handbook"
    with pytest.raises(NotFoundError) as info:
        muxi.knowledge.rebuild(agent_id="nobody")
    assert info.value.code == "AGENT_NOT_FOUND"


async def test_knowledge_rebuild_async(amuxi: Muxi) -> None:
    assert "assistant" in (await amuxi.knowledge.rebuild_async()).agents
