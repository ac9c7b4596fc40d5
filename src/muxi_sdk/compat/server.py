"""`ServerClient` / `AsyncServerClient`: the official SDK's MUXI server clients, over `Muxi`.

Deploy, update, the `*_stream` methods and log following go to the routes the real MUXI server serves
(`POST /rpc/formations` with a gzipped bundle, `Accept: text/event-stream`, `?follow=true`); the official
SDK's `/deploy`, `/update`, `/*/stream` and `/logs/stream` paths do not exist. Log limits are sent as `lines`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
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
    debug_logger,
    dump,
    named_frame,
    retry_config,
    sync_method,
    timeout_ms,
)

__all__ = ["AsyncServerClient", "ServerClient", "ServerConfig"]


@dataclass
class ServerConfig:
    """The official SDK's server settings: the MUXI server `url` and an HMAC key pair."""

    url: str
    key_id: str
    secret_key: str = field(repr=False)  # never in a repr (logs, tracebacks)
    max_retries: int = 0
    timeout: int = 30
    debug: bool = False
    logger: logging.Logger | None = None
    _app: str | None = None


def _muxi(cfg: ServerConfig) -> Muxi:
    return Muxi(
        server_url=cfg.url,
        key_id=(cfg.key_id or "").strip() or None,
        secret_key=(cfg.secret_key or "").strip() or None,
        retry_config=retry_config(cfg.max_retries),
        debug_logger=debug_logger(cfg.debug, cfg.logger),
        app=cfg._app,
    )


def _bundle(payload: Any, bundle_path: Any) -> tuple[Any, str | None]:
    """The bundle (a .tar.gz path, a formation directory, bytes or a binary file) and an optional version.

    The official SDK posted `payload` as JSON to a route that does not exist; here `payload` is the bundle
    itself or a dict naming it (`bundle_path`, `bundle`, `path` or `file`, plus `version`)."""
    version = None
    bundle = bundle_path
    if isinstance(payload, Mapping):
        for key in ("bundle_path", "bundle", "path", "file"):
            if payload.get(key) is not None:
                bundle = payload[key]
                break
        version = payload.get("version")
    elif payload is not None:
        bundle = payload
    if bundle is None:
        raise InvalidInputError(
            "deploy/update needs the formation bundle: a .tar.gz path, a directory, bytes, or a dict with 'bundle_path'"
        )
    return bundle, version


def _ping_shape(value: Any) -> int:
    return len(value) if value else 0


def _text(value: Any) -> Any:
    text = getattr(value, "text", None)
    return text if isinstance(text, str) else dump(value)


def _formation(method: str, doc: str) -> Any:
    def spec(self: Any, formation_id: str) -> Target:
        return Target("formations", method, {"formation_id": formation_id})

    spec.__doc__ = doc
    return spec


def _ping(self: Any) -> Target:
    """-> `m.server.ping()`; returns the length of the body (`4` for `pong`), as the official SDK did."""
    return Target("server", "ping", shape=_ping_shape)


def _health(self: Any) -> Target:
    """-> `m.server.health()`."""
    return Target("server", "health")


def _status(self: Any) -> Target:
    """-> `m.server.status()`."""
    return Target("server", "status")


def _list_formations(self: Any) -> Target:
    """-> `m.formations.list()`: `{"formations": [...], "total"}`."""
    return Target("formations", "list")


def _get_formation(self: Any, formation_id: str) -> Target:
    """-> `m.formations.get(formation_id=...)`."""
    return Target("formations", "get", {"formation_id": formation_id})


_stop_formation = _formation("stop", "-> `m.formations.stop(formation_id=...)`.")
_start_formation = _formation("start", "-> `m.formations.start(formation_id=...)`.")
_restart_formation = _formation("restart", "-> `m.formations.restart(formation_id=...)`.")
_rollback_formation = _formation("rollback", "-> `m.formations.rollback(formation_id=...)`.")
_delete_formation = _formation("delete", "-> `m.formations.delete(formation_id=...)`.")
_cancel_update = _formation("cancel_update", "-> `m.formations.cancel_update(formation_id=...)`.")


def _deploy_formation(
    self: Any, formation_id: str | None = None, payload: Any = None, *, bundle_path: Any = None
) -> Target:
    """-> `m.formations.deploy(bundle=..., formation_id=...)`: uploads the gzipped bundle. `payload` is the
    bundle (path, directory, bytes, file) or a dict with `bundle_path` / `version`; the MUXI docs' form
    `deploy_formation(bundle_path="my-bot.tar.gz")` works too."""
    bundle, version = _bundle(payload, bundle_path)
    return Target("formations", "deploy", {"bundle": bundle, "formation_id": formation_id, "version": version})


def _update_formation(self: Any, formation_id: str, payload: Any = None, *, bundle_path: Any = None) -> Target:
    """-> `m.formations.update(formation_id=..., bundle=...)` (blue-green update with a new bundle)."""
    bundle, version = _bundle(payload, bundle_path)
    return Target("formations", "update", {"formation_id": formation_id, "bundle": bundle, "version": version})


def _get_formation_logs(self: Any, formation_id: str, *, limit: int | None = None) -> Target:
    """-> `m.formations.logs(formation_id=..., lines=limit)`."""
    return Target("formations", "logs", {"formation_id": formation_id, "lines": limit})


def _get_server_logs(self: Any, *, limit: int | None = None) -> Target:
    """-> `m.server.logs(lines=limit)`; returns the text the server sent (as the official SDK did)."""
    return Target("server", "logs", {"lines": limit}, shape=_text)


def _deploy_formation_stream(
    self: Any, formation_id: str | None = None, payload: Any = None, *, bundle_path: Any = None
) -> Target:
    """-> `m.formations.stream_deploy(...)`, each event as `{"event": "progress" | "complete", "data"}`; an
    `error` frame raises `MuxiError`."""
    bundle, version = _bundle(payload, bundle_path)
    kwargs = {"bundle": bundle, "formation_id": formation_id, "version": version}
    return Target("formations", "stream_deploy", kwargs, frame=named_frame())


def _update_formation_stream(self: Any, formation_id: str, payload: Any = None, *, bundle_path: Any = None) -> Target:
    """-> `m.formations.stream_update(...)`, each event as `{"event", "data"}`."""
    bundle, version = _bundle(payload, bundle_path)
    kwargs = {"formation_id": formation_id, "bundle": bundle, "version": version}
    return Target("formations", "stream_update", kwargs, frame=named_frame())


def _lifecycle_stream(method: str) -> Any:
    def spec(self: Any, formation_id: str) -> Target:
        return Target("formations", method, {"formation_id": formation_id}, frame=named_frame())

    spec.__doc__ = f'-> `m.formations.{method}(formation_id=...)`, each event as `{{"event", "data"}}`.'
    return spec


_start_formation_stream = _lifecycle_stream("stream_start")
_restart_formation_stream = _lifecycle_stream("stream_restart")
_rollback_formation_stream = _lifecycle_stream("stream_rollback")


def _stream_formation_logs(self: Any, formation_id: str) -> Target:
    """-> `m.formations.stream_logs(formation_id=...)`: `{"event": "connected" | "log", "data"}` dicts."""
    return Target("formations", "stream_logs", {"formation_id": formation_id}, frame=named_frame())


_SPECS = {
    "ping": _ping,
    "health": _health,
    "status": _status,
    "list_formations": _list_formations,
    "get_formation": _get_formation,
    "stop_formation": _stop_formation,
    "start_formation": _start_formation,
    "restart_formation": _restart_formation,
    "rollback_formation": _rollback_formation,
    "delete_formation": _delete_formation,
    "cancel_update": _cancel_update,
    "deploy_formation": _deploy_formation,
    "update_formation": _update_formation,
    "get_formation_logs": _get_formation_logs,
    "get_server_logs": _get_server_logs,
    "deploy_formation_stream": _deploy_formation_stream,
    "update_formation_stream": _update_formation_stream,
    "start_formation_stream": _start_formation_stream,
    "restart_formation_stream": _restart_formation_stream,
    "rollback_formation_stream": _rollback_formation_stream,
    "stream_formation_logs": _stream_formation_logs,
}
"""Every official `ServerClient` method and the spec it maps to."""


class _ServerBase(ClientShell):
    def __init__(self, cfg: ServerConfig | None = None, **kwargs: Any) -> None:
        if cfg is None:
            cfg = ServerConfig(**kwargs)
        self._cfg = cfg
        self._timeout_ms = timeout_ms(cfg.timeout)
        self._muxi = _muxi(cfg)


class ServerClient(_ServerBase, SyncClientShell):
    """Drop-in for the official `muxi.ServerClient` (sync), backed by `Muxi`. `with` closes it (the official
    client's `__exit__` closed nothing)."""

    ping = sync_method(_ping)
    health = sync_method(_health)
    status = sync_method(_status)
    list_formations = sync_method(_list_formations)
    get_formation = sync_method(_get_formation)
    stop_formation = sync_method(_stop_formation)
    start_formation = sync_method(_start_formation)
    restart_formation = sync_method(_restart_formation)
    rollback_formation = sync_method(_rollback_formation)
    delete_formation = sync_method(_delete_formation)
    cancel_update = sync_method(_cancel_update)
    deploy_formation = sync_method(_deploy_formation)
    update_formation = sync_method(_update_formation)
    get_formation_logs = sync_method(_get_formation_logs)
    get_server_logs = sync_method(_get_server_logs)
    deploy_formation_stream = sync_method(_deploy_formation_stream)
    update_formation_stream = sync_method(_update_formation_stream)
    start_formation_stream = sync_method(_start_formation_stream)
    restart_formation_stream = sync_method(_restart_formation_stream)
    rollback_formation_stream = sync_method(_rollback_formation_stream)
    stream_formation_logs = sync_method(_stream_formation_logs)


class AsyncServerClient(_ServerBase, AsyncClientShell):
    """Drop-in for the official `muxi.AsyncServerClient`, backed by `Muxi`."""

    ping = async_method(_ping)
    health = async_method(_health)
    status = async_method(_status)
    list_formations = async_method(_list_formations)
    get_formation = async_method(_get_formation)
    stop_formation = async_method(_stop_formation)
    start_formation = async_method(_start_formation)
    restart_formation = async_method(_restart_formation)
    rollback_formation = async_method(_rollback_formation)
    delete_formation = async_method(_delete_formation)
    cancel_update = async_method(_cancel_update)
    deploy_formation = async_method(_deploy_formation)
    update_formation = async_method(_update_formation)
    get_formation_logs = async_method(_get_formation_logs)
    get_server_logs = async_method(_get_server_logs)
    deploy_formation_stream = async_method(_deploy_formation_stream)
    update_formation_stream = async_method(_update_formation_stream)
    start_formation_stream = async_method(_start_formation_stream)
    restart_formation_stream = async_method(_restart_formation_stream)
    rollback_formation_stream = async_method(_rollback_formation_stream)
    stream_formation_logs = async_method(_stream_formation_logs)


for _cls in (ServerClient, AsyncServerClient):
    for _name in _SPECS:
        _m = _cls.__dict__[_name]
        _m.__name__ = _name
        _m.__qualname__ = f"{_cls.__name__}.{_name}"
