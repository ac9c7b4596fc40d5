"""Base classes for models. Kept apart from `types/__init__` so that importing the SDK does not import pydantic."""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import pydantic

if TYPE_CHECKING:
    from ..models.shared import ResponseMeta


class BaseModel(pydantic.BaseModel):
    """Response model: keeps fields the server adds tomorrow (`extra="allow"`), so nothing is lost."""

    model_config = pydantic.ConfigDict(
        populate_by_name=True,
        extra="allow",
        protected_namespaces=(),
        arbitrary_types_allowed=True,
        defer_build=True,
    )

    # Not a pydantic PrivateAttr: any private attribute makes pydantic run a Python `model_post_init` for every
    # instance validated (~2.5 µs each: every streamed event, every item of a list). The value lives in the
    # `__pydantic_private__` slot all the same (so copy, pickle and `==` treat it as before), set only when a
    # response actually carries it.
    @property
    def _response_meta(self) -> ResponseMeta | None:
        private = getattr(self, "__pydantic_private__", None)
        return None if private is None else private.get("_response_meta")

    @_response_meta.setter
    def _response_meta(self, value: ResponseMeta | None) -> None:
        private = getattr(self, "__pydantic_private__", None)
        if value is not None:
            if private is None:
                object.__setattr__(self, "__pydantic_private__", {"_response_meta": value})
            else:
                private["_response_meta"] = value
        elif private is not None:
            private.pop("_response_meta", None)
            if not private:
                object.__setattr__(self, "__pydantic_private__", None)

    @property
    def response_meta(self) -> ResponseMeta | None:
        """Status, headers, request id and envelope fields of the HTTP response this model came from."""
        return self._response_meta

    @property
    def additional_properties(self) -> dict[str, Any]:
        """Fields the server sent that this model does not declare."""
        return dict(self.__pydantic_extra__ or {})


T = TypeVar("T")


if TYPE_CHECKING:

    class ListModel(BaseModel, Generic[T]):
        """A list result: `for item in result`, `len(result)`, and its other fields as before."""

        items_field: ClassVar[str]

        def __iter__(self) -> Iterator[T]: ...  # type: ignore[override]
        def __len__(self) -> int: ...
else:

    class ListModel(BaseModel):
        """A list result: `for item in result`, `len(result)`, and its other fields (`count`, ...) as before.

        The items are the model's one list (or dict: its keys) field, found when the class is made; a model with
        several sets `items_field`. A list result stays truthy when empty, like every other model.
        """

        items_field: ClassVar[str] = ""

        @classmethod
        def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
            super().__pydantic_init_subclass__(**kwargs)
            if cls.__dict__.get("items_field"):
                return
            found = [
                name
                for name, info in cls.model_fields.items()
                if (typing.get_origin(info.annotation) or info.annotation) in (list, dict)
            ]
            if len(found) != 1:
                raise TypeError(f"{cls.__name__} has {len(found)} list fields: name its items with items_field")
            cls.items_field = found[0]

        def __iter__(self) -> Iterator[Any]:  # type: ignore[override]  # items, not pydantic's field tuples
            return iter(getattr(self, self.items_field))

        def __len__(self) -> int:
            return len(getattr(self, self.items_field))

        def __bool__(self) -> bool:
            return True

        def __class_getitem__(cls, item: Any) -> Any:
            # `ListModel[Agent]` types the items for type checkers only: a pydantic generic model would cost
            # ~2 ms per list model at import, and the item type is already in the list field's annotation.
            return cls


class InputModel(pydantic.BaseModel):
    """Request model: unknown fields are a typo, so they are rejected before anything is sent."""

    # defer_build: its schema is built on first use, like every model's (not at import).
    model_config = pydantic.ConfigDict(
        populate_by_name=True,
        extra="forbid",
        protected_namespaces=(),
        arbitrary_types_allowed=True,
        defer_build=True,
    )


def shape_tag(
    default: str, other: str, other_cls: type, is_other: Callable[[dict[str, Any]], bool]
) -> Callable[[Any], str]:
    """A union discriminator for two shapes told apart by their keys (raw dicts) or class (models)."""

    def tag(value: Any) -> str:
        if isinstance(value, dict):
            return other if is_other(value) else default
        return other if isinstance(value, other_cls) else default

    return tag
