"""System models: health, status, configuration views, SOPs, the audit log and the live log stream."""

from __future__ import annotations

from typing import Any, Literal, Union

from pydantic import Field

from ..types.basemodel import BaseModel, ListModel
from .agents import Agent
from .chat import UnknownEvent

# ------------------------------------------------------------------------------------------ health


class HealthStatus(BaseModel):
    """`GET /v1/health`: public, not enveloped."""

    status: str
    version: str | None = None
    uptime_seconds: float | None = None

    @property
    def healthy(self) -> bool:
        return self.status in ("healthy", "ok")


class StatusPage(BaseModel):
    """`GET /v1/` (and `/v1/v1`): the public HTML status page. `status` is its title, `Up` or `Down`."""

    status: str
    html: str = ""

    @property
    def up(self) -> bool:
        return self.status == "Up"


# ------------------------------------------------------------------------------------------ status


class FormationIdentity(BaseModel):
    id: str | None = None
    name: str | None = None
    description: str | None = None
    version: str | None = None


class CountActive(BaseModel):
    count: int = 0
    active: int = 0


class RunningStats(BaseModel):
    seconds: float | None = None
    """Uptime in seconds."""
    since: float | None = None
    """Start time (Unix seconds)."""


class MemoryStats(BaseModel):
    working_memory_mb: float | None = None
    memory_usage_mb: float | None = None


class RequestStats(BaseModel):
    total: int = 0
    active: int = 0


class FormationStats(BaseModel):
    running: RunningStats | None = None
    memory: MemoryStats | None = None
    requests: RequestStats | None = None
    buffer_size: int | None = None
    cpu_percent: float | None = None


class FormationStatus(BaseModel):
    """`GET /v1/status`: what is running and how busy it is."""

    formation: FormationIdentity = Field(default_factory=FormationIdentity)
    agents: CountActive = Field(default_factory=CountActive)
    mcp_servers: CountActive = Field(default_factory=CountActive)
    stats: FormationStats = Field(default_factory=FormationStats)


# ------------------------------------------------------------------------------------------ config


class ResourceLink(BaseModel):
    """Where the full settings of one area live, e.g. `{"resource": "/v1/llm/settings"}`."""

    resource: str | None = None
    total: int | None = None


class McpSummary(BaseModel):
    default_retry_attempts: int | None = None
    default_timeout_seconds: float | None = None
    servers: ResourceLink | None = None


class FormationConfigSummary(BaseModel):
    """`GET /v1/config`: a summary with counts and links to the detailed admin routes (not the full config;
    that is `system.formation()`)."""

    formation_id: str | None = None
    version: str | None = None
    description: str | None = None
    schema_version: str | None = None
    agents: ResourceLink | None = None
    secrets: ResourceLink | None = None
    mcp: McpSummary | None = None
    overlord: ResourceLink | None = None
    llm: ResourceLink | None = None
    memory: ResourceLink | None = None
    async_: ResourceLink | None = Field(default=None, alias="async")
    scheduler: ResourceLink | None = None
    a2a: ResourceLink | None = None
    logging: ResourceLink | None = None


class FormationConfig(BaseModel):
    """`GET /v1/formation`: the whole formation configuration, secret references shown as
    `${{ secrets.X }}` and inline keys masked. Blocks not modelled here stay reachable as attributes
    (`additional_properties`)."""

    id: str | None = None
    formation_id: str | None = None
    schema_version: str | None = Field(default=None, alias="schema")
    description: str | None = None
    version: str | None = None
    server: dict[str, Any] | None = None
    llm: dict[str, Any] | None = None
    memory: dict[str, Any] | None = None
    scheduler: dict[str, Any] | None = None
    logging: dict[str, Any] | None = None
    overlord: dict[str, Any] | None = None
    mcp: dict[str, Any] | None = None
    a2a: dict[str, Any] | None = None
    async_: dict[str, Any] | None = Field(default=None, alias="async")
    agents: list[Agent] = Field(default_factory=list)


# ------------------------------------------------------------------------------------------ overlord / llm


class OverlordCaching(BaseModel):
    enabled: bool | None = None
    ttl: int | None = None


class OverlordResponse(BaseModel):
    format: str | None = None
    widgets: bool | None = None
    streaming: bool | None = None


class OverlordWorkflow(BaseModel):
    auto_decomposition: bool | None = None
    plan_approval_threshold: float | None = None
    complexity_method: str | None = None
    complexity_threshold: float | None = None
    routing_strategy: str | None = None
    enable_agent_affinity: bool | None = None
    error_recovery: str | None = None
    parallel_execution: bool | None = None
    max_parallel_tasks: int | None = None
    partial_results: bool | None = None


class OverlordClarification(BaseModel):
    max_questions: int | None = None
    style: str | None = None
    persist_learned_info: bool | None = None


class OverlordConfig(BaseModel):
    """`GET /v1/overlord`: the overlord's persona and behaviour, with the server's defaults filled in."""

    soul: str = ""
    llm: dict[str, Any] = Field(default_factory=dict)
    caching: OverlordCaching = Field(default_factory=OverlordCaching)
    response: OverlordResponse = Field(default_factory=OverlordResponse)
    workflow: OverlordWorkflow = Field(default_factory=OverlordWorkflow)
    clarification: OverlordClarification = Field(default_factory=OverlordClarification)


class OverlordSoul(BaseModel):
    """`GET /v1/overlord/soul`: the overlord's persona text (empty when none is configured)."""

    soul: str = ""


class LLMSettings(BaseModel):
    """`GET /v1/llm/settings`: the formation's `llm` block (API keys masked)."""

    api_keys: dict[str, str] = Field(default_factory=dict)
    models: list[dict[str, Any]] = Field(default_factory=list)
    settings: dict[str, Any] = Field(default_factory=dict)


# ------------------------------------------------------------------------------------------ logging / async / a2a


class LoggingConfig(BaseModel):
    """`GET /v1/logging`: the formation's `logging` block as written (empty when not configured)."""

    system: dict[str, Any] | None = None
    conversation: dict[str, Any] | None = None
    redaction: dict[str, Any] | None = None


class SystemLogging(BaseModel):
    level: str | None = None
    destination: str | None = None


class LoggingDestination(BaseModel):
    id: str
    transport: str | None = None
    level: str | None = None
    format: str | None = None
    enabled: bool | None = None
    destination: Any = None


class ConversationLogging(BaseModel):
    destinations: list[LoggingDestination] = Field(default_factory=list)
    count: int = 0


class LoggingDestinations(BaseModel):
    """`GET /v1/logging/destinations`: system log settings and the conversation event streams."""

    system: SystemLogging = Field(default_factory=SystemLogging)
    conversation: ConversationLogging = Field(default_factory=ConversationLogging)


class AsyncConfig(BaseModel):
    """`GET /v1/async`: the formation's `async` block as written (every field None when not configured)."""

    threshold_seconds: float | None = None
    enable_estimation: bool | None = None
    webhook_url: str | None = None
    webhook_retries: int | None = None
    webhook_timeout: float | None = None


class A2AConfig(BaseModel):
    """`GET /v1/a2a`: the formation's `a2a` block as written (empty when not configured); every key is kept
    (`additional_properties`)."""

    server: dict[str, Any] | None = None
    client: dict[str, Any] | None = None


# ------------------------------------------------------------------------------------------ SOPs


class SopSummary(BaseModel):
    name: str
    title: str | None = None
    type: str | None = None
    """`"template"` (followed step by step) or `"guide"`."""
    steps: int | None = None
    agents_used: list[str] | None = None


class SopList(ListModel[SopSummary]):
    """`GET /v1/sops`: the formation's standard operating procedures."""

    sops: list[SopSummary] = Field(default_factory=list)
    count: int = 0


class Sop(SopSummary):
    """`GET /v1/sops/{name}`: one SOP with its markdown content and front-matter metadata."""

    content: str = ""
    metadata: dict[str, Any] = Field(default_factory=dict)
    references: list[str] | None = None


# ------------------------------------------------------------------------------------------ audit


class AuditEntry(BaseModel):
    timestamp: str | None = None
    """ISO 8601, UTC."""
    request_id: str | None = None
    action: str | None = None
    """E.g. `secret.created`, `secret.deleted`, `audit.cleared`."""
    resource_type: str | None = None
    resource_id: str | None = None
    user: str | None = None
    ip: str | None = None
    result: str | None = None
    status_code: int | None = None
    message: str | None = None
    data: dict[str, Any] | None = None


class AuditLog(ListModel[AuditEntry]):
    """`GET /v1/audit`: the most recent entries first."""

    entries: list[AuditEntry] = Field(default_factory=list)
    total_entries: int = 0
    limit: int | None = None


class AuditLogCleared(BaseModel):
    """`DELETE /v1/audit`."""

    previous_entries_count: int = 0
    cleared_by: str | None = None
    message: str = ""


# ------------------------------------------------------------------------------------------ log stream


class LogEvent(BaseModel):
    """One `event: log` frame of `GET /v1/logs`. `level` is `debug`, `info`, `warning` or `error`;
    `timestamp` is Unix seconds."""

    type: Literal["log"] = "log"
    timestamp: float | str | None = None
    level: str | None = None
    event_type: str | None = None
    user_id: str | None = None
    session_id: str | None = None
    request_id: str | None = None
    agent_id: str | None = None
    message: str | None = None
    data: Any = None


LogStreamEvent = Union[LogEvent, UnknownEvent]
"""What a log stream yields: `LogEvent` for `event: log` frames, `UnknownEvent` for frames this SDK does not know."""
