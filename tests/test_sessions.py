"""m.sessions against the fake server: list (pages), get, messages (pages), restore; sync and async twins."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx
import pytest

from muxi_sdk import AsyncPage, Muxi, Page
from muxi_sdk.errors import ConfigurationError, InvalidInputError, NotFoundError, ValidationError
from muxi_sdk.models.sessions import RestoreMessage, Session, SessionMessage, SessionSummary
from muxi_sdk.testing import FakeMuxi


def _chat_sessions(m: Muxi, n: int) -> list[str]:
    """n sessions, the last one created being the most recently active."""
    return [m.chat.send(message=f"hello {i}").session_id or "" for i in range(n)]


def _chat_turns(m: Muxi, n: int) -> str:
    sid = m.chat.send(message="turn 0").session_id
    for i in range(1, n):
        m.chat.send(message=f"turn {i}", session_id=sid)
    assert sid
    return sid


def _recording_client(urls: list[httpx.URL]) -> httpx.Client:
    return httpx.Client(event_hooks={"request": [lambda request: urls.append(request.url)]})


# ------------------------------------------------------------------------------------------- list


def test_list_pages_with_next(muxi_fake: FakeMuxi) -> None:
    urls: list[httpx.URL] = []
    with muxi_fake.client(user_id="alice", client=_recording_client(urls)) as m:
        created = _chat_sessions(m, 7)
        urls.clear()
        first = m.sessions.list(limit=3)
        assert isinstance(first, Page) and not isinstance(first, AsyncPage)
        assert all(isinstance(s, SessionSummary) for s in first.items)
        assert [s.session_id for s in first.items] == created[::-1][:3]
        assert first.has_next and first.data["count"] == 3
        assert first.response_meta is not None and first.response_meta.status_code == 200
        second = first.next()
        assert second is not None and [s.session_id for s in second.items] == created[::-1][3:6]
        third = second.next()
        assert third is not None and [s.session_id for s in third.items] == created[::-1][6:]
        assert not third.has_next and third.next() is None
        # The runtime takes no offset: each page asks for a larger window of the same list.
        assert [u.params.get("limit") for u in urls] == ["3", "6", "9"]
        assert all("offset" not in u.params for u in urls)


def test_list_iterates_every_page(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as m:
        created = _chat_sessions(m, 8)
        page = m.sessions.list(limit=2)
        assert [s.session_id for s in page] == created[::-1]
        assert sum(1 for _ in page.pages()) == 4  # 2+2+2+2, the 4th page is full but the 5th is empty
        # Another user's sessions are not listed.
        m.chat.send(message="hi", user_id="bob")
        assert len(list(m.sessions.list(limit=3))) == 8


def test_list_exact_multiple_ends_without_empty_page(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as m:
        _chat_sessions(m, 4)
        pages = list(m.sessions.list(limit=2).pages())
        assert [len(p.items) for p in pages] == [2, 2]


def test_list_new_session_between_pages_is_not_returned_twice(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as m:
        created = _chat_sessions(m, 5)
        first = m.sessions.list(limit=2)
        newest = m.chat.send(message="meanwhile").session_id  # shifts the window by one
        rest = [s.session_id for p in first.pages() if p is not first for s in p.items]
        seen = [s.session_id for s in first.items] + rest
        assert len(seen) == len(set(seen))
        assert set(created) <= set(seen) and newest not in seen[:2]


def test_list_limit_is_checked_before_sending(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as m:
        for bad in (0, -1, 1001, True, "5"):
            with pytest.raises(InvalidInputError):
                m.sessions.list(limit=bad)  # type: ignore[arg-type]
    assert not [r for r in muxi_fake.state.requests if r.path.endswith("/sessions")]


def test_list_needs_a_user(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client() as m, pytest.raises(ConfigurationError, match="user"):
        m.sessions.list()
    assert not muxi_fake.state.requests


def test_server_answers_400_without_user_header(muxi_fake: FakeMuxi) -> None:
    headers = {"X-Muxi-Client-Key": muxi_fake.state.client_key}
    r = httpx.get(f"{muxi_fake.url}/v1/sessions", headers=headers)
    assert r.status_code == 400
    error = r.json()["error"]
    assert error == {"code": "INVALID_REQUEST", "message": "X-Muxi-User-ID header is required", "data": None}


async def test_list_async_pages(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as setup:
        created = _chat_sessions(setup, 7)
    async with muxi_fake.client(user_id="alice") as m:
        page = await m.sessions.list_async(limit=3)
        assert isinstance(page, AsyncPage)
        second = await page.next_async()
        assert second is not None and isinstance(second, AsyncPage) and len(second.items) == 3
        third = await second.next_async()
        assert third is not None and len(third.items) == 1 and await third.next_async() is None
        assert [s.session_id async for s in page] == created[::-1]
        with pytest.raises(TypeError, match="async for"):
            list(page)
        with pytest.raises(TypeError, match="next_async"):
            page.next()


# ------------------------------------------------------------------------------------------- get


def test_get(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as m:
        sid = _chat_turns(m, 3)
        session = m.sessions.get(session_id=sid)
        assert isinstance(session, Session)
        assert session.session_id == sid and session.user_id == "alice" and session.message_count == 6
        assert session.active is True and session.created_at and session.last_activity
        assert session.response_meta is not None and session.response_meta.object == "session"
        assert session.response_meta.type == "session.retrieved"


async def test_get_async(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client(user_id="alice") as m:
        sid = (await m.chat.send_async(message="hi")).session_id
        assert sid
        session = await m.sessions.get_async(session_id=sid)
        assert session.message_count == 2


def test_get_unknown_session_is_not_found(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as m:
        with pytest.raises(NotFoundError) as info:
            m.sessions.get(session_id="sess_nope")
        assert info.value.status_code == 404 and info.value.code == "RESOURCE_NOT_FOUND"
        sid = m.chat.send(message="mine", user_id="bob").session_id
        assert sid
        with pytest.raises(NotFoundError):
            m.sessions.get(session_id=sid)  # bob's, not alice's


async def test_get_async_unknown_and_bad_ids(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client(user_id="alice") as m:
        with pytest.raises(NotFoundError):
            await m.sessions.get_async(session_id="sess_nope")
        for bad in ("", "..", "."):
            with pytest.raises(InvalidInputError):
                await m.sessions.get_async(session_id=bad)


# ------------------------------------------------------------------------------------------- messages


def test_messages_pages(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as m:
        sid = _chat_turns(m, 5)
        page = m.sessions.messages(session_id=sid, limit=4)
        assert [msg.role for msg in page.items] == ["user", "assistant"] * 2
        assert page.data["has_more"] is True and page.has_next
        sizes = [len(p.items) for p in page.pages()]
        assert sizes == [4, 4, 2]
        everything = list(page)
        assert [msg.content for msg in everything] == [
            text for i in range(5) for text in (f"turn {i}", f"Echo: turn {i}")
        ]
        first = everything[0]
        assert isinstance(first, SessionMessage) and first.request_id and first.namespace == "buffer"
        assert first.metadata["session_id"] == sid


def test_messages_of_unknown_session_are_empty(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as m:
        page = m.sessions.messages(session_id="sess_nope")
        assert page.items == [] and not page.has_next and list(page) == []


async def test_messages_async(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client(user_id="alice") as m:
        sid = (await m.chat.send_async(message="one")).session_id
        await m.chat.send_async(message="two", session_id=sid)
        assert sid
        page = await m.sessions.messages_async(session_id=sid, limit=3)
        assert len(page.items) == 3 and page.has_next
        assert [msg.content async for msg in page] == ["one", "Echo: one", "two", "Echo: two"]


# ------------------------------------------------------------------------------------------- restore


def test_restore_dicts_models_and_datetimes(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as m:
        result = m.sessions.restore(
            session_id="sess_restored_0001",
            messages=[
                {"role": "user", "content": "restored question", "timestamp": "2026-01-01T10:00:00Z"},
                RestoreMessage(
                    role="assistant",
                    content="restored answer",
                    timestamp=datetime(2026, 1, 1, 10, 0, 1, tzinfo=timezone.utc),
                    agent_id="assistant",
                ),
            ],
        )
        assert result.session_id == "sess_restored_0001"
        assert (result.messages_loaded, result.messages_dropped) == (2, 0)
        assert result.message == "Session restored successfully"
        assert result.response_meta is not None and result.response_meta.type == "session.restored"
        msgs = list(m.sessions.messages(session_id="sess_restored_0001"))
        assert [(x.role, x.content) for x in msgs] == [
            ("user", "restored question"),
            ("assistant", "restored answer"),
        ]
        assert msgs[1].agent_id == "assistant"
        assert msgs[0].timestamp == datetime(2026, 1, 1, 10, tzinfo=timezone.utc).timestamp()


def test_restore_replaces_and_round_trips_a_transcript(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as m:
        sid = _chat_turns(m, 2)
        transcript = list(m.sessions.messages(session_id=sid))
        copy = m.sessions.restore(session_id="sess_copy", messages=transcript)
        assert copy.messages_loaded == 4
        again = list(m.sessions.messages(session_id="sess_copy"))
        assert [(x.role, x.content) for x in again] == [(x.role, x.content) for x in transcript]
        m.sessions.restore(
            session_id=sid, messages=[{"role": "user", "content": "only me", "timestamp": "2026-01-01T00:00:00"}]
        )
        assert m.sessions.get(session_id=sid).message_count == 1


def test_restore_checks_messages_before_sending(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="alice") as m:
        bad_inputs: list[object] = [
            [{"role": "user", "content": "no timestamp"}],
            [{"content": "x", "timestamp": "2026-01-01T00:00:00Z"}],
            [{"role": "", "content": "x", "timestamp": "2026-01-01T00:00:00Z"}],
            [{"role": "user", "content": "x", "timestamp": "2026-01-01T00:00:00Z", "typo": 1}],
            {"role": "user"},
            "hello",
        ]
        for bad in bad_inputs:
            with pytest.raises(InvalidInputError):
                m.sessions.restore(session_id="s1", messages=bad)  # type: ignore[arg-type]
    assert not [r for r in muxi_fake.state.requests if "restore" in r.path]


def test_restore_server_validation_is_a_validation_error(muxi_fake: FakeMuxi) -> None:
    headers = {"X-Muxi-Client-Key": muxi_fake.state.client_key, "X-Muxi-User-ID": "alice"}
    r = httpx.post(f"{muxi_fake.url}/v1/sessions/s1/restore", headers=headers, json={"messages": [{"role": "user"}]})
    assert r.status_code == 422 and r.json()["error"]["code"] == "INVALID_PARAMS"
    with muxi_fake.client(user_id="alice") as m, pytest.raises(ValidationError):
        m.sessions.list(http_headers={"X-Muxi-User-ID": ""})


async def test_restore_async(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client(user_id="alice") as m:
        result = await m.sessions.restore_async(
            session_id="sess_async", messages=[{"role": "user", "content": "hi", "timestamp": "2026-01-01T00:00:00Z"}]
        )
        assert result.messages_loaded == 1
        assert (await m.sessions.get_async(session_id="sess_async")).message_count == 1
