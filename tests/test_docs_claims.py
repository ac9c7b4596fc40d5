"""Claims of README.md and docs/ that no other test pinned (the docs audit of issue 17). Each test names
the sentence it keeps true."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest

from muxi_sdk import Muxi, RetryConfig
from muxi_sdk.errors import InvalidInputError, ServerError
from muxi_sdk.testing import FakeMuxi

WAV = {"filename": "hi.wav", "content": b"RIFF....", "content_type": "audio/wav"}


@pytest.mark.parametrize("file", [b"hello", bytearray(b"hello"), io.BytesIO(b"hello")], ids=["bytes", "array", "io"])
def test_readme_bare_bytes_need_a_filename(muxi_fake: FakeMuxi, file: Any) -> None:
    """README, File uploads: "Bare bytes (or an unnamed `BytesIO`) raise `InvalidInputError`"."""
    with muxi_fake.client(user_id="u1") as m:
        with pytest.raises(InvalidInputError, match="filename"):
            m.chat.send(message="x", files=[file])
        with pytest.raises(InvalidInputError, match="filename"):
            m.chat.audio(file=file)
        assert m.chat.send(message="x", files=[{"filename": "a.txt", "content": b"hello"}]).text
    assert [r.path for r in muxi_fake.state.requests] == ["/v1/chat"]  # only the wrapped one was sent


async def test_readme_bare_bytes_need_a_filename_async(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client(user_id="u1") as m:
        with pytest.raises(InvalidInputError, match="filename"):
            await m.chat.send_async(message="x", files=[b"hello"])
        with pytest.raises(InvalidInputError, match="filename"):
            await m.chat.audio_async(file=b"RIFF")
    assert muxi_fake.state.requests == []


WRITES: dict[str, Callable[[Muxi], Any]] = {
    "memory.add": lambda m: m.memory.add(type="fact", detail="x"),
    "users.associate": lambda m: m.users.associate(identifiers=["a@example.com"]),
    "secrets.set": lambda m: m.secrets.set(key="K", value="v"),
}


@pytest.mark.parametrize("name", list(WRITES))
def test_compatibility_writes_without_a_key_are_not_resent_after_a_500(muxi_fake: FakeMuxi, name: str) -> None:
    """docs/compatibility.md used to list "retries on 5xx also resend POSTs that carry no idempotency key"
    as an open point: a 500 may come after the write, so they are sent once."""
    muxi_fake.faults.fail_next(1, 500)
    with muxi_fake.client(user_id="u1") as m, pytest.raises(ServerError):
        WRITES[name](m)
    assert len(muxi_fake.state.requests) == 1


async def test_compatibility_writes_without_a_key_are_not_resent_after_a_500_async(muxi_fake: FakeMuxi) -> None:
    muxi_fake.faults.fail_next(1, 500)
    async with muxi_fake.client(user_id="u1") as m:
        with pytest.raises(ServerError):
            await m.memory.add_async(type="fact", detail="x")
    assert len(muxi_fake.state.requests) == 1


def test_chat_docs_audio_sends_no_idempotency_key(muxi_fake: FakeMuxi) -> None:
    """docs/sdks/chat/README.md: audio has "no idempotency key, because MUXI does not deduplicate /audiochat"."""
    with muxi_fake.client(user_id="u1") as m:
        m.chat.audio(file=WAV)
    assert "x-muxi-idempotency-key" not in muxi_fake.state.requests[-1].headers


def test_compatibility_open_point_audio_session_id(muxi_fake: FakeMuxi) -> None:
    """docs/compatibility.md, open points: `session_id` is None for a new audio session; the metadata has it."""
    with muxi_fake.client(user_id="u1") as m:
        reply = m.chat.audio(file=WAV)
    assert reply.session_id is None
    assert reply.message is not None and reply.message.metadata["session_id"]


def test_compatibility_open_point_default_retry_budget() -> None:
    """docs/compatibility.md, open points: a deterministic 500 on a read costs 4 retries (about 8 s)."""
    # internal: the default policy object is not public; its budget is what the open point states
    from muxi_sdk._core.retries import DEFAULT_RETRY_CONFIG

    assert isinstance(DEFAULT_RETRY_CONFIG, RetryConfig) and DEFAULT_RETRY_CONFIG.backoff is not None
    assert DEFAULT_RETRY_CONFIG.max_retries == 4 and 500 in DEFAULT_RETRY_CONFIG.status_codes
    b = DEFAULT_RETRY_CONFIG.backoff
    waits = [min(b.initial_interval * b.exponent**n, b.max_interval) / 1000 for n in range(4)]
    assert 6 <= sum(waits) <= 10  # 0.5 + 1 + 2 + 4 s before jitter


def test_readme_ci_runs_every_supported_python_and_the_oldest_dependencies() -> None:
    """README, Development: 3.10-3.13 from pyenv, 3.10/3.11 required, the oldest allowed versions pinned."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    ci = (root / ".ci" / "run").read_text()
    assert "SUPPORTED=(3.10 3.11 3.12 3.13)" in ci and "PRIMARY=3.11" in ci and "OLDEST=3.10" in ci
    assert 'REQUIRED=("$OLDEST" "$PRIMARY")' in ci and "-c .ci/oldest.txt" in ci
    pyproject = (root / "pyproject.toml").read_text()
    assert 'requires-python = ">=3.10"' in pyproject
    minimums = dict(re.findall(r'"([a-z-]+)>=([0-9.]+)', pyproject.split("dev = [")[0]))
    pins = dict(re.findall(r"^([a-z-]+)==([0-9.]+)$", (root / ".ci" / "oldest.txt").read_text(), re.M))
    # every runtime and testing-extra minimum is pinned at exactly its lowest allowed release
    wanted = ("httpx", "pydantic", "httpx-sse", "jsonpath-python", "starlette", "uvicorn")
    assert {name: minimums[name] for name in wanted} == {name: _short(pins[name]) for name in wanted}


def _short(version: str) -> str:
    """`0.27.0` is what `>=0.27` allows first."""
    return version[:-2] if version.endswith(".0") and version.count(".") == 2 else version


def test_every_test_the_docs_cite_exists() -> None:
    """docs/*.md and README prove claims by naming tests (`test_...`); a renamed or deleted test must not
    leave a claim pointing at nothing."""
    import re
    from pathlib import Path

    root = Path(__file__).parent.parent
    defined = set()
    for path in (root / "tests").rglob("*.py"):
        defined.update(re.findall(r"^(?:async )?def (test_\w+)", path.read_text(), flags=re.M))
    missing, cited = [], 0
    for doc in [root / "README.md", root / "USAGE.md", *sorted((root / "docs").rglob("*.md"))]:
        for name in set(re.findall(r"`(test_\w+)`", doc.read_text())):
            cited += 1
            if name not in defined:
                missing.append(f"{doc.relative_to(root)}: {name}")
    assert len(defined) > 500 and cited > 100
    assert missing == []
