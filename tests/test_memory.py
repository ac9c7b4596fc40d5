"""m.memory against the fake server: every operation sync and async, state, validation, typed errors."""

from __future__ import annotations

import json

import pytest

from muxi_sdk import errors
from muxi_sdk.models.memory import BufferCleared, Memory, MemoryIngestion
from muxi_sdk.testing import FakeMuxi


def _last(fake: FakeMuxi, path: str) -> tuple[dict[str, str], dict[str, object] | None]:
    req = [r for r in fake.state.requests if r.path.endswith(path)][-1]
    return req.headers, (json.loads(req.body) if req.body else None)


def test_add_list_delete_roundtrip(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as m:
        mem = m.memory.add(type="preference", detail="Alice prefers green tea", metadata={"source": "chat"})
        assert isinstance(mem, Memory)
        assert (mem.type, mem.detail, mem.scope, mem.scope_id) == (
            "preference",
            "Alice prefers green tea",
            "user",
            "alice",
        )
        headers, body = _last(muxi_fake, "/v1/memories")
        assert body == {"type": "preference", "detail": "Alice prefers green tea", "metadata": {"source": "chat"}}
        assert headers["x-muxi-user-id"] == "alice" and "x-muxi-client-key" in headers

        listed = m.memory.list()
        assert [x.id for x in listed.items] == [mem.id] and len(listed) == 1 and not listed.has_next
        assert len(m.memory.list(user_id="bob")) == 0  # memories are per user

        gone = m.memory.delete(memory_id=mem.id)
        assert gone.deleted == mem.id and gone.user_id == "alice"
        assert len(m.memory.list()) == 0
        with pytest.raises(errors.NotFoundError) as info:
            m.memory.delete(memory_id=mem.id)
        assert info.value.code == "NOT_FOUND" and info.value.message == f"Memory {mem.id} not found"


def test_list_paging_and_scopes(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as m:
        ids = [m.memory.add(detail=f"fact {i}").id for i in range(5)]
        page = m.memory.list(limit=2)
        assert [x.id for x in page.items] == [ids[4], ids[3]] and page.has_next  # newest first
        second = page.next()
        assert second is not None and [x.id for x in second.items] == [ids[2], ids[1]]
        assert [x.id for x in m.memory.list(limit=2)] == ids[::-1]  # iterating walks every page
        req = [r for r in muxi_fake.state.requests if r.path == "/v1/memories"][-1]
        assert (req.method, req.headers["x-muxi-user-id"]) == ("GET", "alice")
        shared = m.memory.add(detail="office closes at 6", scope="formation")
        assert [x.id for x in m.memory.list(scopes=["formation"]).items] == [shared.id]
        assert len(m.memory.list(scopes="user", limit=100)) == 5


def test_ingestion_and_duplicates(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as m:
        first = m.memory.add(content="Met Bob at the conference", source="crm", source_id="note-1")
        assert isinstance(first, MemoryIngestion)
        assert first.status == "accepted" and not first.duplicate and first.processing_id
        assert first.response_meta is not None and first.response_meta.status_code == 202
        again = m.memory.add(content="Met Bob at the conference", source="crm", source_id="note-1")
        assert isinstance(again, MemoryIngestion) and again.duplicate and again.event_id == first.event_id


def test_validation_before_sending(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as m:
        sent = len(muxi_fake.state.requests)
        bad_calls = [
            lambda: m.memory.add(type="preference"),  # nothing to remember
            lambda: m.memory.add(detail="   "),
            lambda: m.memory.add(detail="x", scope="group"),  # group needs scope_id
            lambda: m.memory.add(detail="x", scope="galaxy"),  # type: ignore[arg-type]
            lambda: m.memory.list(limit=0),
            lambda: m.memory.list(limit=101),
            lambda: m.memory.list(scopes=["user", "planet"]),
            lambda: m.memory.delete(memory_id=""),
            lambda: m.memory.clear_session_buffer(session_id=".."),
        ]
        for call in bad_calls:
            with pytest.raises(errors.InvalidInputError):
                call()
        assert len(muxi_fake.state.requests) == sent


def test_user_is_required(muxi_fake: FakeMuxi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MUXI_USER_ID", raising=False)
    with muxi_fake.client() as m:
        with pytest.raises(errors.ConfigurationError):
            m.memory.list()
        with pytest.raises(errors.ConfigurationError):
            m.memory.get_buffer()


def test_buffer_follows_chat_history(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as m:
        empty = m.memory.get_buffer()
        assert (empty.user_id, empty.total_messages, empty.sessions) == ("alice", 0, [])
        first = m.chat.send(message="hello")
        second = m.chat.send(message="another conversation")
        m.chat.send(message="hi from bob", user_id="bob")
        assert m.memory.get_buffer().total_messages == 4
        stats = m.memory.stats()
        assert (stats.total_entries, stats.total_users, stats.total_sessions) == (6, 2, 3)

        one = m.memory.clear_session_buffer(session_id=first.session_id)
        assert isinstance(one, BufferCleared)
        assert (one.session_id, one.messages_cleared, one.message) == (
            first.session_id,
            2,
            "Session buffer cleared successfully",
        )
        rest = m.memory.clear_buffer()
        assert (rest.messages_cleared, rest.sessions_cleared, rest.user_id) == (2, 1, "alice")
        assert m.memory.get_buffer().total_messages == 0
        assert m.memory.get_buffer(user_id="bob").total_messages == 2
        assert second.session_id

        everything = m.memory.clear_all_buffers()
        assert everything.messages_cleared == 2
        assert m.memory.stats().total_entries == 0
        headers, _ = _last(muxi_fake, "/v1/memory/buffers")
        assert "x-muxi-admin-key" in headers and "x-muxi-user-id" not in headers


def test_admin_views_and_keys(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as m:
        config = m.memory.config()
        assert config.buffer == {"size": 10, "vector_search": True} and config.persistent
        assert "x-muxi-admin-key" in _last(muxi_fake, "/v1/memory")[0]
    with muxi_fake.client(admin_key=None, user_id="alice") as client_only:
        with pytest.raises(errors.ConfigurationError):
            client_only.memory.stats()
        assert client_only.memory.get_buffer().user_id == "alice"  # dual: the client key will do
    with muxi_fake.client(client_key=None, user_id="alice") as admin_only:
        assert len(admin_only.memory.list()) == 0  # dual: the admin key will do (user still required)
        assert "x-muxi-admin-key" in _last(muxi_fake, "/v1/memories")[0]


def test_server_errors_are_typed(muxi_fake: FakeMuxi) -> None:
    muxi_fake.state.table("memory_settings")["clear_all_broken"] = True  # the real runtime's 500
    with muxi_fake.client(user_id="alice") as m:
        with pytest.raises(errors.ServerError) as info:
            m.memory.clear_all_buffers(retries=None)
        assert info.value.status_code == 500
        muxi_fake.state.table("memory_settings")["persistent"] = False
        assert len(m.memory.list()) == 0
        with pytest.raises(errors.ServerError) as unavailable:
            m.memory.add(detail="x", retries=None)
        assert unavailable.value.status_code == 503


def test_fake_server_checks_like_the_runtime(muxi_fake: FakeMuxi) -> None:
    import httpx

    s = muxi_fake.state
    with httpx.Client(base_url=muxi_fake.formation_url) as http:
        missing_user = http.get("/memories", headers={"X-Muxi-Client-Key": s.client_key})
        assert missing_user.status_code == 400
        assert missing_user.json()["error"]["message"] == "X-Muxi-User-ID header is required"
        client_clear = http.delete("/memory/buffer", headers={"X-Muxi-Client-Key": s.client_key})
        assert client_clear.json()["error"]["message"] == "X-Muxi-User-ID header is required when using client API key"
        too_many = http.get("/memories?limit=500", headers={"X-Muxi-Client-Key": s.client_key, "X-Muxi-User-ID": "a"})
        assert too_many.status_code == 422 and too_many.json()["error"]["code"] == "INVALID_PARAMS"
        client_on_admin = http.get("/memory/stats", headers={"X-Muxi-Client-Key": s.client_key})
        assert client_on_admin.status_code == 401


async def test_async_twins(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client(user_id="carol") as m:
        assert (await m.memory.config_async()).buffer
        mem = await m.memory.add_async(type="fact", detail="Carol lives in Lisbon")
        assert isinstance(mem, Memory)
        page = await m.memory.list_async(limit=5)
        assert [x.id for x in page.items] == [mem.id]
        assert [x.id async for x in page] == [mem.id]
        assert (await m.memory.delete_async(memory_id=mem.id)).deleted == mem.id
        reply = await m.chat.send_async(message="hello")
        assert (await m.memory.get_buffer_async()).total_messages == 2
        assert (await m.memory.stats_async()).total_entries == 2
        assert (await m.memory.clear_session_buffer_async(session_id=reply.session_id)).messages_cleared == 2
        assert (await m.memory.clear_buffer_async()).messages_cleared == 0
        assert (await m.memory.clear_all_buffers_async()).messages_cleared == 0
        with pytest.raises(errors.NotFoundError):
            await m.memory.delete_async(memory_id=mem.id)
