"""Pages of list operations: `.items`, `.next()`, and iteration over every item across pages.

A paginated operation describes its paging once in a `PageSpec` (JSONPath expressions over the envelope's
`data`, evaluated with jsonpath-python, like Speakeasy's `x-speakeasy-pagination`), and its builder returns
`paginated(...)`: a `Call` whose `post` step wraps the response in a `Page` (sync methods) or an `AsyncPage`
(`_async` twins) that knows how to ask for the next page through the same request path.

Two strategies, chosen by the spec:

- **offset/limit** (`offset_param` set): page n asks for `limit=page_size, offset=n*page_size`.
- **growing window** (`offset_param=None`): for servers that take only a `limit` (MUXI's `GET /sessions`,
  `GET /sessions/{id}/messages`). Page n asks for the first `(n+1)*page_size` items and keeps the ones it
  has not returned yet. Exact when the list only grows at its end; when newer items appear at its start
  the window shifts and items seen already are dropped again by their `key`. The window cannot grow past
  `max_limit` (what the server accepts): iteration stops there.

The page ends the iteration when the server returns fewer items than asked, when `has_more` says so, when
the next page would be empty (`next()` then returns None), or when a page brings no item that earlier pages
had not returned (by `key`, else by content): a server that ignores `offset` and answers the same page
again and again cannot make `for item in m.memory.list()` loop forever.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ..errors import InvalidInputError, ResponseValidationError
from ..types.basemodel import BaseModel
from .operation import Call, Operation, PageCall, RequestInput
from .request import type_adapter

if TYPE_CHECKING:
    from ..models.shared import ResponseMeta
    from .request import BaseSDK, CallOptions

T = TypeVar("T")
P = TypeVar("P", bound="_PageBase[Any]")


@dataclass(frozen=True)
class PageSpec(Generic[T]):
    """How one list operation pages. JSONPath expressions are evaluated over the envelope's `data`."""

    results: str
    """The items of a page, e.g. `$.sessions[*]`."""
    item: type[T]
    """The type of one item (a response model); each is validated once."""
    limit_param: str = "limit"
    offset_param: str | None = None
    """The server's offset query parameter; None: the server has none (growing-window strategy)."""
    has_more: str | None = None
    """A boolean "more items exist" in the response, e.g. `$.has_more` (else: a full page means maybe more)."""
    key: str | None = None
    """An item's identity, e.g. `$.session_id`: items already returned are not returned again."""
    default_limit: int = 50
    max_limit: int | None = None


class _PageData(BaseModel):
    """The envelope's `data`, kept raw (every field lands in the model's extras) for the JSONPath step."""


@functools.cache
def _jsonpath(expr: str) -> Any:
    from jsonpath import JSONPath  # imported on first use: it costs ~90 ms

    return JSONPath(expr)


_SIMPLE_PATH = re.compile(r"\$\.([A-Za-z_][A-Za-z0-9_]*)(\[\*\])?")


@functools.cache
def _simple(expr: str) -> tuple[str, bool] | None:
    """`$.name` -> ("name", False), `$.name[*]` -> ("name", True); None for any other expression."""
    match = _SIMPLE_PATH.fullmatch(expr)
    return (match.group(1), bool(match.group(2))) if match else None


def _select(expr: str, data: Any) -> list[Any]:
    # `$.name` and `$.name[*]` over a dict (every PageSpec so far) are read directly: jsonpath-python takes
    # ~15 µs per evaluation, and the key of every item is one. Same results as jsonpath for these shapes;
    # anything else (other expressions, a non-list under `[*]`) still goes through jsonpath.
    simple = _simple(expr)
    if simple is not None and isinstance(data, dict):
        name, each = simple
        if name not in data:
            return []
        value = data[name]
        if not each:
            return [value]
        if isinstance(value, list):
            return list(value)
    found: list[Any] = _jsonpath(expr).parse(data)
    return found


@dataclass
class _Cursor:
    """Where the next request starts, and what this iteration has returned already."""

    sdk: BaseSDK
    call: Call[Any]
    spec: PageSpec[Any]
    page_size: int
    position: int = 0  # items of the server's list consumed so far
    skip: int = 0  # items at the start of this response that earlier pages returned
    seen: set[Any] = field(default_factory=set)


def paginated(
    sdk: BaseSDK,
    op: Operation,
    spec: PageSpec[T],
    request: RequestInput,
    options: CallOptions,
    limit: int | None,
) -> PageCall[T]:
    """The `Call` of a list operation's first page (`limit` is the page size)."""
    if limit is None:
        limit = spec.default_limit
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidInputError(f"limit must be a positive int, not {limit!r}")
    if spec.max_limit is not None and limit > spec.max_limit:
        raise InvalidInputError(f"limit must be at most {spec.max_limit}")
    if op.response is not _PageData:
        op = dataclasses.replace(op, response=_PageData)
    cursor = _Cursor(sdk, Call(op, request, options), spec, limit)
    return _page_call(cursor)


def _page_call(cursor: _Cursor) -> PageCall[Any]:
    spec = cursor.spec
    query = dict(cursor.call.input.query or {})
    if spec.offset_param is not None:
        query[spec.limit_param] = cursor.page_size
        query[spec.offset_param] = cursor.position
        cursor.skip = 0
    else:
        window = cursor.position + cursor.page_size
        if spec.max_limit is not None:
            window = min(window, spec.max_limit)
        query[spec.limit_param] = window
        cursor.skip = cursor.position
    request = dataclasses.replace(cursor.call.input, query=query)
    return PageCall(cursor.call.op, request, cursor.call.options, post=functools.partial(_make_page, cursor))


def _make_page(cursor: _Cursor, result: _PageData, is_async: bool) -> Page[Any] | AsyncPage[Any]:
    spec = cursor.spec
    data = dict(result.__pydantic_extra__ or {})
    meta = result.response_meta
    found = _select(spec.results, data)
    asked = cursor.page_size if spec.offset_param is not None else cursor.position + cursor.page_size
    if spec.offset_param is None and spec.max_limit is not None:
        asked = min(asked, spec.max_limit)
    fresh = found[cursor.skip :]
    seen = cursor.seen
    repeated = False
    if spec.key is not None:
        seen = set(seen)
        kept = []
        for raw in fresh:
            keys = _select(spec.key, raw) if isinstance(raw, dict) else []
            k = keys[0] if keys else None
            if k is not None and k in seen:
                continue
            if k is not None:
                seen.add(k)
            kept.append(raw)
        # Offset paging only: a growing window may legitimately show only old items when new ones arrive at
        # the start, and it cannot loop (it ends at `max_limit`).
        repeated = spec.offset_param is not None and bool(fresh) and not kept
        fresh = kept
    elif spec.offset_param is not None and fresh:  # no identity: a page seen before has the same content
        prints = {_fingerprint(raw) for raw in fresh}
        repeated = prints <= seen
        seen = seen | prints
    try:
        items = type_adapter(list.__class_getitem__(spec.item)).validate_python(fresh)
    except Exception as exc:  # pydantic.ValidationError
        raise ResponseValidationError(
            f"unexpected item shape from {cursor.call.op.operation_id}: {exc}",
            status_code=meta.status_code if meta else None,
            request_id=meta.request_id if meta else None,
        ) from exc
    more_flags = _select(spec.has_more, data) if spec.has_more else []
    more = bool(more_flags[0]) if more_flags else len(found) >= asked
    if spec.offset_param is None and spec.max_limit is not None and asked >= spec.max_limit:
        more = False  # the window cannot grow any further
    offset_based = spec.offset_param is not None
    next_position = cursor.position + len(found) if offset_based else max(len(found), cursor.position)
    cls = AsyncPage if is_async else Page
    following = dataclasses.replace(cursor, position=next_position, seen=seen)
    return cls(items, data, meta, more and len(found) > cursor.skip and not repeated, following)


def _fingerprint(raw: Any) -> int:
    import json

    return hash(json.dumps(raw, sort_keys=True, default=str))


class _PageBase(Generic[T]):
    """What both kinds of page hold: `.items`, `.data` (the raw response data), `len()`, `.has_next`."""

    def __init__(
        self,
        items: list[T],
        data: dict[str, Any],
        meta: ResponseMeta | None,
        has_next: bool,
        following: _Cursor,
    ) -> None:
        self.items = items
        self.data = data
        self.response_meta = meta
        self.has_next = has_next
        self._following = following  # where the next page starts

    def __repr__(self) -> str:
        return f"{type(self).__name__}(items={len(self.items)}, has_next={self.has_next})"

    def __len__(self) -> int:
        return len(self.items)

    def _next_call(self) -> PageCall[Any] | None:
        if not self.has_next:
            return None
        return _page_call(dataclasses.replace(self._following))

    @staticmethod
    def _or_none(page: P) -> P | None:
        return page if page.items or page.has_next else None

    async def next_async(self) -> AsyncPage[T] | None:
        """Fetch the next page with the async client, or None when this is the last one."""
        call = self._next_call()
        if call is None:
            return None
        page: AsyncPage[T] = await self._following.sdk._execute_async(call)
        return self._or_none(page)

    async def pages_async(self) -> AsyncIterator[_PageBase[T]]:
        """This page and every following one (fetched with the async client)."""
        page: _PageBase[T] | None = self
        while page is not None:
            yield page
            page = await page.next_async()

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.pages_async():
            for item in page.items:
                yield item


class Page(_PageBase[T]):
    """One page of a list: `.items`, `.data` (the raw response data), `.next()`, and `for item in page`.

    Iterating a page yields its items and then those of every following page (fetched as needed).
    """

    def next(self) -> Page[T] | None:
        """Fetch the next page (blocking), or None when this is the last one."""
        call = self._next_call()
        if call is None:
            return None
        page: Page[T] = self._following.sdk._execute(call)
        return self._or_none(page)

    def pages(self) -> Iterator[Page[T]]:
        """This page and every following one."""
        page: Page[T] | None = self
        while page is not None:
            yield page
            page = page.next()

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page.items


class AsyncPage(_PageBase[T]):
    """What `_async` list methods return: `async for item in page`, `await page.next_async()`.

    It has no blocking iteration nor `next()` (type checkers reject them; at run time they raise
    `TypeError`), so a page fetch cannot stall the event loop by accident.
    """

    if not TYPE_CHECKING:

        def next(self):
            raise TypeError("this page came from an _async method: use `await page.next_async()`")

        def __iter__(self):
            raise TypeError("this page came from an _async method: use `async for item in page`")
