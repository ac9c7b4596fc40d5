"""How an operation is described once, and the per-call options every method takes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

# dual: client key if configured, else admin key; dual_admin: the other way round.
Auth = Literal["none", "client", "admin", "dual", "dual_admin", "hmac"]
Api = Literal["formation", "server"]
# When a request may be sent again (see `Operation.replay`):
# any: after anything retryable (reads; writes whose repeat changes nothing and answers the same);
# stored: after a lost response too, because the server replays its stored 2xx answer for the same
#   idempotency key - but not after 500/502/504, which MUXI does not store: the work would run again;
# unrun: only when it certainly did not run (nothing was sent, or 408/425/429/503 turned it away).
Replay = Literal["any", "stored", "unrun"]


@dataclass(frozen=True)
class Operation:
    """One HTTP operation of the MUXI API: everything the request path needs besides the arguments.

    `response` is the model of the envelope's `data` (or of the whole body when `envelope=False`).
    `user` says whether the `X-Muxi-User-ID` header is required, required only with the client key
    (`"client_key"`: the admin key may act for every user), optional or never sent (see `_core/userscope.py`).
    `timeout_ms` is a default for clients the SDK creates (chat replies take longer than a GET).
    `stream=True` with `envelope=False` is a binary download (its body is read by the caller), not SSE.
    `request` is the request body's model (an `InputModel`), when there is one: documentation only
    (`scripts/gen_openapi.py` puts its JSON schema in `.speakeasy/openapi.yaml`).
    `accept` is the media type of a non-JSON answer (`text/html`): sent as `Accept` and declared in the spec.
    `replay` overrides the resend rule derived from the method (`resend`; docs/reliability.md lists them).
    `quiet` marks a stream whose silence is normal (a log tail): the client's stream idle limit does not
    apply to it, only one given to the call.
    """

    operation_id: str
    method: str
    path: str
    auth: Auth
    response: Any = None
    api: Api = "formation"
    stream: bool = False
    envelope: bool = True
    user: Literal["required", "client_key", "optional", "none"] = "optional"
    idempotent_key: bool = False
    timeout_ms: int | None = None
    tags: tuple[str, ...] = ()
    request: Any = None
    accept: str | None = None
    replay: Replay | None = None
    quiet: bool = False

    @property
    def resend(self) -> Replay:
        """When this request may be resent (`Replay`): `replay` if the operation says, else from its method.

        Reads may always be resent; a keyed POST the server deduplicates replays its stored answer; anything
        else (other POSTs, PUTs and DELETEs unless audited as repeatable, streams) only if it did not run.
        """
        if self.replay is not None:
            return self.replay
        if self.method in ("GET", "HEAD", "OPTIONS"):
            return "any"
        if self.idempotent_key and not self.stream:
            return "stored"
        return "unrun"


@dataclass
class RequestInput:
    """The arguments of one call, already validated."""

    path_params: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, Any] | None = None
    body: Any = None  # an _utils.serializers.Body, or None
    headers: Mapping[str, str] | None = None
    user_id: str | None = None
    idempotency_key: str | None = None
    accept: str | None = None


R = TypeVar("R")
T = TypeVar("T")
S = TypeVar("S")
A = TypeVar("A")


@dataclass
class BaseCall:
    """A fully described call, built once by a resource method and run by its sync or async twin.

    `stream` turns the open response of a streaming operation into an event stream (`is_async` says which
    kind); `post` adapts the parsed result (pagination wraps a page with its `next()`).

    Builders return one of its three kinds, which tells the twins their exact types: `Call[R]` gives `R`
    (and a coroutine of `R`), `PageCall[T]` gives `Page[T]` / `AsyncPage[T]`, `StreamCall[S, A]` gives the
    sync stream `S` / an `AsyncStreamContext[A]` over the async stream `A`. The kinds are siblings, not
    subclasses of each other, so the twin factories' overloads never overlap.
    """

    op: Operation
    input: RequestInput
    options: Any  # _core.options.CallOptions
    stream: Callable[[Any, bool], Any] | None = None
    post: Callable[[Any, bool], Any] | None = None


class Call(BaseCall, Generic[R]):
    """The call of an operation whose twins return `R` (the parsed response, or what `post` makes of it)."""


class PageCall(BaseCall, Generic[T]):
    """The call of a list operation's page (`_core.pagination.paginated` builds it): the sync twin returns
    `Page[T]`, the async twin `AsyncPage[T]`."""


class StreamCall(BaseCall, Generic[S, A]):
    """The call of a streaming operation: the sync twin returns the stream `S`, the async twin (made with
    `async_stream_op`) an `AsyncStreamContext[A]`, where `A` is the async form of `S` (its `stream` factory
    builds one or the other, as `is_async` says)."""
