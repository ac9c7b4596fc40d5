"""The one request path: describe -> build -> auth -> hooks -> retry -> send -> envelope -> model or error.

Every operation goes through `RequestPath._flow`, a generator that decides everything and *yields* the I/O it
needs (send, read, close, sleep). `drive` runs it with a sync client and `drive_async` with an async one,
so a method and its `_async` twin share every line except the send.
"""

from __future__ import annotations

import functools
import os
import re
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

import httpx

from .. import errors
from .._hooks import HookContext
from .._utils.logger import NoOpLogger, redact_headers, redact_url
from .._utils.redaction import Secret, conceal_headers
from ..models.shared import ResponseMeta
from ..types import UNSET
from .actions import Close, Flow, Read, Send, Sleep, StreamStart
from .auth import (
    ADMIN_KEY_HEADER,
    CLIENT_KEY_HEADER,
    IDEMPOTENCY_HEADER,
    USER_ID_HEADER,
    auth_headers,
)
from .deadline import attempt_deadline, cut_by_budget
from .drivers import drive, drive_async
from .httpclient import direct_request, sdk_headers
from .limits import STREAM_LIMITS_KEY, StreamLimits
from .operation import BaseCall, Operation, RequestInput
from .options import CallOptions
from .parse import parse_response
from .retries import RetryState
from .urls import check_base_url, check_same_origin, formation_base
from .userscope import require_user

if TYPE_CHECKING:

    from .._streams.eventstream import AsyncClosable
    from ..sdkconfiguration import SDKConfiguration

A = TypeVar("A", bound="AsyncClosable")
SDK = TypeVar("SDK", bound="RequestPath")


@functools.lru_cache(maxsize=512)
def _parsed_url(url: str) -> httpx.URL:
    """`httpx.URL(url)`, parsed once per distinct URL (URLs are immutable; parsing is ~10 µs)."""
    return httpx.URL(url)


def _folds_query(client: Any) -> bool:
    """Can the query go into the URL itself? Not with a client that has `params` of its own: httpx then
    replaces a URL's query with the merged params, so the query is passed as `params=` for it to merge."""
    return type(client) in (httpx.Client, httpx.AsyncClient) and not client.params


def _url_with_query(url: str, params: dict[str, Any]) -> httpx.URL:
    """`url` with `params` as its query, encoded as httpx encodes `params=` and parsed once per distinct query.

    httpx would otherwise merge and re-parse the whole URL for every request with `params=` (~15 µs).
    """
    try:
        key = tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items())
        return _parsed_query_url(url, key)
    except TypeError:  # an unhashable value: parse it uncached, same result
        return httpx.URL(url, params=params)


@functools.lru_cache(maxsize=512)
def _parsed_query_url(url: str, params: tuple[tuple[str, Any], ...]) -> httpx.URL:
    return httpx.URL(url, params={k: list(v) if isinstance(v, tuple) else v for k, v in params})



@functools.lru_cache(maxsize=64)
def _op_timeout(ms: int) -> httpx.Timeout:
    """An operation's default timeout on our clients (httpx.Timeout is immutable: one per value)."""
    return httpx.Timeout(ms / 1000.0, connect=5.0)


def require_id(name: str, value: Any) -> str:
    """A path segment: a non-empty string that cannot climb out of its path."""
    if not isinstance(value, str):
        raise errors.InvalidInputError(f"{name} must be a string, not {type(value).__name__}")
    if not value.strip():
        raise errors.InvalidInputError(f"{name} must not be empty")
    if value in (".", ".."):
        raise errors.InvalidInputError(f"{name} may not be {value!r}")
    return value


_BAD_HEADER_CHAR = re.compile(r"[^\t\x20-\x7e]")
_HEADER_ARGUMENT = {
    USER_ID_HEADER: "user_id",
    IDEMPOTENCY_HEADER: "idempotency_key",
    CLIENT_KEY_HEADER: "client_key",
    ADMIN_KEY_HEADER: "admin_key",
}


# Plain values seen to be printable ASCII (user ids, the SDK's own headers: the same few on every call), so a
# set look-up replaces the regex scan; bounded, since idempotency keys are new on every call.
_GOOD_VALUES: set[str] = set()


def _good_value(value: str) -> bool:
    if _BAD_HEADER_CHAR.search(value) is not None:
        return False
    if type(value) is str and len(_GOOD_VALUES) < 256:  # never a key (`Secret`): none is kept beyond its client
        _GOOD_VALUES.add(value)
    return True


def _check_header_values(headers: Mapping[str, Any]) -> None:
    """Header values must be printable ASCII strings: refuse the rest before sending, as InvalidInputError.

    Otherwise a wrong type or non-ASCII text escapes from httpx as a bare TypeError / UnicodeEncodeError, and
    a line break as a "connection error" that retries resend in vain. The value is never echoed (keys).
    """
    for name, value in headers.items():
        if (type(value) is str or type(value) is Secret) and (value in _GOOD_VALUES or _good_value(value)):
            continue
        arg = _HEADER_ARGUMENT.get(name)
        what = f"{arg} (header {name})" if arg else f"header {name}"
        if not isinstance(value, str):
            raise errors.InvalidInputError(f"{what} must be a string, not {type(value).__name__}")
        raise errors.InvalidInputError(f"{what} must be printable ASCII, without line breaks or control characters")


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return [_query_value(v) for v in value]
    return value


class RequestPath:
    """Base of every resource: holds the configuration and runs operations through the shared path."""

    def __init__(self, sdk_configuration: SDKConfiguration, parent_ref: object | None = None) -> None:
        self.sdk_configuration = sdk_configuration
        # Keeps the root `Muxi` (and so its clients) alive while a resource or stream is in use.
        self.parent_ref = parent_ref

    # ----------------------------------------------------------------- running a described call
    def _execute(self, call: BaseCall) -> Any:
        cfg = self.sdk_configuration
        flow = self._flow(call.op, call.input, call.options, is_async=False)
        if cfg.tracing is not None:
            flow = cfg.tracing.wrap(flow, call.op.operation_id, call.op.method)
        result = drive(flow, cfg)
        if call.stream is not None:
            return _owned(self._watched(call.stream(result, False)), self)
        return call.post(result, False) if call.post is not None else result

    async def _execute_async(self, call: BaseCall) -> Any:
        cfg = self.sdk_configuration
        flow = self._flow(call.op, call.input, call.options, is_async=True)
        if cfg.tracing is not None:
            flow = cfg.tracing.wrap(flow, call.op.operation_id, call.op.method)
        result = await drive_async(flow, cfg)
        if call.stream is not None:
            return _owned(self._watched(call.stream(result, True)), self)
        return call.post(result, True) if call.post is not None else result

    def _watched(self, stream: Any) -> Any:
        tracing = self.sdk_configuration.tracing
        if tracing is not None:
            tracing.watch(stream)
        return stream

    @property
    def with_raw_response(self) -> Any:
        """This resource's methods, each returning a `RawResponse` (status, headers, body; `.parse()`).

        It serves both twins of every method (`with_raw_response.send(...)`,
        `await with_raw_response.send_async(...)`).
        """
        from .raw import RawResponseProxy

        return RawResponseProxy(self)

    @property
    def with_raw_response_async(self) -> Any:
        """`with_raw_response` for async code: every method name is its `_async` twin
        (`await m.chat.with_raw_response_async.send(...)` is `await m.chat.with_raw_response.send_async(...)`).
        """
        from .raw import RawResponseProxy

        return RawResponseProxy(self, awaited=True)

    # ----------------------------------------------------------------- the shared flow
    def _base_url(self, op: Operation, server_url: str | None) -> str:
        cfg = self.sdk_configuration
        if server_url:
            server_url = check_base_url("server_url", server_url)
        if op.api == "server":
            return (server_url or cfg.base_url_override or cfg.server_api_url()).rstrip("/")
        server_url = server_url or cfg.base_url_override
        if server_url:
            return formation_base(server_url)
        return cfg.formation_url()

    def _headers(
        self, op: Operation, req: RequestInput, opts: CallOptions, url: httpx.URL, owned: bool = False
    ) -> dict[str, str]:
        cfg = self.sdk_configuration
        # A client the SDK created carries its identification and `Accept: application/json` as defaults
        # (`httpclient.owned_headers`): every header passed per request costs httpx a merge and re-normalisation.
        headers = {} if owned else dict(sdk_headers())
        accept = req.accept or op.accept or ("text/event-stream" if op.stream else "application/json")
        if not owned or accept != "application/json":
            headers["Accept"] = accept
        if cfg.app:
            headers["X-Muxi-App"] = cfg.app
        if op.auth != "none":
            headers.update(auth_headers(cfg, op, url.path))
        user_id = req.user_id or cfg.user_id
        if op.user != "none" and user_id:
            headers[USER_ID_HEADER] = user_id
        elif op.user != "none" and op.user != "optional":
            require_user(cfg, op, user_id, opts.http_headers)
        if op.idempotent_key:
            # 128 random bits as 32 hex digits, the shape of uuid4().hex without UUID's bit fiddling (~4x the cost)
            headers[IDEMPOTENCY_HEADER] = req.idempotency_key or os.urandom(16).hex()
        if req.body is not None:
            headers["Content-Type"] = req.body.content_type
            length = req.body.length
            if length is not None and req.body.content is None:
                headers["Content-Length"] = str(length)
        if req.headers:
            headers.update(req.headers)
        if cfg.default_headers:
            headers.update(conceal_headers(cfg.default_headers))  # type: ignore[arg-type]
        if opts.http_headers:
            headers.update(conceal_headers(opts.http_headers))  # type: ignore[arg-type]
        if opts.extra_headers:
            headers.update(opts.extra_headers)
        _check_header_values(headers)
        return headers

    def _timeout(self, op: Operation, opts: CallOptions, client_supplied: bool) -> Any:
        ms = opts.timeout_ms or self.sdk_configuration.timeout_ms
        if ms is not None:
            if ms <= 0:
                raise errors.InvalidInputError("timeout_ms must be a positive number of milliseconds")
            return httpx.Timeout(ms / 1000.0)
        if self.sdk_configuration.http_timeout is not None:
            return self.sdk_configuration.http_timeout
        if op.timeout_ms and not client_supplied:
            return _op_timeout(op.timeout_ms)
        # Never pass None: that would switch off an injected client's own timeout.
        return httpx.USE_CLIENT_DEFAULT

    def _stream_limits(self, op: Operation, opts: CallOptions, max_bytes: int | None) -> StreamLimits:
        idle_ms = opts.stream_idle_timeout_ms
        if idle_ms is UNSET:
            idle_ms = None if op.quiet else self.sdk_configuration.stream_idle_timeout_ms
        return StreamLimits(max_bytes, idle_ms / 1000.0 if idle_ms is not None else None)  # type: ignore[operator]

    def _flow(self, op: Operation, req: RequestInput, opts: CallOptions, *, is_async: bool) -> Flow[Any]:
        cfg = self.sdk_configuration
        pool = cfg.pool
        client: Any = pool.async_client if is_async else pool.client
        supplied = pool.async_client_supplied if is_async else pool.client_supplied
        base_url = self._base_url(op, opts.server_url)
        path = op.path
        if req.path_params:
            path = path.format_map({k: quote(require_id(k, v), safe="") for k, v in req.path_params.items()})
        params = {k: _query_value(v) for k, v in (req.query or {}).items() if v is not None and v is not UNSET}
        if opts.extra_query:
            params.update((k, _query_value(v)) for k, v in opts.extra_query.items() if v is not None)
        try:
            if params and _folds_query(client):
                url = _url_with_query(base_url + path, params)
                params = {}
            else:
                url = _parsed_url(base_url + path)
        except httpx.InvalidURL as bad:  # e.g. an id or a query so long that the URL passes httpx's length limit
            raise _invalid_url(op, bad) from None
        headers = self._headers(op, req, opts, url, owned=not supplied)
        timeout = self._timeout(op, opts, supplied)
        retry_config = cfg.effective_retry_config(opts.retries)
        body = req.body
        if opts.extra_body is not None:
            from .extras import with_extra_body

            body = with_extra_body(op.method, op.operation_id, body, opts.extra_body)
            headers["Content-Type"] = body.content_type
            headers.pop("Content-Length", None)
            if body.content is None and body.length is not None:
                headers["Content-Length"] = str(body.length)
        if body is not None and body.parts:  # files embedded in a JSON body (serializers is loaded already)
            from .._utils.serializers import check_upload_size

            check_upload_size(body, cfg.max_upload_bytes)
        replayable_body = body is None or body.replayable
        state = RetryState(retry_config, time.monotonic()) if retry_config and replayable_body else None
        max_bytes: int | None = cfg.max_response_bytes
        if opts.max_response_bytes is not UNSET:
            max_bytes = opts.max_response_bytes  # type: ignore[assignment]
        resend = op.resend
        last_failure: httpx.Response | Exception | None = None  # how the previous attempt ended (when retrying)
        log = cfg.debug_logger
        debug = type(log) is not NoOpLogger  # no redacting and formatting for a logger that drops it all
        hooks = cfg.hooks
        while True:
            attempt = state.attempts + 1 if state else 1
            if body is None:
                content: Any = None
            elif body.content is not None:
                content = body.content
            else:
                content = body.achunks() if is_async else body.chunks()
            try:
                if supplied or params:
                    request = client.build_request(
                        op.method, url, params=params or None, headers=headers, content=content, timeout=timeout
                    )
                else:  # our own client: the same request without build_request's merges
                    request = direct_request(client, op.method, url, headers, content, timeout)
            except httpx.InvalidURL as bad:  # the query made the URL too long
                raise _invalid_url(op, bad) from None
            ctx = HookContext(cfg, base_url, op.operation_id, op.auth, op.tags, attempt) if hooks else None
            if ctx is not None:
                request = hooks.before_request(ctx, request)
            if debug:
                log.debug(
                    "%s %s attempt=%d headers=%s",
                    request.method,
                    redact_url(str(request.url)),
                    attempt,
                    redact_headers(request.headers.multi_items()),
                )
            started = time.monotonic()
            # Streams are bounded by their read timeout and idle limit; any other attempt by its deadline,
            # and a retry also by the end of the retry budget.
            deadline = budget_ends = None
            if not op.stream:
                budget_ends = state.ends_at if state and attempt > 1 else None
                deadline = attempt_deadline(request, started, budget_ends)
            if state:
                state.attempts += 1
            outcome = yield Send(request)
            if not isinstance(outcome, Exception) and not (op.stream and 200 <= outcome.status_code < 300):
                failed = yield Read(outcome, max_bytes, deadline)
                if failed is not None:
                    outcome = failed
            elapsed_ms = (time.monotonic() - started) * 1000.0
            if isinstance(outcome, Exception):
                exc = outcome
                if ctx is not None:
                    response, err = hooks.after_error(ctx, None, exc)
                    if response is not None:
                        outcome = response
                    elif err is not None:
                        exc = err
                if isinstance(outcome, Exception):
                    if debug:
                        log.debug("%s %s failed: %s", request.method, redact_url(str(request.url)), type(exc).__name__)
                    if state and state.error_retryable(exc, resend):
                        now = time.monotonic()
                        wait = state.delay(None, now, 2 * (now - started))
                        if wait is not None:
                            log.debug("retrying %s in %.2fs after %s", op.operation_id, wait, type(exc).__name__)
                            last_failure = exc
                            yield Sleep(wait)
                            continue
                    attempts = state.attempts if state else 1
                    if last_failure is not None and cut_by_budget(exc, deadline, budget_ends):
                        # The retry budget, not the server, ended this attempt: the call's error is what the
                        # server did last (its status, or the previous failure), with the cut attempt as cause.
                        raise _failure_error(last_failure, request, attempts) from exc
                    raise _transport_error(exc, request, attempts) from exc
            response = outcome
            try:
                check_same_origin(request, response)
            except errors.RedirectError:
                yield Close(response)
                raise
            status = response.status_code
            if debug:
                log.debug("%s %s -> %d in %.1f ms", request.method, redact_url(str(request.url)), status, elapsed_ms)
            if status >= 300 or status < 200:  # 3xx too: never followed (keys stay at the origin), never success
                if state and state.status_retryable(status, resend) and not errors.feature_unavailable(response):
                    now = time.monotonic()
                    wait = state.delay(errors.parse_retry_after(response.headers), now, 2 * (now - started))
                    if wait is not None:
                        log.debug("retrying %s in %.2fs after HTTP %d", op.operation_id, wait, status)
                        last_failure = response
                        yield Sleep(wait)
                        continue
                error: Exception = errors.error_from_response(response, state.attempts if state else 1)
                if ctx is not None:
                    _, hook_err = hooks.after_error(ctx, response, error)
                    error = hook_err or error
                raise error
            if ctx is not None:
                try:
                    response = hooks.after_success(ctx, response)
                except BaseException:
                    if op.stream:  # nobody else will ever close this open response
                        yield Close(response)
                    raise
            attempts = state.attempts if state else 1
            if op.stream:
                response.extensions[STREAM_LIMITS_KEY] = self._stream_limits(op, opts, max_bytes)
                meta = ResponseMeta(
                    status,
                    response.headers,
                    response.headers.get("x-request-id"),
                    headers.get(IDEMPOTENCY_HEADER),
                    attempts=attempts,
                    elapsed_ms=elapsed_ms,
                    http_response=response,
                )
                return StreamStart(response, meta)
            if opts.raw:
                from .raw import RawResponse

                parse = functools.partial(parse_response, op, response, attempts, elapsed_ms)
                return RawResponse(response, parse, attempts)
            return parse_response(op, response, attempts, elapsed_ms)



def _invalid_url(op: Operation, exc: httpx.InvalidURL) -> errors.InvalidInputError:
    return errors.InvalidInputError(f"{op.operation_id}: the request URL is invalid ({exc}); is an argument too long?")


def _owned(stream: Any, owner: RequestPath) -> Any:
    """Let a stream keep its resource - and through it the root `Muxi` and its HTTP client - alive.

    Without this, `Muxi(...).chat.stream(...)` leaves the stream as the only live object: the root's finalizer
    closes the client and the stream's connection dies under it.
    """
    if getattr(stream, "_client_ref", False) is None:
        stream._client_ref = owner
    return stream


def _failure_error(failure: httpx.Response | Exception, request: httpx.Request, attempts: int) -> Exception:
    """The error of an attempt that ended with `failure`: an error answer, or a transport error."""
    if isinstance(failure, httpx.Response):
        return errors.error_from_response(failure, attempts)
    error = _transport_error(failure, request, attempts)
    if isinstance(error, errors.MuxiError):
        error.attempts = attempts
    return error


def _transport_error(exc: Exception, request: httpx.Request, attempts: int) -> Exception:
    if isinstance(exc, errors.MuxiError):
        return exc
    if not isinstance(exc, httpx.TransportError):
        return exc
    cls = errors.TimeoutError if isinstance(exc, httpx.TimeoutException) else errors.ConnectionError
    what = type(exc).__name__
    detail = str(exc) or what
    return cls(
        f"{what} on {request.method} {redact_url(str(request.url))}: {detail}",
        request=request,
        attempts=attempts,
    )

