"""`UNSET`: "not given", as distinct from `None` ("switch it off" / "send null")."""

from __future__ import annotations

from typing import Any, Final, TypeVar, Union

T = TypeVar("T")


class Unset:
    """The type of `UNSET`. Falsy, a singleton, and never serialised."""

    _instance: Unset | None = None

    def __new__(cls) -> Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "UNSET"

    def __reduce__(self) -> Any:
        return (Unset, ())


UNSET: Final = Unset()

Nullable = Union[T, None]
OptionalNullable = Union[T, None, Unset]
