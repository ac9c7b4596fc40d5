"""Credentials: which header carries which key, and the MUXI server's HMAC signature."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

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
