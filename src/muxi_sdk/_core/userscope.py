"""Which end user a call acts for, where the runtime's rule depends on the key (the "dual" routes)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..errors import ConfigurationError
from .auth import USER_ID_HEADER

if TYPE_CHECKING:
    from ..sdkconfiguration import SDKConfiguration
    from .operation import Operation


def uses_client_key(cfg: SDKConfiguration, op: Operation) -> bool:
    """Does this operation authenticate with the client key (same choice as the request path makes)?"""
    if op.auth == "client":
        return True
    if op.auth == "dual":
        return bool(cfg.client_key)
    return op.auth == "dual_admin" and not cfg.admin_key


def require_user_for_client_key(
    cfg: SDKConfiguration,
    op: Operation,
    user_id: str | None,
    http_headers: Mapping[str, str] | None = None,
) -> None:
    """Dual routes (requests, events): the client key must name a user, the admin key may omit it.

    Raises `ConfigurationError` before anything is sent, instead of the runtime's 400.
    """
    if not uses_client_key(cfg, op) or user_id or cfg.user_id:
        return
    if http_headers and any(k.lower() == USER_ID_HEADER.lower() for k in http_headers):
        return
    raise ConfigurationError(
        f"{op.operation_id} with the client key needs a user: pass user_id= to the call or to Muxi() "
        "(or set MUXI_USER_ID), or call it with the admin key only to see every user's"
    )


def end_user(cfg: SDKConfiguration, user_id: str | None, op: Operation) -> str:
    """The user a call is about where the runtime takes it in the path or the body, not the header:
    `user_id=` or the client's default user. `ConfigurationError` when there is neither."""
    user = user_id if user_id is not None else cfg.user_id
    if not user:
        raise ConfigurationError(
            f"{op.operation_id} needs a user: pass user_id= to the call or to Muxi() (or set MUXI_USER_ID)"
        )
    return user
