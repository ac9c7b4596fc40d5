"""`m.agents`: list, get and knowledge sync, sync and async, against the fake MUXI server."""

from __future__ import annotations

import httpx
import pytest

from muxi_sdk import Muxi
from muxi_sdk.errors import ConfigurationError, NotFoundError, ValidationError
from muxi_sdk.models.agents import Agent, AgentList, KnowledgeSyncResult
from muxi_sdk.testing import FakeMuxi
from muxi_sdk.testing.routes import _formation as fake

pytestmark = pytest.mark.usefixtures("clean_env")


@pytest.fixture
def m(muxi_fake: FakeMuxi) -> Muxi:
    return muxi_fake.client(user_id="alice")


def _with_remote_knowledge(muxi_fake: FakeMuxi) -> None:
    fake.agents(muxi_fake.state)["researcher"] = {
        "id": "researcher",
        "name": "Researcher",
        "source": "formation",
        "knowledge": [
            {"id": "docs", "url": "https://github.com/acme/docs"},
            {"id": "wiki", "url": "https://wiki.example.com"},
            {"path": "knowledge/local.md"},
        ],
    }


def test_list(m: Muxi, muxi_fake: FakeMuxi) -> None:
    agents = m.agents.list()
    assert isinstance(agents, AgentList) and agents.count == 1
    (assistant,) = agents.agents
    assert assistant.id == "assistant" and assistant.name == "Assistant" and assistant.source == "formation"
    assert assistant.system_message == "You are a helpful assistant."
    assert agents.response_meta is not None and agents.response_meta.object == "agent_list"
    r = muxi_fake.state.requests[-1]
    assert (r.method, r.path) == ("GET", "/v1/agents")
    assert r.headers["x-muxi-admin-key"] == muxi_fake.state.admin_key and "x-muxi-user-id" not in r.headers


async def test_list_async(m: Muxi) -> None:
    assert [a.id for a in (await m.agents.list_async()).agents] == ["assistant"]


def test_get(m: Muxi) -> None:
    agent = m.agents.get(agent_id="assistant")
    assert isinstance(agent, Agent) and agent.description == "Echo assistant for SDK testing"
    assert agent.response_meta is not None and agent.response_meta.type == "agent.retrieved"


async def test_get_async(m: Muxi) -> None:
    assert (await m.agents.get_async(agent_id="assistant")).name == "Assistant"


def test_get_unknown_agent(m: Muxi) -> None:
    with pytest.raises(NotFoundError) as info:
        m.agents.get(agent_id="nobody")
    assert info.value.code == "AGENT_NOT_FOUND" and info.value.message == "Agent 'nobody' not found"
    assert info.value.status_code == 404


def test_unknown_fields_are_kept(m: Muxi, muxi_fake: FakeMuxi) -> None:
    fake.agents(muxi_fake.state)["assistant"]["temperature"] = 0.3
    assert m.agents.get(agent_id="assistant").additional_properties == {"temperature": 0.3}


def test_sync_knowledge(m: Muxi, muxi_fake: FakeMuxi) -> None:
    _with_remote_knowledge(muxi_fake)
    result = m.agents.sync_knowledge(agent_id="researcher")
    assert isinstance(result, KnowledgeSyncResult) and result.agent_id == "researcher"
    assert [(r.source_id, r.status) for r in result.results] == [("docs", "success"), ("wiki", "success")]
    assert result.results[0].files_added == 0 and result.results[0].url == "https://github.com/acme/docs"
    r = muxi_fake.state.requests[-1]
    assert (r.method, r.path, r.body) == ("POST", "/v1/agents/researcher/knowledge/sync", b"{}")
    only = m.agents.sync_knowledge(agent_id="researcher", source_id="wiki")
    assert [x.source_id for x in only.results] == ["wiki"]
    assert muxi_fake.state.requests[-1].body == b'{"source_id":"wiki"}'


async def test_sync_knowledge_async(m: Muxi, muxi_fake: FakeMuxi) -> None:
    _with_remote_knowledge(muxi_fake)
    result = await m.agents.sync_knowledge_async(agent_id="researcher", source_id="docs")
    assert [x.source_id for x in result.results] == ["docs"]


def test_sync_knowledge_errors(m: Muxi, muxi_fake: FakeMuxi) -> None:
    with pytest.raises(ValidationError) as info:
        m.agents.sync_knowledge(agent_id="assistant")
    assert info.value.code == "INVALID_REQUEST"
    assert info.value.message == "Agent 'assistant' has no remote knowledge sources"
    with pytest.raises(NotFoundError) as nf:
        m.agents.sync_knowledge(agent_id="ghost")
    assert nf.value.code == "AGENT_NOT_FOUND"
    _with_remote_knowledge(muxi_fake)
    with pytest.raises(NotFoundError) as missing:
        m.agents.sync_knowledge(agent_id="researcher", source_id="nope")
    assert missing.value.code == "RESOURCE_NOT_FOUND"


def test_agents_are_read_only_on_the_server(muxi_fake: FakeMuxi) -> None:
    # No create/update/delete routes on the real runtime, so none in the SDK either.
    assert not hasattr(Muxi().agents, "create") and not hasattr(Muxi().agents, "delete")
    headers = {"X-Muxi-Admin-Key": muxi_fake.state.admin_key}
    assert httpx.post(f"{muxi_fake.url}/v1/agents", headers=headers, json={"id": "x"}).status_code == 405
    assert httpx.delete(f"{muxi_fake.url}/v1/agents/assistant", headers=headers).status_code == 405


def test_admin_key_required(muxi_fake: FakeMuxi) -> None:
    with Muxi(url=muxi_fake.url, client_key=muxi_fake.state.client_key) as m:
        for call in (m.agents.list, lambda: m.agents.get(agent_id="assistant")):
            with pytest.raises(ConfigurationError, match="admin key"):
                call()
        with pytest.raises(ConfigurationError):
            m.agents.sync_knowledge(agent_id="assistant")
    assert muxi_fake.state.requests == []


async def test_admin_key_required_async(muxi_fake: FakeMuxi) -> None:
    async with Muxi(url=muxi_fake.url, client_key=muxi_fake.state.client_key) as m:
        with pytest.raises(ConfigurationError):
            await m.agents.list_async()
    assert muxi_fake.state.requests == []
