"""Request lifecycle hooks (Speakeasy-compatible interfaces)."""

from .sdkhooks import SDKHooks
from .types import AfterErrorHook, AfterSuccessHook, BeforeRequestHook, HookContext, SDKInitHook

__all__ = [
    "AfterErrorHook",
    "AfterSuccessHook",
    "BeforeRequestHook",
    "HookContext",
    "SDKHooks",
    "SDKInitHook",
]
