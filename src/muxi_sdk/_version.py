"""Version and identification strings."""

from __future__ import annotations

import importlib.metadata

__title__: str = "muxi-sdk"
__version__: str = "0.1.0"
__openapi_doc_version__: str = "1.20260928.0"
__gen_version__: str = "hand-written"

try:
    __version__ = importlib.metadata.version(__title__)
except importlib.metadata.PackageNotFoundError:  # running from a source tree
    pass

__user_agent__: str = f"muxi-sdk/python {__version__} {__openapi_doc_version__} {__title__}"
