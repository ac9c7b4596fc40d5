"""Old names kept for one release: they warn (`DeprecationWarning`) and give the new object."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any


def warn_renamed(old: str, new: str, *, stacklevel: int = 3) -> None:
    warnings.warn(
        f"{old} is deprecated: use {new} (the old name goes in the next release)",
        DeprecationWarning,
        stacklevel=stacklevel,
    )


def renamed_attributes(
    module: str, renamed: Mapping[str, str], namespace: Mapping[str, Any], *, shown_as: str = ""
) -> Callable[[str], Any]:
    """A module `__getattr__` for renamed names: `old -> namespace[new]`, with a warning.

    Define it under `if not TYPE_CHECKING:` (type checkers would take every unknown name for `Any`) and give
    them `Old = New` under `if TYPE_CHECKING:`. `shown_as` prefixes the new name in the warning.
    """

    def __getattr__(name: str) -> Any:
        new = renamed.get(name)
        if new is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        warn_renamed(f"{module}.{name}", f"{shown_as}{new}")
        return namespace[new]

    return __getattr__
