"""`m.mcp`: the formation's MCP settings and servers (admin key).

Read-only: the formation has no route to call a tool directly (`POST /v1/mcp/tools/call` was removed -
tools run through chat) nor to add, change or remove MCP servers (that is done by redeploying).
"""

from __future__ import annotations

from typing_extensions import Unpack

from ._core.operation import Call, Operation, RequestInput
from ._core.request import BaseSDK, RequestOptions, async_op, call_options, sync_op
from .models.mcp import McpConfig, McpServer, McpServerList, McpToolList

_TAGS = ("mcp",)
CONFIG = Operation("mcp_config", "GET", "/mcp", "admin", McpConfig, user="none", tags=_TAGS)
LIST_SERVERS = Operation("mcp_list_servers", "GET", "/mcp/servers", "admin", McpServerList, user="none", tags=_TAGS)
GET_SERVER = Operation("mcp_get_server", "GET", "/mcp/servers/{server_id}", "admin", McpServer, user="none", tags=_TAGS)
LIST_TOOLS = Operation("mcp_list_tools", "GET", "/mcp/tools", "admin", McpToolList, user="none", tags=_TAGS)


class Mcp(BaseSDK):
    """MCP configuration of the formation (`/v1/mcp`; admin key)."""

    def _config(self, **options: Unpack[RequestOptions]) -> Call[McpConfig]:
        """MCP defaults (retries, timeouts, tool-call limits; server defaults filled in) and the servers."""
        return Call(CONFIG, RequestInput(), call_options(options))

    def _list_servers(self, **options: Unpack[RequestOptions]) -> Call[McpServerList]:
        """The MCP servers the formation declares (`.servers`, `.count`)."""
        return Call(LIST_SERVERS, RequestInput(), call_options(options))

    def _get_server(self, *, server_id: str, **options: Unpack[RequestOptions]) -> Call[McpServer]:
        """One MCP server's configuration. `NotFoundError` (code `MCP_SERVER_NOT_FOUND`) for an unknown id."""
        return Call(GET_SERVER, RequestInput(path_params={"server_id": server_id}), call_options(options))

    def _list_tools(self, **options: Unpack[RequestOptions]) -> Call[McpToolList]:
        """The formation's built-in tool catalogue (name, description, `access`, parameters).

        This is a fixed list the runtime publishes (agent, secret, chat and memory tools), not the tools
        of the configured MCP servers.
        """
        return Call(LIST_TOOLS, RequestInput(), call_options(options))

    config = sync_op(_config)
    config_async = async_op(_config)
    list_servers = sync_op(_list_servers)
    list_servers_async = async_op(_list_servers)
    get_server = sync_op(_get_server)
    get_server_async = async_op(_get_server)
    list_tools = sync_op(_list_tools)
    list_tools_async = async_op(_list_tools)
