"""How resources are put together: nested resources (`m.mcp.servers`) and deprecated old method names.

The naming rule (CONTRIBUTING.md): a collection inside a resource is a nested resource with its own `list`,
`get`, ... (`m.users.credentials`, `m.mcp.servers`, `m.system.sops`); a method that returns an event stream
is `stream` or `stream_<what>`. Names that broke the rule stay one release as `renamed(...)` aliases.
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from .._utils.deprecation import warn_renamed

if TYPE_CHECKING:
    from .request import RequestPath

R = TypeVar("R", bound="RequestPath")
F = TypeVar("F")


class nested(Generic[R]):
    """A nested resource: `servers = nested(McpServers)` makes `m.mcp.servers`, created on first use and
    kept (it shares the parent's configuration and keeps the root `Muxi` alive like the parent)."""

    def __init__(self, cls: type[R]) -> None:
        self.cls = cls
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, objtype: type | None = None) -> nested[R]: ...
    @overload
    def __get__(self, obj: RequestPath, objtype: type | None = None) -> R: ...
    def __get__(self, obj: RequestPath | None, objtype: type | None = None) -> nested[R] | R:
        if obj is None:
            return self
        cached: R | None = obj.__dict__.get(self.name)
        if cached is None:
            cached = self.cls(obj.sdk_configuration, parent_ref=obj.parent_ref)
            obj.__dict__[self.name] = cached
        return cached


class _Renamed:
    deprecated = True  # walks over a resource's methods (docs, coverage) skip the old names by this

    def __init__(self, new: str) -> None:
        self.new = new
        self.owner = self.old = ""
        self._resolve = operator.attrgetter(new)

    def __set_name__(self, owner: type, name: str) -> None:
        self.owner, self.old = owner.__name__.lower(), name

    def __get__(self, obj: Any, objtype: type | None = None) -> Any:
        target = objtype if obj is None else obj
        if obj is not None:
            warn_renamed(f"{self.owner}.{self.old}", f"{self.owner}.{self.new}")
        return self._resolve(target) if obj is not None or "." not in self.new else None


def renamed(new: str, method: F) -> F:
    """The deprecated old name of a method: `deploy_stream = renamed("stream_deploy", stream_deploy)`.

    Reading it warns (`DeprecationWarning`) and gives the method at `new` (a dotted path for a method that
    moved to a nested resource: `renamed("servers.list", McpServers.list)`); `method` gives the alias its
    type for type checkers, and is not called.
    """
    return _Renamed(new)  # type: ignore[return-value]
