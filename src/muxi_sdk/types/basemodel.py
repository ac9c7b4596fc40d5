"""Base classes for models. Kept apart from `types/__init__` so that importing the SDK does not import pydantic."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

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


class InputModel(pydantic.BaseModel):
    """Request model: unknown fields are a typo, so they are rejected before anything is sent."""

    model_config = pydantic.ConfigDict(
        populate_by_name=True, extra="forbid", protected_namespaces=(), arbitrary_types_allowed=True
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
