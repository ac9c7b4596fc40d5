"""Base classes for models. Kept apart from `types/__init__` so that importing the SDK does not import pydantic."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pydantic

if TYPE_CHECKING:
    from ..models.shared import ResponseMeta


class BaseModel(pydantic.BaseModel):
    """Response model: keeps fields the server adds tomorrow (`extra="allow"`), so nothing is lost."""

    model_config = pydantic.ConfigDict(
        populate_by_name=True, extra="allow", protected_namespaces=(), arbitrary_types_allowed=True
    )

    _response_meta: ResponseMeta | None = pydantic.PrivateAttr(default=None)

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
