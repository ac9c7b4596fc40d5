"""Migration shim for users of the official MUXI Python SDK (`pip install muxi`).

Change the import and keep your code::

    from muxi import FormationClient              # before
    from muxi_sdk.compat import FormationClient   # after

`FormationClient`, `AsyncFormationClient`, `ServerClient`, `AsyncServerClient` (and their `...Config`
classes), `webhook`, `parse_ui_widgets` and the error classes have the official names, constructor arguments,
method signatures and return shapes. Every method is a thin wrapper over one `Muxi` resource method, so
retries, idempotency keys, typed errors and connection handling are muxi-sdk's; where the official SDK is
wrong against the real MUXI runtime, the shim does what the runtime needs. The submodules mirror the
official ones: `muxi_sdk.compat.formation`, `.server`, `.errors`, `.webhook`. See docs/migrating.md.
"""

from __future__ import annotations

from .._version import __version__
from . import errors, webhook
from .errors import (
    AuthenticationError,
    AuthorizationError,
    ConflictError,
    ConnectionError,
    MuxiError,
    NotFoundError,
    RateLimitError,
    ServerError,
    ValidationError,
    map_error,
)
from .formation import AsyncFormationClient, FormationClient, FormationConfig, parse_ui_widgets
from .server import AsyncServerClient, ServerClient, ServerConfig

__all__ = [
    "AsyncFormationClient",
    "AsyncServerClient",
    "AuthenticationError",
    "AuthorizationError",
    "ConflictError",
    "ConnectionError",
    "FormationClient",
    "FormationConfig",
    "MuxiError",
    "NotFoundError",
    "RateLimitError",
    "ServerClient",
    "ServerConfig",
    "ServerError",
    "ValidationError",
    "__version__",
    "errors",
    "map_error",
    "parse_ui_widgets",
    "webhook",
]
