"""Version and identification strings."""

from __future__ import annotations

from typing import TYPE_CHECKING

__title__: str = "muxi-sdk"
__openapi_doc_version__: str = "1.20260928.0"
__gen_version__: str = "hand-written"
_SOURCE_VERSION = "0.1.0"  # what a source tree without installed metadata reports

if TYPE_CHECKING:
    __version__: str
    __user_agent__: str


def __getattr__(name: str) -> str:
    # `__version__` reads the installed distribution's metadata, and importing importlib.metadata costs ~10 ms:
    # done on first use (the first request's headers, or an explicit look-up), not by `import muxi_sdk`.
    if name not in ("__version__", "__user_agent__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib.metadata

    try:
        version = importlib.metadata.version(__title__)
    except importlib.metadata.PackageNotFoundError:  # running from a source tree
        version = _SOURCE_VERSION
    globals()["__version__"] = version
    globals()["__user_agent__"] = f"muxi-sdk/python {version} {__openapi_doc_version__} {__title__}"
    return str(globals()[name])
