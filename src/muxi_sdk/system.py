"""`m.system`: formation health, status and configuration views, SOPs, the audit log and the live log stream.

Everything here needs the admin key except `health` (public) and the SOPs (client key). The configuration
views are read-only: the formation changes its configuration by being redeployed, not over this API.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from typing_extensions import Unpack

from ._core.actions import StreamStart
from ._core.operation import Call, Operation, RequestInput, StreamCall
from ._core.options import RequestOptions, call_options
from ._core.resources import nested, renamed
from ._core.twins import async_op, async_stream_op, sync_op
from ._streams.logs import LogStream, LogStreamAsync, decode_log_event
from .basesdk import BaseSDK
from .errors import InvalidInputError
from .models.system import (
    A2AConfig,
    AsyncConfig,
    AuditLog,
    AuditLogCleared,
    FormationConfig,
    FormationConfigSummary,
    FormationStatus,
    HealthStatus,
    LLMSettings,
    LoggingConfig,
    LoggingDestinations,
    OverlordConfig,
    OverlordSoul,
    Sop,
    SopList,
    StatusPage,
)

_TAGS = ("system",)


def _admin_view(operation_id: str, path: str, response: Any) -> Operation:
    """A read-only admin GET of the formation's configuration (no user, no body)."""
    return Operation(operation_id, "GET", path, "admin", response, user="none", tags=_TAGS)


# The runtime serves its HTML status page twice, at `/v1/` and `/v1/v1`: one method, two operations.
STATUS_PAGE = Operation(
    "system_status_page", "GET", "/", "none", str, envelope=False, user="none", tags=_TAGS, accept="text/html"
)
STATUS_PAGE_V1 = Operation(
    "system_status_page_v1", "GET", "/v1", "none", str, envelope=False, user="none", tags=_TAGS, accept="text/html"
)
_TITLE = re.compile(r"<title>\s*([^<]*?)\s*</title>", re.IGNORECASE)
HEALTH = Operation("system_health", "GET", "/health", "none", HealthStatus, envelope=False, user="none", tags=_TAGS)
STATUS = _admin_view("system_status", "/status", FormationStatus)
CONFIG = _admin_view("system_config", "/config", FormationConfigSummary)
FORMATION = _admin_view("system_formation", "/formation", FormationConfig)
OVERLORD = _admin_view("system_overlord", "/overlord", OverlordConfig)
OVERLORD_SOUL = _admin_view("system_overlord_soul", "/overlord/soul", OverlordSoul)
LLM_SETTINGS = _admin_view("system_llm_settings", "/llm/settings", LLMSettings)
LOGGING_CONFIG = _admin_view("system_logging_config", "/logging", LoggingConfig)
LOGGING_DESTINATIONS = _admin_view("system_logging_destinations", "/logging/destinations", LoggingDestinations)
A2A_CONFIG = _admin_view("system_a2a_config", "/a2a", A2AConfig)
ASYNC_CONFIG = _admin_view("system_async_config", "/async", AsyncConfig)
AUDIT_LOG = _admin_view("system_audit_log", "/audit", AuditLog)
CLEAR_AUDIT_LOG = Operation(
    "system_clear_audit_log", "DELETE", "/audit", "admin", AuditLogCleared, user="none", tags=_TAGS, replay="any"
)
LIST_SOPS = Operation("system_list_sops", "GET", "/sops", "client", SopList, user="none", tags=_TAGS)
GET_SOP = Operation("system_get_sop", "GET", "/sops/{sop_name}", "client", Sop, user="none", tags=_TAGS)
STREAM_LOGS = Operation("system_stream_logs", "GET", "/logs", "admin", stream=True, user="none", tags=_TAGS, quiet=True)

_CLEAR_CONFIRMATION = "clear-audit-log"
_LOG_FILTERS = ("user_id", "session_id", "request_id", "agent_id", "level", "event_type")
_SOP_NAME = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def _status_page(html: str, is_async: bool) -> StatusPage:
    match = _TITLE.search(html)
    return StatusPage(status=match.group(1) if match else "", html=html)


# ------------------------------------------------------------------------------------------ log stream


def _open_log_stream(start: StreamStart, is_async: bool) -> LogStream | LogStreamAsync:
    cls = LogStreamAsync if is_async else LogStream
    return cls(start.response, decode_log_event, meta=start.meta)


def _audit_query(limit: Any, action: Any, resource_type: Any, since: Any) -> dict[str, Any]:
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000):
        raise InvalidInputError("limit must be an int from 1 to 1000")
    if isinstance(since, datetime):
        since = since.isoformat()
    elif since is not None and not isinstance(since, str):
        raise InvalidInputError("since must be a datetime or an ISO 8601 string")
    return {"limit": limit, "action": action, "resource_type": resource_type, "since": since}


# ------------------------------------------------------------------------------------------ the resource


class Sops(BaseSDK):
    """The formation's standard operating procedures (`m.system.sops`; client key). Read-only."""

    def _list(self: BaseSDK, **options: Unpack[RequestOptions]) -> Call[SopList]:
        """The formation's standard operating procedures (client key): iterate it, or read `.sops` and `.count`.
        SOPs are read-only over the API."""
        return Call(LIST_SOPS, RequestInput(), call_options(options))

    def _get(self: BaseSDK, *, name: str, **options: Unpack[RequestOptions]) -> Call[Sop]:
        """One SOP with its markdown content and metadata (client key). `NotFoundError` (`SOP_NOT_FOUND`) if
        there is none; names are letters, digits, `-` and `_` (checked before sending)."""
        if not isinstance(name, str) or not name or not set(name) <= _SOP_NAME:
            raise InvalidInputError(f"invalid SOP name {name!r}: use only letters, digits, '-' and '_'")
        return Call(GET_SOP, RequestInput(path_params={"sop_name": name}), call_options(options))

    list = sync_op(_list)
    list_async = async_op(_list)
    get = sync_op(_get)
    get_async = async_op(_get)


class System(BaseSDK):
    """Formation-wide information and administration; the SOPs are the nested `m.system.sops`."""

    sops = nested(Sops)

    def _health(self, **options: Unpack[RequestOptions]) -> Call[HealthStatus]:
        """`GET /v1/health`: is the formation up? Public: needs no key."""
        return Call(HEALTH, RequestInput(), call_options(options))

    def _status_page(self, *, path: str = "/", **options: Unpack[RequestOptions]) -> Call[StatusPage]:
        """The formation's public HTML status page (`GET /v1/`; `path="/v1"`: the same page at `/v1/v1`).

        Returns a `StatusPage`: `status` (the page title, `Up` or `Down`), `up`, and the `html`. A formation
        that is down answers 503 (`ServerError`), like `health`. Public: needs no key.
        """
        if path not in ("/", "/v1"):
            raise InvalidInputError(f"path must be '/' or '/v1', got {path!r}")
        op = STATUS_PAGE if path == "/" else STATUS_PAGE_V1
        return Call(op, RequestInput(), call_options(options), post=_status_page)

    def _status(self, **options: Unpack[RequestOptions]) -> Call[FormationStatus]:
        """Runtime status: the formation's identity, agent and MCP server counts, uptime, memory, CPU, requests."""
        return Call(STATUS, RequestInput(), call_options(options))

    def _config(self, **options: Unpack[RequestOptions]) -> Call[FormationConfigSummary]:
        """The configuration *summary* (`GET /v1/config`): id, version, counts, and links to the detailed views.

        For the whole configuration use `formation()`.
        """
        return Call(CONFIG, RequestInput(), call_options(options))

    def _formation(self, **options: Unpack[RequestOptions]) -> Call[FormationConfig]:
        """The whole formation configuration (`GET /v1/formation`), secret references as `${{ secrets.X }}`."""
        return Call(FORMATION, RequestInput(), call_options(options))

    def _overlord(self, **options: Unpack[RequestOptions]) -> Call[OverlordConfig]:
        """The overlord's configuration: soul (persona), LLM, caching, response, workflow, clarification."""
        return Call(OVERLORD, RequestInput(), call_options(options))

    def _overlord_soul(self, **options: Unpack[RequestOptions]) -> Call[OverlordSoul]:
        """The overlord's soul: the persona text that shapes every reply (empty when none is set)."""
        return Call(OVERLORD_SOUL, RequestInput(), call_options(options))

    def _llm_settings(self, **options: Unpack[RequestOptions]) -> Call[LLMSettings]:
        """The formation's LLM settings: models by capability, settings, API keys (masked)."""
        return Call(LLM_SETTINGS, RequestInput(), call_options(options))

    def _logging_config(self, **options: Unpack[RequestOptions]) -> Call[LoggingConfig]:
        """The formation's `logging` block as configured."""
        return Call(LOGGING_CONFIG, RequestInput(), call_options(options))

    def _logging_destinations(self, **options: Unpack[RequestOptions]) -> Call[LoggingDestinations]:
        """Where logs go: the system log's level and destination, and the conversation event streams."""
        return Call(LOGGING_DESTINATIONS, RequestInput(), call_options(options))

    def _a2a_config(self, **options: Unpack[RequestOptions]) -> Call[A2AConfig]:
        """The formation's agent-to-agent (`a2a`) block as configured (empty when A2A is not set up)."""
        return Call(A2A_CONFIG, RequestInput(), call_options(options))

    def _background_config(self, **options: Unpack[RequestOptions]) -> Call[AsyncConfig]:
        """The formation's background-processing (`async`) block: threshold, webhook URL, retries."""
        return Call(ASYNC_CONFIG, RequestInput(), call_options(options))

    def _audit_log(
        self,
        *,
        limit: int | None = None,
        action: str | None = None,
        resource_type: str | None = None,
        since: datetime | str | None = None,
        **options: Unpack[RequestOptions],
    ) -> Call[AuditLog]:
        """The audit trail of changes to the formation, most recent first.

        Filters: `limit` (1-1000, server default 100), `action` (e.g. `"secret.created"`), `resource_type`
        (`agent`, `secret`, `mcp_server`, `scheduler_job`, `logging_destination`, `async`, `memory`),
        `since` (a datetime or ISO 8601 string).
        """
        query = _audit_query(limit, action, resource_type, since)
        return Call(AUDIT_LOG, RequestInput(query=query), call_options(options))

    def _clear_audit_log(self, **options: Unpack[RequestOptions]) -> Call[AuditLogCleared]:
        """Empty the audit log (it keeps one `audit.cleared` entry). The SDK sends the confirmation the
        server requires (`?confirm=clear-audit-log`): calling this method is the confirmation."""
        query = {"confirm": _CLEAR_CONFIRMATION}
        return Call(CLEAR_AUDIT_LOG, RequestInput(query=query), call_options(options))

    def _stream_logs(
        self,
        *,
        user_id: str | None = None,
        session_id: str | None = None,
        request_id: str | None = None,
        agent_id: str | None = None,
        level: str | None = None,
        event_type: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> StreamCall[LogStream, LogStreamAsync]:
        """Stream the formation's live logs as typed `LogEvent`s, filtered on the server.

        At least one filter is required (the server refuses a firehose): `level` matches that severity and
        above (`debug` < `info` < `warning` < `error`), `event_type` accepts `*` wildcards (`"chat.*"`), the
        others match exactly. The stream stays open until you leave it; an `event: error` frame raises
        `StreamError`. Use it as a context manager.
        """
        query = {
            "user_id": user_id,
            "session_id": session_id,
            "request_id": request_id,
            "agent_id": agent_id,
            "level": level,
            "event_type": event_type,
        }
        if all(v is None for v in query.values()):
            raise InvalidInputError(f"stream_logs needs at least one filter: {', '.join(_LOG_FILTERS)}")
        return StreamCall(STREAM_LOGS, RequestInput(query=query), call_options(options), stream=_open_log_stream)

    health = sync_op(_health)
    health_async = async_op(_health)
    status_page = sync_op(_status_page)
    status_page_async = async_op(_status_page)
    status = sync_op(_status)
    status_async = async_op(_status)
    config = sync_op(_config)
    config_async = async_op(_config)
    formation = sync_op(_formation)
    formation_async = async_op(_formation)
    overlord = sync_op(_overlord)
    overlord_async = async_op(_overlord)
    overlord_soul = sync_op(_overlord_soul)
    overlord_soul_async = async_op(_overlord_soul)
    llm_settings = sync_op(_llm_settings)
    llm_settings_async = async_op(_llm_settings)
    logging_config = sync_op(_logging_config)
    logging_config_async = async_op(_logging_config)
    logging_destinations = sync_op(_logging_destinations)
    logging_destinations_async = async_op(_logging_destinations)
    a2a_config = sync_op(_a2a_config)
    a2a_config_async = async_op(_a2a_config)
    background_config = sync_op(_background_config)
    background_config_async = async_op(_background_config)
    audit_log = sync_op(_audit_log)
    audit_log_async = async_op(_audit_log)
    clear_audit_log = sync_op(_clear_audit_log)
    clear_audit_log_async = async_op(_clear_audit_log)
    stream_logs = sync_op(_stream_logs)
    stream_logs_async = async_stream_op(_stream_logs)

    # deprecated names (one release)
    list_sops = renamed("sops.list", Sops.list)
    list_sops_async = renamed("sops.list_async", Sops.list_async)
    get_sop = renamed("sops.get", Sops.get)
    get_sop_async = renamed("sops.get_async", Sops.get_async)
    async_config = renamed("background_config", background_config)
    async_config_async = renamed("background_config_async", background_config_async)
