"""X-Muxi-Idempotency-Key: one key per call, the same on every attempt, and the server replays instead of re-running."""

from __future__ import annotations

import re

import pytest

from _helpers import fast
from muxi_sdk.errors import ServerError
from muxi_sdk.testing import FakeMuxi, ScriptedReply
from muxi_sdk.testing.idempotency import executions_for

HEADER = "x-muxi-idempotency-key"


pytestmark = pytest.mark.usefixtures("clean_env")


def sent_keys(fake: FakeMuxi) -> list[str | None]:
    return [r.headers.get(HEADER) for r in fake.state.requests]


def test_one_key_for_every_attempt_of_a_call(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(2, 503)
    with muxi_fake.client(user_id="u1") as m:
        reply = m.chat.send(message="hi", retries=fast())
    keys = sent_keys(muxi_fake)
    assert len(keys) == 3
    key = keys[0]
    assert key is not None and re.fullmatch(r"[0-9a-f]{32}", key)
    assert keys == [key, key, key]
    assert executions_for(muxi_fake.state, key) == 1
    assert reply.response_meta is not None
    assert reply.response_meta.idempotency_key == key  # echoed by the envelope
    assert reply.response_meta.attempts == 3


async def test_one_key_for_every_attempt_of_a_call_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(2, 429, retry_after=0)
    async with muxi_fake.client(user_id="u1") as m:
        reply = await m.chat.send_async(message="hi", retries=fast())
    keys = sent_keys(muxi_fake)
    assert len(keys) == 3 and len(set(keys)) == 1 and keys[0]
    assert executions_for(muxi_fake.state, keys[0]) == 1
    assert reply.response_meta is not None and reply.response_meta.idempotency_key == keys[0]


def test_each_call_gets_a_fresh_key(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="u1") as m:
        first = m.chat.send(message="same words")
        second = m.chat.send(message="same words")
    keys = sent_keys(muxi_fake)
    assert len(keys) == 2 and keys[0] != keys[1]
    assert first.session_id != second.session_id  # both really ran


def test_operations_without_side_effects_send_no_key(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client() as m:
        m.system.health()
    assert sent_keys(muxi_fake) == [None]


def test_caller_supplied_key_is_used_and_replayed(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(user_id="u1") as m:
        first = m.chat.send(message="charge my card", idempotency_key="order-42")
        second = m.chat.send(message="charge my card", idempotency_key="order-42")
    assert sent_keys(muxi_fake) == ["order-42", "order-42"]
    assert executions_for(muxi_fake.state, "order-42") == 1
    assert second.session_id == first.session_id
    assert second.response_meta is not None and first.response_meta is not None
    assert second.response_meta.request_id == first.response_meta.request_id
    assert second.response_meta.idempotency_key == "order-42"


async def test_caller_supplied_key_is_used_and_replayed_async(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client(user_id="u1") as m:
        first = await m.chat.send_async(message="charge", idempotency_key="order-43")
        second = await m.chat.send_async(message="charge", idempotency_key="order-43")
    assert sent_keys(muxi_fake) == ["order-43", "order-43"]
    assert executions_for(muxi_fake.state, "order-43") == 1
    assert second.session_id == first.session_id


def test_caller_supplied_key_is_kept_across_retries(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(1, 503)
    muxi_fake.faults.fail_next(1, 429)
    with muxi_fake.client(user_id="u1") as m:
        m.chat.send(message="hi", idempotency_key="mine", retries=fast())
    assert sent_keys(muxi_fake) == ["mine", "mine", "mine"]
    assert executions_for(muxi_fake.state, "mine") == 1


def test_timed_out_attempt_is_replayed_not_run_again(muxi_fake: FakeMuxi) -> None:
    # The first attempt reaches the server and runs, but answers after the client gave up; the retry carries the
    # same key, so the server hands back the stored answer instead of running the chat a second time.
    muxi_fake.script(ScriptedReply(text="slow answer", delay_s=0.6))
    with muxi_fake.client(user_id="u1") as m:
        reply = m.chat.send(message="hi", timeout_ms=250, retries=fast())
    assert reply.text == "slow answer"
    keys = sent_keys(muxi_fake)
    assert len(keys) >= 2 and len(set(keys)) == 1
    assert executions_for(muxi_fake.state, keys[0] or "") == 1
    assert reply.response_meta is not None and reply.response_meta.attempts == len(keys)
    sessions = muxi_fake.state.table("sessions")
    assert len(sessions) == 1 and len(next(iter(sessions.values()))["messages"]) == 2  # one turn, not two


async def test_timed_out_attempt_is_replayed_not_run_again_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.script(ScriptedReply(text="slow answer", delay_s=0.6))
    async with muxi_fake.client(user_id="u1") as m:
        reply = await m.chat.send_async(message="hi", timeout_ms=250, retries=fast())
    assert reply.text == "slow answer"
    keys = sent_keys(muxi_fake)
    assert len(keys) >= 2 and len(set(keys)) == 1
    assert executions_for(muxi_fake.state, keys[0] or "") == 1


def test_chat_that_failed_with_a_500_is_not_resent(muxi_fake: FakeMuxi) -> None:
    # New rule: MUXI stores only 2xx answers for replay, so a resend after a 500 would run the turn (and its
    # tools) again, idempotency key or not. The chat is not resent; the caller decides.
    muxi_fake.script(ScriptedReply(error="transient model failure"))
    with muxi_fake.client(user_id="u1") as m, pytest.raises(ServerError) as info:
        m.chat.send(message="hi", retries=fast())
    keys = sent_keys(muxi_fake)
    assert len(keys) == 1 and info.value.attempts == 1
    assert executions_for(muxi_fake.state, keys[0] or "") == 1


def test_streams_send_a_key_and_reuse_it_on_retry(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(1, 503)
    with muxi_fake.client(user_id="u1") as m, m.chat.stream(message="hi", retries=fast()) as events:
        assert events.text() == "Echo: hi"
        assert events.response_meta is not None
        key = events.response_meta.idempotency_key
    assert key and sent_keys(muxi_fake) == [key, key]


async def test_streams_send_a_key_and_reuse_it_on_retry_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(1, 503)
    async with muxi_fake.client(user_id="u1") as m, m.chat.stream_async(message="hi", retries=fast()) as events:
        assert await events.text() == "Echo: hi"
    keys = sent_keys(muxi_fake)
    assert len(keys) == 2 and keys[0] and keys[0] == keys[1]


def test_submit_is_idempotent(muxi_fake: FakeMuxi) -> None:
    muxi_fake.state.async_chat = True
    with muxi_fake.client(user_id="u1") as m:
        a = m.chat.submit(message="later", webhook_url="https://example.com/h", idempotency_key="job-1")
        b = m.chat.submit(message="later", webhook_url="https://example.com/h", idempotency_key="job-1")
    assert a.id == b.id and a.accepted.request_id == b.accepted.request_id
    assert executions_for(muxi_fake.state, "job-1") == 1
