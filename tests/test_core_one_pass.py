"""The one-pass parsing paths give exactly what the general path gives: a differential test over fuzzed bodies.

A successful envelope is parsed and validated in one pydantic-core pass over the JSON bytes, list pages
included (items straight from the envelope into the page model). Everything else takes the general path
(json.loads, the envelope's rules, validate_python; for pages the raw `_PageData` and its JSONPath step),
which is the previous implementation. Hypothesis generates envelopes - well-formed, odd and broken - and
both paths must return equal models (metadata included) or raise the same error.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from muxi_sdk import chat, memory, sessions, system

# internal: a differential test of two internal parsing paths (one pass vs general) on the same bytes
from muxi_sdk._core import pagination
from muxi_sdk._core import parse as request
from muxi_sdk._core.operation import Call, Operation, RequestInput
from muxi_sdk._core.options import CallOptions

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-2, 3), st.floats(allow_nan=False, width=32), st.sampled_from(["a", "b", ""])
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=6,
)
KEYS = st.sampled_from(["a", "b", "c"])  # few distinct keys: duplicates across pages are common


VALID_FIELDS = {
    "user_id": st.sampled_from(["alice", None]),
    "active": st.sampled_from([True, False, None]),
    "last_activity": st.sampled_from([1.5, 2, None]),
    "text": st.sampled_from(["hi", None]),
    "metadata": st.sampled_from([{}, {"role": "user"}]),
    "content": JSON,
    "title": st.text(max_size=3),
}
ODD_FIELDS = {
    "session_id": KEYS | SCALARS,
    "id": KEYS | SCALARS,
    "user_id": st.sampled_from(["alice", None, 3]),
    "active": st.sampled_from([True, "yes", 2]),
    "last_activity": st.sampled_from([1.5, "x"]),
    "text": st.sampled_from(["hi", 5]),
    "metadata": st.sampled_from([{}, None, []]),
}


def item() -> st.SearchStrategy[Any]:
    """Mostly items that validate (keys present and strings), some that may not, some that are not objects."""
    valid = st.fixed_dictionaries({"session_id": KEYS, "id": KEYS}, optional=VALID_FIELDS)
    odd = st.fixed_dictionaries({}, optional=ODD_FIELDS)
    return st.one_of(valid, valid, valid, valid, valid, valid, valid, valid, valid, odd, SCALARS)


def page_data(results: str) -> st.SearchStrategy[Any]:
    """The data of a list response: its items under `results`, plus counters and strays."""
    strays = {"has_more": SCALARS, "count": SCALARS, "total": SCALARS, "sessions": JSON, "messages": JSON}
    strays.pop(results, None)
    return st.fixed_dictionaries({results: st.lists(item(), max_size=6)}, optional=strays)


def envelope(data: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.fixed_dictionaries(
        {"success": st.sampled_from([True, True, True, True, False, None, 1]), "data": data},
        optional={
            "request": st.one_of(st.fixed_dictionaries({"id": st.sampled_from(["req_1", None, 2])}), SCALARS),
            "timestamp": st.sampled_from([1795422366196, None, "t", 1.5]),
            "object": st.sampled_from(["session_list", None]),
            "type": st.sampled_from(["session.list", None]),
            "error": st.none() | st.fixed_dictionaries({"code": st.just("NOT_FOUND"), "message": st.just("no")}),
        },
    )


def encode(value: Any) -> bytes:
    return json.dumps(value).encode()


def odd_body(data: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    """Anything but the usual: data that is not the model's, a partial envelope, no envelope, not JSON."""
    return st.one_of(
        envelope(JSON).map(encode),
        st.fixed_dictionaries({}, optional={"success": SCALARS, "data": JSON | data}).map(encode),
        data.map(encode),
        st.binary(max_size=12),
    )


def bodies(data: st.SearchStrategy[Any], enveloped: bool = True) -> st.SearchStrategy[bytes]:
    usual = envelope(data).map(encode) if enveloped else data.map(encode)
    return st.one_of(usual, usual, usual, odd_body(data))


SPECS = [
    (sessions.LIST, sessions.LIST_PAGES),
    (sessions.MESSAGES, sessions.MESSAGES_PAGES),
    (memory.LIST, memory.LIST_PAGES),
]
MESSAGE = st.fixed_dictionaries({"role": st.just("assistant"), "content": st.sampled_from(["hi", "hi", None, 4])})
# Each operation with the data its model expects (mostly valid, sometimes not).
OPERATIONS = [
    (chat.SEND, st.fixed_dictionaries({"message": MESSAGE}, optional={"session_id": KEYS | SCALARS, "x": JSON})),
    (sessions.GET, st.fixed_dictionaries({"session_id": KEYS}, optional={"active": SCALARS, "message_count": SCALARS})),
    (system.HEALTH, st.fixed_dictionaries({"status": st.sampled_from(["healthy", None, 3])}, optional={"x": JSON})),
    (memory.LIST, page_data("memories")),
]


def response(body: bytes) -> httpx.Response:
    headers = {"content-type": "application/json", "x-request-id": "req_hdr"}
    return httpx.Response(200, content=body, headers=headers, request=httpx.Request("GET", "http://fake/v1/x"))


def outcome(fn: Any) -> tuple[Any, ...]:
    try:
        return ("ok", fn())
    except Exception as exc:  # the same error type and message on both paths
        return ("error", type(exc), str(exc), type(exc.__cause__))


def described(result: Any) -> Any:
    """What a caller can see of a result: the model (fields and extras), and its response metadata."""
    if isinstance(result, (pagination.Page, pagination.AsyncPage)):
        following = result._following
        return (
            type(result),
            [described(i) for i in result.items],
            result.data,
            result.has_next,
            following.position,
            following.seen,
            described(result.response_meta),
        )
    if hasattr(result, "model_dump"):
        return (type(result), result.model_dump(), described(result.response_meta))
    if dataclasses.is_dataclass(result):
        return dataclasses.astuple(dataclasses.replace(result, http_response=None))  # type: ignore[type-var]
    return result


def page(
    op: Operation, spec: pagination.PageSpec, response_type: Any, body: bytes, cursor: dict[str, Any], is_async: bool
) -> Any:
    op = dataclasses.replace(op, response=response_type)
    at = pagination._Cursor(None, Call(op, RequestInput(), CallOptions()), spec, **cursor)  # type: ignore[arg-type]
    result = request.parse_response(op, response(body), 1, 0.0)
    return described(pagination._make_page(at, result, is_async))


CURSOR = st.fixed_dictionaries(
    {
        "page_size": st.integers(1, 5),
        "position": st.integers(0, 4),
        "skip": st.integers(0, 3),
        "seen": st.sets(KEYS, max_size=2),
    }
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SPECS), st.data(), CURSOR, st.booleans())
def test_one_pass_pages_equal_the_general_path(
    which: Any, draw: st.DataObject, cursor: dict[str, Any], is_async: bool
) -> None:
    op, spec = which
    body = draw.draw(bodies(page_data(spec.results[2:-3])))
    one_pass = pagination._page_response(spec)
    assert one_pass is not pagination._PageData  # every list of the SDK has a one-pass shape
    new = outcome(lambda: page(op, spec, one_pass, body, cursor, is_async))
    old = outcome(lambda: page(op, spec, pagination._PageData, body, cursor, is_async))
    assert new == old


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(OPERATIONS), st.data())
def test_one_pass_envelopes_equal_the_general_path(which: Any, draw: st.DataObject) -> None:
    op, data = which
    body = draw.draw(bodies(data, op.envelope))
    res = response(body)
    general = outcome(lambda: described(request.parse_general(op, res, body, 1, 0.0)))
    assert outcome(lambda: described(request.parse_response(op, res, 1, 0.0))) == general
    if op.envelope and op.response is not None and body:
        fast = request._parse_enveloped(op, res, body, 1, 0.0)
        if fast is not request._NOT_FAST:  # whatever the one pass takes, it must answer as the general path
            assert ("ok", described(fast)) == general


def test_the_fuzzer_reaches_both_paths() -> None:
    """Guard against a vacuous differential test: typical bodies do take the one pass, odd ones do not."""
    good = json.dumps(
        {"success": True, "data": {"sessions": [{"session_id": "a"}, {"session_id": "b"}], "count": 2}}
    ).encode()
    op = dataclasses.replace(sessions.LIST, response=pagination._page_response(sessions.LIST_PAGES))
    assert isinstance(request.parse_response(op, response(good), 1, 0.0), pagination._OnePage)
    odd = json.dumps({"success": True, "data": {"sessions": [{"session_id": 5}]}}).encode()
    assert type(request.parse_response(op, response(odd), 1, 0.0)) is pagination._PageData
    assert type(request.parse_general(op, response(good), good, 1, 0.0)) is pagination._page_response(
        sessions.LIST_PAGES
    )  # the general path validates the raw `_PageData` (its subclass carries only the one-pass type)
