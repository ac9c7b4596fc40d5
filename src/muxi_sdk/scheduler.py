"""`m.scheduler`: jobs that prompt the formation on a cron schedule, or once at a given time."""

from __future__ import annotations

from datetime import datetime

from typing_extensions import Unpack

from ._core.operation import Call, Operation, RequestInput
from ._core.options import RequestOptions, call_options
from ._core.twins import async_op, sync_op
from ._utils.cron import normalize_schedule
from ._utils.inputs import body_dict, validate_input
from ._utils.serializers import json_body
from .basesdk import BaseSDK
from .models.scheduler import (
    JobDeleted,
    JobState,
    JobType,
    ScheduledJob,
    ScheduledJobCreate,
    ScheduledJobList,
    ScheduledJobUpdate,
    SchedulerConfig,
)

_TAGS = ("scheduler",)
CONFIG = Operation("scheduler_config", "GET", "/scheduler", "admin", SchedulerConfig, user="none", tags=_TAGS)
# Listing is the one scheduler route the client key may use (with a user); the admin key sees every job.
LIST = Operation(
    "scheduler_list", "GET", "/scheduler/jobs", "dual_admin", ScheduledJobList, user="client_key", tags=_TAGS
)
GET = Operation("scheduler_get", "GET", "/scheduler/jobs/{job_id}", "admin", ScheduledJob, tags=_TAGS)
CREATE = Operation(
    "scheduler_create",
    "POST",
    "/scheduler/jobs",
    "admin",
    ScheduledJob,
    idempotent_key=True,
    user="required",
    request=ScheduledJobCreate,
    tags=_TAGS,
)
UPDATE = Operation(
    "scheduler_update",
    "PUT",
    "/scheduler/jobs/{job_id}",
    "admin",
    ScheduledJob,
    user="required",
    request=ScheduledJobUpdate,
    tags=_TAGS,
    replay="any",  # the same fields set again: same job, same answer
)
PAUSE = Operation(
    "scheduler_pause", "POST", "/scheduler/jobs/{job_id}/pause", "admin", JobState, user="required", tags=_TAGS
)
RESUME = Operation(
    "scheduler_resume", "POST", "/scheduler/jobs/{job_id}/resume", "admin", JobState, user="required", tags=_TAGS
)
DELETE = Operation(
    "scheduler_delete", "DELETE", "/scheduler/jobs/{job_id}", "admin", JobDeleted, user="required", tags=_TAGS
)


class Scheduler(BaseSDK):
    """Scheduled jobs (`/v1/scheduler`). Every route but `list` needs the admin key (the runtime answers 401
    "Admin API key required for this endpoint" to a client key). A job belongs to the user in
    `X-Muxi-User-ID` (`user_id=` or `Muxi(user_id=...)`; the server's default is `"0"`), and pause, resume,
    update and delete act on that user's job.
    """

    def _config(self, **options: Unpack[RequestOptions]) -> Call[SchedulerConfig]:
        """The scheduler's settings (`GET /v1/scheduler`, admin key)."""
        return Call(CONFIG, RequestInput(), call_options(options))

    def _list(self, *, user_id: str | None = None, **options: Unpack[RequestOptions]) -> Call[ScheduledJobList]:
        """Scheduled jobs, newest first (`GET /v1/scheduler/jobs`).

        With the admin key: every job, or only `user_id`'s when a user is given (or configured). Without an
        admin key the client key is used, and a user is then required.
        """
        return Call(LIST, RequestInput(user_id=user_id), call_options(options))

    def _get(self, *, job_id: str, user_id: str | None = None, **options: Unpack[RequestOptions]) -> Call[ScheduledJob]:
        """One job (`GET /v1/scheduler/jobs/{job_id}`); `NotFoundError` when it does not exist."""
        return Call(GET, RequestInput(path_params={"job_id": job_id}, user_id=user_id), call_options(options))

    def _create(
        self,
        *,
        message: str,
        schedule: str | datetime,
        type: JobType | None = None,
        user_id: str | None = None,
        idempotency_key: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> Call[ScheduledJob]:
        """Schedule `message` to be sent to the formation as `user_id` (`POST /v1/scheduler/jobs`, 201).

        `schedule` is a 5-field cron expression (`"0 9 * * 1"`: a `recurring` job) or an ISO 8601 datetime /
        `datetime` (a `one_time` job); `type` is inferred when omitted. The cron expression's shape is checked
        before sending (`InvalidInputError`); MUXI's HTTP API takes no natural-language schedules.
        """
        sent, kind = normalize_schedule(schedule, type)
        body = body_dict(validate_input(ScheduledJobCreate, {"type": kind, "schedule": sent, "message": message}))
        req = RequestInput(body=json_body(body), user_id=user_id, idempotency_key=idempotency_key)
        return Call(CREATE, req, call_options(options))

    def _update(
        self,
        *,
        job_id: str,
        message: str | None = None,
        schedule: str | datetime | None = None,
        title: str | None = None,
        user_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> Call[ScheduledJob]:
        """Change a job's `message`, `schedule` or `title` (`PUT /v1/scheduler/jobs/{job_id}`).

        Returns the job as it is now; changing a recurring job to a one-time schedule (or back) can replace
        it with a job under a new `id`.
        """
        sent = normalize_schedule(schedule)[0] if schedule is not None else None
        update = validate_input(ScheduledJobUpdate, {"message": message, "schedule": sent, "title": title})
        req = RequestInput(path_params={"job_id": job_id}, body=json_body(body_dict(update)), user_id=user_id)
        return Call(UPDATE, req, call_options(options))

    def _pause(self, *, job_id: str, user_id: str | None = None, **options: Unpack[RequestOptions]) -> Call[JobState]:
        """Pause an `ACTIVE` job (`POST .../pause`); `NotFoundError` if it is missing or not active."""
        return Call(PAUSE, RequestInput(path_params={"job_id": job_id}, user_id=user_id), call_options(options))

    def _resume(self, *, job_id: str, user_id: str | None = None, **options: Unpack[RequestOptions]) -> Call[JobState]:
        """Resume a `PAUSED` job (`POST .../resume`); `NotFoundError` if it is missing or not paused."""
        return Call(RESUME, RequestInput(path_params={"job_id": job_id}, user_id=user_id), call_options(options))

    def _delete(
        self, *, job_id: str, user_id: str | None = None, **options: Unpack[RequestOptions]
    ) -> Call[JobDeleted]:
        """Remove a job (`DELETE /v1/scheduler/jobs/{job_id}`); later calls for it raise `NotFoundError`."""
        return Call(DELETE, RequestInput(path_params={"job_id": job_id}, user_id=user_id), call_options(options))

    config = sync_op(_config)
    config_async = async_op(_config)
    list = sync_op(_list)
    list_async = async_op(_list)
    get = sync_op(_get)
    get_async = async_op(_get)
    create = sync_op(_create)
    create_async = async_op(_create)
    update = sync_op(_update)
    update_async = async_op(_update)
    pause = sync_op(_pause)
    pause_async = async_op(_pause)
    resume = sync_op(_resume)
    resume_async = async_op(_resume)
    delete = sync_op(_delete)
    delete_async = async_op(_delete)
