"""Job handles and the one polling rule (`Job.wait` / `wait_async`), over loopback against the fake server.

The fake's background jobs answer `processing` for `job_settings["polls"]` status reads, then finish:
`completed`, or `failed` when `job_settings["error"]` is set; `polls=None` never finishes.
"""

from __future__ import annotations

import time

import pytest

from muxi_sdk import Job, errors
from muxi_sdk.models.memory_admin import MemoryJobStatus
from muxi_sdk.models.requests import RequestStatus
from muxi_sdk.testing import FakeMuxi

FAST = {"interval": 0.01, "max_interval": 0.05}


def _polls(fake: FakeMuxi, path_part: str) -> int:
    return len([r for r in fake.state.requests if r.method == "GET" and path_part in r.path])


def test_wait_polls_until_a_job_finishes(muxi_fake: FakeMuxi) -> None:
    muxi_fake.state.table("job_settings")["polls"] = 3
    with muxi_fake.client() as m:
        job = m.memory.rebuild(user_id="u1")
        assert isinstance(job, Job) and job.id and job.id.startswith("rebuild_")
        assert job.status == "processing" and not job.done and job.last is None
        assert job.accepted.status_url == f"/memory/rebuild/{job.id}"
        assert job.accepted.response_meta is not None and job.accepted.response_meta.status_code == 202
        done = job.wait(timeout=10, **FAST)
    assert isinstance(done, MemoryJobStatus) and done.status == "completed" and done.job_id == job.id
    assert done.projections is not None and set(done.projections) == {
        "artifact_metadata",
        "captains_log",
        "flat_facts",
        "knowledge_graph",
    }
    assert job.done and job.last is done
    assert _polls(muxi_fake, "/memory/rebuild/") == 4  # three answered processing, the fourth completed


async def test_wait_async_polls_until_a_job_finishes(muxi_fake: FakeMuxi) -> None:
    muxi_fake.state.table("job_settings")["polls"] = 2
    async with muxi_fake.client() as m:
        job = await m.memory.forget_async(user_id="u1", source="gmail")
        assert await job.status_async() == "processing" and not await job.done_async()
        assert _polls(muxi_fake, "/memory/forget/") == 0  # the twins read, as the properties do
        done = await job.wait_async(timeout=10, **FAST)
        assert await job.status_async() == "completed" and await job.done_async()
    assert done.status == "completed" and done.job_id == job.id and job.done
    assert _polls(muxi_fake, "/memory/forget/") == 3


def test_a_failed_job_raises_job_failed_error(muxi_fake: FakeMuxi) -> None:
    muxi_fake.state.table("job_settings")["error"] = "projection store offline"
    with muxi_fake.client() as m:
        job = m.memory.rebuild(user_id="u1")
        with pytest.raises(errors.JobFailedError) as info:
            job.wait(timeout=10, **FAST)
    err = info.value
    assert err.job_id == job.id and err.status == "failed" and err.code == "JOB_FAILED"
    assert isinstance(err.result, MemoryJobStatus) and err.result.error == "projection store offline"
    assert "projection store offline" in str(err) and isinstance(err, errors.MuxiError)


async def test_a_failed_job_raises_job_failed_error_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.state.table("job_settings")["error"] = "boom"
    async with muxi_fake.client(user_id="u1") as m:
        job = await m.memory.add_batch_async(items=[{"detail": "tea", "source": "gmail", "source_id": "m1"}])
        with pytest.raises(errors.JobFailedError) as info:
            await job.wait_async(timeout=10, **FAST)
    assert info.value.status == "failed" and info.value.result.error == "boom"


def test_a_job_that_outlives_its_timeout_raises_job_timeout_error(muxi_fake: FakeMuxi) -> None:
    muxi_fake.state.table("job_settings")["polls"] = None  # never finishes
    with muxi_fake.client() as m:
        job = m.memory.rebuild(user_id="u1")
        started = time.monotonic()
        with pytest.raises(errors.JobTimeoutError) as info:
            job.wait(timeout=0.3, **FAST)
        elapsed = time.monotonic() - started
    err = info.value
    assert isinstance(err, TimeoutError) and err.code == "JOB_TIMEOUT" and err.job_id == job.id
    assert isinstance(err.last, MemoryJobStatus) and err.last.status == "processing"
    assert err.waited >= 0.3 and elapsed >= 0.3
    assert _polls(muxi_fake, "/memory/rebuild/") >= 3  # it kept polling until the deadline
    assert "goes on on the server" in str(err)


async def test_a_job_that_outlives_its_timeout_raises_job_timeout_error_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.state.table("job_settings")["polls"] = None
    async with muxi_fake.client() as m:
        job = await m.memory.rebuild_async(user_id="u1")
        with pytest.raises(errors.JobTimeoutError) as info:
            await job.wait_async(timeout=0.2, **FAST)
    assert info.value.last.status == "processing" and not job.done


def test_backoff_grows_and_never_sleeps_past_the_deadline(muxi_fake: FakeMuxi) -> None:
    muxi_fake.state.table("job_settings")["polls"] = None
    with muxi_fake.client() as m:
        job = m.memory.rebuild(user_id="u1")
        flow = job._waiting(1.0, 0.1, 0.2)
        pauses = []
        step = next(flow)
        for _ in range(5):
            step = flow.send(MemoryJobStatus(job_id=job.id, status="processing"))
            pauses.append(step.seconds)
            step = next(flow)
    assert pauses[:3] == [0.1, pytest.approx(0.15), 0.2] and all(p <= 0.2 for p in pauses)


def test_work_run_inline_is_a_finished_job(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client() as m:
        job = m.memory.rebuild(user_id="u1", background=False)
        assert job.id is None and job.done
        assert job.wait() is job.last and job.last is not None and job.last.projections is not None
        dry = m.memory.rebuild(user_id="u1", dry_run=True)
        assert dry.id is None and dry.wait().dry_run is True
    assert _polls(muxi_fake, "/memory/rebuild/") == 0


def test_refresh_polls_once(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client() as m:
        job = m.memory.rebuild(user_id="u1")
        assert job.refresh().status == "processing"
        assert job.refresh().status == "completed" and job.done


async def test_refresh_async_polls_once(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client() as m:
        job = await m.memory.rebuild_async(user_id="u1")
        assert (await job.refresh_async()).status == "processing"
        assert (await job.refresh_async()).status == "completed"


@pytest.mark.parametrize(
    "kwargs",
    [{"timeout": 0}, {"timeout": -1}, {"interval": 0}, {"timeout": float("nan")}, {"interval": 2, "max_interval": 1}],
)
def test_bad_wait_arguments_are_refused_before_polling(muxi_fake: FakeMuxi, kwargs: dict[str, float]) -> None:
    with muxi_fake.client() as m:
        job = m.memory.rebuild(user_id="u1")
        with pytest.raises(errors.InvalidInputError):
            job.wait(**kwargs)
    assert _polls(muxi_fake, "/memory/rebuild/") == 0


def test_background_chat_submit_is_a_job_polled_through_requests(muxi_fake: FakeMuxi) -> None:
    muxi_fake.state.async_chat = True  # opt in: the runtime's 501 is the fake's default
    with muxi_fake.client(user_id="u1") as m:
        job = m.chat.submit(message="hi", webhook_url="http://127.0.0.1:9/hook")
        assert job.id == job.accepted.request_id and job.accepted.estimated_seconds == 1
        done = job.wait(timeout=10, **FAST)
    assert isinstance(done, RequestStatus) and done.status == "completed" and done.result == "Echo: hi"
    polls = [r for r in muxi_fake.state.requests if r.path == f"/v1/requests/{job.id}"]
    assert polls and all(r.headers["x-muxi-user-id"] == "u1" for r in polls)


async def test_background_chat_submit_async_is_a_job(muxi_fake: FakeMuxi) -> None:
    muxi_fake.state.async_chat = True
    async with muxi_fake.client(user_id="u1") as m:
        job = await m.chat.submit_async(message="later", webhook_url="http://127.0.0.1:9/hook")
        done = await job.wait_async(timeout=10, **FAST)
    assert done.status == "completed" and done.request_id == job.id
