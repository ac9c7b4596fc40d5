"""System models (health; later issues add status, config, ...)."""

from __future__ import annotations

from ..types.basemodel import BaseModel


class HealthStatus(BaseModel):
    """`GET /v1/health`: public, not enveloped."""

    status: str
    version: str | None = None
    uptime_seconds: float | None = None

    @property
    def healthy(self) -> bool:
        return self.status in ("healthy", "ok")
