"""`m.memory.distilleries`: on-premises distilleries that send the formation pre-distilled memories.

A distillery is registered once (admin key) with its Ed25519 public key; from then on it POSTs signed
batches of memory events (`submit`, client or admin key plus the signature). The SDK signs nothing itself
(its only dependencies are httpx and pydantic): `submit` hands the exact bytes to sign to your `sign`
callable, e.g. `cryptography`'s `Ed25519PrivateKey.sign`, and sends its signature with the batch.
A formation without `memory.distillery.enabled` answers every route here with 503 (`ServerError`).
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Callable
from typing import Any

from typing_extensions import Unpack

from ._core.jobs import FAILED, Job, JobKind, started
from ._core.operation import Call, Operation, RequestInput
from ._core.options import RequestOptions, call_options
from ._core.twins import async_op, sync_op
from ._utils.inputs import body_dict, validate_input
from ._utils.serializers import Body, dumps, json_body
from .basesdk import BaseSDK
from .errors import InvalidInputError
from .models.memory_admin import (
    DistilledBatch,
    DistilledBatchResult,
    DistilledBatchTypedDict,
    DistilledStatus,
    Distillery,
    DistilleryList,
    DistilleryRegistration,
    TrustLevel,
)

_TAGS = ("memory",)
LIST = Operation("distilleries_list", "GET", "/memory/distilleries", "admin", DistilleryList, user="none", tags=_TAGS)
REGISTER = Operation(
    "distilleries_register",
    "POST",
    "/memory/distilleries",
    "admin",
    Distillery,
    user="none",
    tags=_TAGS,
    request=DistilleryRegistration,
)
REVOKE = Operation(
    "distilleries_revoke",
    "DELETE",
    "/memory/distilleries/{distillery_id}",
    "admin",
    Distillery,
    user="none",
    tags=_TAGS,
)
# Events are idempotent on (distillery, source_id), so resending a batch never duplicates: the key makes it
# replay-safe for retries.
SUBMIT = Operation(
    "distilleries_submit",
    "POST",
    "/memories/distilled",
    "dual",
    DistilledBatchResult,
    user="none",
    idempotent_key=True,
    tags=_TAGS,
    request=DistilledBatch,
    # The runtime appends events idempotently on (distillery, source_id): "a full-batch retry is always safe",
    # after a 500 too.
    replay="any",
)
STATUS = Operation(
    "distilleries_status",
    "GET",
    "/memories/distilled/{processing_id}",
    "dual",
    DistilledStatus,
    user="none",
    tags=_TAGS,
)

DISTILLED_JOB = JobKind("distilled batch", frozenset({"completed", "failed"}), FAILED)
SIGNATURE_DOMAIN = b"muxi-distillery-v1"
DISTILLERY_ID_HEADER = "X-Distillery-ID"


def signed_message(timestamp: str, distillery_id: str, body: bytes) -> bytes:
    """The bytes a distillery signs for one batch: a versioned prefix, the timestamp, its id and the raw body.

    `X-Distillery-Timestamp` and `X-Distillery-ID` carry the first two exactly as signed.
    """
    return b"\n".join([SIGNATURE_DOMAIN, timestamp.encode(), distillery_id.encode(), body])


def _signature(sign: Callable[[bytes], Any], message: bytes) -> str:
    """The base64 signature header from what `sign` returned: raw bytes (encoded here) or base64 text."""
    signature = sign(message)
    if isinstance(signature, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(signature)).decode()
    if isinstance(signature, str):
        try:
            base64.b64decode(signature, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInputError("sign() returned a str that is not base64") from None
        return signature
    raise InvalidInputError(f"sign() must return the signature as bytes or base64 text, not {type(signature).__name__}")


class Distilleries(BaseSDK):
    """Registered distilleries (`/v1/memory/distilleries`, admin key) and their signed batches."""

    def _list(self, **options: Unpack[RequestOptions]) -> Call[DistilleryList]:
        """Every registered distillery, newest first, revoked ones included (`GET /v1/memory/distilleries`)."""
        return Call(LIST, RequestInput(), call_options(options))

    def _register(
        self,
        *,
        name: str,
        public_key: str,
        description: str | None = None,
        scope: dict[str, Any] | None = None,
        trust_level: TrustLevel | None = None,
        **options: Unpack[RequestOptions],
    ) -> Call[Distillery]:
        """Register a distillery (`POST /v1/memory/distilleries`, admin key); 201 with its `distillery_id`.

        `public_key`: `ed25519:<base64>` (raw 32 bytes or DER); a key that does not parse: `ValidationError`.
        `trust_level` defaults to the formation's (`provisional` caps the confidence of what it sends).
        """
        fields = {"name": name, "public_key": public_key, "description": description, "scope": scope}
        request = validate_input(
            DistilleryRegistration, {k: v for k, v in {**fields, "trust_level": trust_level}.items() if v is not None}
        )
        return Call(REGISTER, RequestInput(body=json_body(body_dict(request))), call_options(options))

    def _revoke(self, *, distillery_id: str, **options: Unpack[RequestOptions]) -> Call[Distillery]:
        """Revoke a registration (`DELETE /v1/memory/distilleries/{id}`, admin key); revoking twice is fine.

        Its later batches are refused with 410; what it sent before stays (forget it with `m.memory.forget`).
        Unknown id: `NotFoundError`.
        """
        req = RequestInput(path_params={"distillery_id": distillery_id})
        return Call(REVOKE, req, call_options(options))

    def _submit(
        self,
        *,
        batch: DistilledBatch | DistilledBatchTypedDict | dict[str, Any],
        distillery_id: str,
        sign: Callable[[bytes], Any],
        timestamp: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> Call[Job[DistilledBatchResult, DistilledStatus]]:
        """Send one signed batch of distilled memory events (`POST /v1/memories/distilled`, either key).

        `sign(message: bytes)` returns the Ed25519 signature (bytes, or base64 text) of `message` =
        `signed_message(timestamp, distillery_id, body)`; `timestamp` defaults to now (unix seconds; the
        formation accepts ±5 minutes). Valid events are stored at once; a `Job` polls `status` for the
        projection work (`job.wait()`). Bad signature or unknown distillery: `AuthenticationError` (401); a
        revoked one: `APIStatusError` 410; over its daily quota: `RateLimitError`.
        """
        if not callable(sign):
            raise InvalidInputError("sign must be a callable: sign(message: bytes) -> signature")
        raw = dumps(body_dict(validate_input(DistilledBatch, batch)))  # signed as sent, byte for byte
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        headers = {
            DISTILLERY_ID_HEADER: distillery_id,
            "X-Distillery-Timestamp": stamp,
            "X-Distillery-Signature": _signature(sign, signed_message(stamp, distillery_id, raw)),
        }

        def job(accepted: DistilledBatchResult, is_async: bool) -> Job[DistilledBatchResult, DistilledStatus]:
            pid = accepted.processing_id
            poll = lambda opts: self._status(processing_id=pid or "", distillery_id=distillery_id, **opts)  # noqa: E731
            return started(self, DISTILLED_JOB, accepted, pid, poll, DistilledStatus.model_validate)

        return Call(SUBMIT, RequestInput(body=Body(content=raw), headers=headers), call_options(options), post=job)

    def _status(
        self, *, processing_id: str, distillery_id: str | None = None, **options: Unpack[RequestOptions]
    ) -> Call[DistilledStatus]:
        """One poll of a distilled batch's job (`GET /v1/memories/distilled/{processing_id}`).

        With the admin key any job; with the client key only the submitting distillery's (`distillery_id`,
        sent as `X-Distillery-ID`; else `AuthorizationError`). `queued` -> `processing` -> `completed` |
        `failed`. Unknown or expired (kept 5 minutes): `NotFoundError`.
        """
        headers = {DISTILLERY_ID_HEADER: distillery_id} if distillery_id else None
        req = RequestInput(path_params={"processing_id": processing_id}, headers=headers)
        return Call(STATUS, req, call_options(options))

    list = sync_op(_list)
    list_async = async_op(_list)
    register = sync_op(_register)
    register_async = async_op(_register)
    revoke = sync_op(_revoke)
    revoke_async = async_op(_revoke)
    submit = sync_op(_submit)
    submit_async = async_op(_submit)
    status = sync_op(_status)
    status_async = async_op(_status)
