"""MCP: the formation's MCP defaults, servers and the admin tool catalogue (all read-only over HTTP)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ..types.basemodel import BaseModel, ListModel


class McpServer(BaseModel):
    """One MCP server as the formation declares it. `type` is `"http"` (with `endpoint`) or `"command"`
    (with `command`/`args`); secret references are shown as `${{ secrets.X }}`."""

    id: str
    description: str | None = None
    type: str | None = None
    endpoint: str | None = None
    command: str | None = None
    args: list[str] | None = None
    auth: dict[str, Any] | None = None
    timeout_seconds: float | None = None
    retry_attempts: int | None = None
    parameters: dict[str, Any] | None = None
    tools: Any = None
    schema_version: str | None = Field(default=None, alias="schema")


class McpServerList(ListModel[McpServer]):
    """`GET /v1/mcp/servers`."""

    servers: list[McpServer] = Field(default_factory=list)
    count: int = 0


class McpConfig(BaseModel):
    """`GET /v1/mcp`: MCP defaults (filled in by the server) and the configured servers."""

    default_retry_attempts: int | None = None
    default_timeout_seconds: float | None = None
    max_tool_iterations: int | None = None
    max_tool_calls: int | None = None
    max_repeated_errors: int | None = None
    max_timeout_in_seconds: float | None = None
    max_tool_timeout_in_seconds: float | None = None
    enhance_user_prompts: bool | None = None
    servers: list[McpServer] = Field(default_factory=list)


class McpToolParameter(BaseModel):
    """One parameter of an admin tool: `{"type": "string", "required": true, ...}`."""

    type: str | None = None
    required: bool | None = None
    default: Any = None
    enum: list[Any] | None = None


class McpTool(BaseModel):
    """An entry of the formation's built-in admin tool catalogue; `access` is `"admin"` or `"client"`."""

    name: str
    description: str | None = None
    access: str | None = None
    parameters: dict[str, McpToolParameter] = Field(default_factory=dict)


class McpToolList(ListModel[McpTool]):
    """`GET /v1/mcp/tools`: a fixed catalogue of formation tools, not the tools of the MCP servers."""

    tools: list[McpTool] = Field(default_factory=list)
