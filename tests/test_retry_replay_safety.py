"""A request that could run twice is resent only when the server says it turned it away."""

from __future__ import annotations

import pytest

from muxi_sdk import BackoffStrategy, RetryConfig
from muxi_sdk.errors import ServerError
from muxi_sdk.testing import FakeMuxi

FAST = RetryConfig("backoff", BackoffStrategy(1, 5, 2.0, 5_000, 0.0), True)


def chat_requests(fake: FakeMuxi) -> int:
    return sum(r.path.endswith("/chat") for r in fake.state.requests)


@pytest.mark.parametrize("status", [500, 502, 504])
def test_stream_is_not_resent_after_a_server_error(muxi_fake: FakeMuxi, status: int) -> None:
    muxi_fake.faults.fail_next(1, status)
    with muxi_fake.client(user_id="u1") as m, pytest.raises(ServerError):
        m.chat.stream(message="hi", retries=FAST)
    assert chat_requests(muxi_fake) == 1


@pytest.mark.parametrize("status", [429, 503])
def test_stream_is_resent_when_turned_away(muxi_fake: FakeMuxi, status: int) -> None:
    muxi_fake.faults.fail_next(2, status, retry_after=0)
    with muxi_fake.client(user_id="u1") as m, m.chat.stream(message="hi", retries=FAST) as events:
        assert events.text() == "Echo: hi"
    assert chat_requests(muxi_fake) == 3


def test_json_chat_with_idempotency_key_is_not_resent_after_500(muxi_fake: FakeMuxi) -> None:
    # New rule: MUXI replays only stored 2xx answers; after a 500 the turn (tools included) would run again.
    muxi_fake.faults.fail_next(2, 500)
    with muxi_fake.client(user_id="u1") as m, pytest.raises(ServerError):
        m.chat.send(message="hi", retries=FAST)
    assert chat_requests(muxi_fake) == 1


async def test_audio_is_not_resent_after_500_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(1, 500)
    async with muxi_fake.client(user_id="u1") as m:
        with pytest.raises(ServerError):
            await m.chat.audio_async(file={"filename": "a.wav", "content": b"RIFF", "content_type": "audio/wav"},
                                     retries=FAST)
    audio = [r for r in muxi_fake.state.requests if r.path.endswith("/audiochat")]
    assert len(audio) == 1 and "x-muxi-idempotency-key" not in audio[0].headers
