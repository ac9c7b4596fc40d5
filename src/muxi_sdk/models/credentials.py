"""Credentials: per-user secrets (API tokens, ...) that MCP servers of the formation use on the user's behalf."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field
from typing_extensions import NotRequired, TypedDict

from ..types.basemodel import BaseModel, InputModel, ListModel


class CredentialCreate(InputModel):
    """The body of `POST /v1/credentials`. `service` is lower-cased by the server and may not contain spaces;
    `name` is discovered by the server when omitted."""

    service: Annotated[str, Field(min_length=1)]
    name: str | None = None
    credential: dict[str, Any]


class CredentialCreateTypedDict(TypedDict):
    service: str
    name: NotRequired[str]
    credential: dict[str, Any]


class CredentialService(BaseModel):
    """A service some MCP server of the formation needs a user credential for."""

    service: str
    server_id: str | None = None
    description: str | None = None


class CredentialServiceList(ListModel[CredentialService]):
    services: list[CredentialService] = Field(default_factory=list)
    count: int = 0


class Credential(BaseModel):
    """A stored credential's metadata. The secret itself never comes back: `credential_preview` shows its
    first 7 and last 3 characters (`ghp_abc*****xyz`), or `***redacted***` when it is short."""

    credential_id: str
    service: str
    name: str | None = None
    credential_preview: str | None = None
    created_at: str | None = None
    updated_at: str | None = None


class CredentialList(ListModel[Credential]):
    credentials: list[Credential] = Field(default_factory=list)
    count: int = 0


class CredentialDeleted(BaseModel):
    credential_id: str
    deleted: bool = True
