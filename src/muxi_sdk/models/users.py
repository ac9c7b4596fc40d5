"""Users and multi-identity: external identifiers (email, Slack id, ...) mapped to one MUXI user."""

from __future__ import annotations

from typing import Annotated, Any, Union

from pydantic import Field
from typing_extensions import NotRequired, TypedDict

from ..types.basemodel import BaseModel, InputModel, ListModel

# ------------------------------------------------------------------------------------------ requests


class IdentifierSpec(InputModel):
    """An identifier with its type (`email`, `slack`, `telegram`, ...); a plain string has no type."""

    identifier: Annotated[str, Field(min_length=1)]
    type: str | None = None


class IdentifierSpecTypedDict(TypedDict):
    identifier: str
    type: NotRequired[str]


IdentifierInput = Union[str, tuple[str, str], IdentifierSpec, IdentifierSpecTypedDict]
"""What `associate` / `link` accept per identifier: `"alice@example.com"`, `("U123", "slack")`, or
`{"identifier": "U123", "type": "slack"}`."""


class AssociateIdentifiersRequest(InputModel):
    """The body of `POST /v1/users/identifiers`; without `muxi_user_id` the server creates a new user."""

    muxi_user_id: str | None = None
    identifiers: Annotated[list[Union[Annotated[str, Field(min_length=1)], IdentifierSpec]], Field(min_length=1)]


class AssociateIdentifiersRequestTypedDict(TypedDict):
    muxi_user_id: NotRequired[str]
    identifiers: list[str | IdentifierSpecTypedDict]


class ResolveUserRequest(InputModel):
    """The body of `POST /v1/users/resolve`."""

    identifier: Annotated[str, Field(min_length=1)]
    identifier_type: str | None = None


class ResolveUserRequestTypedDict(TypedDict):
    identifier: str
    identifier_type: NotRequired[str]


# ------------------------------------------------------------------------------------------ responses


class Identifier(BaseModel):
    """One identifier of a user. `type` is `"unknown"` when none was given."""

    identifier: str
    type: str | None = None
    created_at: str | None = None


class UserIdentifiers(ListModel[Identifier]):
    """A MUXI user (`muxi_user_id`, e.g. `usr_...`) and identifiers: all of them (`list_identifiers`) or
    those just associated (`associate` / `link`)."""

    muxi_user_id: str
    internal_user_id: int | str | None = None
    identifiers: list[Identifier] = Field(default_factory=list)
    count: int = 0


class IdentifierRemoved(BaseModel):
    """Answer to `unlink`: the server's `message` and the user the identifier belonged to."""

    message: str | None = None
    muxi_user_id: str | None = None


class ResolvedUser(BaseModel):
    """Which MUXI user an identifier belongs to."""

    identifier: str
    muxi_user_id: str
    internal_user_id: int | str | None = None


def identifier_wire(value: Any) -> str | IdentifierSpec:
    """Normalise one identifier input (string, `(id, type)` tuple, dict or `IdentifierSpec`)."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"an identifier tuple is (identifier, type), got {value!r}")
        return IdentifierSpec(identifier=value[0], type=value[1])
    if isinstance(value, dict):
        return IdentifierSpec.model_validate(value)
    if isinstance(value, (str, IdentifierSpec)):
        return value
    raise ValueError(f"an identifier is a string, an (identifier, type) tuple or a dict, not {type(value).__name__}")
