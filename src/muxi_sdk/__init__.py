"""muxi-sdk: the typed Python SDK for MUXI.

    from muxi_sdk import Muxi
    with Muxi(url="http://localhost:8271", client_key="...") as m:
        print(m.chat.send(message="Hello!", user_id="u1").text)

Only the root client is imported eagerly; models, errors and resources load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._core.retries import BackoffStrategy, RetryConfig
from ._version import __openapi_doc_version__, __title__
from .sdk import Muxi
from .types import UNSET

if TYPE_CHECKING:
    from . import errors, models, webhooks
    from ._core.jobs import Job
    from ._core.pagination import AsyncPage, Page
    from ._hooks import AfterErrorHook, AfterSuccessHook, BeforeRequestHook, HookContext, SDKHooks, SDKInitHook
    from ._streams.chat import ChatStream, ChatStreamAsync
    from ._streams.eventstream import AsyncStreamContext, EventStream, EventStreamAsync
    from ._streams.lifecycle import LifecycleStream, LifecycleStreamAsync
    from ._streams.logs import LogStream, LogStreamAsync
    from ._streams.resumable import ResumableEventStream, ResumableEventStreamAsync
    from ._streams.runtime import RuntimeEventStream, RuntimeEventStreamAsync
    from ._version import __user_agent__, __version__
    from .artifacts import ArtifactDownload, ArtifactDownloadAsync
    from .errors import MuxiError
    from .models.shared import ResponseMeta

    VERSION = __version__
    USER_AGENT = __user_agent__

OPENAPI_DOC_VERSION = __openapi_doc_version__

# The public names that live elsewhere, loaded on first use (`import muxi_sdk` stays light).
_LAZY: dict[str, tuple[str, str | None]] = {
    "__version__": ("muxi_sdk._version", "__version__"),
    "VERSION": ("muxi_sdk._version", "__version__"),
    "__user_agent__": ("muxi_sdk._version", "__user_agent__"),
    "USER_AGENT": ("muxi_sdk._version", "__user_agent__"),
    "errors": ("muxi_sdk.errors", None),
    "models": ("muxi_sdk.models", None),
    "webhooks": ("muxi_sdk.webhooks", None),
    "MuxiError": ("muxi_sdk.errors", "MuxiError"),
    "Job": ("muxi_sdk._core.jobs", "Job"),
    "ResponseMeta": ("muxi_sdk.models.shared", "ResponseMeta"),
    "Page": ("muxi_sdk._core.pagination", "Page"),
    "AsyncPage": ("muxi_sdk._core.pagination", "AsyncPage"),
    "EventStream": ("muxi_sdk._streams.eventstream", "EventStream"),
    "EventStreamAsync": ("muxi_sdk._streams.eventstream", "EventStreamAsync"),
    "AsyncStreamContext": ("muxi_sdk._streams.eventstream", "AsyncStreamContext"),
    "ResumableEventStream": ("muxi_sdk._streams.resumable", "ResumableEventStream"),
    "ResumableEventStreamAsync": ("muxi_sdk._streams.resumable", "ResumableEventStreamAsync"),
    "ArtifactDownload": ("muxi_sdk.artifacts", "ArtifactDownload"),
    "ArtifactDownloadAsync": ("muxi_sdk.artifacts", "ArtifactDownloadAsync"),
    "ChatStream": ("muxi_sdk._streams.chat", "ChatStream"),
    "ChatStreamAsync": ("muxi_sdk._streams.chat", "ChatStreamAsync"),
    "LifecycleStream": ("muxi_sdk._streams.lifecycle", "LifecycleStream"),
    "LifecycleStreamAsync": ("muxi_sdk._streams.lifecycle", "LifecycleStreamAsync"),
    "LogStream": ("muxi_sdk._streams.logs", "LogStream"),
    "LogStreamAsync": ("muxi_sdk._streams.logs", "LogStreamAsync"),
    "RuntimeEventStream": ("muxi_sdk._streams.runtime", "RuntimeEventStream"),
    "RuntimeEventStreamAsync": ("muxi_sdk._streams.runtime", "RuntimeEventStreamAsync"),
    "HookContext": ("muxi_sdk._hooks", "HookContext"),
    "SDKHooks": ("muxi_sdk._hooks", "SDKHooks"),
    "SDKInitHook": ("muxi_sdk._hooks", "SDKInitHook"),
    "BeforeRequestHook": ("muxi_sdk._hooks", "BeforeRequestHook"),
    "AfterSuccessHook": ("muxi_sdk._hooks", "AfterSuccessHook"),
    "AfterErrorHook": ("muxi_sdk._hooks", "AfterErrorHook"),
}

# Outside the type checkers' view: a module `__getattr__` would make every misspelt import `Any` to them.
if not TYPE_CHECKING:

    def __getattr__(name: str) -> Any:
        entry = _LAZY.get(name)
        if entry is None:
            raise AttributeError(f"module 'muxi_sdk' has no attribute {name!r}")
        module = importlib.import_module(entry[0])
        value = module if entry[1] is None else getattr(module, entry[1])
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "OPENAPI_DOC_VERSION",
    "UNSET",
    "USER_AGENT",
    "VERSION",
    "AfterErrorHook",
    "AfterSuccessHook",
    "ArtifactDownload",
    "ArtifactDownloadAsync",
    "AsyncPage",
    "AsyncStreamContext",
    "BackoffStrategy",
    "BeforeRequestHook",
    "ChatStream",
    "ChatStreamAsync",
    "EventStream",
    "EventStreamAsync",
    "HookContext",
    "Job",
    "LifecycleStream",
    "LifecycleStreamAsync",
    "LogStream",
    "LogStreamAsync",
    "Muxi",
    "MuxiError",
    "Page",
    "ResponseMeta",
    "ResumableEventStream",
    "ResumableEventStreamAsync",
    "RetryConfig",
    "RuntimeEventStream",
    "RuntimeEventStreamAsync",
    "SDKHooks",
    "SDKInitHook",
    "__title__",
    "__version__",
    "errors",
    "models",
    "webhooks",
]
