"""Which end user a call acts for: one rule, checked before anything is sent.

The runtime answers a user-scoped route without `X-Muxi-User-ID` in one of two ways: 400 (memories,
sessions, credentials, and the client-key side of requests, events, scheduler listing and session buffers),
or - worse - by silently acting as its default user `"0"` (chat, audio chat, trigger fire, scheduler jobs),
which merges every end user's sessions and memory in a multi-user app. So a user is required wherever the
runtime reads one (`user="required"`), or wherever it does with the client key (`user="client_key"`);
`user_id="0"` is accepted when that is really meant.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..errors import ConfigurationError
from .auth import USER_ID_HEADER, credential

if TYPE_CHECKING:
    from ..sdkconfiguration import SDKConfiguration
    from .operation import Operation


def uses_client_key(cfg: SDKConfiguration, op: Operation) -> bool:
    """Does this operation authenticate with the client key? (`auth.credential`: the request path's rule.)"""
    return credential(cfg, op) == "client"


def needs_user(cfg: SDKConfiguration, op: Operation) -> bool:
    return op.user == "required" or (op.user == "client_key" and uses_client_key(cfg, op))


def require_user(
    cfg: SDKConfiguration,
    op: Operation,
    user_id: str | None,
    http_headers: Mapping[str, str] | None = None,
) -> None:
    """Raise `ConfigurationError` when `op` needs a user and none is given (argument, client default, header)."""
    if user_id or cfg.user_id or not needs_user(cfg, op):
        return
    if http_headers and any(k.lower() == USER_ID_HEADER.lower() for k in http_headers):
        return
    raise missing_user(op)


def missing_user(op: Operation) -> ConfigurationError:
    """The one error of every user-scoped call without a user."""
    admin = " (or use the admin key alone to act for every user)" if op.user == "client_key" else ""
    return ConfigurationError(
        f"{op.operation_id} acts for an end user: pass user_id= to the call or to Muxi() (or set MUXI_USER_ID); "
        f'user_id="0" is the runtime\'s single-user default{admin}'
    )


def end_user(cfg: SDKConfiguration, user_id: str | None, op: Operation) -> str:
    """The user a call is about where the runtime takes it in the path or the body, not the header:
    `user_id=` or the client's default user. `ConfigurationError` when there is neither."""
    user = user_id if user_id is not None else cfg.user_id
    if not user:
        raise missing_user(op)
    return user
