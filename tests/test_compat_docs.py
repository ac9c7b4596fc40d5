"""Every Python snippet of the official MUXI docs runs on muxi_sdk.compat as written.

The snippets are read verbatim from `../shared/api/official-docs-snippets.md`. The one change a migrating
user makes is the import line (`from muxi import` -> `from muxi_sdk.compat import`); the documented
placeholder addresses and keys are pointed at the fake server. Names a snippet assumes the reader already
has (`formation`, a web framework's `app`/`Request`, `your_db`, `input()` answers) are provided, and the ids
it names (`sess_abc123`, `mem_abc123`, `job_abc123`, the `my-bot` bundle) are created first.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any

import pytest

from muxi_sdk.compat import FormationClient
from muxi_sdk.testing import FakeMuxi
from test_compat import fill, port, write_my_bot_bundle

ROOT = Path(__file__).resolve().parents[1]
SNIPPETS = ROOT.parent / "shared" / "api" / "official-docs-snippets.md"
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def doc_snippets() -> list[tuple[int, str]]:
    if not SNIPPETS.exists():
        return []
    text = SNIPPETS.read_text()
    return [(text.count("\n", 0, m.start()) + 1, m.group(1)) for m in _BLOCK.finditer(text)]


def test_the_snippet_file_is_there() -> None:
    if not SNIPPETS.exists():
        pytest.skip(f"{SNIPPETS} is not beside the repository (CI and developer machines have it)")
    assert len(doc_snippets()) >= 20


def _seed(fake: FakeMuxi, tmp_path: Path, snippet: str) -> None:
    """Create what the snippets name, under the names they use."""
    m = fake.client(user_id="user_123")
    if "restore_session" not in snippet:  # that one brings sess_abc123 back from the reader's database
        m.chat.send(message="hello", session_id="sess_abc123")
    memory = m.memory.add(type="preference", detail="likes tea")
    job = m.scheduler.create(message="daily summary", schedule="0 9 * * *")
    memories, jobs = fake.state.table("memories"), fake.state.table("scheduler_jobs")
    memories["mem_abc123"] = {**memories.pop(memory.id), "id": "mem_abc123"}
    jobs["job_abc123"] = {**jobs.pop(job.id), "job_id": "job_abc123", "id": "job_abc123"}
    m.triggers.list()  # seeds the fake's trigger table (github-issue)
    fake.state.table("triggers")["daily-report"] = "Daily report for ${{ data.date }}"
    m.close()
    write_my_bot_bundle(tmp_path)


class _App:
    def post(self, _path: str) -> Any:
        return lambda fn: fn


class _DB:
    def get_messages(self, session_id: str) -> list[dict[str, str]]:
        return [{"role": "user", "content": "Hello"}]


@pytest.mark.parametrize(("line", "snippet"), doc_snippets(), ids=[f"line-{n}" for n, _ in doc_snippets()])
def test_official_docs_snippet_runs_as_written(
    line: int, snippet: str, muxi_fake: FakeMuxi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(muxi_fake, tmp_path, snippet)
    monkeypatch.chdir(tmp_path)
    s = muxi_fake.state
    answers = iter(["Hello", "quit"])
    namespace: dict[str, Any] = {
        "__name__": "__main__",
        "formation": FormationClient(
            server_url=muxi_fake.url, formation_id=s.formation_id, client_key=s.client_key, admin_key=s.admin_key
        ),
        "FormationClient": FormationClient,  # the snippets that configure a client assume it is imported
        "app": _App(),
        "Request": object,
        "HTTPException": Exception,
        "WEBHOOK_SECRET": s.admin_key,
        "your_db": _DB(),
        "input": lambda _prompt="": next(answers),
    }
    code = fill(port(snippet), muxi_fake)
    with warnings.catch_warnings():
        # the documented job_type="prompt" is mapped with a DeprecationWarning (pinned in test_compat)
        warnings.simplefilter("ignore", DeprecationWarning)
        exec(compile(code, f"official-docs-snippets.md:{line}", "exec"), namespace)


# ------------------------------------------------------------------------------ what the snippets needed
def formation_client(fake: FakeMuxi) -> FormationClient:
    s = fake.state
    return FormationClient(url=fake.url, client_key=s.client_key, admin_key=s.admin_key)


def sent_type(fake: FakeMuxi) -> str:
    [last] = [r for r in fake.state.requests if r.method == "POST" and r.path.endswith("/scheduler/jobs")][-1:]
    return str(json.loads(last.body)["type"])


def test_docs_job_type_prompt_is_mapped_with_a_deprecation_warning(muxi_fake: FakeMuxi) -> None:
    f = formation_client(muxi_fake)
    with pytest.warns(DeprecationWarning, match="'recurring'.*'one_time'") as caught:
        job = f.create_scheduler_job(job_type="prompt", schedule="0 9 * * *", message="Daily", user_id="user_123")
    assert caught[0].filename == __file__  # points at the caller's line
    assert job["is_recurring"] is True and sent_type(muxi_fake) == "recurring"
    with pytest.warns(DeprecationWarning):
        once = f.create_scheduler_job(
            job_type="prompt", schedule="2099-01-01T09:00:00Z", message="Once", user_id="user_123"
        )
    assert once["is_recurring"] is False and sent_type(muxi_fake) == "one_time"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f.create_scheduler_job(job_type="recurring", schedule="0 9 * * *", message="x", user_id="user_123")


async def test_docs_job_type_prompt_async(muxi_fake: FakeMuxi) -> None:
    from muxi_sdk.compat import AsyncFormationClient

    s = muxi_fake.state
    f = AsyncFormationClient(url=muxi_fake.url, client_key=s.client_key, admin_key=s.admin_key)
    with pytest.warns(DeprecationWarning):
        job = await f.create_scheduler_job(job_type="prompt", schedule="0 9 * * *", message="x", user_id="u")
    assert job["is_recurring"] is True and sent_type(muxi_fake) == "recurring"


@pytest.mark.parametrize("bad", ["prompt", "weekly", "cron"])
def test_native_invalid_type_names_type_and_its_values(muxi_fake: FakeMuxi, bad: str) -> None:
    from muxi_sdk.errors import InvalidInputError

    with muxi_fake.client(user_id="u1") as m, pytest.raises(InvalidInputError) as info:
        m.scheduler.create(message="x", schedule="0 9 * * *", type=bad)  # type: ignore[arg-type]
    assert "type must be one of 'recurring', 'one_time'" in info.value.message
    assert "schedule" not in info.value.message.split("(")[0]
    assert info.value.details == {"field": "type", "value": bad, "allowed": ["recurring", "one_time"]}
    assert not [r for r in muxi_fake.state.requests if r.path.endswith("/scheduler/jobs")]  # nothing sent


def test_docs_associate_user_identifiers_and_plain_string_chat(muxi_fake: FakeMuxi) -> None:
    f = formation_client(muxi_fake)
    result = f.associate_user_identifiers(
        identifiers=["alice@email.com", {"identifier": "U12345ABC", "type": "slack"}, ("user_123", "internal")],
        user_id=None,
    )
    muxi_user_id = result["muxi_user_id"]
    assert muxi_user_id
    more = f.associate_user_identifiers(identifiers=["alice-alt@email.com"], user_id=muxi_user_id)
    assert more["muxi_user_id"] == muxi_user_id
    reply = f.chat("Hello", user_id="U12345ABC")
    assert "Echo: Hello" in json.dumps(reply)
    assert json.loads(muxi_fake.state.requests[-1].body)["message"] == "Hello"


async def test_docs_associate_and_plain_string_chat_async(muxi_fake: FakeMuxi) -> None:
    from muxi_sdk.compat import AsyncFormationClient

    s = muxi_fake.state
    f = AsyncFormationClient(url=muxi_fake.url, client_key=s.client_key, admin_key=s.admin_key)
    result = await f.associate_user_identifiers(identifiers=["bob@email.com"])
    assert result["muxi_user_id"]
    assert "Echo: Hello" in json.dumps(await f.chat("Hello", user_id="bob@email.com"))


def test_docs_get_agents_iterates_over_agents_and_stays_the_official_dict(muxi_fake: FakeMuxi) -> None:
    agents = formation_client(muxi_fake).get_agents()
    assert [a["id"] for a in agents] == [a["id"] for a in agents["agents"]]
    keys = set(agents.keys())
    assert isinstance(agents, dict) and keys >= {"agents", "count"}
    assert dict(agents) == {k: agents[k] for k in keys}
    assert json.loads(json.dumps(agents))["count"] == agents["count"]
