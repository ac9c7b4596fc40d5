"""Shared by the live tier: the live server's settings, the operation recorder, small helpers."""

from __future__ import annotations

import os
import threading
import uuid
from typing import Any

import httpx

URL = os.environ.get("MUXI_URL", "").rstrip("/")
CLIENT_KEY = os.environ.get("MUXI_CLIENT_KEY", "")
ADMIN_KEY = os.environ.get("MUXI_ADMIN_KEY", "")
SKIP_REASON = (
    "live tier: MUXI_URL is not set; run scripts/live.sh (it starts the real MUXI runtime and exports "
    "MUXI_URL, MUXI_CLIENT_KEY, MUXI_ADMIN_KEY)"
)


class OperationRecorder:
    """A `before_request` hook: remembers which operations reached the wire (and how often)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def before_request(self, hook_ctx: Any, request: httpx.Request) -> httpx.Request:
        with self._lock:
            self.counts[hook_ctx.operation_id] = self.counts.get(hook_ctx.operation_id, 0) + 1
        return request


RECORDER = OperationRecorder()
# Set when some live test was deselected (-k, node ids, ...): the coverage check then knows the run was partial.
PARTIAL_RUN = {"value": False}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"
