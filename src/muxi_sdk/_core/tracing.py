"""OpenTelemetry spans, optional (`pip install "muxi-sdk[otel]"`, then `Muxi(tracing=True)`).

One span per operation (named by its operation id) around every attempt of the request flow. The flow is
not touched: `Tracing.wrap` sits between it and the driver and sees each send, answer and retry wait, so
with tracing off not one line of this module runs. Spans carry method, URL (redacted), server, status,
MUXI request id, attempts, retry waits (as events) and the error type; never a key, a user message or a
body. The W3C `traceparent` of the span goes out with every attempt.
"""

from __future__ import annotations

from typing import Any

import httpx

from .. import errors
from .._utils.logger import redact_url
from .actions import Flow, Send, Sleep, StreamStart

_SPAN_KEY = "muxi.span"


class Tracing:
    def __init__(self, tracer: Any) -> None:
        from opentelemetry import trace
        from opentelemetry.propagate import inject

        self._tracer = tracer
        self._trace = trace
        self._inject = inject

    @classmethod
    def create(cls, tracing: Any) -> Tracing:
        """`True`: the global tracer provider; a `TracerProvider`: that one."""
        try:
            from opentelemetry import trace
        except ImportError as exc:
            raise errors.ConfigurationError(
                'tracing= needs OpenTelemetry: pip install "muxi-sdk[otel]"'
            ) from exc
        from .. import _version

        provider = trace.get_tracer_provider() if tracing is True else tracing
        if not hasattr(provider, "get_tracer"):
            raise errors.ConfigurationError("tracing= must be True or an OpenTelemetry TracerProvider")
        return cls(provider.get_tracer("muxi_sdk", _version.__version__))

    def wrap(self, flow: Flow[Any], operation_id: str, method: str) -> Flow[Any]:
        trace = self._trace
        span = self._tracer.start_span(
            operation_id,
            kind=trace.SpanKind.CLIENT,
            attributes={"http.request.method": method, "muxi.operation_id": operation_id},
        )
        context = trace.set_span_in_context(span)
        attempts = 0
        value: Any = None
        try:
            while True:
                try:
                    action = flow.send(value)
                except StopIteration as stop:
                    result = stop.value
                    break
                if type(action) is Send:
                    attempts += 1
                    self._on_send(span, action.request, attempts)
                    self._inject(action.request.headers, context=context)
                elif type(action) is Sleep:
                    span.add_event("muxi.retry", {"muxi.retry.wait_s": action.seconds, "muxi.attempt": attempts})
                value = yield action
                if type(action) is Send and isinstance(value, httpx.Response):
                    span.set_attribute("http.response.status_code", value.status_code)
                    request_id = value.headers.get("x-request-id")
                    if request_id:
                        span.set_attribute("muxi.request_id", request_id)
        except BaseException as exc:
            span.set_attribute("muxi.attempts", attempts)
            self._fail(span, exc)
            span.end()
            raise
        span.set_attribute("muxi.attempts", attempts)
        meta = result.meta if isinstance(result, StreamStart) else getattr(result, "_response_meta", None)
        request_id = getattr(meta, "request_id", None)
        if request_id:
            span.set_attribute("muxi.request_id", request_id)
        if isinstance(result, StreamStart):
            result.response.extensions[_SPAN_KEY] = span  # ended when the stream closes (`watch`)
        else:
            span.end()
        return result

    @staticmethod
    def _on_send(span: Any, request: httpx.Request, attempts: int) -> None:
        if attempts == 1:
            url = request.url
            span.set_attribute("url.full", redact_url(str(url.copy_with(query=None))))
            span.set_attribute("server.address", url.host)
            if url.port is not None:
                span.set_attribute("server.port", url.port)
        else:
            span.set_attribute("http.request.resend_count", attempts - 1)

    def _fail(self, span: Any, exc: BaseException) -> None:
        if isinstance(exc, GeneratorExit):
            return
        kind = type(exc).__qualname__
        span.set_attribute("error.type", kind)
        if isinstance(exc, errors.MuxiError):
            if exc.status_code:
                span.set_attribute("http.response.status_code", exc.status_code)
            if exc.request_id:
                span.set_attribute("muxi.request_id", exc.request_id)
        span.set_status(self._trace.Status(self._trace.StatusCode.ERROR, kind))

    def watch(self, stream: Any) -> None:
        """End the stream's span when its connection is released (close, exit, break, error or GC)."""
        response: httpx.Response = stream.response
        span = response.extensions.pop(_SPAN_KEY, None)
        if span is None:
            return
        import weakref

        ref = weakref.ref(stream)

        def end() -> None:
            owner = ref()
            if owner is not None:
                span.set_attribute("muxi.stream.events_received", owner.events_received)
            span.end()

        response.stream = _EndsSpan(response.stream, end)


class _EndsSpan(httpx.SyncByteStream, httpx.AsyncByteStream):
    """The response body, unchanged, that ends a span once when it is closed."""

    def __init__(self, inner: Any, end: Any) -> None:
        self._inner = inner
        self._end: Any = end

    def __iter__(self) -> Any:
        return iter(self._inner)

    async def __aiter__(self) -> Any:
        async for chunk in self._inner:
            yield chunk

    def _ended(self) -> None:
        end, self._end = self._end, None
        if end is not None:
            end()

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            self._ended()

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            self._ended()
