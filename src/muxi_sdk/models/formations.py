"""Formation management (Server API) models: formations, lifecycle results, logs and progress events."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, Union

from pydantic import Field

from .._utils.deprecation import renamed_attributes
from ..types.basemodel import BaseModel, ListModel

# -------------------------------------------------------------------------------------------- formations


class FormationVersion(BaseModel):
    """Bundle hashes of the running version and of the one `rollback` would return to."""

    current: str | None = None
    previous: str | None = None


class FormationSummary(BaseModel):
    """One formation in `GET /rpc/formations`."""

    id: str
    name: str | None = None
    port: int | None = None
    status: str | None = None
    """`running`, `stopped`, `crashed`, `starting`, ... (kept as sent)."""
    pid: int | None = None
    uptime: float | str | None = None
    restart_count: int | None = None
    healthy: bool | None = None
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
    version: int | str | None = None
    previous_version: int | str | None = None
    port: int | None = None
    pid: int | None = None
    message: str | None = None
    deployment_type: str | None = None


class LifecycleResult(BaseModel):
    """`start`, `stop` and `restart`: the formation's new state."""

    id: str
    status: str | None = None
    message: str | None = None
    port: int | None = None
    pid: int | None = None
    restart_count: int | None = None


class RollbackResult(BaseModel):
    """`POST /rpc/formations/{id}/rollback`: the previous version is running again."""

    id: str
    status: str | None = None
    version: int | str | None = None
    previous_version: int | str | None = None
    pid: int | None = None
    port: int | None = None
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


class FormationLogLines(BaseModel):
    stdout: list[str] = Field(default_factory=list)
    stderr: list[str] = Field(default_factory=list)


class FormationLogTotals(BaseModel):
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
    """`event: progress`: a stage of the operation (`extracting`, `spawning`, `health_check`, ...)."""

    type: Literal["progress"] = "progress"
    stage: str | None = None
    message: str | None = None
    progress: float | None = None
    """0-100 when the server knows it."""


class CompleteEvent(BaseModel):
    """`event: complete`: the operation succeeded; the last event of the stream."""

    type: Literal["complete"] = "complete"
    formation_id: str | None = None
    port: int | None = None
    status: str | None = None
    url: str | None = None
    health_url: str | None = None
    pid: int | None = None
    previous_version: int | str | None = None
    new_version: int | str | None = None
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
