"""The hook registry the request path calls into."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import httpx

from .types import AfterErrorHook, AfterSuccessHook, BeforeRequestHook, HookContext, SDKInitHook

if TYPE_CHECKING:
    from ..sdkconfiguration import SDKConfiguration


class SDKHooks:
    """Hooks run in registration order. A hook returning an Exception aborts the call with that exception."""

    def __init__(self, hooks: Iterable[Any] = ()) -> None:
        self.sdk_init_hooks: list[SDKInitHook] = []
        self.before_request_hooks: list[BeforeRequestHook] = []
        self.after_success_hooks: list[AfterSuccessHook] = []
        self.after_error_hooks: list[AfterErrorHook] = []
        for hook in hooks:
            self.register(hook)

    def register(self, hook: Any) -> None:
        """Register an object under every hook interface it implements."""
        found = False
        for kind, registry in (
            (SDKInitHook, self.sdk_init_hooks),
            (BeforeRequestHook, self.before_request_hooks),
            (AfterSuccessHook, self.after_success_hooks),
            (AfterErrorHook, self.after_error_hooks),
        ):
            if isinstance(hook, kind):
                registry.append(hook)  # type: ignore[arg-type]
                found = True
        if not found:
            raise TypeError(f"{type(hook).__name__} implements no hook method")

    def register_sdk_init_hook(self, hook: SDKInitHook) -> None:
        self.sdk_init_hooks.append(hook)

    def register_before_request_hook(self, hook: BeforeRequestHook) -> None:
        self.before_request_hooks.append(hook)

    def register_after_success_hook(self, hook: AfterSuccessHook) -> None:
        self.after_success_hooks.append(hook)

    def register_after_error_hook(self, hook: AfterErrorHook) -> None:
        self.after_error_hooks.append(hook)

    def __bool__(self) -> bool:
        return bool(self.before_request_hooks or self.after_success_hooks or self.after_error_hooks)

    def sdk_init(self, config: SDKConfiguration) -> SDKConfiguration:
        for hook in self.sdk_init_hooks:
            config = hook.sdk_init(config)
        return config

    def before_request(self, ctx: HookContext, request: httpx.Request) -> httpx.Request:
        for hook in self.before_request_hooks:
            out = hook.before_request(ctx, request)
            if isinstance(out, Exception):
                raise out
            request = out
        return request

    def after_success(self, ctx: HookContext, response: httpx.Response) -> httpx.Response:
        for hook in self.after_success_hooks:
            out = hook.after_success(ctx, response)
            if isinstance(out, Exception):
                raise out
            response = out
        return response

    def after_error(
        self, ctx: HookContext, response: httpx.Response | None, error: Exception | None
    ) -> tuple[httpx.Response | None, Exception | None]:
        for hook in self.after_error_hooks:
            out = hook.after_error(ctx, response, error)
            if isinstance(out, Exception):
                raise out
            response, error = out
        return response, error
