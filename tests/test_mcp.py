"""`m.mcp`: config, servers and the tool catalogue, sync and async, against the fake MUXI server."""

from __future__ import annotations

import httpx
import pytest

from muxi_sdk import Muxi
from muxi_sdk.errors import ConfigurationError, NotFoundError
from muxi_sdk.models.mcp import McpConfig, McpServer, McpServerList, McpToolList
from muxi_sdk.testing import FakeMuxi
from muxi_sdk.testing.routes import _formation as fake

pytestmark = pytest.mark.usefixtures("clean_env")


def test_config(m: Muxi, muxi_fake: FakeMuxi) -> None:
    cfg = m.mcp.config()
    assert isinstance(cfg, McpConfig)
    assert (cfg.default_retry_attempts, cfg.default_timeout_seconds, cfg.max_tool_calls) == (3, 30, 50)
    assert cfg.enhance_user_prompts is True and [s.id for s in cfg.servers] == ["web-search"]
    assert cfg.response_meta is not None and cfg.response_meta.type == "mcp.defaults.retrieved"
    fake.config(muxi_fake.state)["mcp"] = {"defaults": {"retry_attempts": 5}}
    assert m.mcp.config().default_retry_attempts == 5


async def test_config_async(m: Muxi) -> None:
    assert (await m.mcp.config_async()).max_tool_iterations == 10


def test_list_servers(m: Muxi, muxi_fake: FakeMuxi) -> None:
    servers = m.mcp.servers.list()
    assert isinstance(servers, McpServerList) and servers.count == 1
    (server,) = servers.servers
    assert server.type == "http" and server.endpoint == "https://mcp.example.com/search"
    assert server.auth == {"type": "bearer", "token": "${{ secrets.SEARCH_API_KEY }}"}
    r = muxi_fake.state.requests[-1]
    assert (r.path, r.headers["x-muxi-admin-key"]) == ("/v1/mcp/servers", muxi_fake.state.admin_key)


async def test_list_servers_async(m: Muxi, muxi_fake: FakeMuxi) -> None:
    fake.mcp_servers(muxi_fake.state).clear()
    listed = await m.mcp.servers.list_async()
    assert listed.servers == [] and listed.count == 0


def test_get_server(m: Muxi) -> None:
    server = m.mcp.servers.get(server_id="web-search")
    assert isinstance(server, McpServer) and server.description == "Web search over HTTP"
    assert server.schema_version == "1.0.0"
    with pytest.raises(NotFoundError) as info:
        m.mcp.servers.get(server_id="nope")
    assert info.value.code == "MCP_SERVER_NOT_FOUND" and info.value.message == "MCP server 'nope' not found"


async def test_get_server_async(m: Muxi, muxi_fake: FakeMuxi) -> None:
    fake.mcp_servers(muxi_fake.state)["files"] = {
        "id": "files",
        "description": "Local files",
        "type": "command",
        "command": "npx",
        "args": ["-y", "@modelcontextprotocol/server-filesystem", "/data"],
    }
    server = await m.mcp.servers.get_async(server_id="files")
    assert server.command == "npx" and server.args is not None and server.args[-1] == "/data"


def test_list_tools(m: Muxi) -> None:
    tools = m.mcp.tools.list()
    assert isinstance(tools, McpToolList)
    by_name = {t.name: t for t in tools.tools}
    assert len(by_name) == 6 and by_name["chat"].access == "client"
    secrets_tool = by_name["formation_manage_secrets"]
    assert secrets_tool.access == "admin" and secrets_tool.parameters["action"].enum == ["create", "update", "delete"]
    assert by_name["get_memories"].parameters["limit"].default == 10
    assert tools.response_meta is not None and tools.response_meta.object == "list"


async def test_list_tools_async(m: Muxi) -> None:
    assert len((await m.mcp.tools.list_async()).tools) == 6


def test_no_tool_calls_or_server_changes(m: Muxi, muxi_fake: FakeMuxi) -> None:
    for name in ("call_tool", "create_server", "update_server", "delete_server"):
        assert not hasattr(m.mcp, name)
    headers = {"X-Muxi-Admin-Key": muxi_fake.state.admin_key}
    r = httpx.post(f"{muxi_fake.url}/v1/mcp/tools/call", headers=headers, json={"tool": "chat", "arguments": {}})
    assert r.status_code in (404, 405)


def test_admin_key_required(muxi_fake: FakeMuxi) -> None:
    with Muxi(url=muxi_fake.url, client_key=muxi_fake.state.client_key) as m:
        for call in (m.mcp.config, m.mcp.servers.list, m.mcp.tools.list, lambda: m.mcp.servers.get(server_id="x")):
            with pytest.raises(ConfigurationError, match="admin key"):
                call()
    assert muxi_fake.state.requests == []


async def test_admin_key_required_async(muxi_fake: FakeMuxi) -> None:
    async with Muxi(url=muxi_fake.url, client_key=muxi_fake.state.client_key) as m:
        with pytest.raises(ConfigurationError):
            await m.mcp.tools.list_async()
    assert muxi_fake.state.requests == []
