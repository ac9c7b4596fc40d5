"""`m.mcp`: the formation's MCP settings and servers (admin key).

Read-only: the formation has no route to call a tool directly (`POST /v1/mcp/tools/call` was removed -
tools run through chat) nor to add, change or remove MCP servers (that is done by redeploying).
"""

from __future__ import annotations

from typing_extensions import Unpack

from ._core.operation import Call, Operation, RequestInput
from ._core.options import RequestOptions, call_options
from ._core.resources import nested, renamed
from ._core.twins import async_op, sync_op
from .basesdk import BaseSDK
from .models.mcp import McpConfig, McpServer, McpServerList, McpToolList

_TAGS = ("mcp",)
CONFIG = Operation("mcp_config", "GET", "/mcp", "admin", McpConfig, user="none", tags=_TAGS)
LIST_SERVERS = Operation("mcp_list_servers", "GET", "/mcp/servers", "admin", McpServerList, user="none", tags=_TAGS)
GET_SERVER = Operation("mcp_get_server", "GET", "/mcp/servers/{server_id}", "admin", McpServer, user="none", tags=_TAGS)
LIST_TOOLS = Operation("mcp_list_tools", "GET", "/mcp/tools", "admin", McpToolList, user="none", tags=_TAGS)


class McpServers(BaseSDK):
    """The MCP servers the formation declares (`m.mcp.servers`; admin key)."""

    def _list(self: BaseSDK, **options: Unpack[RequestOptions]) -> Call[McpServerList]:
        """The MCP servers the formation declares: iterate it, or read `.servers` and `.count`."""
        return Call(LIST_SERVERS, RequestInput(), call_options(options))

    def _get(self: BaseSDK, *, server_id: str, **options: Unpack[RequestOptions]) -> Call[McpServer]:
        """One MCP server's configuration. `NotFoundError` (code `MCP_SERVER_NOT_FOUND`) for an unknown id."""
        return Call(GET_SERVER, RequestInput(path_params={"server_id": server_id}), call_options(options))

    list = sync_op(_list)
    list_async = async_op(_list)
    get = sync_op(_get)
    get_async = async_op(_get)


class McpTools(BaseSDK):
    """The formation's built-in tool catalogue (`m.mcp.tools`; admin key)."""

    def _list(self: BaseSDK, **options: Unpack[RequestOptions]) -> Call[McpToolList]:
        """The formation's built-in tool catalogue (name, description, `access`, parameters).

        This is a fixed list the runtime publishes (agent, secret, chat and memory tools), not the tools
        of the configured MCP servers.
        """
        return Call(LIST_TOOLS, RequestInput(), call_options(options))

    list = sync_op(_list)
    list_async = async_op(_list)


class Mcp(BaseSDK):
    """MCP configuration of the formation (`/v1/mcp`; admin key): `config()`, and the nested `servers`
    (`list`, `get`) and `tools` (`list`)."""

    servers = nested(McpServers)
    tools = nested(McpTools)

    def _config(self, **options: Unpack[RequestOptions]) -> Call[McpConfig]:
        """MCP defaults (retries, timeouts, tool-call limits; server defaults filled in) and the servers."""
        return Call(CONFIG, RequestInput(), call_options(options))

    config = sync_op(_config)
    config_async = async_op(_config)

    # deprecated names (one release): the nested resources' methods
    list_servers = renamed("servers.list", McpServers.list)
    list_servers_async = renamed("servers.list_async", McpServers.list_async)
    get_server = renamed("servers.get", McpServers.get)
    get_server_async = renamed("servers.get_async", McpServers.get_async)
    list_tools = renamed("tools.list", McpTools.list)
    list_tools_async = renamed("tools.list_async", McpTools.list_async)
