"""Hook interfaces. Implement any of the methods; register with `Muxi(hooks=[...])` or `m.hooks.register(...)`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import httpx

if TYPE_CHECKING:
    from ..sdkconfiguration import SDKConfiguration


@dataclass(frozen=True)
class HookContext:
    config: SDKConfiguration
    base_url: str
    operation_id: str
    security_source: str | None = None
    tags: tuple[str, ...] = ()
    attempt: int = 1
    extensions: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class SDKInitHook(Protocol):
    def sdk_init(self, config: SDKConfiguration) -> SDKConfiguration: ...


@runtime_checkable
class BeforeRequestHook(Protocol):
    def before_request(self, hook_ctx: HookContext, request: httpx.Request) -> httpx.Request | Exception: ...


@runtime_checkable
class AfterSuccessHook(Protocol):
    def after_success(self, hook_ctx: HookContext, response: httpx.Response) -> httpx.Response | Exception: ...


@runtime_checkable
class AfterErrorHook(Protocol):
    def after_error(
        self, hook_ctx: HookContext, response: httpx.Response | None, error: Exception | None
    ) -> tuple[httpx.Response | None, Exception | None] | Exception: ...
