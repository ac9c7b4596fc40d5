"""Raw access before parsing: `m.<resource>.with_raw_response.<method>(...)`.

The smallest design that fits the one request path: the proxy builds the same `Call` the method would, runs
it with `raw=True` (the flow stops before parsing and hands back the response), and keeps the method's own
post-processing for `parse()`. Error statuses still raise the typed error (it carries `raw_response`);
what raw access adds is the success answer before - or instead of - validation.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import httpx

from .. import errors

R = TypeVar("R")


class RawResponse(Generic[R]):
    """A successful answer, not parsed yet: status, headers and body, and `parse()` for the typed result."""

    def __init__(self, response: httpx.Response, parse: Callable[[], Any], attempts: int) -> None:
        self.http_response = response
        self.attempts = attempts
        self._parse = parse
        self._post: Callable[[Any], Any] | None = None

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    @property
    def request_id(self) -> str | None:
        """The `X-Request-ID` header, else the envelope's `request.id` (None when the body has neither)."""
        value: str | None = self.http_response.headers.get("x-request-id")
        if value:
            return value
        try:
            found = json.loads(self.http_response.content)["request"]["id"]
        except Exception:  # not JSON, not an envelope: there is no id to give
            return None
        return found if isinstance(found, str) else None

    @property
    def content(self) -> bytes:
        return self.http_response.content

    @property
    def text(self) -> str:
        return self.http_response.text

    def json(self) -> Any:
        return json.loads(self.http_response.content)

    def parse(self) -> R:
        """What the method itself returns (same model, same errors); parsed again on every call."""
        result = self._parse()
        return self._post(result) if self._post is not None else result  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return f"<RawResponse [{self.status_code}] request_id={self.request_id!r}>"


class RawResponseProxy:
    """`resource.with_raw_response` (and `_async`): the resource's methods, each returning a `RawResponse`."""

    def __init__(self, resource: Any, awaited: bool = False) -> None:
        self._resource = resource
        self._awaited = awaited  # `with_raw_response_async`: `send` means `send_async`

    def __getattr__(self, name: str) -> Any:
        if self._awaited and not name.endswith("_async"):
            name += "_async"
        method = getattr(type(self._resource), name, None)
        builder = getattr(method, "_muxi_builder", None)
        if builder is None:
            raise AttributeError(f"{type(self._resource).__name__}.{name} is not an API method")
        resource = self._resource
        is_async = bool(getattr(method, "_muxi_async", False))

        def prepare(*args: Any, **kwargs: Any) -> Any:
            call = builder(resource, *args, **kwargs)
            if call.stream is not None or call.op.stream:
                raise errors.InvalidInputError(
                    f"with_raw_response.{name}: a stream has no unparsed body; the stream's `.response` "
                    "has its status and headers"
                )
            return dataclasses.replace(call, options=dataclasses.replace(call.options, raw=True), post=None), call.post

        def finish(raw: RawResponse[Any], post: Any) -> RawResponse[Any]:
            if post is not None:
                raw._post = lambda result: post(result, is_async)
            return raw

        if is_async:

            async def call_async(*args: Any, **kwargs: Any) -> RawResponse[Any]:
                call, post = prepare(*args, **kwargs)
                return finish(await resource._execute_async(call), post)

            return call_async

        def call_sync(*args: Any, **kwargs: Any) -> RawResponse[Any]:
            call, post = prepare(*args, **kwargs)
            return finish(resource._execute(call), post)

        return call_sync
