"""muxi_sdk.compat: code written for the official MUXI SDK (`pip install muxi`) keeps working after one import
change, against the fake server.

- The official README / user guide / examples / MUXI docs snippets are kept below as data and run with
  only their `muxi` imports rewritten (placeholders such as "<client_key>" are filled in).
- Every public method of the official clients exists on the shim with a compatible signature.
- Every shim method runs (sync and async), and the read methods return what the official SDK returns
  (the official `muxi` package is installed in the dev environment: it is run side by side).
- Where the official SDK is wrong against the real runtime, the shim does the right thing.
"""

from __future__ import annotations

import asyncio
import inspect
import io
import json
import re
import tarfile
import time
from pathlib import Path
from typing import Any

import pytest

from muxi_sdk import errors as native_errors
from muxi_sdk import webhooks as native_webhooks
from muxi_sdk.compat import (
    AsyncFormationClient,
    AsyncServerClient,
    FormationClient,
    FormationConfig,
    ServerClient,
    ServerConfig,
)
from muxi_sdk.compat import errors as compat_errors
from muxi_sdk.compat import webhook as compat_webhook
from muxi_sdk.testing import FakeMuxi

# ------------------------------------------------------------------------------------------ the snippets
# Copied from the official SDK's README.md and USER_GUIDE.md, its examples/ and tests/test_integration*.py,
# and the MUXI docs' python-sdk page. Only the import lines are rewritten (see `port`).

README_SYNC = """
from muxi import ServerClient, FormationClient

server = ServerClient(
    url="https://server.example.com",
    key_id="<key_id>",
    secret_key="<secret_key>",
)
print(server.status())

formation = FormationClient(
    server_url="https://server.example.com",
    formation_id="<formation_id>",
    client_key="<client_key>",
    admin_key="<admin_key>",
)
print(formation.health())
"""

README_ASYNC = """
import asyncio
from muxi import AsyncServerClient, AsyncFormationClient

async def main():
    server = AsyncServerClient(
        url="https://server.example.com",
        key_id="<key_id>",
        secret_key="<secret_key>",
    )
    print(await server.status())

    formation = AsyncFormationClient(
        server_url="https://server.example.com",
        formation_id="<formation_id>",
        client_key="<client_key>",
        admin_key="<admin_key>",
    )
    async for evt in await formation.chat_stream({"message": "hi"}):
        print(evt)
        break

asyncio.run(main())
"""

EXAMPLE_FORMATION_HEALTH = """
from muxi.formation import FormationClient, FormationConfig


def main():
    client = FormationClient(
        FormationConfig(server_url="http://localhost:8000", formation_id="<formation>", client_key="<client>", admin_key="<admin>")
    )
    print(client.health())


if __name__ == "__main__":
    main()
"""  # noqa: E501 - copied verbatim

EXAMPLE_SERVER_STATUS = """
from muxi.server import ServerClient, ServerConfig


def main():
    client = ServerClient(
        ServerConfig(
            url="http://localhost:8000",
            key_id="<key_id>",
            secret_key="<secret_key>",
        )
    )
    print(client.status())


if __name__ == "__main__":
    main()
"""

INTEGRATION_SYNC = """
from muxi.server import ServerClient, ServerConfig
from muxi.formation import FormationClient, FormationConfig
from muxi.errors import NotFoundError

server = ServerClient(ServerConfig(url=server_url, key_id=key_id, secret_key=secret_key))
formation = FormationClient(
    FormationConfig(server_url=server_url, formation_id=formation_id, client_key=client_key, admin_key=admin_key)
)

size = server.ping()
assert size >= 0
health = server.health()
assert isinstance(health, dict)
status = server.status()
assert isinstance(status, dict)
formations = server.list_formations()
assert isinstance(formations, dict)

health = formation.health()
assert isinstance(health, dict)
status = formation.get_status()
assert isinstance(status, dict)
config = formation.get_config()
assert isinstance(config, dict)
agents = formation.get_agents()
assert isinstance(agents, dict)
"""

INTEGRATION_ASYNC = """
import asyncio
from muxi.server import AsyncServerClient, ServerConfig
from muxi.formation import AsyncFormationClient, FormationConfig

async def main():
    server = AsyncServerClient(ServerConfig(url=server_url, key_id=key_id, secret_key=secret_key))
    formation = AsyncFormationClient(
        FormationConfig(server_url=server_url, formation_id=formation_id, client_key=client_key, admin_key=admin_key)
    )
    size = await server.ping()
    assert size >= 0
    assert isinstance(await server.health(), dict)
    assert isinstance(await server.status(), dict)
    assert isinstance(await formation.health(), dict)
    assert isinstance(await formation.get_status(), dict)
    assert isinstance(await formation.get_config(), dict)

    payload = {"message": "hi"}
    stream = await formation.chat_stream(payload)
    async for evt in stream:
        assert "data" in evt
        return
    raise AssertionError("chat stream returned no events")

asyncio.run(main())
"""

DOCS_INIT = """
from muxi import FormationClient

# Via server proxy (recommended)
formation = FormationClient(
    server_url="http://localhost:7890",
    formation_id="my-assistant",
    client_key="your_client_key",
    admin_key="your_admin_key",  # Optional, for admin operations
)

# Direct connection (for local dev)
formation = FormationClient(
    url="http://localhost:8001",  # Direct to formation
    client_key="your_client_key",
)

# Check health
print(formation.health())
"""

DOCS_CHAT_STREAM = """
from muxi import FormationClient

formation = FormationClient(
    server_url="http://localhost:7890",
    formation_id="my-assistant",
    client_key="your_client_key",
)

# Streaming chat (recommended)
for event in formation.chat_stream({"message": "Hello!"}, user_id="user_123"):
    if event.get("type") == "text":
        print(event.get("text"), end="", flush=True)
    elif event.get("type") == "done":
        break
"""

DOCS_SESSIONS_MEMORY_TRIGGERS = """
from muxi import FormationClient

formation = FormationClient(
    server_url="http://localhost:7890",
    formation_id="my-assistant",
    client_key="your_client_key",
    admin_key="your_admin_key",  # Optional, for admin operations
)

# List sessions
sessions = formation.get_sessions(user_id="user_123")
for session in sessions["sessions"]:
    print(session["session_id"])

# Get session messages
messages = formation.get_session_messages(session_id="sess_abc123", user_id="user_123")

# Get memory config
config = formation.get_memory_config()

# Get memories for user
memories = formation.get_memories(user_id="user_123")

# Add a memory (user_id, mem_type, detail)
formation.add_memory(
    user_id="user_123",
    mem_type="preference",
    detail="User prefers Python"
)

# Delete a memory
formation.delete_memory(user_id="user_123", memory_id="mem_abc123")

# Clear user buffer
formation.clear_user_buffer(user_id="user_123")

# Fire a trigger (name, data, async_mode, user_id)
response = formation.fire_trigger(
    name="github-issue",
    data={
        "repository": "muxi/runtime",
        "issue": {"number": 123, "title": "Bug report"}
    },
    async_mode=False,
    user_id="user_123"
)

# Fire async trigger
formation.fire_trigger("daily-report", {"date": "2024-01-15"}, async_mode=True, user_id="user_123")

# List scheduled jobs
jobs = formation.get_scheduler_jobs(user_id="user_123")

# Delete a job
formation.delete_scheduler_job(job_id="job_abc123")
"""

DOCS_SERVER = """
from muxi import ServerClient

server = ServerClient(
    url="http://localhost:7890",
    key_id="muxi_pk_...",
    secret_key="muxi_sk_...",
)

# Check server status
status = server.status()
print(status)

# List formations
formations = server.list_formations()

# Deploy a formation
result = server.deploy_formation(bundle_path="my-bot.tar.gz")
print(f"Deployed: {result['formation_id']}")

# Stop/start/restart
server.stop_formation(formation_id="my-bot")
server.start_formation(formation_id="my-bot")
server.restart_formation(formation_id="my-bot")
"""

DOCS_ASYNC = """
import asyncio
from muxi import AsyncFormationClient

async def main():
    formation = AsyncFormationClient(
        server_url="http://localhost:7890",
        formation_id="my-assistant",
        client_key="your_client_key",
    )

    # Async streaming
    async for event in await formation.chat_stream({"message": "Hello!"}, user_id="user_123"):
        if event.get("type") == "text":
            print(event.get("text"), end="", flush=True)
        elif event.get("type") == "done":
            break

asyncio.run(main())
"""

DOCS_ERRORS = """
from muxi import FormationClient
from muxi import (
    MuxiError,
    AuthenticationError,
    AuthorizationError,
    NotFoundError,
    ValidationError,
    RateLimitError,
    ServerError,
    ConnectionError,
)

formation = FormationClient(
    server_url="http://localhost:7890",
    formation_id="my-assistant",
    client_key="your_client_key",
)

try:
    response = formation.chat_stream({"message": "Hello!"}, user_id="user_123")
except AuthenticationError as e:
    print(f"Auth failed: {e.message}")
except RateLimitError as e:
    print(f"Rate limited, retry after: {e.retry_after}s")
except MuxiError as e:
    print(f"Error: {e.code} - {e.message}")
"""

DOCS_CONFIGURATION = """
from muxi import FormationClient

formation = FormationClient(
    server_url="http://localhost:7890",
    formation_id="my-assistant",
    client_key="your_client_key",
    timeout=30,        # Request timeout (seconds)
    max_retries=3,     # Retry count for 429/5xx
    debug=True,        # Enable debug logging
)
print(formation.health())
"""

USER_GUIDE_WEBHOOK = """
from muxi import webhook

@app.post("/webhooks/muxi")
async def handle_webhook(request: Request):
    payload = await request.body()
    signature = request.headers.get("X-Muxi-Signature")

    # Verify signature (returns False if invalid)
    if not webhook.verify_signature(payload, signature, WEBHOOK_SECRET):
        raise HTTPException(401, "Invalid signature")

    # Parse into typed object
    event = webhook.parse(payload)

    if event.status == "completed":
        for item in event.content:
            if item.type == "text":
                print(item.text)
    elif event.status == "failed":
        print(f"Error: {event.error.message}")
    elif event.status == "awaiting_clarification":
        print(f"Question: {event.clarification.question}")

    return {"status": "received"}
"""

_IMPORTS = [
    (re.compile(r"^(\s*)from muxi import ", re.M), r"\1from muxi_sdk.compat import "),
    (
        re.compile(r"^(\s*)from muxi\.(formation|server|errors|webhook) import ", re.M),
        r"\1from muxi_sdk.compat.\2 import ",
    ),
]


def port(snippet: str) -> str:
    """The one change a migrating user makes: the import lines."""
    out = snippet
    for pattern, repl in _IMPORTS:
        out = pattern.sub(repl, out)
    changed = [a for a, b in zip(snippet.splitlines(), out.splitlines(), strict=True) if a != b]
    assert all(line.lstrip().startswith("from muxi") for line in changed), changed
    return out


def fill(snippet: str, fake: FakeMuxi) -> str:
    """Point the snippet's placeholder addresses and keys at the fake server."""
    s = fake.state
    values = {
        '"https://server.example.com"': fake.url,
        '"http://localhost:7890"': fake.url,
        '"http://localhost:8000"': fake.url,
        '"http://localhost:8001"': fake.url,
        '"<formation_id>"': s.formation_id,
        '"<formation>"': s.formation_id,
        '"my-assistant"': s.formation_id,
        '"<key_id>"': s.key_id,
        '"muxi_pk_..."': s.key_id,
        '"<secret_key>"': s.secret_key,
        '"muxi_sk_..."': s.secret_key,
        '"<client_key>"': s.client_key,
        '"<client>"': s.client_key,
        '"your_client_key"': s.client_key,
        '"<admin_key>"': s.admin_key,
        '"<admin>"': s.admin_key,
        '"your_admin_key"': s.admin_key,
    }
    for placeholder, value in values.items():
        snippet = snippet.replace(placeholder, json.dumps(value))
    return snippet


def run_snippet(snippet: str, fake: FakeMuxi, **names: Any) -> dict[str, Any]:
    s = fake.state
    namespace: dict[str, Any] = {
        "__name__": "__main__",
        "server_url": fake.url,
        "key_id": s.key_id,
        "secret_key": s.secret_key,
        "formation_id": s.formation_id,
        "client_key": s.client_key,
        "admin_key": s.admin_key,
        **names,
    }
    exec(compile(fill(port(snippet), fake), "<snippet>", "exec"), namespace)
    return namespace


@pytest.mark.parametrize(
    "snippet",
    [
        README_SYNC,
        README_ASYNC,
        EXAMPLE_FORMATION_HEALTH,
        EXAMPLE_SERVER_STATUS,
        INTEGRATION_SYNC,
        INTEGRATION_ASYNC,
        DOCS_INIT,
        DOCS_CHAT_STREAM,
        DOCS_ASYNC,
        DOCS_ERRORS,
        DOCS_CONFIGURATION,
    ],
    ids=[
        "readme-sync",
        "readme-async",
        "example-formation-health",
        "example-server-status",
        "integration-sync",
        "integration-async",
        "docs-init",
        "docs-chat-stream",
        "docs-async",
        "docs-errors",
        "docs-configuration",
    ],
)
def test_official_snippets_run_unchanged(snippet: str, muxi_fake: FakeMuxi, capsys: pytest.CaptureFixture[str]) -> None:
    run_snippet(snippet, muxi_fake)
    out = capsys.readouterr().out
    assert "Traceback" not in out


def test_docs_sessions_memory_triggers_scheduler(muxi_fake: FakeMuxi) -> None:
    """The MUXI docs' sessions/memory/triggers/scheduler snippet: the ids it names exist (created first)."""
    m = muxi_fake.client(user_id="user_123")
    m.triggers.list()  # seeds the fake's trigger table (github-issue)
    muxi_fake.state.table("triggers")["daily-report"] = "Daily report for ${{ data.date }}"
    m.chat.send(message="hello", session_id="sess_abc123")
    memory = m.memory.add(type="preference", detail="likes tea")
    job = m.scheduler.create(message="daily summary", schedule="0 9 * * *")
    snippet = DOCS_SESSIONS_MEMORY_TRIGGERS.replace('"mem_abc123"', json.dumps(memory.id)).replace(
        '"job_abc123"', json.dumps(job.id)
    )
    ns = run_snippet(snippet, muxi_fake)
    assert [s["session_id"] for s in ns["sessions"]["sessions"]] == ["sess_abc123"]
    assert ns["messages"]["messages"]
    assert ns["response"]["status"] == "completed"
    assert "Bug report" in ns["response"]["content"]
    assert ns["jobs"]["count"] == 1
    assert m.scheduler.list().count == 0


def write_my_bot_bundle(tmp_path: Path) -> None:
    """The `my-bot.tar.gz` the docs' deploy snippets name, in `tmp_path`."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        data = b"id: my-bot\nversion: 1.0.0\nagents: []\n"
        info = tarfile.TarInfo("my-bot/formation.afs")  # one top-level directory, as the MUXI server needs
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    (tmp_path / "my-bot.tar.gz").write_bytes(buf.getvalue())


def test_docs_server_deploy_and_lifecycle(muxi_fake: FakeMuxi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_my_bot_bundle(tmp_path)
    monkeypatch.chdir(tmp_path)
    ns = run_snippet(DOCS_SERVER, muxi_fake)
    assert ns["result"]["formation_id"] == "my-bot"
    assert ns["server"].get_formation("my-bot")["status"] == "running"


def test_user_guide_webhook_handler(muxi_fake: FakeMuxi) -> None:
    secret = "whsec"
    payload = {
        "id": "req_1",
        "object": "response",
        "status": "completed",
        "timestamp": int(time.time() * 1000),
        "formation_id": "f",
        "user_id": "u",
        "processing_time": 1.5,
        "processing_mode": "async",
        "webhook_url": "http://x",
        "error": None,
        "response": [{"type": "text", "text": "Done!"}],
    }
    # what the real runtime sends: signed over canonical JSON, sent with json.dumps defaults
    body = json.dumps(payload).encode()
    signature = native_webhooks.sign(payload, secret)

    class App:
        def post(self, _path: str) -> Any:
            return lambda fn: fn

    class Request:
        headers = {"X-Muxi-Signature": signature}

        async def body(self) -> bytes:
            return body

    class HTTPException(Exception):
        pass

    ns = run_snippet(
        USER_GUIDE_WEBHOOK, muxi_fake, app=App(), Request=Request, HTTPException=HTTPException, WEBHOOK_SECRET=secret
    )
    assert asyncio.run(ns["handle_webhook"](Request())) == {"status": "received"}
    event = compat_webhook.parse(body)
    assert (event.request_id, event.status, event.content[0].text, event.content[0].file) == (
        "req_1",
        "completed",
        "Done!",
        None,
    )
    assert event.processing_mode == "async" and event.raw == payload
    Request.headers = {"X-Muxi-Signature": signature.replace("v1=", "v1=0")}
    with pytest.raises(HTTPException):
        asyncio.run(ns["handle_webhook"](Request()))


def test_webhook_helpers_match_official_edge_cases() -> None:
    assert compat_webhook.verify_signature(b"{}", None, "s") is False
    assert compat_webhook.verify_signature(b"{}", "garbage", "s") is False
    with pytest.raises(compat_webhook.WebhookVerificationError):
        compat_webhook.verify_signature(b"{}", "t=1,v1=ab", "")
    with pytest.raises(compat_webhook.WebhookVerificationError):
        compat_webhook.parse(b"not json")
    stale = native_webhooks.sign({"a": 1}, "s", timestamp=int(time.time()) - 1000)
    assert compat_webhook.verify_signature(b'{"a":1}', stale, "s") is False
    assert compat_webhook.verify_signature(b'{"a":1}', stale, "s", tolerance_seconds=2000) is True
    clar = compat_webhook.WebhookEvent.from_dict(
        {"status": "awaiting_clarification", "clarification_question": "Which?", "clarification_request_id": "c1"}
    )
    assert clar.clarification is not None and clar.clarification.question == "Which?"
    assert (clar.request_id, clar.timestamp, clar.content) == ("", 0, [])
    failed = compat_webhook.parse(
        {"id": "r", "status": "failed", "error": {"code": "processing_failed", "message": "boom"}}
    )
    assert failed.error is not None and (failed.error.code, failed.error.message) == ("processing_failed", "boom")


# ------------------------------------------------------------------------------------------ the surface

FORMATION_METHODS = [
    "health",
    "get_status",
    "get_config",
    "get_formation_info",
    "get_agents",
    "get_agent",
    "get_mcp_servers",
    "get_mcp_server",
    "get_mcp_tools",
    "get_secrets",
    "get_secret",
    "set_secret",
    "delete_secret",
    "chat",
    "chat_stream",
    "audio_chat",
    "audio_chat_stream",
    "get_sessions",
    "get_session",
    "get_session_messages",
    "restore_session",
    "get_requests",
    "get_request_status",
    "cancel_request",
    "get_memory_config",
    "get_memories",
    "add_memory",
    "delete_memory",
    "get_user_buffer",
    "clear_user_buffer",
    "clear_session_buffer",
    "clear_all_buffers",
    "get_buffer_stats",
    "get_scheduler_config",
    "get_scheduler_jobs",
    "get_scheduler_job",
    "create_scheduler_job",
    "delete_scheduler_job",
    "update_scheduler_job",
    "pause_scheduler_job",
    "resume_scheduler_job",
    "get_async_config",
    "get_a2a_config",
    "get_logging_config",
    "get_logging_destinations",
    "list_credential_services",
    "list_credentials",
    "get_credential",
    "create_credential",
    "delete_credential",
    "get_user_identifiers_for_user",
    "link_user_identifier",
    "unlink_user_identifier",
    "get_overlord_config",
    "get_overlord_soul",
    "get_llm_settings",
    "get_triggers",
    "get_trigger",
    "fire_trigger",
    "get_sops",
    "get_sop",
    "get_audit_log",
    "clear_audit_log",
    "stream_events",
    "stream_request",
    "stream_logs",
    "resolve_user",
]
SERVER_METHODS = [
    "ping",
    "health",
    "status",
    "list_formations",
    "get_formation",
    "stop_formation",
    "start_formation",
    "restart_formation",
    "rollback_formation",
    "delete_formation",
    "cancel_update",
    "deploy_formation",
    "update_formation",
    "get_formation_logs",
    "get_server_logs",
    "deploy_formation_stream",
    "update_formation_stream",
    "start_formation_stream",
    "restart_formation_stream",
    "rollback_formation_stream",
    "stream_formation_logs",
]
"""api-study.md §I: used when the official package is not installed."""


def official_classes() -> dict[str, Any]:
    try:
        import muxi
    except ImportError:
        return {}
    return {
        "FormationClient": muxi.FormationClient,
        "AsyncFormationClient": muxi.AsyncFormationClient,
        "ServerClient": muxi.ServerClient,
        "AsyncServerClient": muxi.AsyncServerClient,
    }


SHIMS = {
    "FormationClient": FormationClient,
    "AsyncFormationClient": AsyncFormationClient,
    "ServerClient": ServerClient,
    "AsyncServerClient": AsyncServerClient,
}


def public_methods(cls: type) -> dict[str, Any]:
    return {n: f for n, f in vars(cls).items() if not n.startswith("_") and callable(f)}


def compatible(official: inspect.Signature, ours: inspect.Signature) -> str | None:
    """None if every call valid for `official` is valid for `ours` with the same meaning, else why not."""
    mine = dict(ours.parameters)
    positional = [p for p in ours.parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    for i, p in enumerate(official.parameters.values()):
        if p.kind is p.VAR_KEYWORD:
            if not any(q.kind is q.VAR_KEYWORD for q in mine.values()):
                return "no **kwargs"
            continue
        q = mine.pop(p.name, None)
        if q is None:
            return f"missing parameter {p.name}"
        misplaced = i >= len(positional) or positional[i].name != p.name
        if p.kind is p.POSITIONAL_OR_KEYWORD and misplaced and p.name != "self":
            return f"{p.name} is not at position {i}"
        if p.kind is p.KEYWORD_ONLY and q.kind not in (q.KEYWORD_ONLY, q.POSITIONAL_OR_KEYWORD):
            return f"{p.name} is not a keyword"
        if p.default is not p.empty and q.default != p.default:
            return f"default of {p.name}: {q.default!r} != {p.default!r}"
    extra = [q for q in mine.values() if q.default is q.empty and q.kind not in (q.VAR_KEYWORD, q.VAR_POSITIONAL)]
    return f"extra required parameters {[q.name for q in extra]}" if extra else None


@pytest.mark.parametrize("name", list(SHIMS))
def test_every_official_method_exists_with_a_compatible_signature(name: str) -> None:
    shim = SHIMS[name]
    official = official_classes().get(name)
    expected = public_methods(official) if official else {}
    names = set(expected) or set(SERVER_METHODS if "Server" in name else FORMATION_METHODS)
    assert names <= set(public_methods(shim)), sorted(names - set(public_methods(shim)))
    is_async = name.startswith("Async")
    for method in sorted(names):
        ours = getattr(shim, method)
        assert inspect.iscoroutinefunction(ours) == is_async, method
        if official is not None:
            why = compatible(inspect.signature(getattr(official, method)), inspect.signature(ours))
            assert why is None, f"{name}.{method}: {why}"
    assert len(FORMATION_METHODS) == 67 and len(SERVER_METHODS) == 21


def test_official_lists_match_api_study() -> None:
    official = official_classes()
    if not official:
        pytest.skip("official muxi SDK not installed")
    assert set(public_methods(official["FormationClient"])) == set(FORMATION_METHODS)
    assert set(public_methods(official["ServerClient"])) == set(SERVER_METHODS)


def test_configs_take_the_official_fields() -> None:
    try:
        import muxi
    except ImportError:
        pytest.skip("official muxi SDK not installed")
    from dataclasses import fields

    for ours, theirs in ((FormationConfig, muxi.FormationConfig), (ServerConfig, muxi.ServerConfig)):
        assert [(f.name, f.default) for f in fields(ours)] == [(f.name, f.default) for f in fields(theirs)]


def test_constructors_and_base_urls(muxi_fake: FakeMuxi, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("MUXI_URL", "MUXI_SERVER_URL", "MUXI_FORMATION_ID"):
        monkeypatch.delenv(var, raising=False)
    s = muxi_fake.state
    keys = {"client_key": s.client_key, "admin_key": s.admin_key}
    for kwargs in (
        {"base_url": muxi_fake.formation_url},
        {"base_url": f"{muxi_fake.url}/api/{s.formation_id}/v1/"},
        {"url": muxi_fake.url},
        {"server_url": muxi_fake.url, "formation_id": s.formation_id},
        {"server_url": muxi_fake.url, "formation_id": s.formation_id, "mode": "draft"},
    ):
        with FormationClient(FormationConfig(**kwargs, **keys)) as f:
            assert f.get_status()["formation"]["id"] == s.formation_id
    with pytest.raises(ValueError, match="must set base_url"):
        FormationClient(client_key="k")
    with pytest.raises(ValueError, match="/v1"):
        FormationClient(base_url="http://x/api")
    f = FormationClient(url=muxi_fake.url, client_key=s.client_key)
    with pytest.raises(ValueError):  # admin key missing: caught before sending, as the official ValueError
        f.get_status()
    assert "fake-admin-key" not in repr(FormationClient(url=muxi_fake.url, **keys))


# ------------------------------------------------------------------------------------------ every method runs


def formation(fake: FakeMuxi) -> FormationClient:
    s = fake.state
    return FormationClient(url=fake.url, client_key=s.client_key, admin_key=s.admin_key)


def async_formation(fake: FakeMuxi) -> AsyncFormationClient:
    s = fake.state
    return AsyncFormationClient(url=fake.url, client_key=s.client_key, admin_key=s.admin_key)


def script(fake: FakeMuxi) -> list[tuple[str, tuple[Any, ...], dict[str, Any]]]:
    """One call of every FormationClient method, in an order where each finds what it needs."""
    pending = {"request_id": "req_pending", "status": "processing", "session_id": "sess_1", "user_id": "alice"}
    fake.state.table("requests")["req_pending"] = pending
    return [
        ("health", (), {}),
        ("get_status", (), {}),
        ("get_config", (), {}),
        ("get_formation_info", (), {}),
        ("get_agents", (), {}),
        ("get_agent", ("assistant",), {}),
        ("get_mcp_servers", (), {}),
        ("get_mcp_server", ("web-search",), {}),
        ("get_mcp_tools", (), {}),
        ("set_secret", ("API_TOKEN", "v1"), {}),
        ("set_secret", ("API_TOKEN", "v2"), {}),
        ("get_secrets", (), {}),
        ("get_secret", ("API_TOKEN",), {}),
        ("delete_secret", ("API_TOKEN",), {}),
        ("chat", ({"message": "hello", "session_id": "sess_1", "request_id": "req_chat_1"},), {"user_id": "alice"}),
        ("chat_stream", ({"message": "stream please", "session_id": "sess_1"},), {"user_id": "alice"}),
        (
            "audio_chat",
            ({"files": [{"filename": "a.ogg", "content": "T2dnUw==", "content_type": "audio/ogg"}]},),
            {"user_id": "alice"},
        ),
        (
            "audio_chat_stream",
            ({"files": [{"filename": "a.ogg", "content": "T2dnUw==", "content_type": "audio/ogg"}]},),
            {"user_id": "alice"},
        ),
        ("get_sessions", ("alice",), {"limit": 10}),
        ("get_session", ("sess_1", "alice"), {}),
        ("get_session_messages", ("sess_1", "alice"), {}),
        (
            "restore_session",
            ("sess_r", "alice", [{"role": "user", "content": "hi", "timestamp": "2026-01-01T00:00:00Z"}]),
            {},
        ),
        ("get_requests", ("alice",), {}),
        ("get_request_status", ("req_chat_1", "alice"), {}),
        ("cancel_request", ("req_pending", "alice"), {}),
        ("get_memory_config", (), {}),
        ("add_memory", ("alice", "preference", "likes tea"), {}),
        ("get_memories", ("alice",), {"limit": 5}),
        ("delete_memory", ("alice", "$memory_id"), {}),
        ("get_user_buffer", ("alice",), {}),
        ("clear_session_buffer", ("alice", "sess_1"), {}),
        ("clear_user_buffer", ("alice",), {}),
        ("clear_all_buffers", (), {}),
        ("get_buffer_stats", (), {}),
        ("get_scheduler_config", (), {}),
        ("create_scheduler_job", ("recurring", "0 9 * * 1", "Weekly report", "alice"), {}),
        ("get_scheduler_jobs", ("alice",), {}),
        ("get_scheduler_job", ("$job_id",), {}),
        ("update_scheduler_job", ("$job_id",), {"title": "W", "ignored": 1}),
        ("pause_scheduler_job", ("$job_id",), {}),
        ("resume_scheduler_job", ("$job_id",), {}),
        ("delete_scheduler_job", ("$job_id",), {}),
        ("get_async_config", (), {}),
        ("get_a2a_config", (), {}),
        ("get_logging_config", (), {}),
        ("get_logging_destinations", (), {}),
        ("list_credential_services", (), {}),
        ("create_credential", ("alice", {"service": "github", "name": "gh", "credential": {"token": "t0k3n"}}), {}),
        ("list_credentials", ("alice",), {}),
        ("get_credential", ("$credential_id", "alice"), {}),
        ("delete_credential", ("$credential_id", "alice"), {}),
        ("resolve_user", ("alice@example.com",), {}),
        ("link_user_identifier", ("$muxi_user_id", ["@alice"]), {}),
        ("get_user_identifiers_for_user", ("$muxi_user_id",), {}),
        ("unlink_user_identifier", ("@alice",), {}),
        ("get_overlord_config", (), {}),
        ("get_overlord_soul", (), {}),
        ("get_llm_settings", (), {}),
        ("get_triggers", (), {}),
        ("get_trigger", ("github-issue",), {}),
        (
            "fire_trigger",
            ("github-issue", {"repository": "r", "issue": {"number": 1, "title": "t"}}),
            {"async_mode": False, "user_id": "alice"},
        ),
        ("get_sops", (), {}),
        ("get_sop", ("incident-response",), {}),
        ("get_audit_log", (), {}),
        ("clear_audit_log", (), {}),
        ("stream_logs", ({"level": "info"},), {}),
        ("stream_request", ("alice", "sess_1", "$request_id"), {}),
        ("stream_events", ("alice",), {}),
    ]


RETURNS_NONE = {
    "set_secret",
    "delete_secret",
    "restore_session",
    "cancel_request",
    "delete_memory",
    "delete_scheduler_job",
    "unlink_user_identifier",
    "clear_audit_log",
}
STREAMS = {"chat_stream", "audio_chat_stream", "stream_events", "stream_request", "stream_logs"}


def _args(args: tuple[Any, ...], ids: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(ids[a[1:]] if isinstance(a, str) and a.startswith("$") else a for a in args)


def _remember(name: str, result: Any, ids: dict[str, Any]) -> None:
    if name == "add_memory":
        ids["memory_id"] = result.get("memory_id") or result.get("id")
    elif name == "create_scheduler_job":
        ids["job_id"] = result["id"]
    elif name == "create_credential":
        ids["credential_id"] = result.get("credential_id") or result.get("id")
    elif name == "resolve_user":
        ids["muxi_user_id"] = result["muxi_user_id"]


def _check(name: str, result: Any) -> None:
    if name in RETURNS_NONE:
        assert result is None, name
    else:
        assert isinstance(result, dict), (name, result)


def _take(events: Any, n: int) -> list[dict[str, Any]]:
    out = []
    for event in events:
        out.append(event)
        if len(out) >= n:
            break
    return out


def test_every_formation_method_runs_sync(muxi_fake: FakeMuxi) -> None:
    ids: dict[str, Any] = {}
    with formation(muxi_fake) as f:
        for name, args, kwargs in script(muxi_fake):
            if name == "stream_request":
                fake_request = f.chat({"message": "x", "session_id": "sess_1", "request_id": "req_s"}, user_id="alice")
                ids["request_id"] = fake_request["request_id"] or "req_s"
            result = getattr(f, name)(*_args(args, ids), **kwargs)
            if name in STREAMS:
                if name in ("stream_events", "stream_request"):
                    result.close()  # live streams: opened (auth checked, headers received) is enough here
                    continue
                events = list(result) if name != "stream_logs" else _take(result, 1)
                assert events and all(set(e) == {"event", "data"} and isinstance(e["data"], str) for e in events), name
                continue
            _check(name, result)
            _remember(name, result, ids)


def test_every_formation_method_runs_async(muxi_fake: FakeMuxi) -> None:
    async def main() -> None:
        ids: dict[str, Any] = {}
        async with async_formation(muxi_fake) as f:
            for name, args, kwargs in script(muxi_fake):
                if name == "stream_request":
                    ids["request_id"] = "req_s"
                    await f.chat({"message": "x", "session_id": "sess_1", "request_id": "req_s"}, user_id="alice")
                result = await getattr(f, name)(*_args(args, ids), **kwargs)
                if name in STREAMS:
                    assert inspect.isasyncgen(result), name
                    if name in ("stream_events", "stream_request"):
                        await result.aclose()
                        continue
                    events = []
                    async for event in result:
                        events.append(event)
                        if name == "stream_logs":
                            break
                    await result.aclose()
                    assert events and all(set(e) == {"event", "data"} for e in events), name
                    continue
                _check(name, result)
                _remember(name, result, ids)

    asyncio.run(main())


# ------------------------------------------------------------------------------------------ server methods


def tarball(formation_id: str, version: str) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        data = f"id: {formation_id}\nversion: {version}\nagents: []\n".encode()
        info = tarfile.TarInfo(f"{formation_id}/formation.afs")  # one top-level directory
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_every_server_method_runs_sync_and_async(muxi_fake: FakeMuxi, tmp_path: Path) -> None:
    s = muxi_fake.state
    bundle = tmp_path / "b.tar.gz"
    bundle.write_bytes(tarball("bot", "1.0.0"))
    newer = tarball("bot", "1.0.1")
    cfg = ServerConfig(url=muxi_fake.url, key_id=s.key_id, secret_key=s.secret_key)

    with ServerClient(cfg) as srv:
        assert srv.ping() == 4
        assert srv.health()["status"] == "ok"
        assert srv.deploy_formation("bot", {"bundle_path": str(bundle)})["formation_id"] == "bot"
        assert srv.list_formations()["total"] == 1
        assert srv.get_formation("bot")["status"] == "running"
        assert isinstance(srv.get_formation_logs("bot", limit=5), dict)
        assert isinstance(srv.get_server_logs(limit=5), str)
        frames = list(srv.restart_formation_stream("bot"))
        assert frames[-1]["event"] == "complete" and json.loads(frames[-1]["data"])["formation_id"] == "bot"
        assert srv.stop_formation("bot")["status"] == "stopped"
        assert list(srv.start_formation_stream("bot"))[-1]["event"] == "complete"
        frames = list(srv.update_formation_stream("bot", newer))
        assert {f["event"] for f in frames} <= {"progress", "complete"}
        logs = srv.stream_formation_logs("bot")
        first = next(logs)
        assert first["event"] in ("connected", "log")
        logs.close()
        with pytest.raises(compat_errors.MuxiError):  # nothing to roll back to / no update running: typed
            for _ in srv.rollback_formation_stream("nope"):
                pass
        assert srv.delete_formation("bot") is not None

    async def main() -> None:
        async with AsyncServerClient(cfg) as srv:
            assert await srv.ping() == 4
            assert (await srv.deploy_formation(bundle_path=str(bundle)))["formation_id"] == "bot"
            assert (await srv.status())["formations"]["total"] == 1
            frames = [f async for f in await srv.restart_formation_stream("bot")]
            assert frames[-1]["event"] == "complete"
            assert (await srv.restart_formation("bot"))["status"] == "running"
            with pytest.raises(compat_errors.NotFoundError):
                await srv.get_formation("nope")
            await srv.delete_formation("bot")

    asyncio.run(main())


# ------------------------------------------------------------------------------------------ fixed behaviour


def test_chat_without_stream_flag_returns_json(muxi_fake: FakeMuxi) -> None:
    """The official chat() returned the raw SSE text (the runtime streams unless told `stream: false`)."""
    with formation(muxi_fake) as f:
        reply = f.chat({"message": "hello"}, user_id="alice")
        assert reply["message"]["content"] == "Echo: hello"
        assert reply["idempotency_key"] and reply["timestamp"] and reply["session_id"]
        assert "request_id" in reply  # sync chat data carries request_id: null; it wins (setdefault), as officially
        reply = f.chat({"message": "again", "stream": True, "user_id": "bob"})
        assert isinstance(reply, dict) and reply["user_id"] == "bob"
    chats = [r for r in muxi_fake.state.requests if r.path.endswith("/chat")]
    assert all(json.loads(r.body)["stream"] is False for r in chats)


def test_chat_files_are_decoded_from_base64(muxi_fake: FakeMuxi) -> None:
    import base64

    content = base64.b64encode(b"hello file").decode()
    with formation(muxi_fake) as f:
        f.chat(
            {"message": "see file", "files": [{"filename": "a.txt", "content": content, "content_type": "text/plain"}]}
        )
    body = json.loads(muxi_fake.state.requests[-1].body)
    assert body["files"][0]["content"] == content and body["files"][0]["filename"] == "a.txt"
    with formation(muxi_fake) as f, pytest.raises(ValueError):
        f.chat({"message": "x", "files": [{"filename": "a.txt", "content": "%%% not base64"}]})


def test_secrets_create_and_get(muxi_fake: FakeMuxi) -> None:
    """Official: set_secret PUT gave 404 for a new key and get_secret hit a route that does not exist."""
    with formation(muxi_fake) as f:
        assert f.set_secret("NEW_KEY", "v1") is None
        assert f.get_secret("NEW_KEY")["key"] == "NEW_KEY"
        assert f.set_secret("NEW_KEY", "v2") is None
        assert f.delete_secret("NEW_KEY") is None
        with pytest.raises(compat_errors.NotFoundError):
            f.get_secret("NEW_KEY")


def test_fire_trigger_wraps_data_and_accepts_the_wrapped_form(muxi_fake: FakeMuxi) -> None:
    data = {"repository": "r", "issue": {"number": 7, "title": "t"}}
    with formation(muxi_fake) as f:
        out = f.fire_trigger("github-issue", data, async_mode=False, user_id="alice")
        assert out["status"] == "completed" and "#7" in out["content"]
        body = json.loads(muxi_fake.state.requests[-1].body)
        assert body["data"] == data and body["use_async"] is False
        out = f.fire_trigger("github-issue", {"data": data, "use_async": False})  # the usual workaround
        assert out["status"] == "completed"
        assert json.loads(muxi_fake.state.requests[-1].body)["data"] == data


def test_scheduler_jobs_belong_to_their_user(muxi_fake: FakeMuxi) -> None:
    with formation(muxi_fake) as f:
        job = f.create_scheduler_job("recurring", "0 9 * * 1", "Weekly", "alice")
        f.create_scheduler_job("recurring", "0 9 * * 2", "Other", "bob")
        assert [j["id"] for j in f.get_scheduler_jobs("alice")["jobs"]] == [job["id"]]
        assert f.update_scheduler_job(job["id"], title="W")["title"] == "W"
        assert f.pause_scheduler_job(job["id"])["status"] == "PAUSED"
        assert f.delete_scheduler_job(job["id"]) is None


def test_users_use_the_client_key(muxi_fake: FakeMuxi) -> None:
    """Official: /users/* with the admin key -> 401."""
    with formation(muxi_fake) as f:
        user = f.link_user_identifier("", ["alice@example.com"])
        uid = user["muxi_user_id"]
        assert f.link_user_identifier(uid, ["@alice"])["muxi_user_id"] == uid
        ids = f.get_user_identifiers_for_user(uid)
        assert {i["identifier"] if isinstance(i, dict) else i for i in ids["identifiers"]} >= {"@alice"}
        assert f.resolve_user("@alice")["muxi_user_id"] == uid
    assert all(
        "x-muxi-admin-key" not in {k.lower() for k in r.headers} for r in muxi_fake.state.requests if "/users" in r.path
    )


# ------------------------------------------------------------------------------------------ errors


def test_errors_are_official_and_native(muxi_fake: FakeMuxi) -> None:
    s = muxi_fake.state
    with formation(muxi_fake) as f:
        with pytest.raises(compat_errors.NotFoundError) as nf:
            f.get_agent("nope")
        e = nf.value
        assert isinstance(e, native_errors.NotFoundError) and isinstance(e, compat_errors.MuxiError)
        assert (e.code, e.status_code) == ("AGENT_NOT_FOUND", 404)  # a string, not the whole error object
        assert e.message == "Agent 'nope' not found"  # the server's message, not the reason phrase
        assert isinstance(e.details, dict)
        with pytest.raises(compat_errors.ValidationError) as bad:
            f.get_sessions("alice", limit=5000)
        assert bad.value.code == "INVALID_INPUT" and isinstance(bad.value, ValueError)  # caught before sending
    wrong = FormationClient(url=muxi_fake.url, client_key="wrong", admin_key="wrong")
    with pytest.raises(compat_errors.AuthenticationError) as auth:
        wrong.get_status()
    assert auth.value.code == "UNAUTHORIZED" and auth.value.status_code == 401
    with pytest.raises(compat_errors.AuthenticationError):
        next(iter(wrong.chat_stream({"message": "x"})))  # stream errors are raised, never swallowed
    dead = FormationClient(url="http://127.0.0.1:9", client_key=s.client_key)
    with pytest.raises(compat_errors.ConnectionError) as conn:
        dead.health()
    assert conn.value.code in ("CONNECTION_ERROR", "TIMEOUT") and isinstance(conn.value, native_errors.ConnectionError)


def test_unsupported_and_stream_errors_keep_both_names(muxi_fake: FakeMuxi) -> None:
    with formation(muxi_fake) as f, pytest.raises(compat_errors.ServerError) as exc:
        f.chat({"message": "later", "mode": "async", "webhook_url": "http://127.0.0.1:9/hook"})
    assert isinstance(exc.value, native_errors.UnsupportedError) and exc.value.status_code == 501


def test_errors_take_the_official_constructors() -> None:
    e = compat_errors.NotFoundError("NOT_FOUND", "gone", 404)
    assert (e.code, e.message, e.status_code, e.details) == ("NOT_FOUND", "gone", 404, {})
    assert str(e).startswith("NOT_FOUND: gone")
    r = compat_errors.RateLimitError("slow down", 429, retry_after=3, details={"x": 1})
    assert (r.code, r.retry_after, r.details) == ("RATE_LIMITED", 3, {"x": 1})
    c = compat_errors.ConnectionError("CONNECTION_ERROR", "refused", 0)
    assert isinstance(c, native_errors.ConnectionError)
    assert isinstance(compat_errors.map_error(500, "", "boom"), compat_errors.ServerError)
    assert compat_errors.map_error(404, "", "x").code == "NOT_FOUND"
    assert isinstance(compat_errors.map_error(429, "", "x", retry_after=2), compat_errors.RateLimitError)


# ------------------------------------------------------------------------------------------ same answers


VOLATILE = {
    "request_id",
    "idempotency_key",
    "timestamp",
    "uptime_seconds",
    "seconds",
    "since",
    "memory_usage_mb",
    "cpu_percent",
    "last_activity",
    "created_at",
    "updated_at",
    "session_id",
    "processing_time_ms",
    "total",
}


def scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


PARITY = [
    ("health", ()),
    ("get_config", ()),
    ("get_formation_info", ()),
    ("get_agents", ()),
    ("get_agent", ("assistant",)),
    ("get_mcp_servers", ()),
    ("get_mcp_server", ("web-search",)),
    ("get_mcp_tools", ()),
    ("get_secrets", ()),
    ("get_llm_settings", ()),
    ("get_overlord_config", ()),
    ("get_overlord_soul", ()),
    ("get_async_config", ()),
    ("get_a2a_config", ()),
    ("get_logging_config", ()),
    ("get_logging_destinations", ()),
    ("get_memory_config", ()),
    ("get_scheduler_config", ()),
    ("get_triggers", ()),
    ("get_trigger", ("github-issue",)),
    ("get_sops", ()),
    ("get_sop", ("incident-response",)),
    ("list_credential_services", ()),
    ("get_sessions", ("alice",)),
    ("get_requests", ("alice",)),
    ("get_user_buffer", ("alice",)),
    ("list_credentials", ("alice",)),
]


def test_same_answers_as_the_official_sdk(muxi_fake: FakeMuxi) -> None:
    muxi = pytest.importorskip("muxi")
    s = muxi_fake.state
    keys = {"url": muxi_fake.url, "client_key": s.client_key, "admin_key": s.admin_key}
    official, ours = muxi.FormationClient(**keys), FormationClient(**keys)
    first = official.chat({"message": "hello", "stream": False, "session_id": "sess_p"}, user_id="alice")
    assert scrub(ours.chat({"message": "hello", "session_id": "sess_p"}, user_id="alice")) == scrub(first)
    for name, args in PARITY:
        theirs, mine = getattr(official, name)(*args), getattr(ours, name)(*args)
        # request_id / idempotency_key / timestamp merged the same way (.keys(): get_agents iterates agents)
        assert set(mine.keys()) == set(theirs.keys()), name
        assert scrub(mine) == scrub(theirs), name
    assert scrub(ours.get_session("sess_p", "alice")) == scrub(official.get_session("sess_p", "alice"))
    assert scrub(ours.get_session_messages("sess_p", "alice")) == scrub(
        official.get_session_messages("sess_p", "alice")
    )


def test_same_stream_frames_as_the_official_sdk(muxi_fake: FakeMuxi) -> None:
    muxi = pytest.importorskip("muxi")
    s = muxi_fake.state
    keys = {"url": muxi_fake.url, "client_key": s.client_key, "admin_key": s.admin_key}
    theirs = list(muxi.FormationClient(**keys).chat_stream({"message": "same"}, user_id="alice"))
    mine = list(FormationClient(**keys).chat_stream({"message": "same"}, user_id="alice"))
    assert [f["event"] for f in mine] == [f["event"] for f in theirs]
    assert [scrub(json.loads(f["data"])) for f in mine] == [scrub(json.loads(f["data"])) for f in theirs]
    ui = {"event": "ui", "data": json.dumps({"ui": [{"type": "options"}]})}
    assert compat_parse_ui(ui) == muxi.parse_ui_widgets(ui) == [{"type": "options"}]


def compat_parse_ui(event: dict[str, Any]) -> Any:
    from muxi_sdk.compat import parse_ui_widgets

    return parse_ui_widgets(event)
