"""Scheduler: jobs that send a prompt to the formation on a cron schedule or once at a given time."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator
from typing_extensions import NotRequired, TypedDict

from ..types.basemodel import BaseModel, InputModel, ListModel

JobType = Literal["recurring", "one_time"]

# ------------------------------------------------------------------------------------------ requests


class ScheduledJobCreate(InputModel):
    """The body of `POST /v1/scheduler/jobs`. The job's owner is the `X-Muxi-User-ID` header, not the body.

    `schedule` is a 5-field cron expression for `recurring` jobs and an ISO 8601 datetime for `one_time`
    jobs.
    """

    type: JobType
    schedule: Annotated[str, Field(min_length=1)]
    message: Annotated[str, Field(min_length=1)]


class ScheduledJobCreateTypedDict(TypedDict):
    type: JobType
    schedule: str
    message: str


class ScheduledJobUpdate(InputModel):
    """The body of `PUT /v1/scheduler/jobs/{id}`: only the fields given change."""

    message: Annotated[str, Field(min_length=1)] | None = None
    schedule: Annotated[str, Field(min_length=1)] | None = None
    title: Annotated[str, Field(min_length=1)] | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> ScheduledJobUpdate:
        if self.message is None and self.schedule is None and self.title is None:
            raise ValueError("nothing to update: give message, schedule or title")
        return self


class ScheduledJobUpdateTypedDict(TypedDict):
    message: NotRequired[str]
    schedule: NotRequired[str]
    title: NotRequired[str]


# ------------------------------------------------------------------------------------------ responses


class SchedulerConfig(BaseModel):
    """`GET /v1/scheduler` (admin): the scheduler settings, defaults filled in."""

    enabled: bool = True
    timezone: str = "UTC"
    check_interval_minutes: int | None = None
    max_concurrent_jobs: int | None = None
    max_failures_before_pause: int | None = None
    default_time: str | None = None


class ScheduledJob(BaseModel):
    """A scheduled job. `cron_expression` is set for recurring jobs, `scheduled_for` (UTC) for one-time ones;
    `status` is `ACTIVE`, `PAUSED`, ... (kept as a string: new states must not break parsing)."""

    id: str
    user_id: str | None = None
    title: str | None = None
    original_prompt: str | None = None
    execution_prompt: str | None = None
    is_recurring: bool = False
    cron_expression: str | None = None
    scheduled_for: str | None = None
    exclusion_rules: list[Any] = Field(default_factory=list)
    status: str = "ACTIVE"
    created_at: str | None = None
    updated_at: str | None = None
    last_run_at: str | None = None
    last_run_status: str | None = None
    last_run_failure_message: str | None = None
    total_runs: int = 0
    total_failures: int = 0
    consecutive_failures: int = 0
    job_metadata: dict[str, Any] = Field(default_factory=dict)

    @property
    def schedule(self) -> str | None:
        """The schedule as it was given: the cron expression or the one-time datetime."""
        return self.cron_expression if self.is_recurring else self.scheduled_for


class ScheduledJobList(ListModel[ScheduledJob]):
    """`GET /v1/scheduler/jobs`: the jobs visible to the caller (a user's own, or all with the admin key)."""

    jobs: list[ScheduledJob] = Field(default_factory=list)
    count: int = 0


class JobState(BaseModel):
    """Answer to pause / resume: the job id and its new `status` (`PAUSED` / `ACTIVE`)."""

    id: str
    status: str


class JobDeleted(BaseModel):
    """Answer to delete: the server's confirmation `message`."""

    message: str | None = None
