"""`m.users`: one MUXI user behind many identifiers (email, Slack id, ...), and `m.users.credentials`."""

from __future__ import annotations

from collections.abc import Sequence

from typing_extensions import Unpack

from ._core.operation import Call, Operation, RequestInput
from ._core.options import RequestOptions, call_options
from ._core.resources import nested
from ._core.twins import async_op, sync_op
from ._utils.inputs import body_dict, validate_input
from ._utils.serializers import json_body
from .basesdk import BaseSDK
from .channels import Channels
from .credentials import Credentials
from .errors import InvalidInputError
from .models.users import (
    AssociateIdentifiersRequest,
    IdentifierInput,
    IdentifierRemoved,
    ResolvedUser,
    ResolveUserRequest,
    UserIdentifiers,
    identifier_wire,
)

# Client key only: the runtime rejects the admin key on /users (401), although MUXI's docs and the official
# SDK use the admin key here.
_TAGS = ("users",)
ASSOCIATE = Operation(
    "users_associate",
    "POST",
    "/users/identifiers",
    "client",
    UserIdentifiers,
    user="none",
    request=AssociateIdentifiersRequest,
    tags=_TAGS,
)
LIST_IDENTIFIERS = Operation(
    "users_list_identifiers",
    "GET",
    "/users/identifiers/{muxi_user_id}",
    "client",
    UserIdentifiers,
    user="none",
    tags=_TAGS,
)
UNLINK = Operation(
    "users_unlink", "DELETE", "/users/identifiers/{identifier}", "client", IdentifierRemoved, user="none", tags=_TAGS
)
RESOLVE = Operation(
    "users_resolve",
    "POST",
    "/users/resolve",
    "client",
    ResolvedUser,
    user="none",
    request=ResolveUserRequest,
    tags=_TAGS,
    replay="any",  # creates the user only if missing: a repeat finds the one the first created
)
LOOKUP = Operation("users_lookup", "GET", "/users/{identifier}", "client", ResolvedUser, user="none", tags=_TAGS)


def _identifiers_body(identifiers: Sequence[IdentifierInput], muxi_user_id: str | None) -> dict[str, object]:
    if isinstance(identifiers, (str, bytes, dict, tuple)) or not isinstance(identifiers, Sequence):
        raise InvalidInputError(
            "identifiers must be a list: of strings, (identifier, type) tuples or {'identifier', 'type'} dicts"
        )
    try:
        items = [identifier_wire(i) for i in identifiers]
    except ValueError as exc:  # pydantic.ValidationError is a ValueError too
        raise InvalidInputError(f"invalid identifier: {exc}") from exc
    request = validate_input(AssociateIdentifiersRequest, {"muxi_user_id": muxi_user_id, "identifiers": items})
    return body_dict(request)


class Users(BaseSDK):
    """Multi-identity users (`/v1/users`, client key only), their stored credentials (`.credentials`) and their
    notification channels (`.channels`)."""

    @property
    def channels(self) -> Channels:
        """The user's notification channels (`m.users.channels`), created on first use."""
        cached: Channels | None = self.__dict__.get("_channels")
        if cached is None:
            cached = Channels(self.sdk_configuration, parent_ref=self.parent_ref)
            self.__dict__["_channels"] = cached
        return cached

    credentials = nested(Credentials)
    """The user's stored credentials (`m.users.credentials`), created on first use."""

    def _associate(
        self,
        *,
        identifiers: Sequence[IdentifierInput],
        muxi_user_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> Call[UserIdentifiers]:
        """Map identifiers to one MUXI user (`POST /v1/users/identifiers`); a new user without `muxi_user_id`.

        Each identifier is a string (`"alice@example.com"`: type `unknown`), an `(identifier, type)` tuple or
        an `{"identifier", "type"}` dict. An identifier that belonged to another user is moved to this one
        (the server reports no conflict). Returns the user's id and the identifiers just associated.
        """
        body = _identifiers_body(identifiers, muxi_user_id)
        return Call(ASSOCIATE, RequestInput(body=json_body(body)), call_options(options))

    def _link(
        self,
        *,
        muxi_user_id: str,
        identifiers: Sequence[IdentifierInput],
        **options: Unpack[RequestOptions],
    ) -> Call[UserIdentifiers]:
        """Add identifiers to an existing user (`POST /v1/users/identifiers` with `muxi_user_id`);
        `NotFoundError` if the user does not exist."""
        if not isinstance(muxi_user_id, str) or not muxi_user_id.strip():
            raise InvalidInputError("link() needs the muxi_user_id of an existing user (use associate() to create one)")
        body = _identifiers_body(identifiers, muxi_user_id)
        return Call(ASSOCIATE, RequestInput(body=json_body(body)), call_options(options))

    def _list_identifiers(self, *, muxi_user_id: str, **options: Unpack[RequestOptions]) -> Call[UserIdentifiers]:
        """Every identifier of a MUXI user (`GET /v1/users/identifiers/{muxi_user_id}`)."""
        req = RequestInput(path_params={"muxi_user_id": muxi_user_id})
        return Call(LIST_IDENTIFIERS, req, call_options(options))

    def _unlink(self, *, identifier: str, **options: Unpack[RequestOptions]) -> Call[IdentifierRemoved]:
        """Remove an identifier from whichever user has it (`DELETE /v1/users/identifiers/{identifier}`)."""
        return Call(UNLINK, RequestInput(path_params={"identifier": identifier}), call_options(options))

    def _resolve(
        self,
        *,
        identifier: str,
        identifier_type: str | None = None,
        create: bool = True,
        **options: Unpack[RequestOptions],
    ) -> Call[ResolvedUser]:
        """Which MUXI user an identifier belongs to.

        `create=True` (`POST /v1/users/resolve`) makes a new user for an unknown identifier; `create=False`
        (`GET /v1/users/{identifier}`) only looks up and raises `NotFoundError` for an unknown one.
        """
        if not create:
            if identifier_type is not None:
                raise InvalidInputError("identifier_type is used only when creating (create=True)")
            return Call(LOOKUP, RequestInput(path_params={"identifier": identifier}), call_options(options))
        fields = {"identifier": identifier, "identifier_type": identifier_type}
        body = body_dict(validate_input(ResolveUserRequest, fields))
        return Call(RESOLVE, RequestInput(body=json_body(body)), call_options(options))

    associate = sync_op(_associate)
    associate_async = async_op(_associate)
    link = sync_op(_link)
    link_async = async_op(_link)
    list_identifiers = sync_op(_list_identifiers)
    list_identifiers_async = async_op(_list_identifiers)
    unlink = sync_op(_unlink)
    unlink_async = async_op(_unlink)
    resolve = sync_op(_resolve)
    resolve_async = async_op(_resolve)
