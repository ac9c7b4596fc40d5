"""Credentials: which key a call sends (the one rule), which header carries it, and the HMAC signature."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import TYPE_CHECKING, Literal

from .._utils.redaction import Secret
from ..errors import ConfigurationError

if TYPE_CHECKING:
    from ..sdkconfiguration import SDKConfiguration
    from .operation import Operation

Credential = Literal["none", "client", "admin", "hmac"]

ADMIN_KEY_HEADER = "X-Muxi-Admin-Key"
CLIENT_KEY_HEADER = "X-Muxi-Client-Key"
USER_ID_HEADER = "X-Muxi-User-ID"
IDEMPOTENCY_HEADER = "X-Muxi-Idempotency-Key"


def hmac_signature(secret_key: str, timestamp: int, method: str, path: str) -> str:
    """base64(HMAC-SHA256(secret, "<timestamp>;<METHOD>;<path without query>")), as the MUXI server verifies."""
    path = path.split("?", 1)[0]
    message = f"{timestamp};{method.upper()};{path}".encode()
    digest = hmac.new(secret_key.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def hmac_authorization(key_id: str, secret_key: str, method: str, path: str, timestamp: int | None = None) -> str:
    """The `Authorization` header value for a MUXI server (`/rpc/...`) request."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    sig = hmac_signature(secret_key, ts, method, path)
    return f"MUXI-HMAC key={key_id}, timestamp={ts}, signature={sig}"


def credential(cfg: SDKConfiguration, op: Operation) -> Credential:
    """Which credential a call of `op` sends with this configuration; `ConfigurationError` when it has none.

    `dual`: the client key if configured, else the admin key; `dual_admin`: the other way round. The request
    path sends what this says, and `userscope` asks it whether a call acts as a client (so needs a user).
    """
    auth = op.auth
    if auth == "none":
        return "none"
    if auth == "hmac":
        if not (cfg.key_id and cfg.secret_key):
            raise ConfigurationError(
                f"{op.operation_id} needs server credentials: pass key_id= and secret_key= to Muxi() "
                "or set MUXI_KEY_ID and MUXI_SECRET_KEY"
            )
        return "hmac"
    if auth in ("dual", "dual_admin") and not (cfg.client_key or cfg.admin_key):
        raise ConfigurationError(
            f"{op.operation_id} needs a client or admin key: pass client_key= or admin_key= to Muxi() "
            "(or set MUXI_CLIENT_KEY / MUXI_ADMIN_KEY)"
        )
    if auth == "client" or (auth == "dual" and cfg.client_key) or (auth == "dual_admin" and not cfg.admin_key):
        if not cfg.client_key:
            raise ConfigurationError(
                f"{op.operation_id} needs a client key: pass client_key= to Muxi() or set MUXI_CLIENT_KEY"
            )
        return "client"
    if not cfg.admin_key:
        needs = "an admin key" if auth == "admin" else "a client or admin key"
        raise ConfigurationError(f"{op.operation_id} needs {needs}: pass admin_key= to Muxi() or set MUXI_ADMIN_KEY")
    return "admin"


def auth_headers(cfg: SDKConfiguration, op: Operation, path: str) -> dict[str, str]:
    """The credential header of a call of `op` (none for public routes), as `credential` decides."""
    key = credential(cfg, op)
    # `Secret` values: a dump of the headers (a hook's print, a log) shows them redacted.
    if key == "client" and cfg.client_key:
        return {CLIENT_KEY_HEADER: Secret(cfg.client_key)}
    if key == "admin" and cfg.admin_key:
        return {ADMIN_KEY_HEADER: Secret(cfg.admin_key)}
    if key == "hmac" and cfg.key_id and cfg.secret_key:
        return {"Authorization": Secret(hmac_authorization(cfg.key_id, cfg.secret_key, op.method, path))}
    return {}
