"""`m.users.credentials`: per-user secrets that the formation's MCP servers use on the user's behalf."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from typing_extensions import Unpack

from ._core.operation import Call, Operation, RequestInput
from ._core.options import RequestOptions, call_options
from ._core.twins import async_op, sync_op
from ._utils.inputs import body_dict, validate_input
from ._utils.serializers import json_body
from .basesdk import BaseSDK
from .errors import InvalidInputError
from .models.credentials import (
    Credential,
    CredentialCreate,
    CredentialDeleted,
    CredentialList,
    CredentialServiceList,
)

_TAGS = ("credentials",)
SERVICES = Operation(
    "credentials_services", "GET", "/credentials/services", "dual", CredentialServiceList, user="none", tags=_TAGS
)
LIST = Operation("credentials_list", "GET", "/credentials", "dual", CredentialList, user="required", tags=_TAGS)
GET = Operation(
    "credentials_get", "GET", "/credentials/{credential_id}", "dual", Credential, user="required", tags=_TAGS
)
CREATE = Operation(
    "credentials_create",
    "POST",
    "/credentials",
    "dual",
    Credential,
    user="required",
    request=CredentialCreate,
    tags=_TAGS,
)
DELETE = Operation(
    "credentials_delete",
    "DELETE",
    "/credentials/{credential_id}",
    "dual",
    CredentialDeleted,
    user="required",
    tags=_TAGS,
)


class Credentials(BaseSDK):
    """A user's stored credentials (`/v1/credentials`; either key, and always a user)."""

    def _services(self, **options: Unpack[RequestOptions]) -> Call[CredentialServiceList]:
        """Services the formation can use user credentials for (`GET /v1/credentials/services`; no user)."""
        return Call(SERVICES, RequestInput(), call_options(options))

    def _list(self, *, user_id: str | None = None, **options: Unpack[RequestOptions]) -> Call[CredentialList]:
        """The user's credentials, metadata only (`GET /v1/credentials`)."""
        return Call(LIST, RequestInput(user_id=user_id), call_options(options))

    def _get(
        self, *, credential_id: str, user_id: str | None = None, **options: Unpack[RequestOptions]
    ) -> Call[Credential]:
        """One credential's metadata (`GET /v1/credentials/{credential_id}`)."""
        req = RequestInput(path_params={"credential_id": credential_id}, user_id=user_id)
        return Call(GET, req, call_options(options))

    def _create(
        self,
        *,
        service: str,
        credential: Mapping[str, Any],
        name: str | None = None,
        user_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> Call[Credential]:
        """Store a credential for the user (`POST /v1/credentials`, 201); it is encrypted at rest.

        `credential` is the service's secret data, e.g. `{"token": "ghp_..."}`; only a masked preview
        ever comes back.
        """
        if isinstance(service, str) and " " in service.strip():
            raise InvalidInputError(f"service names cannot contain spaces: {service!r}")
        if not isinstance(credential, Mapping):
            raise InvalidInputError(
                f"credential must be a dict of the service's secret data, not {type(credential).__name__}"
            )
        fields = {"service": service, "name": name, "credential": dict(credential)}
        body = body_dict(validate_input(CredentialCreate, fields))
        return Call(CREATE, RequestInput(body=json_body(body), user_id=user_id), call_options(options))

    def _delete(
        self, *, credential_id: str, user_id: str | None = None, **options: Unpack[RequestOptions]
    ) -> Call[CredentialDeleted]:
        """Delete one of the user's credentials (`DELETE /v1/credentials/{credential_id}`)."""
        req = RequestInput(path_params={"credential_id": credential_id}, user_id=user_id)
        return Call(DELETE, req, call_options(options))

    services = sync_op(_services)
    services_async = async_op(_services)
    list = sync_op(_list)
    list_async = async_op(_list)
    get = sync_op(_get)
    get_async = async_op(_get)
    create = sync_op(_create)
    create_async = async_op(_create)
    delete = sync_op(_delete)
    delete_async = async_op(_delete)
