"""Webhooks: signature vectors, verification edge cases, parsing, the fake server's deliveries, and the example
receiver end to end (sync and async)."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import uvicorn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from _helpers import env_without_muxi, run_example
from muxi_sdk import Muxi, webhooks
from muxi_sdk.errors import ConfigurationError, UnsupportedError, WebhookVerificationError
from muxi_sdk.models.webhooks import (
    WebhookEvent,
    WebhookFileContent,
    WebhookTextContent,
    WebhookUnknownContent,
)
from muxi_sdk.testing import FakeMuxi, ScriptedReply
from muxi_sdk.testing.webhooks import wait_for_deliveries

ROOT = Path(__file__).resolve().parents[1]

# ------------------------------------------------------------------------------------------ known answers
# Computed independently of this SDK, with:
#   printf '%s' '<t>.<message>' | openssl dgst -sha256 -hmac '<secret>'
SECRET = "whsec_test_secret"
OLD_SECRET = "whsec_old_secret"
T = 1700000000

# 1. A dict payload is signed over its canonical JSON: sorted keys, compact, raw UTF-8 ("ö" is 2 bytes, no \u).
VECTOR_PAYLOAD = {"status": "completed", "id": "req_123", "response": [{"type": "text", "text": "Hello, wörld"}]}
VECTOR_CANONICAL = '{"id":"req_123","response":[{"text":"Hello, wörld","type":"text"}],"status":"completed"}'
VECTOR_HEADER = "t=1700000000,v1=cb39d3c6e33baf41d5aef7533ef614bce58a30ed5172be68e245a05682da23f8"

# 2. Bytes are signed as they are.
RAW_BODY = b'{"id": "req_123", "status": "completed"}'
RAW_HEADER = "t=1700000000,v1=6f93b7afa837a1134d218592125772a597c11e23ca592fd09b62f32f19947b3b"

# 3. What the real runtime does: signs the canonical form ...
CANONICAL_V1 = "38315c5dc31dc48ca8e3526a48b0b0b7e3150cf06a0e6039941bbae35088c5e5"
CANONICAL_V1_OLD_SECRET = "de099024bc080ffadad4d80e64edccec568ac7cfe5287bd09a67385196f1d02e"
# ... and sends json.dumps() defaults (RAW_BODY), so only the canonical fallback verifies it.
REAL_HEADER = f"t={T},v1={CANONICAL_V1}"


def test_known_answer_dict_payload() -> None:
    assert webhooks.canonical_json(VECTOR_PAYLOAD) == VECTOR_CANONICAL.encode("utf-8")
    assert webhooks.sign(VECTOR_PAYLOAD, SECRET, T) == VECTOR_HEADER
    assert webhooks.verify_signature(VECTOR_PAYLOAD, VECTOR_HEADER, SECRET, now=T)
    assert webhooks.verify_signature(VECTOR_CANONICAL, VECTOR_HEADER, SECRET, now=T)
    assert webhooks.verify_signature(VECTOR_CANONICAL.encode(), VECTOR_HEADER, SECRET, now=T)
    # the same value sent the way the runtime sends it (insertion order, spaces, \u escapes) verifies too
    assert webhooks.verify_signature(json.dumps(VECTOR_PAYLOAD).encode(), VECTOR_HEADER, SECRET, now=T)


def test_known_answer_raw_body() -> None:
    assert webhooks.sign(RAW_BODY, SECRET, T) == RAW_HEADER
    assert webhooks.sign(RAW_BODY.decode(), SECRET, T) == RAW_HEADER
    assert webhooks.verify_signature(RAW_BODY, RAW_HEADER, SECRET, now=T)


def test_known_answer_real_runtime_delivery() -> None:
    """Signed canonical, sent non-canonical: a raw-only verifier (the official SDK's) rejects it; we accept it."""
    assert webhooks.sign({"id": "req_123", "status": "completed"}, SECRET, T) == REAL_HEADER
    assert webhooks.sign(RAW_BODY, SECRET, T) != REAL_HEADER  # the raw bytes are not what was signed
    assert webhooks.verify_signature(RAW_BODY, REAL_HEADER, SECRET, now=T)
    event = webhooks.construct_event(RAW_BODY, REAL_HEADER, SECRET, now=T)
    assert event.request_id == "req_123"
    assert event.status == "completed"


def test_real_shaped_delivery_verifies() -> None:
    """A completion as the runtime builds it, sent with json.dumps defaults (spacing, key order, \\u escapes)."""
    payload = {
        "id": "req_abc",
        "object": "response",
        "status": "completed",
        "timestamp": 1700000000123,
        "formation_id": "support",
        "user_id": "u1",
        "processing_time": 2.75,
        "processing_mode": "async",
        "webhook_url": "https://example.com/hook",
        "error": None,
        "response": [
            {"type": "text", "text": "Grüße — 你好 🎉"},
            {"type": "file", "file": {"type": "image", "url": "https://cdn.example.com/a.png"}},
        ],
    }
    header = webhooks.sign(payload, SECRET, T)
    wire = json.dumps(payload).encode()
    assert b", " in wire and b"\\u" in wire  # really non-canonical
    assert webhooks.verify_signature(wire, header, SECRET, now=T)
    reordered = json.dumps(dict(reversed(list(payload.items()))), indent=2).encode()
    assert webhooks.verify_signature(reordered, header, SECRET, now=T)
    event = webhooks.construct_event(wire, header, SECRET, now=T)
    assert event.text == "Grüße — 你好 🎉"
    assert event.files[0].url == "https://cdn.example.com/a.png"
    assert event.raw == payload


# ------------------------------------------------------------------------------------------ verification
def test_tampered_body_rejected() -> None:
    payload = {"id": "req_1", "status": "completed", "response": [{"type": "text", "text": "ok"}]}
    header = webhooks.sign(payload, SECRET, T)
    tampered = json.dumps({**payload, "status": "failed"}).encode()
    assert not webhooks.verify_signature(tampered, header, SECRET, now=T)
    extra = json.dumps({**payload, "admin": True}).encode()
    assert not webhooks.verify_signature(extra, header, SECRET, now=T)
    with pytest.raises(WebhookVerificationError) as info:
        webhooks.construct_event(tampered, header, SECRET, now=T)
    assert info.value.reason == "signature_mismatch"


def test_whitespace_after_canonical_body_still_the_same_value() -> None:
    # Trailing whitespace does not change the JSON value, so the canonical fallback accepts it (by design).
    payload = {"id": "req_1"}
    header = webhooks.sign(payload, SECRET, T)
    assert webhooks.verify_signature(webhooks.canonical_json(payload) + b"\n", header, SECRET, now=T)


def test_wrong_secret_rejected() -> None:
    assert not webhooks.verify_signature(RAW_BODY, REAL_HEADER, "whsec_wrong", now=T)
    assert not webhooks.verify_signature(RAW_BODY, REAL_HEADER, SECRET.upper(), now=T)
    with pytest.raises(WebhookVerificationError) as info:
        webhooks.construct_event(RAW_BODY, REAL_HEADER, "whsec_wrong", now=T)
    assert info.value.reason == "signature_mismatch"


def test_secret_rotation() -> None:
    old_header = f"t={T},v1={CANONICAL_V1_OLD_SECRET}"
    assert webhooks.sign({"id": "req_123", "status": "completed"}, OLD_SECRET, T) == old_header
    # deliveries signed with the old key still verify while both are configured
    assert webhooks.verify_signature(RAW_BODY, old_header, [SECRET, OLD_SECRET], now=T)
    assert webhooks.verify_signature(RAW_BODY, REAL_HEADER, [SECRET, OLD_SECRET], now=T)
    assert webhooks.verify_signature(RAW_BODY, REAL_HEADER, (b"whsec_other", SECRET.encode()), now=T)
    assert not webhooks.verify_signature(RAW_BODY, old_header, [SECRET], now=T)
    # signing with several secrets gives one v1 per secret
    both = webhooks.sign({"id": "req_123", "status": "completed"}, [SECRET, OLD_SECRET], T)
    assert both == f"t={T},v1={CANONICAL_V1},v1={CANONICAL_V1_OLD_SECRET}"


@pytest.mark.parametrize(
    "header",
    [
        f"t={T},v1={CANONICAL_V1_OLD_SECRET},v1={CANONICAL_V1}",
        f"t={T},v1={'0' * 64},v1={CANONICAL_V1}",
        f"v1={CANONICAL_V1},t={T}",
        f" t={T} , v1={CANONICAL_V1} ",
        f"t={T},v1={CANONICAL_V1.upper()}",
        f"t={T},v0=deadbeef,v1={CANONICAL_V1},v2=whatever",
        f"t={T},v1=not-hex,v1={CANONICAL_V1}",
        f"t={T},v1={CANONICAL_V1},",
    ],
)
def test_multiple_signatures_and_lenient_header(header: str) -> None:
    assert webhooks.verify_signature(RAW_BODY, header, SECRET, now=T)


def test_timestamps_outside_tolerance() -> None:
    assert webhooks.verify_signature(RAW_BODY, REAL_HEADER, SECRET, now=T + 300)
    assert webhooks.verify_signature(RAW_BODY, REAL_HEADER, SECRET, now=T - 300)
    assert not webhooks.verify_signature(RAW_BODY, REAL_HEADER, SECRET, now=T + 301)  # stale / replayed
    assert not webhooks.verify_signature(RAW_BODY, REAL_HEADER, SECRET, now=T - 301)  # from the future
    assert not webhooks.verify_signature(RAW_BODY, REAL_HEADER, SECRET)  # T is 2023: replayed today
    assert webhooks.verify_signature(RAW_BODY, REAL_HEADER, SECRET, tolerance=None)
    assert not webhooks.verify_signature(RAW_BODY, REAL_HEADER, SECRET, tolerance=10, now=T + 11)
    for now in (T + 301, T - 301):
        with pytest.raises(WebhookVerificationError) as info:
            webhooks.construct_event(RAW_BODY, REAL_HEADER, SECRET, now=now)
        assert info.value.reason == "timestamp_out_of_tolerance"


def test_canonical_fallback_refuses_duplicate_keys() -> None:
    """json.loads keeps the last duplicate, other parsers the first: such a body must not verify by re-encoding."""
    signed = {"id": "req_1", "status": "completed"}
    header = webhooks.sign(signed, SECRET, T)
    # a receiver whose parser keeps the first duplicate would read status "failed"
    forged = b'{"id": "req_1", "status": "failed", "status": "completed"}'
    assert json.loads(forged) == signed  # what made the old fallback accept it
    assert not webhooks.verify_signature(forged, header, SECRET, now=T)
    nested = b'{"id": "req_1", "status": "completed", "meta": {"a": 1, "a": 1}}'
    assert not webhooks.verify_signature(nested, webhooks.sign({**signed, "meta": {"a": 1}}, SECRET, T), SECRET, now=T)
    with pytest.raises(WebhookVerificationError) as info:
        webhooks.construct_event(forged, header, SECRET, now=T)
    assert info.value.reason == "signature_mismatch"
    # the same bytes signed as they are still verify: the signer vouched for exactly these bytes
    assert webhooks.verify_signature(forged, webhooks.sign(forged, SECRET, T), SECRET, now=T)


@pytest.mark.parametrize("tolerance", [float("nan"), float("inf"), float("-inf"), -1, -0.5, True, "300"])
def test_unusable_tolerance_is_refused(tolerance: Any) -> None:
    """nan compares False with everything, so `tolerance=nan` used to accept a replay from 2023."""
    with pytest.raises(ConfigurationError, match="tolerance"):
        webhooks.verify_signature(RAW_BODY, REAL_HEADER, SECRET, tolerance=tolerance)
    with pytest.raises(ConfigurationError, match="tolerance"):
        webhooks.construct_event(RAW_BODY, REAL_HEADER, SECRET, tolerance=tolerance)
    with Muxi(admin_key=SECRET) as m, pytest.raises(ConfigurationError, match="tolerance"):
        m.webhooks.verify_signature(RAW_BODY, REAL_HEADER, tolerance=tolerance)


@pytest.mark.parametrize("now", [float("nan"), float("inf")])
def test_non_finite_clock_is_refused(now: float) -> None:
    with pytest.raises(ConfigurationError, match="now"):
        webhooks.verify_signature(RAW_BODY, REAL_HEADER, SECRET, now=now)


def test_zero_tolerance_means_this_second_only() -> None:
    assert webhooks.verify_signature(RAW_BODY, REAL_HEADER, SECRET, tolerance=0, now=T)
    assert not webhooks.verify_signature(RAW_BODY, REAL_HEADER, SECRET, tolerance=0, now=T + 1)


def test_fresh_signature_verifies_against_the_clock() -> None:
    header = webhooks.sign(RAW_BODY, SECRET)
    assert webhooks.verify_signature(RAW_BODY, header, SECRET)
    assert webhooks.construct_event(RAW_BODY, header, SECRET).request_id == "req_123"


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "missing_header"),
        ("", "missing_header"),
        ("   ", "missing_header"),
        ("garbage", "malformed_header"),
        (f"{CANONICAL_V1}", "malformed_header"),
        (f"v1={CANONICAL_V1}", "malformed_header"),
        (f"t={T}", "malformed_header"),
        (f"t=,v1={CANONICAL_V1}", "malformed_header"),
        (f"t=abc,v1={CANONICAL_V1}", "malformed_header"),
        (f"t=-{T},v1={CANONICAL_V1}", "malformed_header"),
        (f"t=1.5,v1={CANONICAL_V1}", "malformed_header"),
        ("t=\uff11\uff17\uff10\uff10,v1=" + CANONICAL_V1, "malformed_header"),  # fullwidth digits
        (f"t={T},t={T},v1={CANONICAL_V1}", "malformed_header"),
        (f"t={T},v1={CANONICAL_V1[:-1]}", "malformed_header"),
        (f"t={T},v1={CANONICAL_V1}ff", "malformed_header"),
        (f"t={T},v1=ü{CANONICAL_V1[1:]}", "malformed_header"),
        (f"t={T};v1={CANONICAL_V1}", "malformed_header"),
        (f"t={T},v1={CANONICAL_V1},junk", "malformed_header"),
        (b"\xff\xfe", "malformed_header"),
        (12345, "malformed_header"),
    ],
)
def test_malformed_headers(header: Any, reason: str) -> None:
    assert webhooks.verify_signature(RAW_BODY, header, SECRET, now=T) is False
    with pytest.raises(WebhookVerificationError) as info:
        webhooks.construct_event(RAW_BODY, header, SECRET, now=T)
    assert info.value.reason == reason
    assert info.value.code == "WEBHOOK_VERIFICATION_FAILED"


def test_header_from_request_headers() -> None:
    assert webhooks.verify_signature(RAW_BODY, {"X-Muxi-Signature": REAL_HEADER}, SECRET, now=T)
    assert webhooks.verify_signature(RAW_BODY, {"x-muxi-signature": REAL_HEADER}, SECRET, now=T)
    assert webhooks.verify_signature(RAW_BODY, httpx.Headers({"X-MUXI-SIGNATURE": REAL_HEADER}), SECRET, now=T)
    starlette_headers = Headers(raw=[(b"x-muxi-signature", REAL_HEADER.encode())])
    assert webhooks.verify_signature(RAW_BODY, starlette_headers, SECRET, now=T)
    assert webhooks.verify_signature(RAW_BODY, REAL_HEADER.encode(), SECRET, now=T)
    with pytest.raises(WebhookVerificationError) as info:
        webhooks.construct_event(RAW_BODY, {"content-type": "application/json"}, SECRET, now=T)
    assert info.value.reason == "missing_header"


@pytest.mark.parametrize("secret", ["", b"", [], ["", b""]])
def test_empty_secret_is_a_configuration_error(secret: Any) -> None:
    with pytest.raises(ConfigurationError):
        webhooks.verify_signature(RAW_BODY, REAL_HEADER, secret, now=T)
    with pytest.raises(ConfigurationError):
        webhooks.sign(RAW_BODY, secret)


def test_invalid_json_with_valid_signature() -> None:
    body = b"not json at all"
    header = webhooks.sign(body, SECRET, T)
    assert webhooks.verify_signature(body, header, SECRET, now=T)  # the bytes are what was signed
    with pytest.raises(WebhookVerificationError) as info:
        webhooks.construct_event(body, header, SECRET, now=T)
    assert info.value.reason == "invalid_json"
    header = webhooks.sign(b"[1, 2]", SECRET, T)
    with pytest.raises(WebhookVerificationError) as info:
        webhooks.construct_event(b"[1, 2]", header, SECRET, now=T)
    assert info.value.reason == "invalid_json"


@settings(max_examples=300, deadline=None)
@given(payload=st.binary(max_size=300), header=st.one_of(st.binary(max_size=200), st.text(max_size=200), st.none()))
def test_property_garbage_never_raises(payload: bytes, header: bytes | str | None) -> None:
    assert webhooks.verify_signature(payload, header, SECRET) in (True, False)
    assert webhooks.verify_signature(payload, header, [SECRET, OLD_SECRET], now=T) is False
    with pytest.raises(WebhookVerificationError):
        webhooks.construct_event(payload, header, SECRET)


_HEADER_PARTS = st.lists(
    st.one_of(
        st.just(f"t={T}"),
        st.just(f"v1={CANONICAL_V1}"),
        st.builds(lambda k, v: f"{k}={v}", st.sampled_from(["t", "v1", "v0", "", " t"]), st.text(max_size=70)),
        st.text(max_size=20),
    ),
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(parts=_HEADER_PARTS, payload=st.one_of(st.just(RAW_BODY), st.binary(max_size=100), st.text(max_size=100)))
def test_property_header_shaped_garbage(parts: list[str], payload: bytes | str) -> None:
    header = ",".join(parts)
    result = webhooks.verify_signature(payload, header, SECRET, now=T)
    assert isinstance(result, bool)
    try:
        event = webhooks.construct_event(payload, header, SECRET, now=T)
    except WebhookVerificationError as exc:
        assert exc.reason in {
            "missing_header",
            "malformed_header",
            "timestamp_out_of_tolerance",
            "signature_mismatch",
            "invalid_json",
            "invalid_payload",
        }
        assert not result or exc.reason in {"invalid_json", "invalid_payload"}
    else:
        assert result
        assert event.request_id == "req_123"


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    value=st.dictionaries(
        st.sampled_from(
            [
                "id",
                "request_id",
                "status",
                "timestamp",
                "response",
                "content",
                "error",
                "clarification",
                "user_id",
                "processing_time",
                "state",
                "attempts",
                "x",
            ]
        ),
        _JSON,
        max_size=8,
    )
)
def test_property_signed_json_objects_parse_or_raise_verification_error(value: dict[str, Any]) -> None:
    header = webhooks.sign(value, SECRET, T)
    for body in (webhooks.canonical_json(value), json.dumps(value).encode()):
        assert webhooks.verify_signature(body, header, SECRET, now=T)
        try:
            event = webhooks.construct_event(body, header, SECRET, now=T)
        except WebhookVerificationError as exc:
            assert exc.reason == "invalid_payload"
        else:
            assert event.raw == json.loads(body)


# ------------------------------------------------------------------------------------------ sign / headers
def test_headers_helper() -> None:
    h = webhooks.headers(VECTOR_PAYLOAD, SECRET, T)
    assert h == {"Content-Type": "application/json", "X-Muxi-Signature": VECTOR_HEADER, "X-Muxi-Timestamp": str(T)}
    fresh = webhooks.headers(RAW_BODY, SECRET)
    assert fresh["X-Muxi-Signature"].startswith(f"t={fresh['X-Muxi-Timestamp']},v1=")
    assert abs(int(fresh["X-Muxi-Timestamp"]) - time.time()) < 5


def test_sign_accepts_datetime_and_rejects_bad_input() -> None:
    from datetime import datetime, timezone

    from muxi_sdk.errors import InvalidInputError

    assert webhooks.sign(VECTOR_PAYLOAD, SECRET, datetime.fromtimestamp(T, tz=timezone.utc)) == VECTOR_HEADER
    with pytest.raises(InvalidInputError):
        webhooks.sign({"x": float("nan")}, SECRET, T)
    with pytest.raises(InvalidInputError):
        webhooks.sign({"x": object()}, SECRET, T)
    with pytest.raises(InvalidInputError):
        webhooks.sign(RAW_BODY, SECRET, -1)


# ------------------------------------------------------------------------------------------ parse
def test_parse_runtime_and_documented_spellings() -> None:
    runtime = webhooks.parse(b'{"id": "r1", "status": "completed", "response": [{"type": "text", "text": "hi"}]}')
    documented = webhooks.parse(
        {"request_id": "r1", "status": "completed", "content": [{"type": "text", "text": "hi"}]}
    )
    for event in (runtime, documented):
        assert event.request_id == "r1"
        assert event.text == "hi"
        assert event.is_completed and not event.is_failed
        assert isinstance(event.content[0], WebhookTextContent)


def test_parse_failed_completion() -> None:
    event = webhooks.parse(
        {
            "id": "r2",
            "object": "response",
            "status": "failed",
            "timestamp": 1700000000500,
            "error": {"code": "processing_failed", "message": "boom", "trace": None},
            "response": [],
        }
    )
    assert event.is_failed
    assert event.error is not None and event.error.code == "processing_failed" and event.error.message == "boom"
    assert event.kind == "completion"
    assert event.text == ""
    assert event.occurred_at is not None and event.occurred_at.timestamp() == 1700000000.5


def test_parse_clarification_flat_and_nested() -> None:
    flat = webhooks.parse(
        {
            "request_id": "r3",
            "status": "awaiting_clarification",
            "clarification_question": "Which city?",
            "clarification_request_id": "clr_1",
            "original_message": "weather?",
            "user_id": "u1",
            "timestamp": 1700000000.25,
        }
    )
    nested = webhooks.parse(
        {"id": "r3", "status": "awaiting_clarification", "clarification": {"question": "Which city?"}}
    )
    for event in (flat, nested):
        assert event.needs_clarification
        assert event.clarification is not None and event.clarification.question == "Which city?"
        assert event.kind == "clarification"
    assert flat.clarification is not None and flat.clarification.clarification_request_id == "clr_1"
    assert flat.occurred_at is not None and flat.occurred_at.timestamp() == 1700000000.25


def test_parse_keeps_unknowns() -> None:
    event = webhooks.parse(
        {
            "id": "r4",
            "status": "cancelled",
            "timestamp": "2025-01-02T03:04:05Z",
            "response": [{"type": "widget", "spec": {"a": 1}}, {"type": "file", "file": {"type": "audio", "url": "u"}}],
            "brand_new": [1, 2],
        }
    )
    assert event.status == "cancelled"
    assert isinstance(event.content[0], WebhookUnknownContent)
    assert event.content[0].type == "widget" and event.content[0].additional_properties == {"spec": {"a": 1}}
    assert isinstance(event.content[1], WebhookFileContent) and event.content[1].file.type == "audio"
    assert event.additional_properties == {"brand_new": [1, 2]}
    assert event.occurred_at is not None and event.occurred_at.year == 2025
    assert event.kind == "unknown"


def test_parse_escalation_and_unsigned_shapes() -> None:
    escalation = webhooks.parse(
        {"request_id": "r5", "state": "achieved", "attempts": 2, "timestamp": 1.0, "result": "x"}
    )
    assert escalation.kind == "escalation" and escalation.state == "achieved" and escalation.attempts == 2
    note = webhooks.parse({"request_id": "r6", "type": "notification", "response": [{"type": "text", "text": "n"}]})
    assert note.kind == "notification" and note.text == "n"
    fallback = webhooks.parse({"request_id": "r7", "status": "completed", "transformer_error": {"attempts": 3}})
    assert fallback.kind == "transformer_fallback"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{", "invalid_json"),
        (b'"x"', "invalid_json"),
        (b"\xff", "invalid_json"),
        ("[]", "invalid_json"),
        (b'{"status": {"a": 1}}', "invalid_payload"),
        (b'{"response": "text"}', "invalid_payload"),
    ],
)
def test_parse_errors(body: bytes | str, reason: str) -> None:
    with pytest.raises(WebhookVerificationError) as info:
        webhooks.parse(body)
    assert info.value.reason == reason


def test_models_are_exported() -> None:
    from muxi_sdk import models

    assert models.WebhookEvent is WebhookEvent


# ------------------------------------------------------------------------------------------ m.webhooks
def test_client_wrappers_default_to_the_admin_key() -> None:
    with Muxi(url="http://127.0.0.1:9", admin_key=SECRET) as m:
        assert m.webhooks.sign(VECTOR_PAYLOAD, timestamp=T) == VECTOR_HEADER
        assert m.webhooks.headers(VECTOR_PAYLOAD, timestamp=T)["X-Muxi-Signature"] == VECTOR_HEADER
        assert m.webhooks.verify_signature(RAW_BODY, REAL_HEADER, now=T)
        assert not m.webhooks.verify_signature(RAW_BODY, REAL_HEADER, "other", now=T)
        assert m.webhooks.construct_event(RAW_BODY, REAL_HEADER, now=T).request_id == "req_123"
        assert m.webhooks.parse(RAW_BODY).status == "completed"
        assert "verify_signature" in dir(m.webhooks)
    with Muxi(url="http://127.0.0.1:9", client_key="ck") as m:
        if m.sdk_configuration.admin_key:
            pytest.skip("MUXI_ADMIN_KEY is set in the environment")
        with pytest.raises(ConfigurationError):
            m.webhooks.verify_signature(RAW_BODY, REAL_HEADER)
        assert m.webhooks.verify_signature(RAW_BODY, REAL_HEADER, SECRET, now=T)


# ------------------------------------------------------------------------------------------ the fake server
@contextlib.contextmanager
def serve(app: Any) -> Iterator[str]:
    """Run an ASGI app with uvicorn on a free loopback port, in a thread; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="critical", access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "receiver did not start"
        time.sleep(0.005)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("webhook_receiver_example", ROOT / "examples" / "webhook_receiver.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def muxi_fake(muxi_fake: FakeMuxi) -> FakeMuxi:
    """The plugin's fake with async chats switched on (`mode: "async"` answers 501 by default, like the runtime)."""
    muxi_fake.state.async_chat = True
    return muxi_fake


def test_the_fake_answers_async_chats_like_the_runtime_by_default() -> None:
    with FakeMuxi() as fake, fake.client(user_id="u1") as m, pytest.raises(UnsupportedError):
        m.chat.submit(message="later", webhook_url="https://example.com/hook")


@pytest.fixture
def receiver(muxi_fake: FakeMuxi) -> Iterator[tuple[str, Any]]:
    """The example receiver, verifying with the fake formation's admin key: (webhook URL, its EventLog)."""
    example = load_example()
    app = example.create_app(muxi_fake.state.admin_key, quiet=True)
    with serve(app) as url:
        yield url + example.WEBHOOK_PATH, app.state.log


def test_end_to_end_submit_sync(muxi_fake: FakeMuxi, receiver: tuple[str, Any]) -> None:
    url, log = receiver
    with muxi_fake.client(user_id="u1") as m:
        accepted = m.chat.submit(message="background hello", webhook_url=url).accepted
    event = log.wait_for(accepted.request_id)
    assert event.status == "completed"
    assert event.text == "Echo: background hello"
    assert event.user_id == "u1"
    assert event.formation_id == muxi_fake.state.formation_id
    assert event.kind == "completion"
    [delivery] = wait_for_deliveries(muxi_fake.state)
    assert delivery["status"] == "delivered"
    assert [a["status_code"] for a in delivery["attempts"]] == [200]
    # the fake sends what the runtime sends: json.dumps defaults, signed over the canonical form
    body = delivery["body"]
    assert body == json.dumps(json.loads(body)).encode() and b'", "' in body
    assert body != webhooks.canonical_json(json.loads(body))
    signature = delivery["headers"]["X-Muxi-Signature"]
    assert delivery["headers"]["X-Muxi-Timestamp"] == signature.split(",")[0][2:]
    assert webhooks.verify_signature(body, signature, muxi_fake.state.admin_key)
    assert not webhooks.verify_signature(body, signature, muxi_fake.state.client_key)


async def test_end_to_end_submit_async(muxi_fake: FakeMuxi, receiver: tuple[str, Any]) -> None:
    url, log = receiver
    muxi_fake.script(ScriptedReply(text="first"), ScriptedReply(error="the agent crashed"))
    async with muxi_fake.client(user_id="u2") as m:
        ok = await m.chat.submit_async(message="one", webhook_url=url)
        failed = await m.chat.submit_async(message="two", webhook_url=url)
    event = await asyncio.to_thread(log.wait_for, ok.id)
    assert event.is_completed and event.text == "first"
    bad = await asyncio.to_thread(log.wait_for, failed.id)
    assert bad.is_failed and bad.error is not None and bad.error.message == "the agent crashed"
    assert bad.content == []


def test_receiver_rejects_unsigned_and_forged(muxi_fake: FakeMuxi, receiver: tuple[str, Any]) -> None:
    url, log = receiver
    body = json.dumps({"id": "forged", "status": "completed"}).encode()
    assert httpx.post(url, content=body).json() == {"error": "invalid webhook", "reason": "missing_header"}
    forged = webhooks.headers(body, "not-the-admin-key")
    r = httpx.post(url, content=body, headers=forged)
    assert r.status_code == 400 and r.json()["reason"] == "signature_mismatch"
    good = webhooks.headers(body, muxi_fake.state.admin_key)
    assert httpx.post(url, content=body, headers=good).status_code == 200
    assert [e.request_id for e in log.events] == ["forged"]


class FlakyReceiver:
    """Answers the given statuses in turn (then 200), recording what it got."""

    def __init__(self, *statuses: int) -> None:
        self.statuses = list(statuses)
        self.calls: list[tuple[float, dict[str, str], bytes]] = []
        self.app = Starlette(routes=[Route("/hook", self.hook, methods=["POST"])])

    async def hook(self, request: Request) -> Response:
        self.calls.append((time.monotonic(), dict(request.headers), await request.body()))
        status = self.statuses.pop(0) if self.statuses else 200
        return JSONResponse({"n": len(self.calls)}, status_code=status)


def test_delivery_retries_until_2xx(muxi_fake: FakeMuxi) -> None:
    state = muxi_fake.state
    state.webhook_backoff_s = 0.05
    flaky = FlakyReceiver(500, 500)
    with serve(flaky.app) as base, muxi_fake.client(user_id="u1") as m:
        accepted = m.chat.submit(message="retry me", webhook_url=base + "/hook").accepted
        [delivery] = wait_for_deliveries(state)
    assert delivery["status"] == "delivered"
    assert delivery["request_id"] == accepted.request_id
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 500, 200]
    times = [c[0] for c in flaky.calls]
    assert times[1] - times[0] >= 0.05 * 0.9 and times[2] - times[1] >= 0.1 * 0.9  # 1x, 2x the backoff
    for _, headers, body in flaky.calls:
        assert webhooks.construct_event(body, headers, state.admin_key).request_id == accepted.request_id


def test_delivery_gives_up_after_retries(muxi_fake: FakeMuxi) -> None:
    state = muxi_fake.state
    state.webhook_backoff_s = 0.01
    state.webhook_backoff_max_s = 0.02
    flaky = FlakyReceiver(404, 503, 302, 500, 200)
    with serve(flaky.app) as base, muxi_fake.client(user_id="u1") as m:
        m.chat.submit(message="never arrives", webhook_url=base + "/hook")
        [delivery] = wait_for_deliveries(state)
    assert delivery["status"] == "failed"
    assert [a["status_code"] for a in delivery["attempts"]] == [404, 503, 302, 500]  # 1 + 3 retries, no 2xx
    assert len(flaky.calls) == 4


def test_delivery_to_unreachable_url_is_recorded(muxi_fake: FakeMuxi) -> None:
    state = muxi_fake.state
    state.webhook_backoff_s, state.webhook_retries = 0.0, 1
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    dead = f"http://127.0.0.1:{sock.getsockname()[1]}/hook"
    sock.close()
    with muxi_fake.client(user_id="u1") as m:
        m.chat.submit(message="nobody home", webhook_url=dead)
    [delivery] = wait_for_deliveries(state)
    assert delivery["status"] == "failed"
    assert [a["status_code"] for a in delivery["attempts"]] == [None, None]
    assert all(a["error"] for a in delivery["attempts"])


def test_slow_receiver_does_not_block_the_server(muxi_fake: FakeMuxi) -> None:
    release = threading.Event()

    async def slow(request: Request) -> Response:
        await asyncio.to_thread(release.wait, 5)
        return Response(status_code=204)

    app = Starlette(routes=[Route("/hook", slow, methods=["POST"])])
    with serve(app) as base, muxi_fake.client(user_id="u1") as m:
        m.chat.submit(message="slow", webhook_url=base + "/hook")
        start = time.monotonic()
        assert m.chat.send(message="still answering").text == "Echo: still answering"
        assert time.monotonic() - start < 2
        release.set()
        [delivery] = wait_for_deliveries(muxi_fake.state)
    assert delivery["status"] == "delivered"


def test_deliverer_can_be_switched_off(muxi_fake: FakeMuxi) -> None:
    muxi_fake.state.tables["webhook_deliverer"] = None
    with muxi_fake.client(user_id="u1") as m:
        m.chat.submit(message="no delivery", webhook_url="http://127.0.0.1:9/hook")
    deadline = time.monotonic() + 5
    while not muxi_fake.state.table("async_results", list) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert muxi_fake.state.table("async_results", list)
    assert muxi_fake.state.table("webhook_deliveries", list) == []


def test_reset_restores_the_deliverer() -> None:
    from muxi_sdk.testing import FakeState
    from muxi_sdk.testing.webhooks import WebhookDeliverer

    state = FakeState()
    assert isinstance(state.tables["webhook_deliverer"], WebhookDeliverer)
    state.webhook_backoff_s = 0.0
    state.tables["webhook_deliverer"] = None
    state.reset()
    assert isinstance(state.tables["webhook_deliverer"], WebhookDeliverer)
    assert state.webhook_backoff_s == 1.0 and state.webhook_retries == 3 and state.webhook_backoff_max_s == 60.0
    assert state.async_chat is False


def test_reset_keeps_the_switches_the_server_was_built_with() -> None:
    from muxi_sdk.testing import FakeState

    state = FakeState(async_chat=True, webhook_retries=0)
    state.async_chat, state.webhook_retries = False, 5
    state.reset()
    assert state.async_chat is True and state.webhook_retries == 0


def test_example_demo_runs() -> None:
    proc = run_example("webhook_receiver.py", env_without_muxi(), "--demo")
    assert "verified webhook: status=completed text='Echo: Hello in the background'" in proc.stdout
