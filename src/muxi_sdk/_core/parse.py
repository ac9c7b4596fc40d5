"""Response parsing: the envelope and its `data` into the operation's model (one pass when it fits) or an error."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
from typing_extensions import TypedDict

from .. import errors
from ..models.shared import ResponseMeta
from .operation import Operation

if TYPE_CHECKING:
    from pydantic import TypeAdapter

    from .._streams.eventstream import AsyncClosable


A = TypeVar("A", bound="AsyncClosable")


@functools.cache
def type_adapter(tp: Any) -> TypeAdapter[Any]:
    from pydantic import TypeAdapter  # here: `import muxi_sdk` does not load pydantic

    return TypeAdapter(tp)



@functools.cache
def _envelope_validator(tp: Any) -> Callable[[bytes], dict[str, Any]]:
    """Parse a MUXI envelope and validate its `data` as `tp` in one pydantic-core pass over the JSON bytes.

    A type may name another for this pass (`__one_pass__`: list pages validate their items here too).
    """
    data: Any = getattr(tp, "__one_pass__", tp)
    envelope = TypedDict(  # noqa: UP013 (a field typed by a variable)
        "envelope",
        {"success": Any, "request": Any, "timestamp": Any, "object": Any, "type": Any, "data": data},
        total=False,
    )
    validate: Callable[[bytes], dict[str, Any]] = type_adapter(envelope).validator.validate_json
    return validate


def _parse_enveloped(op: Operation, response: httpx.Response, raw: bytes, attempts: int, elapsed_ms: float) -> Any:
    """The common case in one pass (no json.loads + validate_python): a successful envelope with `data`.

    Anything else - not JSON, not an envelope, `success: false`, no or null `data`, data that does not
    validate - returns `_NOT_FAST` and `parse_response` handles it exactly as before (same results, same errors).
    """
    try:
        env = _envelope_validator(op.response)(raw)
    except Exception:  # pydantic's ValidationError (also for invalid JSON)
        return _NOT_FAST
    if "success" not in env or env["success"] is False or env.get("data") is None:
        return _NOT_FAST
    request_id = idem = None
    req_info = env.get("request")
    if isinstance(req_info, dict):
        request_id = req_info.get("id")
        idem = req_info.get("idempotency_key")
    timestamp = env.get("timestamp")
    result = env["data"]
    if hasattr(type(result), "_response_meta"):
        attach_meta(
            result,
            ResponseMeta(
                response.status_code,
                response.headers,
                request_id or response.headers.get("x-request-id"),
                idem,
                timestamp if isinstance(timestamp, int) else None,
                env.get("object"),
                env.get("type"),
                attempts,
                elapsed_ms,
                response,
            ),
        )
    return result


def attach_meta(result: Any, meta: ResponseMeta) -> None:
    """`result._response_meta = meta` for a response model, without pydantic's `__setattr__` (which looks up a
    handler and then calls the property: most of the cost of parsing a small answer)."""
    private = getattr(result, "__pydantic_private__", None)
    if type(private) is dict:
        private["_response_meta"] = meta
    elif private is None and hasattr(result, "__pydantic_fields_set__"):  # a pydantic model: its private slot
        object.__setattr__(result, "__pydantic_private__", {"_response_meta": meta})
    else:
        result._response_meta = meta


_NOT_FAST = object()


def parse_response(op: Operation, response: httpx.Response, attempts: int, elapsed_ms: float) -> Any:
    """Unwrap the envelope, validate `data` into the operation's model, attach the response metadata."""
    if op.response is str and not op.envelope:  # text answers (server logs, ping): any body is the answer
        return response.text
    raw = response.content
    if raw and op.envelope and op.response is not None:
        fast = _parse_enveloped(op, response, raw, attempts, elapsed_ms)
        if fast is not _NOT_FAST:
            return fast
    return parse_general(op, response, raw, attempts, elapsed_ms)


def parse_general(op: Operation, response: httpx.Response, raw: bytes, attempts: int, elapsed_ms: float) -> Any:
    """Every body the one pass does not take: json.loads, the envelope's rules, then validation of `data`."""
    status = response.status_code
    body: Any
    if not raw:
        body = None
    else:
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError) as exc:  # RecursionError: JSON nested too deeply for the decoder
            if op.response is str:
                return response.text
            why = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
            raise errors.ResponseValidationError(
                f"expected JSON from {op.operation_id}, got {len(raw)} bytes that are not ({why}; content type "
                f"{response.headers.get('content-type', 'none')}; truncated?)",
                status_code=status,
                body=response.text[:10_000],
                headers=response.headers,
                raw_response=response,
            ) from exc
    request_id = idem = timestamp = obj = typ = None
    data = body
    if op.envelope and isinstance(body, dict) and "success" in body:
        if body.get("success") is False:
            raise errors.error_from_response(response, attempts)
        req_info = body.get("request")
        if isinstance(req_info, dict):
            request_id = req_info.get("id")
            idem = req_info.get("idempotency_key")
        timestamp, obj, typ = body.get("timestamp"), body.get("object"), body.get("type")
        if "data" in body:
            data = body["data"]
    meta = ResponseMeta(
        status,
        response.headers,
        request_id or response.headers.get("x-request-id"),
        idem,
        timestamp if isinstance(timestamp, int) else None,
        obj,
        typ,
        attempts,
        elapsed_ms,
        response,
    )
    if op.response is None:
        return None
    try:
        result = type_adapter(op.response).validate_python(data if data is not None else {})
    except Exception as exc:  # pydantic.ValidationError, without importing pydantic at module load
        raise errors.ResponseValidationError(
            f"unexpected response shape from {op.operation_id}: {exc}",
            status_code=status,
            request_id=meta.request_id,
            body=response.text[:10_000],
            headers=response.headers,
            raw_response=response,
        ) from exc
    if hasattr(type(result), "_response_meta"):
        attach_meta(result, meta)
    return result
