"""Webhooks: verify, parse and sign what a MUXI formation POSTs to your `webhook_url`.

    from muxi_sdk import webhooks

    event = webhooks.construct_event(body, request.headers, secret=ADMIN_KEY)   # verify + parse
    print(event.request_id, event.status, event.text)

Local helpers, no HTTP. The module functions take the secret explicitly; `m.webhooks` (class `Webhooks`)
wraps them with the client's admin key as the default secret.

The signature (`X-Muxi-Signature: t=<unix seconds>,v1=<lowercase hex>`) is HMAC-SHA256 with the formation's
admin key (completions, clarifications) or client key (retry escalations) over `"<t>." + canonical JSON`,
where canonical JSON has sorted keys, compact separators and raw UTF-8. The MUXI runtime signs that
canonical form but SENDS completions and clarifications as `json.dumps(payload)` (insertion order, `", "`
and `": "` separators, `\\u` escapes), so the bytes on the wire are not the bytes it signed and a raw-body
check alone (what the official SDK does) rejects every real completion. `verify_signature` therefore tries
the raw body first (right for escalations, for `sign()` and for a fixed runtime), then the canonical
re-encoding of the parsed body; both comparisons are constant-time. The canonical fallback only accepts a
body that parses to exactly the JSON value that was signed, so it cannot be used to change what you read -
as long as you read the body with the same parser, which `construct_event` guarantees by returning the
value it verified. A body that repeats a key is never re-encoded (parsers disagree on which duplicate
wins), and a non-finite or negative `tolerance` is refused (nan would pass every timestamp).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Union

from .basesdk import BaseSDK
from .errors import ConfigurationError, InvalidInputError, WebhookVerificationError

if TYPE_CHECKING:
    from .models.webhooks import WebhookEvent

__all__ = [
    "DEFAULT_TOLERANCE",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "Webhooks",
    "canonical_json",
    "construct_event",
    "headers",
    "parse",
    "sign",
    "verify_signature",
]

SIGNATURE_HEADER = "X-Muxi-Signature"
TIMESTAMP_HEADER = "X-Muxi-Timestamp"
DEFAULT_TOLERANCE = 300
"""Seconds a signature's timestamp may differ from now (either way) before it is rejected as a replay."""

Secret = Union[str, bytes]
Secrets = Union[str, bytes, Sequence[Union[str, bytes]]]
"""One secret, or several (key rotation: a signature made with any of them is accepted)."""
Payload = Union[bytes, bytearray, memoryview, str, Mapping[str, Any]]
"""The raw request body (bytes or str), or an already parsed JSON object (checked in canonical form)."""
SignatureHeader = Union[str, bytes, Mapping[str, str], None]
"""The `X-Muxi-Signature` value, or the request's headers (the signature is looked up in them)."""

_TIMESTAMP = re.compile(r"[0-9]{1,15}")
_HEX_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
_MAX_SIGNATURES = 32

_MESSAGES = {
    "missing_header": f"no {SIGNATURE_HEADER} header",
    "malformed_header": f"{SIGNATURE_HEADER} is not of the form t=<unix seconds>,v1=<hex HMAC-SHA256>",
    "timestamp_out_of_tolerance": "the signature's timestamp is outside the tolerance (stale, replayed or future)",
    "signature_mismatch": "no signature matches the payload with the given secret(s)",
}


class _Missing:
    pass


_NOTHING = _Missing()


# ---------------------------------------------------------------------------------------------- encoding
def canonical_json(payload: Any) -> bytes:
    """The bytes MUXI signs for a JSON value: sorted keys, `,`/`:` separators, raw UTF-8 (no `\\u` escapes).

    Send these bytes as the body when you sign a dict with `sign()` / `headers()` yourself.
    """
    try:
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        return text.encode("utf-8")
    except (TypeError, ValueError, RecursionError) as exc:
        raise InvalidInputError(f"the webhook payload is not canonical-JSON serializable: {exc}") from exc


def _secret_keys(secret: Secrets) -> list[bytes]:
    items: Sequence[Any] = [secret] if isinstance(secret, (str, bytes, bytearray)) else secret
    if not isinstance(items, Sequence):
        raise ConfigurationError("the webhook secret must be a string, bytes or a list of them")
    keys: list[bytes] = []
    for item in items:
        if isinstance(item, str):
            item = item.encode("utf-8")
        if not isinstance(item, (bytes, bytearray)):
            raise ConfigurationError("the webhook secret must be a string, bytes or a list of them")
        if item:
            keys.append(bytes(item))
    if not keys:
        raise ConfigurationError(
            "a webhook secret is required: the formation's admin key (completions, clarifications) or "
            "client key (retry escalations)"
        )
    return keys


def _timestamp(value: int | float | datetime | None) -> int:
    if value is None:
        return int(time.time())
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise InvalidInputError("timestamp must be unix seconds (int or float) or a datetime")
    return int(value)


def _body_bytes(payload: Any) -> bytes | None:
    if isinstance(payload, (bytes, bytearray, memoryview)):
        return bytes(payload)
    if isinstance(payload, str):
        try:
            return payload.encode("utf-8")
        except UnicodeEncodeError:
            return None
    return None


def _hex_hmac(key: bytes, timestamp: int, body: bytes) -> str:
    return hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


# ---------------------------------------------------------------------------------------------- signing
def sign(payload: Payload, secret: Secrets, timestamp: int | float | datetime | None = None) -> str:
    """The `X-Muxi-Signature` header value for `payload`, as a MUXI formation makes it.

    :param payload: a dict (signed in canonical JSON, as the runtime does; send `canonical_json(payload)`
        as the body) or the exact body bytes / str (signed as given).
    :param secret: the formation's admin key; with a list, one `v1=` per secret (rotation).
    :param timestamp: unix seconds or a datetime; now by default.
    :returns: `"t=<seconds>,v1=<hex>"`.
    """
    keys = _secret_keys(secret)
    t = _timestamp(timestamp)
    body = _body_bytes(payload)
    if body is None:
        if not isinstance(payload, Mapping):
            raise InvalidInputError("payload must be bytes, str or a dict")
        body = canonical_json(payload)
    return f"t={t}," + ",".join(f"v1={_hex_hmac(key, t, body)}" for key in keys)


def headers(payload: Payload, secret: Secrets, timestamp: int | float | datetime | None = None) -> dict[str, str]:
    """The headers of a signed delivery: `Content-Type`, `X-Muxi-Signature` and `X-Muxi-Timestamp`.

    Takes the same arguments as `sign()`; use it to test your receiver with real-looking requests.
    """
    t = _timestamp(timestamp)
    return {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(payload, secret, t),
        TIMESTAMP_HEADER: str(t),
    }


# ---------------------------------------------------------------------------------------------- verifying
def _header_value(signature: Any) -> Any:
    if isinstance(signature, Mapping):
        wanted = SIGNATURE_HEADER.lower()
        try:
            value = signature.get(SIGNATURE_HEADER)
            if value is None:
                value = next((v for k, v in signature.items() if isinstance(k, str) and k.lower() == wanted), None)
        except Exception:
            return None
        return value
    return signature


def _parse_header(signature: Any) -> tuple[int, list[bytes]] | str:
    """`(timestamp, [v1 signatures as lowercase hex bytes])`, or the reason it cannot be used."""
    value = _header_value(signature)
    if value is None:
        return "missing_header"
    if isinstance(value, (bytes, bytearray)):
        try:
            value = bytes(value).decode("ascii")
        except UnicodeDecodeError:
            return "malformed_header"
    if not isinstance(value, str):
        return "malformed_header"
    if not value.strip():
        return "missing_header"
    timestamp: int | None = None
    signatures: list[bytes] = []
    for part in value.split(","):
        part = part.strip()
        if not part:
            continue
        key, sep, item = part.partition("=")
        if not sep:
            return "malformed_header"
        key, item = key.strip(), item.strip()
        if key == "t":
            if timestamp is not None or not _TIMESTAMP.fullmatch(item):
                return "malformed_header"
            timestamp = int(item)
        elif key == "v1" and _HEX_SHA256.fullmatch(item) and len(signatures) < _MAX_SIGNATURES:
            signatures.append(item.lower().encode("ascii"))
        # other schemes (v0, v2, ...) are ignored, so a future header still verifies on its v1
    if timestamp is None or not signatures:
        return "malformed_header"
    return timestamp, signatures


def _matches(keys: list[bytes], timestamp: int, body: bytes, signatures: list[bytes]) -> bool:
    matched = False
    for key in keys:
        expected = _hex_hmac(key, timestamp, body).encode("ascii")
        for candidate in signatures:
            # no short-circuit: every comparison runs, each in constant time
            matched |= hmac.compare_digest(expected, candidate)
    return matched


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) != len(pairs):
        raise _DuplicateKey("duplicate key in a JSON object")
    return value


def _loads(payload: Any, *, unique_keys: bool = False) -> Any:
    if isinstance(payload, Mapping):
        return payload
    if isinstance(payload, (bytes, bytearray, memoryview, str)):
        hook = _unique_keys if unique_keys else None
        try:
            return json.loads(bytes(payload) if isinstance(payload, memoryview) else payload, object_pairs_hook=hook)
        except (ValueError, RecursionError):
            return _NOTHING
    return _NOTHING


def _candidates(payload: Any) -> Iterator[tuple[bytes, Any]]:
    """The byte strings the signature may cover, most likely first, with the parsed value if known."""
    raw = _body_bytes(payload)
    if raw is not None:
        yield raw, _NOTHING
    # A body with a repeated key has no single value: json.loads keeps the last one, other parsers the
    # first, so its canonical form would vouch for a value another reader does not see.
    value = _loads(payload, unique_keys=True)
    if value is _NOTHING:
        return
    try:
        canonical = canonical_json(value)
    except InvalidInputError:
        return
    if canonical != raw:
        yield canonical, value


def _check_clock(tolerance: Any, now: Any) -> None:
    # nan compares False with everything, so a nan tolerance or clock would pass every timestamp.
    for name, value in (("tolerance", tolerance), ("now", now)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ConfigurationError(f"{name} must be a finite number of seconds (or None), not {value!r}")
    if tolerance is not None and tolerance < 0:
        raise ConfigurationError(f"tolerance must not be negative, not {tolerance!r}")


def _verify(
    payload: Any, signature: Any, secret: Secrets, tolerance: float | None, now: float | None
) -> tuple[str | None, Any]:
    """`(None, parsed value or _NOTHING)` if the payload verifies, else `(reason, _NOTHING)`."""
    keys = _secret_keys(secret)
    _check_clock(tolerance, now)
    parsed = _parse_header(signature)
    if isinstance(parsed, str):
        return parsed, _NOTHING
    timestamp, signatures = parsed
    current = time.time() if now is None else now
    if tolerance is not None and abs(current - timestamp) > tolerance:
        return "timestamp_out_of_tolerance", _NOTHING
    for body, value in _candidates(payload):
        if _matches(keys, timestamp, body, signatures):
            return None, value
    return "signature_mismatch", _NOTHING


def verify_signature(
    payload: Payload,
    signature: SignatureHeader,
    secret: Secrets,
    tolerance: float | None = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> bool:
    """Is `payload` a genuine, fresh MUXI delivery? Never raises on bad input from the network.

    The raw body is checked first, then - because the MUXI runtime signs canonical JSON (sorted keys,
    compact, raw UTF-8) but sends completions and clarifications with `json.dumps` defaults - the canonical
    re-encoding of the parsed body. Both comparisons are constant-time (`hmac.compare_digest`).

    :param payload: the raw request body (bytes or str; pass it unmodified) or a parsed dict.
    :param signature: the `X-Muxi-Signature` header value (`t=<seconds>,v1=<hex>`; several `v1=` allowed),
        or the request's headers.
    :param secret: the formation's admin key (completions, clarifications) or client key (escalations);
        a list accepts any of them (key rotation).
    :param tolerance: seconds the signed timestamp may be away from now, either way (replay protection);
        a finite number >= 0, or `None` to switch the check off.
    :param now: unix seconds to check against instead of the clock (finite).
    :returns: True if some `v1` signature matches with some secret and the timestamp is within tolerance;
        False for a missing or malformed header, a stale or future timestamp, or a mismatch (a body that
        repeats a JSON key only verifies byte for byte, never through the canonical re-encoding).
    :raises ConfigurationError: no (non-empty) secret was given, or `tolerance` / `now` is not finite, or
        `tolerance` is negative.
    """
    reason, _ = _verify(payload, signature, secret, tolerance, now)
    return reason is None


def construct_event(
    payload: Payload,
    signature: SignatureHeader,
    secret: Secrets,
    tolerance: float | None = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> WebhookEvent:
    """Verify a delivery (like `verify_signature`) and parse it into a `WebhookEvent`, in one step.

    The event is built from exactly the JSON value that was verified.

    :raises WebhookVerificationError: with `.reason` one of `missing_header`, `malformed_header`,
        `timestamp_out_of_tolerance`, `signature_mismatch`, `invalid_json` (the signed body is not a JSON
        object) or `invalid_payload` (a JSON object whose known fields have impossible types).
    :raises ConfigurationError: no (non-empty) secret was given, or `tolerance` / `now` is not finite, or
        `tolerance` is negative.
    """
    reason, value = _verify(payload, signature, secret, tolerance, now)
    if reason is not None:
        raise WebhookVerificationError(f"webhook verification failed: {_MESSAGES[reason]}", reason=reason)
    return parse(payload if value is _NOTHING else value)


def parse(payload: Payload) -> WebhookEvent:
    """Parse a delivery body (bytes, str or dict) into a `WebhookEvent`, WITHOUT verifying it.

    Reads both the runtime's `id` / `response` and the documented `request_id` / `content`; keeps unknown
    fields, statuses and content types. Use `construct_event` for anything that came over the network.

    :raises WebhookVerificationError: `reason="invalid_json"` if the body is not a JSON object,
        `reason="invalid_payload"` if a known field has an impossible type.
    """
    # Here, not at the top: verifying and signing (the rest of this module) never need pydantic.
    from pydantic import ValidationError

    from .models.webhooks import WebhookEvent

    if isinstance(payload, WebhookEvent):
        return payload
    value = _loads(payload)
    if value is _NOTHING:
        raise WebhookVerificationError("the webhook payload is not valid JSON", reason="invalid_json")
    if not isinstance(value, Mapping):
        raise WebhookVerificationError("the webhook payload is not a JSON object", reason="invalid_json")
    try:
        return WebhookEvent.model_validate(dict(value))
    except ValidationError as exc:
        raise WebhookVerificationError(
            f"the webhook payload does not have the shape of a MUXI webhook: {exc.error_count()} error(s)",
            reason="invalid_payload",
            details=exc.errors(include_url=False, include_input=False),
        ) from None


# ---------------------------------------------------------------------------------------------- m.webhooks
class Webhooks(BaseSDK):
    """`m.webhooks`: the module's helpers with `Muxi(admin_key=...)` as the default secret.

    Local only (no HTTP), so there are no `_async` twins: call them from sync and async code alike.
    """

    def _secret(self, secret: Secrets | None) -> Secrets:
        if secret is not None:
            return secret
        admin_key = self.sdk_configuration.admin_key
        if not admin_key:
            raise ConfigurationError(
                "no webhook secret: pass secret= or configure the client's admin_key (env MUXI_ADMIN_KEY), "
                "which MUXI signs completion webhooks with"
            )
        return admin_key

    def verify_signature(
        self,
        payload: Payload,
        signature: SignatureHeader,
        secret: Secrets | None = None,
        *,
        tolerance: float | None = DEFAULT_TOLERANCE,
        now: float | None = None,
    ) -> bool:
        """`muxi_sdk.webhooks.verify_signature` with the admin key as the default secret."""
        return verify_signature(payload, signature, self._secret(secret), tolerance, now)

    def construct_event(
        self,
        payload: Payload,
        signature: SignatureHeader,
        secret: Secrets | None = None,
        *,
        tolerance: float | None = DEFAULT_TOLERANCE,
        now: float | None = None,
    ) -> WebhookEvent:
        """`muxi_sdk.webhooks.construct_event` with the admin key as the default secret."""
        return construct_event(payload, signature, self._secret(secret), tolerance, now)

    def parse(self, payload: Payload) -> WebhookEvent:
        """`muxi_sdk.webhooks.parse`: a `WebhookEvent` from a body, without verifying it."""
        return parse(payload)

    def sign(
        self, payload: Payload, secret: Secrets | None = None, timestamp: int | float | datetime | None = None
    ) -> str:
        """`muxi_sdk.webhooks.sign` with the admin key as the default secret."""
        return sign(payload, self._secret(secret), timestamp)

    def headers(
        self, payload: Payload, secret: Secrets | None = None, timestamp: int | float | datetime | None = None
    ) -> dict[str, str]:
        """`muxi_sdk.webhooks.headers` with the admin key as the default secret."""
        return headers(payload, self._secret(secret), timestamp)
