"""`m.secrets`: the formation's encrypted secrets (admin key). Values go in; only masked values come out.

Secret names are normalised by the formation - upper-case, every character other than `A-Z`, `0-9` and `_`
becomes `_`, runs of `_` collapse, leading/trailing `_` go (`"my-api.key"` -> `"MY_API_KEY"`). The SDK
applies the same rule before sending, so `set("my-key")`, `get("my-key")` and `delete("my-key")` all
address `MY_KEY`, and the server's messages name the secret as it is stored.
"""

from __future__ import annotations

import re
from typing import Any

from typing_extensions import Unpack

from ._core.multistep import Steps, async_steps, sync_steps
from ._core.operation import Call, Operation, RequestInput
from ._core.options import RequestOptions, call_options
from ._core.twins import async_op, sync_op
from ._utils.inputs import body_dict, validate_input
from ._utils.serializers import json_body
from .basesdk import BaseSDK
from .errors import ConflictError, InvalidInputError, NotFoundError
from .models.secrets import (
    Secret,
    SecretCreate,
    SecretList,
    SecretMessage,
    SecretReloadResult,
    SecretSetResult,
    SecretUpdate,
)

_TAGS = ("secrets",)
LIST = Operation("secrets_list", "GET", "/secrets", "admin", SecretList, user="none", tags=_TAGS)
CREATE = Operation("secrets_create", "POST", "/secrets", "admin", SecretMessage, user="none", tags=_TAGS)
UPDATE = Operation(
    "secrets_update", "PUT", "/secrets/{key}", "admin", SecretMessage, user="none", tags=_TAGS, replay="any"
)
DELETE = Operation("secrets_delete", "DELETE", "/secrets/{key}", "admin", SecretMessage, user="none", tags=_TAGS)
RELOAD = Operation("secrets_reload", "POST", "/secrets/reload", "admin", SecretReloadResult, user="none", tags=_TAGS)

_INVALID = re.compile(r"[^A-Z0-9_]")
_RUNS = re.compile(r"_+")


def normalize_secret_name(key: str) -> str:
    """The name the formation stores `key` under: `"openai-api-key"` -> `"OPENAI_API_KEY"`."""
    if not isinstance(key, str):
        raise InvalidInputError(f"key must be a string, not {type(key).__name__}")
    name = _RUNS.sub("_", _INVALID.sub("_", key.upper())).strip("_")
    if not name:
        raise InvalidInputError(f"secret name {key!r} has no letters or digits")
    return name


def _value(value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidInputError(f"value must be a string, not {type(value).__name__}")
    return value


def _pick(name: str) -> Any:
    """`get` = `list` + this filter: the one secret, or `NotFoundError` like the server's for a missing key."""

    def pick(listing: SecretList, _is_async: bool) -> Secret:
        if name not in listing.secrets:
            meta = listing.response_meta
            raise NotFoundError(
                f"Secret '{name}' not found",
                code="SECRET_NOT_FOUND",
                request_id=meta.request_id if meta else None,
                details={"key": name, "available": sorted(listing.secrets)},
            )
        secret = Secret(key=name, masked_value=listing.secrets[name])
        secret._response_meta = listing.response_meta
        return secret

    return pick


class Secrets(BaseSDK):
    """Formation secrets (`/v1/secrets`; admin key). The API never returns a secret's value."""

    def _list(self, **options: Unpack[RequestOptions]) -> Call[SecretList]:
        """Every secret's name with its masked value (`.secrets` maps name -> masked value)."""
        return Call(LIST, RequestInput(), call_options(options))

    def _get(self, *, key: str, **options: Unpack[RequestOptions]) -> Call[Secret]:
        """One secret's normalised name and masked value.

        The formation has no route for a single secret (`GET /v1/secrets/{key}` answers 405), so this lists
        the secrets and picks `key` (normalised) from them. A missing secret raises `NotFoundError` with code
        `SECRET_NOT_FOUND`, raised by the SDK (`status_code` is None: the list request itself succeeded).
        """
        return Call(LIST, RequestInput(), call_options(options), post=_pick(normalize_secret_name(key)))

    def _set(self, *, key: str, value: str, **options: Unpack[RequestOptions]) -> Steps[SecretSetResult]:
        """Create the secret, or update it if it exists. Returns the normalised `key` and whether it was `created`.

        The formation creates with `POST /v1/secrets` (409 `SECRET_EXISTS` if the name is taken) and updates
        with `PUT /v1/secrets/{key}` (404 `SECRET_NOT_FOUND` for a new name), so this tries the create and
        falls back to the update on 409. A retried create that had already succeeded ends in the update too,
        so `set` can be repeated safely.
        """
        name = normalize_secret_name(key)
        opts = call_options(options)
        create = validate_input(SecretCreate, {"key": name, "value": _value(value)})
        try:
            done: SecretMessage = yield Call(CREATE, RequestInput(body=json_body(body_dict(create))), opts)
            created = True
        except ConflictError:
            update = validate_input(SecretUpdate, {"value": value})
            req = RequestInput(path_params={"key": name}, body=json_body(body_dict(update)))
            done = yield Call(UPDATE, req, opts)
            created = False
        result = SecretSetResult(key=name, created=created, message=done.message)
        result._response_meta = done.response_meta
        return result

    def _delete(self, *, key: str, **options: Unpack[RequestOptions]) -> Call[SecretMessage]:
        """Delete a secret. `NotFoundError` (`SECRET_NOT_FOUND`) if there is none by that name;
        `ConflictError` (`SECRET_IN_USE`) while the formation's configuration references it."""
        req = RequestInput(path_params={"key": normalize_secret_name(key)})
        return Call(DELETE, req, call_options(options))

    def _reload(self, **options: Unpack[RequestOptions]) -> Call[SecretReloadResult]:
        """Re-read the secrets from the formation's encrypted store into memory (add or overwrite, never
        delete): use it after changing the store outside the API. Returns what was added/overwritten/preserved."""
        return Call(RELOAD, RequestInput(), call_options(options))

    list = sync_op(_list)
    list_async = async_op(_list)
    get = sync_op(_get)
    get_async = async_op(_get)
    set = sync_steps(_set)
    set_async = async_steps(_set)
    delete = sync_op(_delete)
    delete_async = async_op(_delete)
    reload = sync_op(_reload)
    reload_async = async_op(_reload)
