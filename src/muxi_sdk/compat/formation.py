"""`FormationClient` / `AsyncFormationClient`: the official SDK's formation clients, over `Muxi`.

Same constructor (a `FormationConfig` or its fields as keywords), same method names, parameters and return
values (plain dicts: the envelope's `data` with `request_id`, `idempotency_key` and `timestamp` merged in;
streams as generators of `{"event", "data"}` dicts). Each method is one call of a `Muxi` resource method;
where the official SDK disagrees with the real MUXI runtime, these methods do what the runtime needs (see
docs/migrating.md).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidInputError
from ..sdk import Muxi
from ._shim import (
    AsyncClientShell,
    ClientShell,
    SyncClientShell,
    Target,
    async_method,
    chat_frame,
    debug_logger,
    named_frame,
    nothing,
    official_shape,
    plain_frame,
    retry_config,
    sync_method,
    timeout_ms,
)

__all__ = ["AsyncFormationClient", "FormationClient", "FormationConfig", "parse_ui_widgets"]

DEFAULT_TIMEOUT = 30


@dataclass
class FormationConfig:
    """The official SDK's formation settings. `base_url` (`.../v1`), `url` (a formation reached directly) or
    `server_url` + `formation_id` (through the MUXI server; `mode="draft"` for `muxi up`)."""

    formation_id: str | None = None
    url: str | None = None
    server_url: str | None = None
    base_url: str | None = None
    admin_key: str | None = field(default=None, repr=False)  # keys never in a repr (logs, tracebacks)
    client_key: str | None = field(default=None, repr=False)
    max_retries: int = 0
    timeout: int = DEFAULT_TIMEOUT
    debug: bool = False
    logger: logging.Logger | None = None
    mode: str = "live"
    _app: str | None = None


def _env_target() -> bool:
    env = os.environ
    return bool(env.get("MUXI_URL") or (env.get("MUXI_SERVER_URL") and env.get("MUXI_FORMATION_ID")))


def _muxi(cfg: FormationConfig) -> Muxi:
    url = cfg.url
    server_url = cfg.server_url
    formation_id = cfg.formation_id
    mode = cfg.mode
    if cfg.base_url:
        base = cfg.base_url.rstrip("/")
        if not base.endswith("/v1"):
            raise ValueError(f"base_url must end with /v1 (the Formation API root), got {cfg.base_url!r}")
        url, server_url = base[: -len("/v1")], None
    elif not url and not (server_url and formation_id) and not _env_target():
        raise ValueError("must set base_url, url, or server_url+formation_id")
    return Muxi(
        url=url,
        server_url=server_url,
        formation_id=formation_id,
        mode="draft" if mode == "draft" else "live",
        admin_key=(cfg.admin_key or "").strip() or None,
        client_key=(cfg.client_key or "").strip() or None,
        retry_config=retry_config(cfg.max_retries),
        debug_logger=debug_logger(cfg.debug, cfg.logger),
        app=cfg._app,
    )


def parse_ui_widgets(event: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Widgets of an `event: ui` stream frame (`[]` for any other frame), as the official helper."""
    if event.get("event") != "ui":
        return []
    try:
        parsed = json.loads(str(event.get("data", "")) or "{}")
    except ValueError:
        return []
    ui = parsed.get("ui") if isinstance(parsed, dict) else None
    return ui if isinstance(ui, list) else []


# ------------------------------------------------------------------------------------------ payloads

_CHAT_FIELDS = (
    "session_id",
    "group_id",
    "agent_id",
    "request_id",
    "webhook_url",
    "threshold_seconds",
    "source_channel",
    "ui_response",
)


def _file(item: Any) -> Any:
    """An official file dict carries base64 `content`; muxi-sdk takes bytes (and encodes while sending)."""
    if isinstance(item, Mapping) and isinstance(item.get("content"), str):
        try:
            raw = base64.b64decode(item["content"], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidInputError(f"file {item.get('filename')!r}: content must be base64") from exc
        return {**{k: v for k, v in item.items() if k != "size"}, "content": raw}
    return item


# The official SDK sends no user when none is given, and the runtime then acts as its user "0". The native
# SDK refuses a user-scoped call without a user; the facade keeps the official behaviour, explicitly.
OFFICIAL_DEFAULT_USER = "0"


def _payload(payload: Mapping[str, Any] | str) -> Mapping[str, Any]:
    # The MUXI docs also write `formation.chat("Hello", user_id=...)`: a plain string is the message.
    if isinstance(payload, str):
        return {"message": payload}
    if not isinstance(payload, Mapping):
        raise InvalidInputError("payload must be a message string or a dict like {'message': 'Hello'}")
    return payload


def _chat_kwargs(payload: Mapping[str, Any] | str, user_id: str) -> dict[str, Any]:
    payload = _payload(payload)
    kwargs = {k: payload[k] for k in _CHAT_FIELDS if payload.get(k) is not None}
    kwargs["user_id"] = user_id or payload.get("user_id") or OFFICIAL_DEFAULT_USER
    files = payload.get("files")
    if files:
        kwargs["files"] = [_file(f) for f in files]
    return kwargs


def _audio_kwargs(payload: Mapping[str, Any], user_id: str) -> dict[str, Any]:
    kwargs = _chat_kwargs(payload, user_id)
    files = kwargs.pop("files", None) or []
    if len(files) != 1:
        raise InvalidInputError("audio_chat needs exactly one audio file in payload['files']")
    kept: dict[str, Any] = {k: kwargs[k] for k in ("user_id", "session_id", "agent_id", "request_id") if k in kwargs}
    return {"file": files[0], **kept}


_TRIGGER_BODY = frozenset({"data", "use_async", "session_id"})


# ------------------------------------------------------------------------------------------ the methods
# One spec per official method: its exact signature, and the Muxi call it maps to.


def _health(self: Any) -> Target:
    """`GET /v1/health` (public: no key needed) -> `m.system.health()`."""
    return Target("system", "health")


def _get_status(self: Any) -> Target:
    """-> `m.system.status()`."""
    return Target("system", "status")


def _get_config(self: Any) -> Target:
    """-> `m.system.config()` (the configuration summary)."""
    return Target("system", "config")


def _get_formation_info(self: Any) -> Target:
    """-> `m.system.formation()` (the full formation configuration)."""
    return Target("system", "formation")


class AgentList(dict[str, Any]):
    """The official `get_agents()` value, `{"agents": [...], "count"}`, that iterates over its agents, as the
    MUXI docs use it (`for agent in formation.get_agents(): agent["id"]`); keys, items and indexing are a
    dict's."""

    def __iter__(self) -> Iterator[Any]:
        return iter(self.get("agents") or ())


def _agent_list(value: Any) -> Any:
    out = official_shape(value)
    return AgentList(out) if isinstance(out, dict) else out


def _get_agents(self: Any) -> Target:
    """-> `m.agents.list()`: `{"agents": [...], "count"}` (iterating gives the agents, see `AgentList`)."""
    return Target("agents", "list", shape=_agent_list)


def _get_agent(self: Any, agent_id: str) -> Target:
    """-> `m.agents.get(agent_id=...)`."""
    return Target("agents", "get", {"agent_id": agent_id})


def _get_mcp_servers(self: Any) -> Target:
    """-> `m.mcp.servers.list()`."""
    return Target("mcp.servers", "list")


def _get_mcp_server(self: Any, server_id: str) -> Target:
    """-> `m.mcp.servers.get(server_id=...)`."""
    return Target("mcp.servers", "get", {"server_id": server_id})


def _get_mcp_tools(self: Any) -> Target:
    """-> `m.mcp.tools.list()`."""
    return Target("mcp.tools", "list")


def _get_secrets(self: Any) -> Target:
    """-> `m.secrets.list()`."""
    return Target("secrets", "list")


def _get_secret(self: Any, key: str) -> Target:
    """-> `m.secrets.get(key=...)` (the runtime has no `GET /secrets/{key}`: found in the list)."""
    return Target("secrets", "get", {"key": key})


def _set_secret(self: Any, key: str, value: str) -> Target:
    """-> `m.secrets.set(key=..., value=...)`: creates or updates (the official PUT could only update)."""
    return Target("secrets", "set", {"key": key, "value": value}, shape=nothing)


def _delete_secret(self: Any, key: str) -> Target:
    """-> `m.secrets.delete(key=...)`."""
    return Target("secrets", "delete", {"key": key}, shape=nothing)


def _chat(self: Any, payload: dict[str, Any] | str, *, user_id: str = "") -> Target:
    """-> `m.chat.send(message=..., ...)`: always a JSON reply (sends `stream: false`), never raw SSE text.
    `payload["mode"] == "async"` -> `m.chat.submit(...)`. A plain string is the message (as the MUXI docs
    write it)."""
    body = _payload(payload)
    args = {"message": body.get("message"), **_chat_kwargs(body, user_id)}
    if body.get("mode") == "async":  # submit() returns a Job: the official SDK returns the accepted answer
        return Target("chat", "submit", args, shape=lambda job: official_shape(job.accepted))
    return Target("chat", "send", args)


def _chat_stream(self: Any, payload: dict[str, Any] | str, *, user_id: str = "") -> Target:
    """-> `m.chat.stream(message=..., ...)`, each event as `{"event", "data"}`; an error frame raises."""
    body = _payload(payload)
    kwargs = _chat_kwargs(body, user_id)
    return Target("chat", "stream", {"message": body.get("message"), **kwargs}, frame=chat_frame)


def _audio_chat(self: Any, payload: dict[str, Any], *, user_id: str = "") -> Target:
    """-> `m.chat.audio(file=...)` with `payload["files"][0]` (base64 content decoded)."""
    return Target("chat", "audio", _audio_kwargs(payload, user_id))


def _audio_chat_stream(self: Any, payload: dict[str, Any], *, user_id: str = "") -> Target:
    """-> `m.chat.stream_audio(file=...)`, each event as `{"event", "data"}`."""
    return Target("chat", "stream_audio", _audio_kwargs(payload, user_id), frame=chat_frame)


def _get_sessions(self: Any, user_id: str, limit: int | None = None) -> Target:
    """-> `m.sessions.list(user_id=..., limit=...)` (first page): `{"sessions": [...], "count"}`."""
    return Target("sessions", "list", {"user_id": user_id, "limit": limit})


def _get_session(self: Any, session_id: str, user_id: str) -> Target:
    """-> `m.sessions.get(session_id=..., user_id=...)`."""
    return Target("sessions", "get", {"session_id": session_id, "user_id": user_id})


def _get_session_messages(self: Any, session_id: str, user_id: str) -> Target:
    """-> `m.sessions.messages(session_id=..., user_id=...)` (first page)."""
    return Target("sessions", "messages", {"session_id": session_id, "user_id": user_id})


def _restore_session(self: Any, session_id: str, user_id: str, messages: list[dict[str, Any]]) -> Target:
    """-> `m.sessions.restore(session_id=..., messages=..., user_id=...)`."""
    kwargs = {"session_id": session_id, "messages": messages, "user_id": user_id}
    return Target("sessions", "restore", kwargs, shape=nothing)


def _get_requests(self: Any, user_id: str) -> Target:
    """-> `m.requests.list(user_id=...)`."""
    return Target("requests", "list", {"user_id": user_id})


def _get_request_status(self: Any, request_id: str, user_id: str) -> Target:
    """-> `m.requests.get(request_id=..., user_id=...)`."""
    return Target("requests", "get", {"request_id": request_id, "user_id": user_id})


def _cancel_request(self: Any, request_id: str, user_id: str) -> Target:
    """-> `m.requests.cancel(request_id=..., user_id=...)`."""
    return Target("requests", "cancel", {"request_id": request_id, "user_id": user_id}, shape=nothing)


def _get_memory_config(self: Any) -> Target:
    """-> `m.memory.config()`."""
    return Target("memory", "config")


def _get_memories(self: Any, user_id: str, limit: int | None = None) -> Target:
    """-> `m.memory.list(user_id=..., limit=...)`."""
    return Target("memory", "list", {"user_id": user_id, "limit": limit})


def _add_memory(self: Any, user_id: str, mem_type: str, detail: str) -> Target:
    """-> `m.memory.add(type=mem_type, detail=..., user_id=...)`."""
    return Target("memory", "add", {"type": mem_type, "detail": detail, "user_id": user_id})


def _delete_memory(self: Any, user_id: str, memory_id: str) -> Target:
    """-> `m.memory.delete(memory_id=..., user_id=...)`."""
    return Target("memory", "delete", {"memory_id": memory_id, "user_id": user_id}, shape=nothing)


def _get_user_buffer(self: Any, user_id: str) -> Target:
    """-> `m.memory.get_buffer(user_id=...)`."""
    return Target("memory", "get_buffer", {"user_id": user_id})


def _clear_user_buffer(self: Any, user_id: str) -> Target:
    """-> `m.memory.clear_buffer(user_id=...)`."""
    return Target("memory", "clear_buffer", {"user_id": user_id})


def _clear_session_buffer(self: Any, user_id: str, session_id: str) -> Target:
    """-> `m.memory.clear_session_buffer(session_id=..., user_id=...)`."""
    return Target("memory", "clear_session_buffer", {"session_id": session_id, "user_id": user_id})


def _clear_all_buffers(self: Any) -> Target:
    """-> `m.memory.clear_all_buffers()`."""
    return Target("memory", "clear_all_buffers")


def _get_buffer_stats(self: Any) -> Target:
    """-> `m.memory.stats()`."""
    return Target("memory", "stats")


def _get_scheduler_config(self: Any) -> Target:
    """-> `m.scheduler.config()`."""
    return Target("scheduler", "config")


def _job_user(self: Any, job_id: str) -> str | None:
    users: dict[str, str] = self._job_users
    return users.get(job_id)


def _recording_jobs(self: Any, user_id: str) -> Any:
    """Shape that remembers which user owns the jobs in a result (the by-id job calls need the owner)."""

    def shape(value: Any) -> Any:
        out = official_shape(value)
        if isinstance(out, dict) and user_id:
            for job in out.get("jobs") or [out]:
                if isinstance(job, dict) and isinstance(job.get("id"), str):
                    self._job_users[job["id"]] = user_id
        return out

    return shape


def _get_scheduler_jobs(self: Any, user_id: str) -> Target:
    """-> `m.scheduler.list(user_id=...)`: this user's jobs (sent as the user header, which the runtime
    reads; the official query parameter was ignored and listed every user's jobs)."""
    return Target("scheduler", "list", {"user_id": user_id}, shape=_recording_jobs(self, user_id))


def _get_scheduler_job(self: Any, job_id: str) -> Target:
    """-> `m.scheduler.get(job_id=..., user_id=<the owner>)`. The runtime finds a job only for its owner:
    the client remembers the owners of the jobs it created or listed."""
    return Target("scheduler", "get", {"job_id": job_id, "user_id": _job_user(self, job_id)})


_DOCS_JOB_TYPES = frozenset({"prompt"})


def _job_kind(job_type: str, schedule: str) -> str | None:
    """The runtime's job kind for the official `job_type`. The MUXI docs write `job_type="prompt"`, which the
    runtime does not know: the kind is then inferred from the schedule, with a warning."""
    if job_type not in _DOCS_JOB_TYPES:
        return job_type
    warnings.warn(
        f"create_scheduler_job(job_type={job_type!r}): the MUXI runtime's job types are 'recurring' (a cron "
        f"schedule) and 'one_time' (an ISO 8601 datetime); the type is inferred from schedule={schedule!r}. "
        "Pass job_type='recurring' or 'one_time' (m.scheduler.create(type=...) in muxi_sdk).",
        DeprecationWarning,
        stacklevel=4,
    )
    return None


def _create_scheduler_job(self: Any, job_type: str, schedule: str, message: str, user_id: str) -> Target:
    """-> `m.scheduler.create(type=job_type, schedule=..., message=..., user_id=...)`: owned by `user_id`
    (the official SDK put it in the body, where the runtime ignores it: every job belonged to user "0")."""
    kwargs = {"type": _job_kind(job_type, schedule), "schedule": schedule, "message": message, "user_id": user_id}
    return Target("scheduler", "create", kwargs, shape=_recording_jobs(self, user_id))


def _delete_scheduler_job(self: Any, job_id: str) -> Target:
    """-> `m.scheduler.delete(job_id=..., user_id=<the owner>)`."""
    return Target("scheduler", "delete", {"job_id": job_id, "user_id": _job_user(self, job_id)}, shape=nothing)


def _update_scheduler_job(self: Any, /, job_id: str, **kwargs: Any) -> Target:
    """-> `m.scheduler.update(job_id=..., message=..., schedule=..., title=..., user_id=<the owner>)` (other
    keys are ignored, as in the official SDK)."""
    fields = {k: v for k, v in kwargs.items() if k in ("message", "schedule", "title")}
    return Target("scheduler", "update", {"job_id": job_id, **fields, "user_id": _job_user(self, job_id)})


def _pause_scheduler_job(self: Any, job_id: str) -> Target:
    """-> `m.scheduler.pause(job_id=..., user_id=<the owner>)`."""
    return Target("scheduler", "pause", {"job_id": job_id, "user_id": _job_user(self, job_id)})


def _resume_scheduler_job(self: Any, job_id: str) -> Target:
    """-> `m.scheduler.resume(job_id=..., user_id=<the owner>)`."""
    return Target("scheduler", "resume", {"job_id": job_id, "user_id": _job_user(self, job_id)})


def _get_async_config(self: Any) -> Target:
    """-> `m.system.background_config()`."""
    return Target("system", "background_config")


def _get_a2a_config(self: Any) -> Target:
    """-> `m.system.a2a_config()`."""
    return Target("system", "a2a_config")


def _get_logging_config(self: Any) -> Target:
    """-> `m.system.logging_config()`."""
    return Target("system", "logging_config")


def _get_logging_destinations(self: Any) -> Target:
    """-> `m.system.logging_destinations()`."""
    return Target("system", "logging_destinations")


def _list_credential_services(self: Any) -> Target:
    """-> `m.users.credentials.services()`."""
    return Target("users.credentials", "services")


def _list_credentials(self: Any, user_id: str) -> Target:
    """-> `m.users.credentials.list(user_id=...)`."""
    return Target("users.credentials", "list", {"user_id": user_id})


def _get_credential(self: Any, credential_id: str, user_id: str) -> Target:
    """-> `m.users.credentials.get(credential_id=..., user_id=...)`."""
    return Target("users.credentials", "get", {"credential_id": credential_id, "user_id": user_id})


def _create_credential(self: Any, user_id: str, payload: dict[str, Any]) -> Target:
    """-> `m.users.credentials.create(service=..., credential=..., name=..., user_id=...)`."""
    if not isinstance(payload, Mapping):
        raise InvalidInputError("payload must be a dict: {'service', 'credential', 'name'?}")
    return Target("users.credentials", "create", {**payload, "user_id": user_id})


def _delete_credential(self: Any, credential_id: str, user_id: str) -> Target:
    """-> `m.users.credentials.delete(credential_id=..., user_id=...)`."""
    return Target("users.credentials", "delete", {"credential_id": credential_id, "user_id": user_id})


def _get_user_identifiers_for_user(self: Any, user_id: str) -> Target:
    """-> `m.users.list_identifiers(muxi_user_id=user_id)` (client key: the runtime refuses the admin key
    on `/users`, which the official SDK sent)."""
    return Target("users", "list_identifiers", {"muxi_user_id": user_id})


def _link_user_identifier(self: Any, muxi_user_id: str, identifiers: list[Any]) -> Target:
    """-> `m.users.link(muxi_user_id=..., identifiers=...)`; without a `muxi_user_id`,
    `m.users.associate(identifiers=...)` (a new user)."""
    if muxi_user_id:
        return Target("users", "link", {"muxi_user_id": muxi_user_id, "identifiers": identifiers})
    return Target("users", "associate", {"identifiers": identifiers})


def _associate_user_identifiers(self: Any, identifiers: list[Any], user_id: str | None = None) -> Target:
    """The MUXI docs' name: -> `m.users.associate(identifiers=...)` (a new user), or with `user_id` (an
    existing MUXI user id) `m.users.link(muxi_user_id=..., identifiers=...)`. Returns `{"muxi_user_id", ...}`."""
    return _link_user_identifier(self, user_id or "", identifiers)


def _unlink_user_identifier(self: Any, identifier: str) -> Target:
    """-> `m.users.unlink(identifier=...)`."""
    return Target("users", "unlink", {"identifier": identifier}, shape=nothing)


def _get_overlord_config(self: Any) -> Target:
    """-> `m.system.overlord()`."""
    return Target("system", "overlord")


def _get_overlord_soul(self: Any) -> Target:
    """-> `m.system.overlord_soul()`."""
    return Target("system", "overlord_soul")


def _get_llm_settings(self: Any) -> Target:
    """-> `m.system.llm_settings()`."""
    return Target("system", "llm_settings")


def _get_triggers(self: Any) -> Target:
    """-> `m.triggers.list()`."""
    return Target("triggers", "list")


def _get_trigger(self: Any, name: str) -> Target:
    """-> `m.triggers.get(name=...)`."""
    return Target("triggers", "get", {"name": name})


def _fire_trigger(self: Any, name: str, data: Any, *, async_mode: bool = False, user_id: str = "") -> Target:
    """-> `m.triggers.fire(name=..., data=data, use_async=async_mode, user_id=...)`: the body the runtime
    needs, `{"data": ..., "use_async": ...}` (the official SDK sent `data` bare and got a 422). A `data` that
    is already that body (`{"data": {...}, "use_async"?, "session_id"?}`, the usual workaround) is sent as is."""
    kwargs: dict[str, Any] = {"name": name, "data": data, "use_async": bool(async_mode)}
    kwargs["user_id"] = user_id or OFFICIAL_DEFAULT_USER
    wrapped = isinstance(data, Mapping) and set(data) <= _TRIGGER_BODY and isinstance(data.get("data"), Mapping)
    if wrapped:
        kwargs["data"] = data["data"]
        if data.get("use_async") is not None:
            kwargs["use_async"] = bool(data["use_async"])
        kwargs["session_id"] = data.get("session_id")
    return Target("triggers", "fire", kwargs)


def _get_sops(self: Any) -> Target:
    """-> `m.system.sops.list()`."""
    return Target("system.sops", "list")


def _get_sop(self: Any, name: str) -> Target:
    """-> `m.system.sops.get(name=...)`."""
    return Target("system.sops", "get", {"name": name})


def _get_audit_log(self: Any) -> Target:
    """-> `m.system.audit_log()`."""
    return Target("system", "audit_log")


def _clear_audit_log(self: Any) -> Target:
    """-> `m.system.clear_audit_log()`."""
    return Target("system", "clear_audit_log", shape=nothing)


def _stream_events(self: Any, user_id: str) -> Target:
    """-> `m.events.user(user_id=...)`, each event as `{"event", "data"}`."""
    return Target("events", "user", {"user_id": user_id}, frame=plain_frame)


def _stream_request(self: Any, user_id: str, session_id: str, request_id: str) -> Target:
    """-> `m.events.request(session_id=..., request_id=..., user_id=...)`, each event as `{"event", "data"}`."""
    kwargs = {"session_id": session_id, "request_id": request_id, "user_id": user_id}
    return Target("events", "request", kwargs, frame=plain_frame)


def _stream_logs(self: Any, filters: dict[str, Any] | None = None) -> Target:
    """-> `m.system.stream_logs(**filters)` (user_id, session_id, request_id, agent_id, level, event_type),
    each event as `{"event": "log", "data"}`."""
    return Target("system", "stream_logs", dict(filters or {}), frame=named_frame())


def _resolve_user(self: Any, identifier: str, create_user: bool = False) -> Target:
    """-> `m.users.resolve(identifier=..., create=True)`. The runtime always creates an unknown user here
    (it ignores `create_user`); to look up without creating, use `m.users.resolve(create=False)`."""
    return Target("users", "resolve", {"identifier": identifier, "create": True})


_SPECS = {
    "health": _health,
    "get_status": _get_status,
    "get_config": _get_config,
    "get_formation_info": _get_formation_info,
    "get_agents": _get_agents,
    "get_agent": _get_agent,
    "get_mcp_servers": _get_mcp_servers,
    "get_mcp_server": _get_mcp_server,
    "get_mcp_tools": _get_mcp_tools,
    "get_secrets": _get_secrets,
    "get_secret": _get_secret,
    "set_secret": _set_secret,
    "delete_secret": _delete_secret,
    "chat": _chat,
    "chat_stream": _chat_stream,
    "audio_chat": _audio_chat,
    "audio_chat_stream": _audio_chat_stream,
    "get_sessions": _get_sessions,
    "get_session": _get_session,
    "get_session_messages": _get_session_messages,
    "restore_session": _restore_session,
    "get_requests": _get_requests,
    "get_request_status": _get_request_status,
    "cancel_request": _cancel_request,
    "get_memory_config": _get_memory_config,
    "get_memories": _get_memories,
    "add_memory": _add_memory,
    "delete_memory": _delete_memory,
    "get_user_buffer": _get_user_buffer,
    "clear_user_buffer": _clear_user_buffer,
    "clear_session_buffer": _clear_session_buffer,
    "clear_all_buffers": _clear_all_buffers,
    "get_buffer_stats": _get_buffer_stats,
    "get_scheduler_config": _get_scheduler_config,
    "get_scheduler_jobs": _get_scheduler_jobs,
    "get_scheduler_job": _get_scheduler_job,
    "create_scheduler_job": _create_scheduler_job,
    "delete_scheduler_job": _delete_scheduler_job,
    "update_scheduler_job": _update_scheduler_job,
    "pause_scheduler_job": _pause_scheduler_job,
    "resume_scheduler_job": _resume_scheduler_job,
    "get_async_config": _get_async_config,
    "get_a2a_config": _get_a2a_config,
    "get_logging_config": _get_logging_config,
    "get_logging_destinations": _get_logging_destinations,
    "list_credential_services": _list_credential_services,
    "list_credentials": _list_credentials,
    "get_credential": _get_credential,
    "create_credential": _create_credential,
    "delete_credential": _delete_credential,
    "get_user_identifiers_for_user": _get_user_identifiers_for_user,
    "link_user_identifier": _link_user_identifier,
    "associate_user_identifiers": _associate_user_identifiers,
    "unlink_user_identifier": _unlink_user_identifier,
    "get_overlord_config": _get_overlord_config,
    "get_overlord_soul": _get_overlord_soul,
    "get_llm_settings": _get_llm_settings,
    "get_triggers": _get_triggers,
    "get_trigger": _get_trigger,
    "fire_trigger": _fire_trigger,
    "get_sops": _get_sops,
    "get_sop": _get_sop,
    "get_audit_log": _get_audit_log,
    "clear_audit_log": _clear_audit_log,
    "stream_events": _stream_events,
    "stream_request": _stream_request,
    "stream_logs": _stream_logs,
    "resolve_user": _resolve_user,
}
"""Every official `FormationClient` method and the spec it maps to (docs/migrating.md lists the targets)."""


class _FormationBase(ClientShell):
    def __init__(self, cfg: FormationConfig | None = None, **kwargs: Any) -> None:
        if cfg is None:
            cfg = FormationConfig(**kwargs)
        self._cfg = cfg
        self._timeout_ms = timeout_ms(cfg.timeout)
        self._job_users: dict[str, str] = {}  # scheduler job id -> owner (see _get_scheduler_job)
        self._muxi = _muxi(cfg)


class FormationClient(_FormationBase, SyncClientShell):
    """Drop-in for the official `muxi.FormationClient` (sync), backed by `Muxi`."""

    health = sync_method(_health)
    get_status = sync_method(_get_status)
    get_config = sync_method(_get_config)
    get_formation_info = sync_method(_get_formation_info)
    get_agents = sync_method(_get_agents)
    get_agent = sync_method(_get_agent)
    get_mcp_servers = sync_method(_get_mcp_servers)
    get_mcp_server = sync_method(_get_mcp_server)
    get_mcp_tools = sync_method(_get_mcp_tools)
    get_secrets = sync_method(_get_secrets)
    get_secret = sync_method(_get_secret)
    set_secret = sync_method(_set_secret)
    delete_secret = sync_method(_delete_secret)
    chat = sync_method(_chat)
    chat_stream = sync_method(_chat_stream)
    audio_chat = sync_method(_audio_chat)
    audio_chat_stream = sync_method(_audio_chat_stream)
    get_sessions = sync_method(_get_sessions)
    get_session = sync_method(_get_session)
    get_session_messages = sync_method(_get_session_messages)
    restore_session = sync_method(_restore_session)
    get_requests = sync_method(_get_requests)
    get_request_status = sync_method(_get_request_status)
    cancel_request = sync_method(_cancel_request)
    get_memory_config = sync_method(_get_memory_config)
    get_memories = sync_method(_get_memories)
    add_memory = sync_method(_add_memory)
    delete_memory = sync_method(_delete_memory)
    get_user_buffer = sync_method(_get_user_buffer)
    clear_user_buffer = sync_method(_clear_user_buffer)
    clear_session_buffer = sync_method(_clear_session_buffer)
    clear_all_buffers = sync_method(_clear_all_buffers)
    get_buffer_stats = sync_method(_get_buffer_stats)
    get_scheduler_config = sync_method(_get_scheduler_config)
    get_scheduler_jobs = sync_method(_get_scheduler_jobs)
    get_scheduler_job = sync_method(_get_scheduler_job)
    create_scheduler_job = sync_method(_create_scheduler_job)
    delete_scheduler_job = sync_method(_delete_scheduler_job)
    update_scheduler_job = sync_method(_update_scheduler_job)
    pause_scheduler_job = sync_method(_pause_scheduler_job)
    resume_scheduler_job = sync_method(_resume_scheduler_job)
    get_async_config = sync_method(_get_async_config)
    get_a2a_config = sync_method(_get_a2a_config)
    get_logging_config = sync_method(_get_logging_config)
    get_logging_destinations = sync_method(_get_logging_destinations)
    list_credential_services = sync_method(_list_credential_services)
    list_credentials = sync_method(_list_credentials)
    get_credential = sync_method(_get_credential)
    create_credential = sync_method(_create_credential)
    delete_credential = sync_method(_delete_credential)
    get_user_identifiers_for_user = sync_method(_get_user_identifiers_for_user)
    link_user_identifier = sync_method(_link_user_identifier)
    associate_user_identifiers = sync_method(_associate_user_identifiers)
    unlink_user_identifier = sync_method(_unlink_user_identifier)
    get_overlord_config = sync_method(_get_overlord_config)
    get_overlord_soul = sync_method(_get_overlord_soul)
    get_llm_settings = sync_method(_get_llm_settings)
    get_triggers = sync_method(_get_triggers)
    get_trigger = sync_method(_get_trigger)
    fire_trigger = sync_method(_fire_trigger)
    get_sops = sync_method(_get_sops)
    get_sop = sync_method(_get_sop)
    get_audit_log = sync_method(_get_audit_log)
    clear_audit_log = sync_method(_clear_audit_log)
    stream_events = sync_method(_stream_events)
    stream_request = sync_method(_stream_request)
    stream_logs = sync_method(_stream_logs)
    resolve_user = sync_method(_resolve_user)


class AsyncFormationClient(_FormationBase, AsyncClientShell):
    """Drop-in for the official `muxi.AsyncFormationClient`, backed by `Muxi`. Stream methods are awaited
    for an async generator: `async for event in await client.chat_stream({...}): ...`."""

    health = async_method(_health)
    get_status = async_method(_get_status)
    get_config = async_method(_get_config)
    get_formation_info = async_method(_get_formation_info)
    get_agents = async_method(_get_agents)
    get_agent = async_method(_get_agent)
    get_mcp_servers = async_method(_get_mcp_servers)
    get_mcp_server = async_method(_get_mcp_server)
    get_mcp_tools = async_method(_get_mcp_tools)
    get_secrets = async_method(_get_secrets)
    get_secret = async_method(_get_secret)
    set_secret = async_method(_set_secret)
    delete_secret = async_method(_delete_secret)
    chat = async_method(_chat)
    chat_stream = async_method(_chat_stream)
    audio_chat = async_method(_audio_chat)
    audio_chat_stream = async_method(_audio_chat_stream)
    get_sessions = async_method(_get_sessions)
    get_session = async_method(_get_session)
    get_session_messages = async_method(_get_session_messages)
    restore_session = async_method(_restore_session)
    get_requests = async_method(_get_requests)
    get_request_status = async_method(_get_request_status)
    cancel_request = async_method(_cancel_request)
    get_memory_config = async_method(_get_memory_config)
    get_memories = async_method(_get_memories)
    add_memory = async_method(_add_memory)
    delete_memory = async_method(_delete_memory)
    get_user_buffer = async_method(_get_user_buffer)
    clear_user_buffer = async_method(_clear_user_buffer)
    clear_session_buffer = async_method(_clear_session_buffer)
    clear_all_buffers = async_method(_clear_all_buffers)
    get_buffer_stats = async_method(_get_buffer_stats)
    get_scheduler_config = async_method(_get_scheduler_config)
    get_scheduler_jobs = async_method(_get_scheduler_jobs)
    get_scheduler_job = async_method(_get_scheduler_job)
    create_scheduler_job = async_method(_create_scheduler_job)
    delete_scheduler_job = async_method(_delete_scheduler_job)
    update_scheduler_job = async_method(_update_scheduler_job)
    pause_scheduler_job = async_method(_pause_scheduler_job)
    resume_scheduler_job = async_method(_resume_scheduler_job)
    get_async_config = async_method(_get_async_config)
    get_a2a_config = async_method(_get_a2a_config)
    get_logging_config = async_method(_get_logging_config)
    get_logging_destinations = async_method(_get_logging_destinations)
    list_credential_services = async_method(_list_credential_services)
    list_credentials = async_method(_list_credentials)
    get_credential = async_method(_get_credential)
    create_credential = async_method(_create_credential)
    delete_credential = async_method(_delete_credential)
    get_user_identifiers_for_user = async_method(_get_user_identifiers_for_user)
    link_user_identifier = async_method(_link_user_identifier)
    associate_user_identifiers = async_method(_associate_user_identifiers)
    unlink_user_identifier = async_method(_unlink_user_identifier)
    get_overlord_config = async_method(_get_overlord_config)
    get_overlord_soul = async_method(_get_overlord_soul)
    get_llm_settings = async_method(_get_llm_settings)
    get_triggers = async_method(_get_triggers)
    get_trigger = async_method(_get_trigger)
    fire_trigger = async_method(_fire_trigger)
    get_sops = async_method(_get_sops)
    get_sop = async_method(_get_sop)
    get_audit_log = async_method(_get_audit_log)
    clear_audit_log = async_method(_clear_audit_log)
    stream_events = async_method(_stream_events)
    stream_request = async_method(_stream_request)
    stream_logs = async_method(_stream_logs)
    resolve_user = async_method(_resolve_user)


# Generated methods keep their spec's (private) name; give them the official one for help() and tracebacks.
for _cls in (FormationClient, AsyncFormationClient):
    for _name in _SPECS:
        _m = _cls.__dict__[_name]
        _m.__name__ = _name
        _m.__qualname__ = f"{_cls.__name__}.{_name}"
