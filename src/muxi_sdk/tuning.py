"""`m.tuning`: the formation's MUXI.md (live instructions it improves itself through) and the tuner's pending
suggestion. Admin key only."""

from __future__ import annotations

from typing_extensions import Unpack

from ._core.operation import Call, Operation, RequestInput
from ._core.options import RequestOptions, call_options
from ._core.twins import async_op, sync_op
from ._utils.inputs import body_dict, validate_input
from ._utils.serializers import json_body
from .basesdk import BaseSDK
from .models.tuning import TuningApplied, TuningDismissed, TuningFile, TuningRun, TuningUpdate, TuningUpdated

# The runtime answers 503 SERVICE_UNAVAILABLE before its overlord has started (get/replace/get_pending) and
# when tuning is not active for the formation (apply/dismiss/run).
_TAGS = ("tuning",)
GET = Operation("tuning_get", "GET", "/tuning", "admin", TuningFile, user="none", tags=_TAGS)
REPLACE = Operation(
    "tuning_replace",
    "POST",
    "/tuning",
    "admin",
    TuningUpdated,
    user="none",
    request=TuningUpdate,
    tags=_TAGS,
    replay="any",  # replaces MUXI.md with the same content again: same file, same answer
)
GET_PENDING = Operation("tuning_get_pending", "GET", "/tuning/pending", "admin", TuningFile, user="none", tags=_TAGS)
APPLY_PENDING = Operation(
    "tuning_apply_pending", "PATCH", "/tuning/pending", "admin", TuningApplied, user="none", tags=_TAGS
)
DISMISS_PENDING = Operation(
    "tuning_dismiss_pending", "DELETE", "/tuning/pending", "admin", TuningDismissed, user="none", tags=_TAGS
)
RUN = Operation("tuning_run", "POST", "/tuning/run", "admin", TuningRun, user="none", tags=_TAGS)


class Tuning(BaseSDK):
    """Self-improvement (`/v1/tuning`, admin key): read or replace the live MUXI.md, review the tuner's pending
    suggestion (apply or dismiss it), run one tuning pass now."""

    def _get(self, **options: Unpack[RequestOptions]) -> Call[TuningFile]:
        """The live MUXI.md (`GET /v1/tuning`): `content` (None when there is none) and its `path`."""
        return Call(GET, RequestInput(), call_options(options))

    def _replace(self, *, content: str, **options: Unpack[RequestOptions]) -> Call[TuningUpdated]:
        """Replace the live MUXI.md with `content`, whole (`POST /v1/tuning`).

        The runtime refuses more than 32 KiB of UTF-8 (413 `TUNING_CONTENT_TOO_LARGE`: the file goes into every
        turn). To accept a suggestion partly, edit `get_pending().content` and replace the live file with it.
        """
        body = body_dict(validate_input(TuningUpdate, {"content": content}))
        return Call(REPLACE, RequestInput(body=json_body(body)), call_options(options))

    def _get_pending(self, **options: Unpack[RequestOptions]) -> Call[TuningFile]:
        """The tuner's suggested next MUXI.md (`GET /v1/tuning/pending`); `content` is None when there is none."""
        return Call(GET_PENDING, RequestInput(), call_options(options))

    def _apply_pending(self, **options: Unpack[RequestOptions]) -> Call[TuningApplied]:
        """Accept the suggestion: it becomes the live MUXI.md (`PATCH /v1/tuning/pending`).

        `NotFoundError` (code `TUNING_NO_PENDING`) when there is no suggestion.
        """
        return Call(APPLY_PENDING, RequestInput(), call_options(options))

    def _dismiss_pending(self, **options: Unpack[RequestOptions]) -> Call[TuningDismissed]:
        """Discard the suggestion; its learnings are never proposed again (`DELETE /v1/tuning/pending`).

        `NotFoundError` (code `TUNING_NO_PENDING`) when there is no suggestion.
        """
        return Call(DISMISS_PENDING, RequestInput(), call_options(options))

    def _run(self, **options: Unpack[RequestOptions]) -> Call[TuningRun]:
        """Run one pass of the tuning loop now (`POST /v1/tuning/run`) and say what it read and wrote."""
        return Call(RUN, RequestInput(), call_options(options))

    get = sync_op(_get)
    get_async = async_op(_get)
    replace = sync_op(_replace)
    replace_async = async_op(_replace)
    get_pending = sync_op(_get_pending)
    get_pending_async = async_op(_get_pending)
    apply_pending = sync_op(_apply_pending)
    apply_pending_async = async_op(_apply_pending)
    dismiss_pending = sync_op(_dismiss_pending)
    dismiss_pending_async = async_op(_dismiss_pending)
    run = sync_op(_run)
    run_async = async_op(_run)
