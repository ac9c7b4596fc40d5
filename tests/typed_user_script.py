"""A user's script: common calls, sync and async, with the exact type of each result checked.

`tests/test_typed_surface.py` runs it against the fake server AND type-checks it with `mypy --strict` (and
pyright when it is installed): every `assert_type` must hold, so an `Any`, a `Page` where an `AsyncPage` is
returned, or an untyped stream fails the suite. It imports public names only.
"""

from __future__ import annotations

import asyncio
import builtins

from typing_extensions import assert_type

from muxi_sdk import (
    ArtifactDownloadAsync,
    AsyncPage,
    AsyncStreamContext,
    ChatStream,
    ChatStreamAsync,
    EventStreamAsync,
    LifecycleStreamAsync,
    LogStreamAsync,
    Muxi,
    Page,
    RetryConfig,
    RuntimeEventStream,
    RuntimeEventStreamAsync,
    errors,
)
from muxi_sdk.models import (
    Agent,
    AgentList,
    ChatEvent,
    ChatResponse,
    ChatResult,
    FormationLogEvent,
    HealthStatus,
    McpServer,
    McpServerList,
    Memory,
    RuntimeEvent,
    ScheduledJob,
    SecretList,
    SecretSetResult,
    SessionMessage,
    SessionSummary,
    SopList,
    TriggerList,
)
from muxi_sdk.testing import FakeMuxi


def sync_calls(fake: FakeMuxi) -> None:
    m = fake.client(user_id="typed-user")
    assert_type(m, Muxi)
    with m:
        reply = m.chat.send(message="hello")
        assert_type(reply, ChatResponse)
        assert_type(reply.text, str)

        with m.chat.stream(message="stream me") as stream:
            assert_type(stream, ChatStream)
            for event in stream:
                assert_type(event, ChatEvent)
                break
            result = stream.final()
            assert_type(result, ChatResult)
        session_id = result.session_id
        assert session_id is not None and result.request_id is not None

        with m.events.request(session_id=session_id, request_id=result.request_id) as runtime_events:
            assert_type(runtime_events, RuntimeEventStream)
            for runtime_event in runtime_events:
                assert_type(runtime_event, RuntimeEvent)

        sessions = m.sessions.list(limit=10)
        assert_type(sessions, Page[SessionSummary])
        for summary in sessions:
            assert_type(summary, SessionSummary)
        assert_type(sessions.next(), "Page[SessionSummary] | None")
        messages = m.sessions.messages(session_id=session_id)
        assert_type(messages, Page[SessionMessage])
        assert len(messages) >= 1

        m.memory.add(content="likes tea")
        for memory in m.memory.list():
            assert_type(memory, Memory)

        agents = m.agents.list()
        assert_type(agents, AgentList)
        for agent in agents:  # list results iterate over their items
            assert_type(agent, Agent)
        assert len(agents) == agents.count

        assert_type(m.secrets.set(key="TYPED_KEY", value="v", retries=RetryConfig("none")), SecretSetResult)
        secrets = m.secrets.list()
        assert_type(secrets, SecretList)
        assert "TYPED_KEY" in list(secrets)

        for job in m.scheduler.list():
            assert_type(job, ScheduledJob)
        assert_type(m.triggers.list(), TriggerList)
        assert_type(m.system.health(), HealthStatus)
        assert_type(m.system.sops.list(), SopList)
        servers = m.mcp.servers.list()
        assert_type(servers, McpServerList)
        for server in servers:
            assert_type(server, McpServer)

        try:
            m.sessions.get(session_id="no-such-session")
        except errors.NotFoundError as exc:
            assert_type(exc.status_code, "int | None")


async def async_calls(fake: FakeMuxi) -> None:
    async with fake.client(user_id="typed-user") as m:
        reply = await m.chat.send_async(message="hello")
        assert_type(reply, ChatResponse)
        both = await asyncio.gather(m.chat.send_async(message="a"), m.system.health_async())
        assert_type(both, "tuple[ChatResponse, HealthStatus]")
        task = asyncio.create_task(m.chat.send_async(message="in a task"))
        assert_type(task, "asyncio.Task[ChatResponse]")
        assert_type((await task).text, str)

        context = m.chat.stream_async(message="stream me")
        assert_type(context, AsyncStreamContext[ChatStreamAsync])
        async with context as stream:
            assert_type(stream, ChatStreamAsync)
            async for event in stream:
                assert_type(event, ChatEvent)
                break
            result = await stream.final()
            assert_type(result, ChatResult)
        assert result.session_id is not None and result.request_id is not None

        events = m.events.request_async(session_id=result.session_id, request_id=result.request_id)
        assert_type(events, AsyncStreamContext[RuntimeEventStreamAsync])
        async with events as runtime_events:
            async for runtime_event in runtime_events:
                assert_type(runtime_event, RuntimeEvent)

        page = await m.sessions.list_async(limit=10)
        assert_type(page, AsyncPage[SessionSummary])
        async for summary in page:
            assert_type(summary, SessionSummary)
        assert_type(await page.next_async(), "AsyncPage[SessionSummary] | None")

        agents = await m.agents.list_async()
        assert_type(agents, AgentList)
        assert_type([agent.id for agent in agents], list[str])
        assert_type(await m.secrets.set_async(key="TYPED_KEY", value="w"), SecretSetResult)

        # Stream contexts send nothing until awaited or entered: their types are checked without a server.
        assert_type(m.system.stream_logs_async(level="info"), AsyncStreamContext[LogStreamAsync])
        assert_type(m.formations.stream_restart_async(formation_id="f"), AsyncStreamContext[LifecycleStreamAsync])
        download = m.artifacts.download_async(artifact_id="a")
        assert_type(download, AsyncStreamContext[ArtifactDownloadAsync])
        logs = m.formations.stream_logs_async(formation_id="f")
        assert_type(logs, AsyncStreamContext[EventStreamAsync[FormationLogEvent]])

        try:
            await m.chat.send_async(message="slow", timeout_ms=1, retries=None)
        except builtins.TimeoutError as exc:  # the SDK's timeout is the builtin one too
            assert isinstance(exc, errors.TimeoutError)
        except errors.MuxiError:
            pass
