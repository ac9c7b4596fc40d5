"""Per-call escape hatches: `extra_body`, `extra_query`, `extra_headers` (a runtime newer than the SDK).

They skip the request models' unknown-field check on purpose, but not the send-time checks: header values
are still refused when they could inject a header, bodies must be JSON-serialisable, and nothing here can
replace the SDK's credentials.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import errors
from .auth import ADMIN_KEY_HEADER, CLIENT_KEY_HEADER

# Credentials are the SDK's alone: a header that could replace them is refused, not merged.
_PROTECTED = frozenset(h.lower() for h in (CLIENT_KEY_HEADER, ADMIN_KEY_HEADER, "Authorization"))


def check_extra_headers(headers: Any) -> Mapping[str, str] | None:
    if headers is None:
        return None
    if not isinstance(headers, Mapping):
        raise errors.InvalidInputError("extra_headers must be a mapping of header names to strings")
    for name in headers:
        if not isinstance(name, str):
            raise errors.InvalidInputError("extra_headers names must be strings")
        if name.lower() in _PROTECTED:
            raise errors.InvalidInputError(
                f"extra_headers may not set {name}: credentials come from the client (client_key=, admin_key=, "
                "key_id=/secret_key=)"
            )
    return headers


def check_extra_query(query: Any) -> Mapping[str, Any] | None:
    if query is None:
        return None
    if not isinstance(query, Mapping) or not all(isinstance(k, str) for k in query):
        raise errors.InvalidInputError("extra_query must be a mapping of parameter names (str) to values")
    for name, value in query.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        if not all(v is None or isinstance(v, (str, int, float, bool)) for v in values):
            raise errors.InvalidInputError(f"extra_query[{name!r}] must be a str, number, bool or a list of them")
    return query


def check_extra_body(body: Any) -> Mapping[str, Any] | None:
    if body is None:
        return None
    if not isinstance(body, Mapping) or not all(isinstance(k, str) for k in body):
        raise errors.InvalidInputError("extra_body must be a mapping of field names (str) to JSON values")
    return body


def with_extra_body(method: str, operation_id: str, body: Any, extra: Mapping[str, Any]) -> Any:
    """The request body with `extra` merged in at the top level (its keys win over the SDK's)."""
    from .._utils.serializers import Body, json_body

    if body is None:
        if method in ("GET", "HEAD", "DELETE"):
            raise errors.InvalidInputError(f"extra_body: {operation_id} ({method}) sends no body")
        doc: dict[str, Any] = {}
        files = None
        files_key = "files"
    elif isinstance(body, Body) and body.doc is not None:
        doc, files, files_key = dict(body.doc), body.files, body.files_key
    else:
        raise errors.InvalidInputError(f"extra_body: the body of {operation_id} is not a JSON object")
    doc.update(extra)
    try:
        return json_body(doc, files, files_key)
    except (TypeError, ValueError) as exc:
        raise errors.InvalidInputError(f"extra_body is not JSON-serialisable: {exc}") from exc
