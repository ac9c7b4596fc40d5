"""Version and identification strings.

`__version__` is the package's one version: the build reads it from here (`[tool.hatch.version]` in
pyproject.toml), so it is a constant, not a look-up of installed metadata (importlib.metadata costs ~30 ms
to import and read, on the first request of every process).
"""

from __future__ import annotations

__title__: str = "muxi-sdk"
__version__ = "0.1.0"
__openapi_doc_version__: str = "1.20260928.0"
__gen_version__: str = "hand-written"
__user_agent__: str = f"muxi-sdk/python {__version__} {__openapi_doc_version__} {__title__}"
