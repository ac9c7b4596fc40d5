"""`BaseSDK`: the base class of every resource (`m.chat`, `m.sessions`, ...).

Thin on purpose: everything a call does - build, auth, hooks, retries, send, limits, parsing - is the one
request path in `_core/` (`_core/request.py` the flow, `_core/drivers.py` its two drivers, `_core/parse.py`
the answers, `_core/twins.py` the sync/async methods). A resource only describes its operations.
"""

from __future__ import annotations

from ._core.request import RequestPath


class BaseSDK(RequestPath):
    """Base of every resource: its configuration, and operations run through the shared request path."""


__all__ = ["BaseSDK"]
