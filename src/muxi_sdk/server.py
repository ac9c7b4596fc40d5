"""`m.server`: the MUXI server itself (Server API at the server root; `/rpc/...` calls are HMAC-signed).

HMAC and retries: the `Authorization: MUXI-HMAC ...` header is computed once per call, before the first
attempt, and every retry of that call resends it (as the official SDK does). The server accepts a timestamp
up to 300 s old, and the default retry budget (`BackoffStrategy.max_elapsed_time`, 60 s) stays well inside
that window. A custom policy whose budget nears 300 s can see late retries rejected with
`AuthenticationError("Request expired (timestamp too old or in future)")`, which is not retried.
"""

from __future__ import annotations

from typing import Any

from typing_extensions import Unpack

from ._core.operation import Call, Operation, RequestInput
from ._core.options import RequestOptions, call_options
from ._core.twins import async_op, sync_op
from .basesdk import BaseSDK
from .errors import InvalidInputError
from .models.server import ServerHealth, ServerLogs, ServerStatus

PING = Operation(
    "server_ping", "GET", "/ping", "none", str, api="server", envelope=False, user="none", tags=("server",)
)
HEALTH = Operation(
    "server_health", "GET", "/health", "none", ServerHealth, api="server", envelope=False, user="none",
    tags=("server",),
)  # fmt: skip
STATUS = Operation(
    "server_status", "GET", "/rpc/server/status", "hmac", ServerStatus, api="server", user="none", tags=("server",)
)
LOGS = Operation(
    "server_logs", "GET", "/rpc/server/logs", "hmac", str, api="server", envelope=False, user="none",
    tags=("server",),
)  # fmt: skip

MAX_LOG_LINES = 10_000


def check_lines(lines: Any) -> int | None:
    """`lines=` of the log calls: None (server default, 100) or 1..10000."""
    if lines is None:
        return None
    if isinstance(lines, bool) or not isinstance(lines, int) or not 1 <= lines <= MAX_LOG_LINES:
        raise InvalidInputError(f"lines must be an int between 1 and {MAX_LOG_LINES}")
    return lines


def _to_logs(text: Any, is_async: bool) -> ServerLogs:
    return ServerLogs.from_text(text if isinstance(text, str) else "")


class Server(BaseSDK):
    """The MUXI server: liveness (public) and its status and audit log (HMAC: `key_id` + `secret_key`)."""

    def _ping(self, **options: Unpack[RequestOptions]) -> Call[str]:
        """`GET /ping`: is the server up? Returns the body, `"pong"`. Public: needs no credentials."""
        return Call(PING, RequestInput(accept="text/plain"), call_options(options))

    def _health(self, **options: Unpack[RequestOptions]) -> Call[ServerHealth]:
        """`GET /health`: the server's health and version (`.healthy`). Public: needs no credentials."""
        return Call(HEALTH, RequestInput(), call_options(options))

    def _status(self, **options: Unpack[RequestOptions]) -> Call[ServerStatus]:
        """`GET /rpc/server/status`: server id, version and uptime, formation counts, port pool, Go runtime."""
        return Call(STATUS, RequestInput(), call_options(options))

    def _logs(self, *, lines: int | None = None, **options: Unpack[RequestOptions]) -> Call[ServerLogs]:
        """`GET /rpc/server/logs?lines=N`: the last `lines` (server default 100, at most 10000) audit log lines.

        The server answers `text/plain`; the result keeps the body (`.text`, also `str(result)`) and its
        non-empty lines (`.lines`).
        """
        req = RequestInput(query={"lines": check_lines(lines)}, accept="text/plain")
        return Call(LOGS, req, call_options(options), post=_to_logs)

    ping = sync_op(_ping)
    ping_async = async_op(_ping)
    health = sync_op(_health)
    health_async = async_op(_health)
    status = sync_op(_status)
    status_async = async_op(_status)
    logs = sync_op(_logs)
    logs_async = async_op(_logs)
