"""m.scheduler against the fake server: every operation sync and async, keys, cron checks, typed errors."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from muxi_sdk import errors

# internal: the schedule checker is unit-tested on inputs no call would get past
from muxi_sdk._utils.cron import cron_problem, normalize_schedule
from muxi_sdk.models.scheduler import ScheduledJob
from muxi_sdk.testing import FakeMuxi
from muxi_sdk.testing.idempotency import executions_for


def _last(fake: FakeMuxi, method: str) -> tuple[dict[str, str], object]:
    req = [r for r in fake.state.requests if r.path.startswith("/v1/scheduler") and r.method == method][-1]
    return req.headers, (json.loads(req.body) if req.body else None)


def test_create_list_get_update_pause_resume_delete(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as m:
        weekly = m.scheduler.create(message="Weekly summary please", schedule="0 9 * * 1")
        assert isinstance(weekly, ScheduledJob)
        assert (weekly.user_id, weekly.is_recurring, weekly.cron_expression, weekly.status) == (
            "alice",
            True,
            "0 9 * * 1",
            "ACTIVE",
        )
        assert weekly.response_meta is not None and weekly.response_meta.status_code == 201
        headers, body = _last(muxi_fake, "POST")
        assert body == {"type": "recurring", "schedule": "0 9 * * 1", "message": "Weekly summary please"}
        assert headers["x-muxi-user-id"] == "alice"  # the owner travels in the header, not the body
        assert "x-muxi-admin-key" in headers and headers["x-muxi-idempotency-key"]

        new_year = m.scheduler.create(message="Happy new year", schedule="2099-01-01T09:00:00Z")
        assert (new_year.is_recurring, new_year.scheduled_for, new_year.schedule) == (
            False,
            "2099-01-01T09:00:00Z",
            "2099-01-01T09:00:00Z",
        )
        assert [j.id for j in m.scheduler.list().jobs] == [new_year.id, weekly.id]
        assert m.scheduler.get(job_id=weekly.id).title == "Weekly summary please"

        updated = m.scheduler.update(job_id=weekly.id, title="Weekly", schedule="0 10 * * 1")
        assert (updated.id, updated.title, updated.cron_expression) == (weekly.id, "Weekly", "0 10 * * 1")
        assert updated.original_prompt == "Weekly summary please"
        assert _last(muxi_fake, "PUT")[1] == {"schedule": "0 10 * * 1", "title": "Weekly"}

        assert m.scheduler.pause(job_id=weekly.id).status == "PAUSED"
        with pytest.raises(errors.NotFoundError) as twice:
            m.scheduler.pause(job_id=weekly.id)
        assert twice.value.message == f"Scheduled job '{weekly.id}' not found or not in ACTIVE state"
        assert m.scheduler.resume(job_id=weekly.id).status == "ACTIVE"
        assert m.scheduler.get(job_id=weekly.id).status == "ACTIVE"

        deleted = m.scheduler.delete(job_id=weekly.id)
        assert deleted.message == f"Scheduled job '{weekly.id}' removed successfully"
        with pytest.raises(errors.NotFoundError) as gone:
            m.scheduler.get(job_id=weekly.id)
        assert (gone.value.code, gone.value.message) == ("RESOURCE_NOT_FOUND", f"Scheduled job '{weekly.id}' not found")
        assert [j.id for j in m.scheduler.list().jobs] == [new_year.id]


def test_datetime_and_kind_switch(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as m:
        when = datetime(2099, 6, 1, 12, 30, tzinfo=timezone(timedelta(hours=2)))
        job = m.scheduler.create(message="Reminder", schedule=when)
        assert job.scheduled_for == "2099-06-01T10:30:00Z" and not job.is_recurring
        assert _last(muxi_fake, "POST")[1] == {
            "type": "one_time",
            "schedule": "2099-06-01T10:30:00Z",
            "message": "Reminder",
        }
        switched = m.scheduler.update(job_id=job.id, schedule="*/15 * * * *", message="Every quarter hour")
        assert switched.is_recurring and switched.id != job.id  # replaced under a new id, as the runtime may
        assert switched.execution_prompt == "Every quarter hour"


def test_keys_and_users(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as m:
        m.scheduler.create(message="for alice", schedule="0 9 * * *")
        m.scheduler.create(message="for bob", schedule="0 9 * * *", user_id="bob")
        assert m.scheduler.list().count == 1  # filtered by the configured user
    with muxi_fake.client() as admin:
        assert admin.scheduler.list().count == 2  # admin without a user sees every job
        assert "x-muxi-admin-key" in _last(muxi_fake, "GET")[0]
        job = admin.scheduler.create(message="nobody's", schedule="0 8 * * *", user_id="0")
        assert job.user_id == "0"  # the server's default owner, asked for explicitly (a user is required)
    with muxi_fake.client(admin_key=None, user_id="bob") as client_only:
        listed = client_only.scheduler.list()  # the one route the client key may use
        assert [j.user_id for j in listed.jobs] == ["bob"]
        with pytest.raises(errors.ConfigurationError):
            client_only.scheduler.create(message="x", schedule="0 9 * * 1")
        with pytest.raises(errors.ConfigurationError):
            client_only.scheduler.config()
    with muxi_fake.client(admin_key=None) as client_no_user:
        with pytest.raises(errors.ConfigurationError, match="acts for an end user"):
            client_no_user.scheduler.list(user_id=None)  # refused before sending (the runtime would say 400)
    with muxi_fake.client(user_id="mallory") as other:
        with pytest.raises(errors.NotFoundError):
            other.scheduler.delete(job_id=job.id)  # acts on the caller's jobs only


def test_config(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client() as m:
        config = m.scheduler.config()
        assert (config.enabled, config.timezone, config.max_concurrent_jobs, config.default_time) == (
            True,
            "UTC",
            10,
            "09:00",
        )


@pytest.mark.parametrize(
    "schedule",
    [
        "not a cron",
        "every monday at 9",
        "0 9 * *",
        "0 9 * * 1 2026",  # croniter's year column: not part of MUXI's 5-field contract
        "61 9 * * 1",
        "0 24 * * *",
        "0 9 0 * *",
        "0 9 * 13 *",
        "0 9 * * 8",
        "0 9 * * FUNDAY",
        "*/0 * * * *",
        "5-1 * * * *",
        "? 9 * * *",
        "0 9 * * 1;rm",
    ],
)
def test_invalid_schedules_never_leave_the_sdk(muxi_fake: FakeMuxi, schedule: str) -> None:
    with muxi_fake.client() as m:
        sent = len(muxi_fake.state.requests)
        with pytest.raises(errors.InvalidInputError):
            m.scheduler.create(message="x", schedule=schedule, type="recurring")
        with pytest.raises(errors.InvalidInputError):
            m.scheduler.create(message="x", schedule=schedule)
        assert len(muxi_fake.state.requests) == sent


@pytest.mark.parametrize(
    "schedule",
    [
        "0 9 * * 1",
        "*/15 * * * *",
        "0 9-17 * * MON-FRI",
        "30 6 1,15 * *",
        "0 0 L * ?",
        "0 12 * JAN,JUL 5#2",
        "0 0 * * 7",
    ],
)
def test_valid_cron_shapes(schedule: str) -> None:
    assert cron_problem(schedule) is None
    assert normalize_schedule(schedule) == (schedule, "recurring")


def test_other_input_checks(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client() as m:
        sent = len(muxi_fake.state.requests)
        for call in (
            lambda: m.scheduler.create(message="", schedule="0 9 * * 1"),
            lambda: m.scheduler.create(message="x", schedule="2099-13-45T00:00:00Z", type="one_time"),
            lambda: m.scheduler.create(message="x", schedule=datetime(2099, 1, 1), type="recurring"),
            lambda: m.scheduler.create(message="x", schedule="0 9 * * 1", type="weekly"),  # type: ignore[arg-type]
            lambda: m.scheduler.update(job_id="job_1"),
            lambda: m.scheduler.update(job_id="job_1", schedule="tomorrow morning"),
            lambda: m.scheduler.get(job_id=""),
        ):
            with pytest.raises(errors.InvalidInputError):
                call()
        assert len(muxi_fake.state.requests) == sent


def test_server_side_errors(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as m:
        with pytest.raises(errors.ValidationError) as past:
            m.scheduler.create(message="too late", schedule="2001-01-01T00:00:00Z")
        assert (past.value.status_code, past.value.code) == (422, "VALIDATION_ERROR")
        assert past.value.message == "Schedule datetime must be in the future"
        muxi_fake.state.table("scheduler_settings")["persistent"] = False
        with pytest.raises(errors.ValidationError) as no_memory:
            m.scheduler.create(message="x", schedule="0 9 * * 1")
        assert no_memory.value.code == "UNPROCESSABLE_ENTITY"
        muxi_fake.state.table("scheduler_settings").update(persistent=True, enabled=False)
        with pytest.raises(errors.ServerError) as off:
            m.scheduler.create(message="x", schedule="0 9 * * 1", retries=None)
        assert off.value.status_code == 503


def test_fake_server_answers_like_the_runtime(muxi_fake: FakeMuxi) -> None:
    s = muxi_fake.state
    admin = {"X-Muxi-Admin-Key": s.admin_key, "X-Muxi-User-ID": "alice"}
    with httpx.Client(base_url=muxi_fake.formation_url) as http:
        bad_cron = http.post(
            "/scheduler/jobs", headers=admin, json={"type": "recurring", "schedule": "not a cron", "message": "x"}
        )
        assert bad_cron.status_code == 422
        assert bad_cron.json()["type"] == "error.internal"
        assert bad_cron.json()["error"] == {
            "code": "VALIDATION_ERROR",
            "message": "Invalid cron expression for recurring job",
            "data": {
                "field": "schedule",
                "value": "not a cron",
                "expected": "Valid cron expression (e.g., '0 9 * * 1')",
                "error": "Exactly 5, 6 or 7 columns has to be specified for iterator expression.",
            },
        }
        client = {"X-Muxi-Client-Key": s.client_key, "X-Muxi-User-ID": "alice"}
        for method, path in (("POST", "/scheduler/jobs"), ("GET", "/scheduler"), ("GET", "/scheduler/jobs/job_x")):
            denied = http.request(
                method, path, headers=client, json={"type": "recurring", "schedule": "0 9 * * 1", "message": "x"}
            )
            assert denied.status_code == 401
            assert denied.json()["error"]["message"] == "Admin API key required for this endpoint"
        wrong_type = http.post(
            "/scheduler/jobs", headers=admin, json={"type": "prompt", "schedule": "0 9 * * 1", "message": "x"}
        )
        assert wrong_type.status_code == 400
        assert wrong_type.json()["error"]["message"] == "Invalid job type 'prompt'. Must be 'one_time' or 'recurring'"
        body_user = http.post(
            "/scheduler/jobs",
            headers={"X-Muxi-Admin-Key": s.admin_key},
            json={"type": "recurring", "schedule": "0 9 * * 1", "message": "x", "user_id": "alice"},
        )
        assert body_user.json()["data"]["user_id"] == "0"  # a body user_id is ignored (official SDK drift)


def test_idempotent_create(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as m:
        first = m.scheduler.create(message="once", schedule="0 9 * * 1", idempotency_key="job-key-1")
        again = m.scheduler.create(message="once", schedule="0 9 * * 1", idempotency_key="job-key-1")
        assert again.id == first.id and m.scheduler.list().count == 1
        assert executions_for(muxi_fake.state, "job-key-1") == 1


async def test_async_twins(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client(user_id="erin") as m:
        assert (await m.scheduler.config_async()).enabled
        job = await m.scheduler.create_async(message="Daily standup notes", schedule="30 9 * * 1-5")
        assert [j.id for j in (await m.scheduler.list_async()).jobs] == [job.id]
        assert (await m.scheduler.get_async(job_id=job.id)).cron_expression == "30 9 * * 1-5"
        assert (await m.scheduler.update_async(job_id=job.id, title="Standup")).title == "Standup"
        assert (await m.scheduler.pause_async(job_id=job.id)).status == "PAUSED"
        assert (await m.scheduler.resume_async(job_id=job.id)).status == "ACTIVE"
        assert "removed" in ((await m.scheduler.delete_async(job_id=job.id)).message or "")
        with pytest.raises(errors.NotFoundError):
            await m.scheduler.get_async(job_id=job.id)
        with pytest.raises(errors.InvalidInputError):
            await m.scheduler.create_async(message="x", schedule="every day")
