"""Shared by the live tier: the live server's settings, the operation recorder, small helpers."""

from __future__ import annotations

import functools
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


MEMORY_TABLE_BUG = (
    "runtime bug: services/memory/sqlite.py creates memories_{dim} lazily (_ensure_dim, on the first "
    "embedding) and rebuild/forget/backfill query it without ensuring it: 500 'no such table: memories_384' "
    "on a runtime whose embedding probe has not succeeded yet"
)


@functools.cache
def memory_table_missing() -> bool:
    """Does this runtime answer 'no such table: memories_<dim>' to an inline rebuild (probed once, waited)?"""
    import time

    from muxi_sdk import Muxi
    from muxi_sdk.errors import MuxiError, ServerError

    from .conftest import _kwargs

    with Muxi(**_kwargs({"user_id": "live-warmup", "retry_config": None})) as m:
        deadline = time.monotonic() + 20.0
        while True:
            try:
                m.memory.rebuild(user_id="live-warmup", background=False)
                return False
            except ServerError as exc:
                if "no such table" not in exc.message:
                    return False
                if time.monotonic() > deadline:
                    return True
            try:
                m.memory.add(type="fact", detail="The warm-up user likes tea.", user_id="live-warmup")
            except MuxiError:
                pass
            time.sleep(1.0)
