"""Formation management (Server API) models: formations, lifecycle results, logs and progress events."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import BeforeValidator, Field

from .._utils.deprecation import renamed_attributes
from ..types.basemodel import BaseModel, ListModel

# -------------------------------------------------------------------------------------------- formations


class FormationVersion(BaseModel):
    """Bundle hashes (sha256 of the uploaded tarball) of the running version and of the one `rollback` would
    return to; `semantic` is the formation file's `version` (sent in `list` only)."""

    current: str | None = None
    previous: str | None = None
    semantic: str | None = None


class FormationSummary(BaseModel):
    """One formation in `GET /rpc/formations`."""

    id: str
    name: str | None = None
    port: int | None = None
    status: str | None = None
    """`running`, `starting` (until its first health check passes, e.g. right after a rollback), `unhealthy`,
    `stopped`, `crashed`, ... (kept as sent). Only a `running` formation answers through the server's proxy."""
    pid: int | None = None
    """0 while stopped."""
    uptime: int | None = None
    """Seconds since the process started (0 while stopped or starting)."""
    restart_count: int | None = None
    healthy: bool | None = None
    """The last health check's outcome; None before the first one."""
    version: FormationVersion | None = None


class FormationList(ListModel[FormationSummary]):
    """`GET /rpc/formations`."""

    formations: list[FormationSummary] = Field(default_factory=list)
    total: int = 0

    def ids(self) -> list[str]:
        """The formation ids."""
        return [f.id for f in self.formations]


class Formation(FormationSummary):
    """`GET /rpc/formations/{id}`: one formation in detail."""

    created_at: str | None = None
    deployed_at: str | None = None
    updated_at: str | None = None
    last_health_check: str | None = None


class DeployResult(BaseModel):
    """201 of `POST /rpc/formations`: where the new formation runs.

    `url` is its Formation API through the server's proxy (`{server}/api/{id}`); `health_url` its own port.
    """

    formation_id: str
    port: int | None = None
    status: str | None = None
    url: str | None = None
    health_url: str | None = None
    pid: int | None = None


class UpdateResult(BaseModel):
    """`PUT /rpc/formations/{id}`: a blue-green update that went live."""

    id: str
    status: str | None = None
    version: int | None = None
    """The server's version counter (1 at deploy; an int here, a string in the stream's `CompleteEvent`)."""
    previous_version: int | None = None
    port: int | None = None
    pid: int | None = None
    message: str | None = None
    deployment_type: str | None = None


class LifecycleResult(BaseModel):
    """`start`, `stop` and `restart`: the formation's new state (`port` on start and restart, `restart_count`
    on restart)."""

    id: str
    status: str | None = None
    message: str | None = None
    port: int | None = None
    restart_count: int | None = None


class RollbackResult(BaseModel):
    """`POST /rpc/formations/{id}/rollback`: the previous version is running again."""

    id: str
    status: str | None = None
    version: int | None = None
    """The version counter now running."""
    previous_version: int | None = None
    """The one it replaced: a second rollback returns to it."""
    pid: int | None = None
    message: str | None = None


class CancelUpdateResult(BaseModel):
    """`POST /rpc/formations/{id}/cancel-update` (a flat body, not enveloped)."""

    message: str | None = None
    formation_id: str | None = None
    staging_port: int | None = None
    status: str | None = None
    current_port: int | None = None


class DeleteResult(BaseModel):
    """`DELETE /rpc/formations/{id}`."""

    id: str
    message: str | None = None


def _null_as_empty(value: Any) -> Any:
    return [] if value is None else value


LogLines = Annotated[list[str], BeforeValidator(_null_as_empty)]
"""The server sends `null` for an empty (or missing) log file: read as no lines."""


class FormationLogLines(BaseModel):
    """The lines of each stream asked for (an unasked stream is absent on the wire: empty here)."""

    stdout: LogLines = Field(default_factory=list)
    stderr: LogLines = Field(default_factory=list)


class FormationLogTotals(BaseModel):
    """Lines in each log file; 0 for a stream that was not asked for."""

    stdout: int = 0
    stderr: int = 0


class FormationLogs(BaseModel):
    """`GET /rpc/formations/{id}/logs`: the last lines of the formation's stdout and stderr."""

    formation_id: str
    logs: FormationLogLines = Field(default_factory=FormationLogLines)
    total_lines: FormationLogTotals = Field(default_factory=FormationLogTotals)

    @property
    def lines(self) -> list[str]:
        """stdout then stderr lines."""
        return [*self.logs.stdout, *self.logs.stderr]


# ---------------------------------------------------------------------------------- lifecycle events
# `Accept: text/event-stream` on deploy, update, start, restart and rollback.


class LifecycleProgressEvent(BaseModel):
    """`event: progress`: a stage of the operation (`extracting`, `resolving_runtime`, `spawning`,
    `health_check`, ...). A stage may repeat: `resolving_runtime` once more with the `version` found,
    `health_check` once a second with `attempt` / `max_attempts`."""

    type: Literal["progress"] = "progress"
    stage: str | None = None
    message: str | None = None
    version: str | None = None
    """The runtime version resolved (`resolving_runtime`)."""
    attempt: int | None = None
    """Health check attempt number (`health_check`)."""
    max_attempts: int | None = None
    staging_port: int | None = None
    """Where the new version starts beside the old one (`spawning_staging` of an update)."""
    progress: float | None = None
    """0-100 if a server sends it (MUXI Server 0.20260423.0 never does)."""


class CompleteEvent(BaseModel):
    """`event: complete`: the operation succeeded; the last event of the stream.

    Deploy: `formation_id, port, status, url, health_url, pid`; start: `formation_id, port, status`; restart:
    also `restart_count`; update and rollback: `formation_id, port, status, url, previous_version,
    new_version` (strings here, such as `"1"` and `"2"`, where the JSON answers send ints).
    """

    type: Literal["complete"] = "complete"
    formation_id: str | None = None
    port: int | None = None
    status: str | None = None
    url: str | None = None
    health_url: str | None = None
    pid: int | None = None
    previous_version: str | None = None
    new_version: str | None = None
    restart_count: int | None = None


class UnknownLifecycleEvent(BaseModel):
    """A frame this SDK does not know yet, kept as sent (`event` name, `data` parsed when JSON)."""

    type: str = "unknown"
    event: str
    data: Any = None


LifecycleEvent = Union[LifecycleProgressEvent, CompleteEvent, UnknownLifecycleEvent]
"""What a lifecycle stream yields. An `event: error` frame raises `FormationOperationError` instead."""


class LogConnectedEvent(BaseModel):
    """`event: connected`: the log follow is attached."""

    type: Literal["connected"] = "connected"
    formation_id: str | None = None


class LogLineEvent(BaseModel):
    """`event: log`: one new line of the formation's output."""

    type: Literal["log"] = "log"
    line: str = ""
    formation_id: str | None = None


FormationLogEvent = Union[LogConnectedEvent, LogLineEvent, UnknownLifecycleEvent]
"""What `stream_logs` yields."""


# Deprecated names (one release): they collided with `models.chat.ProgressEvent` and `models.system.LogEvent`,
# so `from muxi_sdk.models import ProgressEvent` was the chat event and `isinstance` on a deploy event failed.
_RENAMED = {"ProgressEvent": "LifecycleProgressEvent", "LogEvent": "FormationLogEvent"}

if TYPE_CHECKING:
    ProgressEvent = LifecycleProgressEvent
    LogEvent = FormationLogEvent
else:
    __getattr__ = renamed_attributes(__name__, _RENAMED, globals())
