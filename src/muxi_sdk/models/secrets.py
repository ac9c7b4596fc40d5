"""Secrets: the formation's encrypted secrets (names and masked values only; values are never returned)."""

from __future__ import annotations

from pydantic import Field
from typing_extensions import TypedDict

from ..types.basemodel import BaseModel, InputModel, ListModel


class SecretList(ListModel[str]):
    """`GET /v1/secrets`: every secret name with its masked value (e.g. `"sk-12••••••cdef"`, `"••••••••"`)."""

    secrets: dict[str, str] = Field(default_factory=dict)
    count: int = 0


class Secret(BaseModel):
    """One secret: its normalised name and masked value (what `secrets.get()` returns)."""

    key: str
    masked_value: str


class SecretCreate(InputModel):
    """The body of `POST /v1/secrets`."""

    key: str
    value: str


class SecretCreateTypedDict(TypedDict):
    key: str
    value: str


class SecretUpdate(InputModel):
    """The body of `PUT /v1/secrets/{key}`."""

    value: str


class SecretUpdateTypedDict(TypedDict):
    value: str


class SecretMessage(BaseModel):
    """The answer of a secret create, update or delete: `{"message": "Secret 'X' created successfully"}`."""

    message: str = ""


class SecretSetResult(BaseModel):
    """What `secrets.set()` did: `created` is True for a new secret, False when an existing one was updated."""

    key: str
    created: bool
    message: str = ""


class SecretReloadResult(BaseModel):
    """`POST /v1/secrets/reload`: secrets re-read from the formation's encrypted store (never deleted)."""

    message: str = ""
    added: list[str] = Field(default_factory=list)
    overwritten: list[str] = Field(default_factory=list)
    preserved: list[str] = Field(default_factory=list)
    count: int = 0
