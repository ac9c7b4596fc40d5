"""How an operation is described once, and the per-call options every method takes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

# dual: client key if configured, else admin key; dual_admin: the other way round.
Auth = Literal["none", "client", "admin", "dual", "dual_admin", "hmac"]
Api = Literal["formation", "server"]


@dataclass(frozen=True)
class Operation:
    """One HTTP operation of the MUXI API: everything the request path needs besides the arguments.

    `response` is the model of the envelope's `data` (or of the whole body when `envelope=False`).
    `user` says whether the `X-Muxi-User-ID` header is required, optional or never sent.
    `timeout_ms` is a default for clients the SDK creates (chat replies take longer than a GET).
    `stream=True` with `envelope=False` is a binary download (its body is read by the caller), not SSE.
    `request` is the request body's model (an `InputModel`), when there is one: documentation only
    (`scripts/gen_openapi.py` puts its JSON schema in `.speakeasy/openapi.yaml`).
    """

    operation_id: str
    method: str
    path: str
    auth: Auth
    response: Any = None
    api: Api = "formation"
    stream: bool = False
    envelope: bool = True
    user: Literal["required", "optional", "none"] = "optional"
    idempotent_key: bool = False
    timeout_ms: int | None = None
    tags: tuple[str, ...] = ()
    request: Any = None

    @property
    def replay_safe(self) -> bool:
        """Can this request be resent after a dropped connection without running it twice?"""
        if self.method in ("GET", "HEAD", "PUT", "DELETE", "OPTIONS"):
            return True
        return self.idempotent_key and not self.stream


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


@dataclass
class Call(Generic[R]):
    """A fully described call, built once by a resource method and run by its sync or async twin.

    `stream` turns the open response of a streaming operation into an event stream (`is_async` says which
    kind); `post` adapts the parsed result (pagination wraps a page with its `next()`).
    """

    op: Operation
    input: RequestInput
    options: Any  # _core.request.CallOptions
    stream: Callable[[Any, bool], Any] | None = None
    post: Callable[[Any, bool], Any] | None = None
