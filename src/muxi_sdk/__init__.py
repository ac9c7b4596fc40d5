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
    from ._hooks import HookContext, SDKHooks
    from ._streams.eventstream import EventStream, EventStreamAsync
    from ._version import __user_agent__, __version__
    from .errors import MuxiError
    from .models.shared import ResponseMeta

    VERSION = __version__
    USER_AGENT = __user_agent__

OPENAPI_DOC_VERSION = __openapi_doc_version__

_LAZY: dict[str, tuple[str, str | None]] = {
    # the version is read from package metadata on first use (importlib.metadata costs ~10 ms to import)
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
    "EventStream": ("muxi_sdk._streams.eventstream", "EventStream"),
    "EventStreamAsync": ("muxi_sdk._streams.eventstream", "EventStreamAsync"),
    "HookContext": ("muxi_sdk._hooks", "HookContext"),
    "SDKHooks": ("muxi_sdk._hooks", "SDKHooks"),
}


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
    "BackoffStrategy",
    "EventStream",
    "EventStreamAsync",
    "HookContext",
    "Job",
    "Muxi",
    "MuxiError",
    "ResponseMeta",
    "RetryConfig",
    "SDKHooks",
    "__title__",
    "__version__",
    "errors",
    "models",
    "webhooks",
]
