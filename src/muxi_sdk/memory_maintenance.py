"""Memory maintenance on `m.memory` (admin key): rebuild projections, forget a source, lint, backfill.

The formation keeps every memory as an event log and derives its stores ("projections": flat facts, the
knowledge graph, the captain's log, artifact metadata) from it. These operations replay, prune or audit
that derivation. `Memory` inherits them, so they read as `m.memory.rebuild(...)` etc.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from typing_extensions import Unpack

from ._core.jobs import Job, JobKind, started
from ._core.operation import Call, Operation, RequestInput
from ._core.options import RequestOptions, call_options
from ._core.twins import async_op, sync_op
from ._utils.inputs import validate_input
from ._utils.serializers import json_body
from .basesdk import BaseSDK
from .models.memory_admin import (
    MemoryBackfillRequest,
    MemoryBackfillResult,
    MemoryBuffers,
    MemoryForgetRequest,
    MemoryForgetResult,
    MemoryJobStatus,
    MemoryLintRequest,
    MemoryLintResult,
    MemoryRebuildRequest,
)

_TAGS = ("memory",)


def _admin(operation_id: str, method: str, path: str, response: Any, request: Any = None) -> Operation:
    """An admin-key memory route: the user it works on is a body field, never the `X-Muxi-User-ID` header."""
    return Operation(operation_id, method, path, "admin", response, user="none", tags=_TAGS, request=request)


REBUILD = _admin("memory_rebuild", "POST", "/memory/rebuild", MemoryJobStatus, MemoryRebuildRequest)
REBUILD_STATUS = _admin("memory_rebuild_status", "GET", "/memory/rebuild/{job_id}", MemoryJobStatus)
FORGET = _admin("memory_forget", "POST", "/memory/forget", MemoryForgetResult, MemoryForgetRequest)
FORGET_STATUS = _admin("memory_forget_status", "GET", "/memory/forget/{job_id}", MemoryJobStatus)
LINT = _admin("memory_lint", "POST", "/memory/lint", MemoryLintResult, MemoryLintRequest)
BACKFILL = _admin("memory_backfill", "POST", "/memory/backfill", MemoryBackfillResult, MemoryBackfillRequest)
LIST_BUFFERS = _admin("memory_list_buffers", "GET", "/memory/buffers", MemoryBuffers)

REBUILD_JOB = JobKind("memory rebuild")
FORGET_JOB = JobKind("memory forget")


def _body(model: Any, fields: dict[str, Any]) -> RequestInput:
    """The validated body of the fields the caller gave (the runtime's defaults apply to the rest)."""
    request = validate_input(model, {k: v for k, v in fields.items() if v is not None})
    return RequestInput(body=json_body(request.model_dump(mode="json", exclude_unset=True)))


class MemoryMaintenance(BaseSDK):
    """The admin-key maintenance operations of `m.memory` (see the module docstring)."""

    def _job(self, kind: JobKind, status: Callable[..., Call[MemoryJobStatus]]) -> Callable[[Any, bool], Any]:
        """The `post` step of a rebuild or forget: its answer -> a `Job` polling `status` by `job_id`."""

        def job(accepted: Any, is_async: bool) -> Job[Any, MemoryJobStatus]:
            jid = accepted.job_id
            poll = lambda opts: status(job_id=jid or "", **opts)  # noqa: E731
            return started(self, kind, accepted, jid, poll, MemoryJobStatus.model_validate)

        return job

    def _rebuild(
        self,
        *,
        user_id: str,
        projection: str | None = None,
        dry_run: bool | None = None,
        background: bool | None = None,
        backfill: bool | None = None,
        **options: Unpack[RequestOptions],
    ) -> Call[Job[MemoryJobStatus, MemoryJobStatus]]:
        """Rebuild a user's memory projections from the event log (`POST /v1/memory/rebuild`, admin key).

        Every projection, or only `projection` (an unknown name: `ValidationError` listing the registered
        ones). `backfill=True` first writes events for rows older than the event log. By default the formation
        runs it in the background: the `Job` polls `rebuild_status`; `job.wait()` returns the finished
        `MemoryJobStatus` (`projections`: events, applied, failed per projection). `background=False` or
        `dry_run=True` (count only) run inline: the job is done at once.
        """
        fields = {"user_id": user_id, "projection": projection, "dry_run": dry_run, "background": background}
        req = _body(MemoryRebuildRequest, {**fields, "backfill": backfill})

        return Call(REBUILD, req, call_options(options), post=self._job(REBUILD_JOB, self._rebuild_status))

    def _rebuild_status(self, *, job_id: str, **options: Unpack[RequestOptions]) -> Call[MemoryJobStatus]:
        """One poll of a background rebuild (`GET /v1/memory/rebuild/{job_id}`, admin key).

        `status`: `processing`, `completed` (with the report), `failed` (with `error`) or `cancelled`. Unknown
        or expired ids: `NotFoundError`. (The runtime looks the id up among all its tracked jobs, so a forget
        job's id answers here too.)
        """
        return Call(REBUILD_STATUS, RequestInput(path_params={"job_id": job_id}), call_options(options))

    def _forget(
        self,
        *,
        user_id: str,
        source: str,
        reason: str | None = None,
        rebuild: bool | None = None,
        background: bool | None = None,
        **options: Unpack[RequestOptions],
    ) -> Call[Job[MemoryForgetResult, MemoryJobStatus]]:
        """Forget every memory a user got from `source` (`POST /v1/memory/forget`, admin key; GDPR erasure).

        The user's events from `source` are soft-deleted at once (`accepted.deleted_events`, recoverable for
        `grace_period_days`) and an audit event records it (`reason`, default `user_request`). Then the
        projections are rebuilt so derived memories forget it too: in the background by default (the `Job`
        polls `forget_status`), inline with `background=False`, or not at all with `rebuild=False`
        (`accepted.rebuild_required` names the projections that still show it).
        """
        fields = {"user_id": user_id, "source": source, "reason": reason, "rebuild": rebuild, "background": background}
        req = _body(MemoryForgetRequest, fields)

        return Call(FORGET, req, call_options(options), post=self._job(FORGET_JOB, self._forget_status))

    def _forget_status(self, *, job_id: str, **options: Unpack[RequestOptions]) -> Call[MemoryJobStatus]:
        """One poll of a background forget's rebuild (`GET /v1/memory/forget/{job_id}`, admin key).

        Same answers as `rebuild_status`: `status`, and `projections` once completed.
        """
        return Call(FORGET_STATUS, RequestInput(path_params={"job_id": job_id}), call_options(options))

    def _lint(self, *, user_id: str | None = None, **options: Unpack[RequestOptions]) -> Call[MemoryLintResult]:
        """Audit the memory store now (`POST /v1/memory/lint`, admin key): one user, or every user.

        Returns the health report (conflicts, superseded facts removed, orphans, log gaps, stale artifacts);
        findings are also written back as knowledge gaps. A formation without a `memory.lint` block answers
        503 (`ServerError`, "Memory lint is not configured").
        """
        return Call(LINT, _body(MemoryLintRequest, {"user_id": user_id}), call_options(options))

    def _backfill(self, *, user_id: str, **options: Unpack[RequestOptions]) -> Call[MemoryBackfillResult]:
        """Write event-log entries for a user's memories that predate the event log (`POST /v1/memory/backfill`).

        Idempotent, and bounded per call: a projection reporting `complete=False` has rows left, so call
        again until all are complete (or use `rebuild(backfill=True)`, which backfills and rebuilds at once).
        """
        return Call(BACKFILL, _body(MemoryBackfillRequest, {"user_id": user_id}), call_options(options))

    def _list_buffers(self, **options: Unpack[RequestOptions]) -> Call[MemoryBuffers]:
        """Deprecated: a summary of the conversation buffer (`GET /v1/memory/buffers`, admin key).

        The runtime marks the route deprecated and will remove it; use `stats()` (`GET /v1/memory/stats`).
        Warns with `DeprecationWarning`.
        """
        warnings.warn(
            "m.memory.list_buffers() (GET /v1/memory/buffers) is deprecated by the MUXI runtime; "
            "use m.memory.stats()",
            DeprecationWarning,
            stacklevel=3,
        )
        return Call(LIST_BUFFERS, RequestInput(), call_options(options))

    rebuild = sync_op(_rebuild)
    rebuild_async = async_op(_rebuild)
    rebuild_status = sync_op(_rebuild_status)
    rebuild_status_async = async_op(_rebuild_status)
    forget = sync_op(_forget)
    forget_async = async_op(_forget)
    forget_status = sync_op(_forget_status)
    forget_status_async = async_op(_forget_status)
    lint = sync_op(_lint)
    lint_async = async_op(_lint)
    backfill = sync_op(_backfill)
    backfill_async = async_op(_backfill)
    list_buffers = sync_op(_list_buffers)
    list_buffers_async = async_op(_list_buffers)
