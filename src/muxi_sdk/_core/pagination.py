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

import copy
import dataclasses
import functools
import json
import operator
import re
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Generic, TypeVar, Union

from pydantic import ConfigDict, Field, create_model

from ..errors import InvalidInputError, ResponseValidationError
from ..types.basemodel import BaseModel
from .operation import Call, Operation, PageCall, RequestInput
from .parse import type_adapter

if TYPE_CHECKING:
    from ..models.shared import ResponseMeta
    from .options import CallOptions
    from .request import RequestPath

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


class _OnePage(BaseModel):
    """Base of a page's one-pass shape: `data` validated straight from the JSON bytes, items included.

    Built per `PageSpec` by `_one_pass` for the specs whose paths are plain names. Only the two fields the page
    reads are declared (by their JSON names, as aliases); the rest of `data` is ignored here and read lazily
    for `Page.data`.
    """

    model_config = ConfigDict(populate_by_name=False, extra="ignore")


@functools.cache
def _one_pass(spec: PageSpec[Any]) -> Any:
    """The response type of a list operation: this spec's `_OnePage` shape, falling back to `_PageData`.

    pydantic-core tries the shape first (left to right) inside the one pass over the envelope; when it does
    not fit - a path that is not a plain name, an item that does not validate, a key that a model could
    change - the data lands in `_PageData` and the page is made exactly as before (same items, same errors).
    None when the spec cannot have a shape at all.
    """
    results = _simple(spec.results)
    more = _simple(spec.has_more) if spec.has_more else None
    if results is None or not results[1] or (spec.has_more and (more is None or more[1])):
        return None
    if spec.key is not None and _key_attr(spec) is None:
        return None
    if spec.key is None and spec.offset_param is not None:  # its repeat check fingerprints the raw items
        return None
    items = list.__class_getitem__(spec.item)
    fields: dict[str, Any] = {"found": (items, Field(default_factory=list, alias=results[0]))}
    if more is not None:
        fields["more"] = (Any, Field(None, alias=more[0]))
    shape = create_model(f"_OnePage_{results[0]}", __base__=_OnePage, **fields)
    return Annotated[Union[shape, _PageData], Field(union_mode="left_to_right")]


@functools.cache
def _page_response(spec: PageSpec[Any]) -> type[_PageData]:
    """The `Operation.response` of a list: `_PageData`, carrying its one-pass type for the request path.

    The request path validates a successful envelope with `__one_pass__` when the type has one, and
    everything else (its fallback path) with the type itself, so errors stay exactly those of `_PageData`.
    """
    one_pass = _one_pass(spec)
    if one_pass is None:
        return _PageData
    # Named as its base: a validation error of the general path reads exactly as before.
    response: type[_PageData] = create_model("_PageData", __base__=_PageData)
    response.__one_pass__ = one_pass  # type: ignore[attr-defined]
    return response


@functools.cache
def _key_attr(spec: PageSpec[Any]) -> str | None:
    """The item model's attribute holding `spec.key`, when the validated value is the raw one unchanged.

    That holds for a required plain `str` field read by its own name in a model without validators; for any
    other key the raw JSON has to be read (the `_PageData` path).
    """
    simple = _simple(spec.key) if spec.key else None
    item = spec.item
    fields = getattr(item, "model_fields", None)
    if simple is None or simple[1] or not fields or simple[0] not in fields:
        return None
    info = fields[simple[0]]
    decorators = item.__pydantic_decorators__
    if info.annotation is not str or not info.is_required() or info.alias not in (None, simple[0]):
        return None
    if info.validation_alias is not None or decorators.field_validators or decorators.model_validators:
        return None
    return simple[0]


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

    sdk: RequestPath
    call: Call[Any]
    spec: PageSpec[Any]
    page_size: int
    position: int = 0  # items of the server's list consumed so far
    skip: int = 0  # items at the start of this response that earlier pages returned
    seen: set[Any] = field(default_factory=set)


def paginated(
    sdk: RequestPath,
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
    op = _paged_op(op, spec)
    cursor = _Cursor(sdk, Call(op, request, options), spec, limit)
    return _page_call(cursor)


_PAGED_OPS: dict[tuple[int, int], tuple[Operation, PageSpec[Any], Operation]] = {}


def _paged_op(op: Operation, spec: PageSpec[Any]) -> Operation:
    """`op` answering its page type, made once per operation and spec (both live as long as their module)."""
    key = (id(op), id(spec))
    known = _PAGED_OPS.get(key)
    if known is not None and known[0] is op and known[1] is spec:
        return known[2]
    response = _page_response(spec)
    paged = op if op.response is response else dataclasses.replace(op, response=response)
    _PAGED_OPS[key] = (op, spec, paged)
    return paged


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
    request = copy.copy(cursor.call.input)  # a shallow copy with its own query (dataclasses.replace: ~4x slower)
    request.query = query
    return PageCall(cursor.call.op, request, cursor.call.options, post=functools.partial(_make_page, cursor))


def _make_page(cursor: _Cursor, result: _PageData | _OnePage, is_async: bool) -> Page[Any] | AsyncPage[Any]:
    spec = cursor.spec
    meta = result.response_meta
    data: dict[str, Any] | Callable[[], dict[str, Any]]
    if isinstance(result, _OnePage):  # validated in the request's one pass: items are models already
        found: list[Any] = result.found  # type: ignore[attr-defined]
        more_flags = [result.more] if "more" in result.model_fields_set else []  # type: ignore[attr-defined]
        key_attr = _key_attr(spec) if spec.key is not None else None
        items, seen, repeated = _unseen(cursor, found, None if key_attr is None else operator.attrgetter(key_attr))
        data = functools.partial(_raw_data, meta)
    else:
        data = dict(result.__pydantic_extra__ or {})
        found = _select(spec.results, data)
        fresh, seen, repeated = _unseen(
            cursor, found, None if spec.key is None else functools.partial(_raw_key, spec.key)
        )
        items = _validate_items(cursor, fresh, meta)
        more_flags = _select(spec.has_more, data) if spec.has_more else []
    asked = cursor.page_size if spec.offset_param is not None else cursor.position + cursor.page_size
    if spec.offset_param is None and spec.max_limit is not None:
        asked = min(asked, spec.max_limit)
    more = bool(more_flags[0]) if more_flags else len(found) >= asked
    if spec.offset_param is None and spec.max_limit is not None and asked >= spec.max_limit:
        more = False  # the window cannot grow any further
    offset_based = spec.offset_param is not None
    next_position = cursor.position + len(found) if offset_based else max(len(found), cursor.position)
    cls = AsyncPage if is_async else Page
    following = copy.copy(cursor)
    following.position, following.seen = next_position, seen
    return cls(items, data, meta, more and len(found) > cursor.skip and not repeated, following)


def _fingerprint(raw: Any) -> int:
    import json

    return hash(json.dumps(raw, sort_keys=True, default=str))


def _unseen(cursor: _Cursor, found: list[Any], key_of: Callable[[Any], Any] | None) -> tuple[list[Any], set[Any], bool]:
    """The items of this response that earlier pages did not return (by position, then by key), the keys seen
    so far, and whether the server repeated a page (offset paging that brought nothing new: the end)."""
    fresh = found[cursor.skip :]
    seen = cursor.seen
    offset = cursor.spec.offset_param is not None
    if key_of is None:
        if not (offset and fresh):
            return fresh, seen, False
        # No identity: a page seen before has the same content. Raw items only (a spec like this has no
        # one-pass shape: `_one_pass`).
        prints = {_fingerprint(raw) for raw in fresh}
        return fresh, seen | prints, prints <= seen
    keys = list(map(key_of, fresh))
    distinct = set(keys)
    if len(distinct) == len(keys) and None not in distinct and distinct.isdisjoint(seen):
        return fresh, seen | distinct, False  # the usual page: all new, all distinct (set operations, no loop)
    seen = set(seen)
    kept = []
    for item in fresh:
        k = key_of(item)
        if k is not None and k in seen:
            continue
        if k is not None:
            seen.add(k)
        kept.append(item)
    # Offset paging only: a growing window may legitimately show only old items when new ones arrive at the
    # start, and it cannot loop (it ends at `max_limit`).
    return kept, seen, offset and bool(fresh) and not kept


def _raw_key(expr: str, raw: Any) -> Any:
    keys = _select(expr, raw) if isinstance(raw, dict) else []
    return keys[0] if keys else None


def _validate_items(cursor: _Cursor, fresh: list[Any], meta: ResponseMeta | None) -> list[Any]:
    try:
        items: list[Any] = type_adapter(list.__class_getitem__(cursor.spec.item)).validate_python(fresh)
    except Exception as exc:  # pydantic.ValidationError
        raise ResponseValidationError(
            f"unexpected item shape from {cursor.call.op.operation_id}: {exc}",
            status_code=meta.status_code if meta else None,
            request_id=meta.request_id if meta else None,
        ) from exc
    return items


def _raw_data(meta: ResponseMeta | None) -> dict[str, Any]:
    """`Page.data` of a page made in one pass: the envelope's `data` as JSON, parsed when first read."""
    response = meta.http_response if meta is not None else None
    if response is None:
        return {}
    data: dict[str, Any] = json.loads(response.content)["data"]
    return data


class _PageBase(Generic[T]):
    """What both kinds of page hold: `.items`, `.data` (the raw response data), `len()`, `.has_next`."""

    def __init__(
        self,
        items: list[T],
        data: dict[str, Any] | Callable[[], dict[str, Any]],
        meta: ResponseMeta | None,
        has_next: bool,
        following: _Cursor,
    ) -> None:
        self.items = items
        self._data = data  # or how to get it: a one-pass page parses the raw data only if it is read
        self.response_meta = meta
        self.has_next = has_next
        self._following = following  # where the next page starts

    @property
    def data(self) -> dict[str, Any]:
        """The raw `data` of the response (as JSON), besides the validated `items`."""
        data = self._data
        if callable(data):
            data = self._data = data()
        return data

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
