"""`m.system`: formation health (later issues add the admin views)."""

from __future__ import annotations

from typing_extensions import Unpack

from .basesdk import BaseSDK, RequestOptions, async_op, call_options, sync_op
from .models.system import HealthStatus
from .utils.operation import Call, Operation, RequestInput

HEALTH = Operation(
    "system_health", "GET", "/health", "none", HealthStatus, envelope=False, user="none", tags=("system",)
)


class System(BaseSDK):
    """Formation-wide information and administration."""

    def _health(self, **options: Unpack[RequestOptions]) -> Call[HealthStatus]:
        """`GET /v1/health`: is the formation up? Public: needs no key."""
        return Call(HEALTH, RequestInput(), call_options(options))

    health = sync_op(_health)
    health_async = async_op(_health)
