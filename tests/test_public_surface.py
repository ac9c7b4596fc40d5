"""The surface users touch: list results iterate, errors are also the builtins, renamed methods and models keep
their old names for one release, nested resources are shared, and `help()` shows each twin's own type."""

from __future__ import annotations

import ast
import builtins
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

import muxi_sdk
from _helpers import dead_url
from muxi_sdk import AsyncPage, AsyncStreamContext, ChatStream, ChatStreamAsync, Muxi, Page, errors
from muxi_sdk.mcp import McpServers
from muxi_sdk.models import AgentList, SessionSummary
from muxi_sdk.testing import FakeMuxi

pytestmark = pytest.mark.usefixtures("clean_env")
TESTS = Path(__file__).resolve().parent

# ------------------------------------------------------------------------------------------- list results

# Every list result of the formation and server APIs: (resource path, method, kwargs, model attribute).
LISTS: list[tuple[str, str, dict[str, Any], str]] = [
    ("agents", "list", {}, "agents"),
    ("scheduler", "list", {}, "jobs"),
    ("secrets", "list", {}, "secrets"),
    ("triggers", "list", {}, "triggers"),
    ("mcp.servers", "list", {}, "servers"),
    ("mcp.tools", "list", {}, "tools"),
    ("system.sops", "list", {}, "sops"),
    ("system", "audit_log", {}, "entries"),
    ("requests", "list", {}, "requests"),
    ("users.credentials", "services", {}, "services"),
    ("users.credentials", "list", {}, "credentials"),
    ("formations", "list", {}, "formations"),
    ("server", "logs", {}, "lines"),
    ("artifacts", "list", {}, "artifacts"),
    ("skills", "list", {}, "skills"),
    ("skills", "list_for_agent", {"agent_id": "assistant"}, "skills"),
    ("history", "list", {}, "entries"),
]


def _resource(m: Muxi, path: str) -> Any:
    obj: Any = m
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


@pytest.fixture
def m(muxi_fake: FakeMuxi) -> Muxi:
    muxi_fake.client(user_id="lister").secrets.set(key="LISTED", value="v")
    return muxi_fake.client(user_id="lister")


@pytest.mark.parametrize(("path", "method", "kwargs", "field"), LISTS, ids=[f"{p}.{n}" for p, n, _, _ in LISTS])
def test_every_list_result_iterates_over_its_items(
    m: Muxi, path: str, method: str, kwargs: dict[str, Any], field: str
) -> None:
    result = getattr(_resource(m, path), method)(**kwargs)
    items = getattr(result, field)
    assert list(result) == list(items)  # not pydantic's (field, value) tuples
    assert len(result) == len(items)
    assert result  # an empty list result is still truthy, like every other model
    assert path == "server" or result.response_meta is not None  # and keeps what it had (logs are plain text)


@pytest.mark.parametrize(("path", "method", "kwargs", "field"), LISTS, ids=[f"{p}.{n}" for p, n, _, _ in LISTS])
async def test_every_list_result_iterates_async_too(
    m: Muxi, path: str, method: str, kwargs: dict[str, Any], field: str
) -> None:
    result = await getattr(_resource(m, path), f"{method}_async")(**kwargs)
    assert list(result) == list(getattr(result, field)) and len(result) == len(getattr(result, field))


def test_the_official_docs_loop_works(m: Muxi) -> None:
    """`for agent in m.agents.list(): agent.name` raised AttributeError on a tuple before."""
    agents = m.agents.list()
    assert isinstance(agents, AgentList)
    assert [agent.name for agent in agents] == [a.name for a in agents.agents] and agents.count == len(agents)
    assert "LISTED" in list(m.secrets.list())


def test_pages_are_public_and_async_pages_refuse_blocking_iteration(muxi_fake: FakeMuxi) -> None:
    m = muxi_fake.client(user_id="pager")
    m.chat.send(message="one")
    page = m.sessions.list()
    assert isinstance(page, Page) and all(isinstance(s, SessionSummary) for s in page)
    assert AsyncPage is muxi_sdk.AsyncPage and not issubclass(AsyncPage, Page)


async def test_async_page_iterates_async_only(muxi_fake: FakeMuxi) -> None:
    m = muxi_fake.client(user_id="pager")
    await m.chat.send_async(message="one")
    page = await m.sessions.list_async()
    assert isinstance(page, AsyncPage) and len(page) == 1
    assert [s.session_id async for s in page] == [page.items[0].session_id]
    with pytest.raises(TypeError, match="async for"):
        iter(page)  # type: ignore[call-overload]


# ------------------------------------------------------------------------------------------------ errors


def test_transport_errors_are_also_the_builtins() -> None:
    assert issubclass(errors.TimeoutError, builtins.TimeoutError)
    assert issubclass(errors.TimeoutError, httpx.TimeoutException)
    assert issubclass(errors.ConnectionError, builtins.ConnectionError)
    assert issubclass(errors.ConnectionError, httpx.TransportError)
    assert issubclass(errors.StreamInterruptedError, builtins.ConnectionError)
    assert issubclass(errors.FormationOperationError, errors.StreamError)


def test_a_plain_except_timeouterror_catches_the_sdks_timeout(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.latency_ms = 2000
    m = muxi_fake.client(user_id="slow")
    with pytest.raises(TimeoutError) as info:  # the builtin name
        m.chat.send(message="hi", timeout_ms=100, retries=None)
    assert isinstance(info.value, errors.TimeoutError) and info.value.code == "TIMEOUT"


def test_a_plain_except_connectionerror_catches_a_refused_connection() -> None:
    m = Muxi(url=dead_url(), client_key="k", user_id="u", retry_config=None)
    with pytest.raises(ConnectionError) as info:  # the builtin name
        m.chat.send(message="hi")
    assert isinstance(info.value, errors.ConnectionError)


# ------------------------------------------------------------------------------------ names and aliases

RENAMED: list[tuple[str, str, str]] = [
    ("formations", "deploy_stream", "stream_deploy"),
    ("formations", "update_stream_async", "stream_update_async"),
    ("formations", "start_stream", "stream_start"),
    ("formations", "restart_stream", "stream_restart"),
    ("formations", "rollback_stream_async", "stream_rollback_async"),
    ("formations", "follow_logs", "stream_logs"),
    ("formations", "follow_logs_async", "stream_logs_async"),
    ("chat", "audio_stream", "stream_audio"),
    ("chat", "audio_stream_async", "stream_audio_async"),
    ("system", "async_config", "background_config"),
    ("system", "async_config_async", "background_config_async"),
    ("system", "list_sops", "sops.list"),
    ("system", "get_sop_async", "sops.get_async"),
    ("mcp", "list_servers", "servers.list"),
    ("mcp", "get_server", "servers.get"),
    ("mcp", "list_tools_async", "tools.list_async"),
]


@pytest.mark.parametrize(("resource", "old", "new"), RENAMED, ids=[f"{r}.{o}" for r, o, _ in RENAMED])
def test_old_names_warn_and_are_the_new_methods(resource: str, old: str, new: str) -> None:
    m = Muxi(url="http://127.0.0.1:9", client_key="k", admin_key="a", key_id="i", secret_key="s")
    owner = getattr(m, resource)
    with pytest.warns(DeprecationWarning, match=f"{resource}.{old} is deprecated: use {resource}.{new}"):
        alias = getattr(owner, old)
    assert alias == _resource(owner, new)


def test_an_old_name_still_runs(muxi_fake: FakeMuxi) -> None:
    m = muxi_fake.client()
    with pytest.warns(DeprecationWarning):
        servers = m.mcp.list_servers()
    assert servers.servers == m.mcp.servers.list().servers


def test_nested_resources_are_created_once_and_share_the_root(muxi_fake: FakeMuxi) -> None:
    m = muxi_fake.client()
    assert m.mcp.servers is m.mcp.servers and isinstance(m.mcp.servers, McpServers)
    assert m.mcp.servers.parent_ref is m and m.users.credentials.parent_ref is m
    assert m.system.sops.sdk_configuration is m.system.sdk_configuration


def test_renamed_stream_classes_keep_their_old_names() -> None:
    import muxi_sdk.events as events_module

    with pytest.warns(DeprecationWarning, match="RuntimeEventStream"):
        old = events_module.EventStream
    assert old is muxi_sdk.RuntimeEventStream and muxi_sdk.EventStream is not old


# ------------------------------------------------------------------------------------ twins and help()


def _returns(method: Callable[..., Any]) -> Any:
    return inspect.signature(method).return_annotation


def test_help_shows_each_twins_own_return_type() -> None:
    m = Muxi(url="http://127.0.0.1:9", client_key="k")
    assert _returns(m.chat.stream) is ChatStream
    assert _returns(m.chat.stream_async) == AsyncStreamContext[ChatStreamAsync]
    assert _returns(m.sessions.list) == Page[SessionSummary]
    assert _returns(m.sessions.list_async) == AsyncPage[SessionSummary]
    assert _returns(m.secrets.set_async).__name__ == "SecretSetResult"  # a multi-step operation
    assert m.chat.stream_async.__name__ == "stream_async" and m.chat.stream_async.__doc__
    assert inspect.iscoroutinefunction(m.chat.send_async) and not inspect.iscoroutinefunction(m.chat.stream_async)


def test_a_streaming_builder_needs_async_stream_op() -> None:
    from muxi_sdk._core.twins import async_op  # internal: the twin factory's own guard
    from muxi_sdk.chat import Chat

    wrong = async_op(Chat._stream)
    m = Muxi(url="http://127.0.0.1:9", client_key="k")
    coro = wrong(m.chat, message="hi")
    with pytest.raises(TypeError, match="async_stream_op"):
        coro.send(None)


# ------------------------------------------------------------------------------------ tests import public names


def test_tests_import_internals_only_with_a_reason() -> None:
    """A test module importing `muxi_sdk._...` says why (`# internal: ...`): tests import public names."""
    unexplained = []
    for path in sorted(TESTS.rglob("*.py")):
        text = path.read_text()
        private = [
            node.lineno
            for node in ast.walk(ast.parse(text))
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("muxi_sdk._")
        ]
        if private and "# internal:" not in text:
            unexplained.append(f"{path.relative_to(TESTS)}:{private[0]}")
    assert not unexplained, "internal imports without a `# internal: why` comment:\n" + "\n".join(unexplained)
