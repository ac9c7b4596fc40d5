"""/v1/mcp (admin): defaults, servers, and the runtime's static admin tool catalogue. Read-only, as on the
real server (its create/update/delete and `POST /mcp/tools/call` handlers are not routed)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..auth import require
from ..envelope import APIError, ok
from ..state import FakeState
from ._formation import config, mcp_servers

_REQUIRED_STRING = {"type": "string", "required": True}
TOOLS: list[dict[str, Any]] = [
    {
        "name": "formation_list_agents",
        "description": "List all agents in the formation",
        "access": "admin",
        "parameters": {},
    },
    {
        "name": "formation_update_agent",
        "description": "Update agent configuration",
        "access": "admin",
        "parameters": {"agent_id": _REQUIRED_STRING, "updates": {"type": "object", "required": True}},
    },
    {
        "name": "formation_manage_secrets",
        "description": "Manage formation secrets",
        "access": "admin",
        "parameters": {
            "action": {"type": "string", "enum": ["create", "update", "delete"], "required": True},
            "key": _REQUIRED_STRING,
            "value": {"type": "string", "required": False},
        },
    },
    {
        "name": "chat",
        "description": "Send a message to the formation",
        "access": "client",
        "parameters": {
            "message": _REQUIRED_STRING,
            "user_id": {"type": "string", "required": False},
            "files": {"type": "array", "required": False},
        },
    },
    {
        "name": "get_memories",
        "description": "Retrieve user memories",
        "access": "client",
        "parameters": {"user_id": _REQUIRED_STRING, "limit": {"type": "integer", "required": False, "default": 10}},
    },
    {
        "name": "create_memory",
        "description": "Create a user memory",
        "access": "client",
        "parameters": {
            "user_id": _REQUIRED_STRING,
            "content": _REQUIRED_STRING,
            "metadata": {"type": "object", "required": False},
        },
    },
]


def routes(state: FakeState) -> list[BaseRoute]:
    def servers() -> list[dict[str, Any]]:
        with state.lock:
            return list(mcp_servers(state).values())

    async def mcp_defaults(request: Request) -> Response:
        require(request, state, "admin")
        defaults = (config(state).get("mcp") or {}).get("defaults") or {}
        data = {
            "default_retry_attempts": defaults.get("retry_attempts", 3),
            "default_timeout_seconds": defaults.get("timeout_seconds", 30),
            "max_tool_iterations": defaults.get("max_tool_iterations", 10),
            "max_tool_calls": defaults.get("max_tool_calls", 50),
            "max_repeated_errors": defaults.get("max_repeated_errors", 3),
            "max_timeout_in_seconds": defaults.get("max_timeout_in_seconds", 300),
            "max_tool_timeout_in_seconds": defaults.get("max_tool_timeout_in_seconds", 30),
            "enhance_user_prompts": defaults.get("enhance_user_prompts", True),
            "servers": servers(),
        }
        return ok("mcp_defaults", "mcp.defaults.retrieved", data)

    async def list_servers(request: Request) -> Response:
        require(request, state, "admin")
        listed = servers()
        return ok("mcp_server_list", "mcp.server.list", {"servers": listed, "count": len(listed)})

    async def get_server(request: Request) -> Response:
        require(request, state, "admin")
        server_id = request.path_params["server_id"]
        with state.lock:
            server = mcp_servers(state).get(server_id)
        if server is None:
            raise APIError(404, f"MCP server '{server_id}' not found", "MCP_SERVER_NOT_FOUND")
        return ok("mcp_server", "mcp.server.retrieved", server)

    async def list_tools(request: Request) -> Response:
        require(request, state, "admin")
        return ok("list", "mcp_tool.list", {"tools": TOOLS})

    return [
        Route("/mcp", mcp_defaults, methods=["GET"]),
        Route("/mcp/servers", list_servers, methods=["GET"]),
        Route("/mcp/servers/{server_id}", get_server, methods=["GET"]),
        Route("/mcp/tools", list_tools, methods=["GET"]),
    ]
