"""MUXI server (Server API) models: health, status and the server's own logs."""

from __future__ import annotations

from pydantic import Field

from ..types.basemodel import BaseModel, ListModel


class ServerHealth(BaseModel):
    """`GET /health` on the MUXI server: public, not enveloped (`{"success": true, "status": "ok", ...}`)."""

    status: str
    version: str | None = None
    success: bool | None = None

    @property
    def healthy(self) -> bool:
        return self.status in ("ok", "healthy")


class ServerInfo(BaseModel):
    id: str | None = None
    version: str | None = None
    uptime: int | None = None
    """Seconds since the server started."""


class FormationCounts(BaseModel):
    total: int = 0
    running: int = 0
    stopped: int = 0
    crashed: int = 0


class PortPool(BaseModel):
    total: int | None = None
    available: int | None = None
    allocated: int | None = None


class RuntimeInfo(BaseModel):
    goroutines: int | None = None
    go_version: str | None = None


class ServerStatus(BaseModel):
    """`GET /rpc/server/status`: the server, its formations by state, its port pool and Go runtime."""

    server: ServerInfo = Field(default_factory=ServerInfo)
    formations: FormationCounts = Field(default_factory=FormationCounts)
    port_pool: PortPool = Field(default_factory=PortPool)
    runtime: RuntimeInfo = Field(default_factory=RuntimeInfo)


class ServerLogs(ListModel[str]):
    """`GET /rpc/server/logs`: the server's audit log lines (served as `text/plain`; empty when the server
    writes no audit file, as MUXI Server 0.20260423.0 does)."""

    text: str = ""
    """The body as the server sent it."""
    lines: list[str] = Field(default_factory=list)
    """`text` split into lines (empty lines dropped)."""

    @classmethod
    def from_text(cls, text: str) -> ServerLogs:
        return cls(text=text, lines=[line for line in text.splitlines() if line.strip()])

    def __str__(self) -> str:
        return self.text
