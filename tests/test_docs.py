"""Every ```python block in README.md, USAGE.md and docs/ runs against the fake server.

Blocks run in file order, each in a fresh namespace, with the MUXI_* environment pointing at the fake
server. A block fenced as ```python no-run is shown but not executed (say why next to it). A block fenced
as ```python async_chat runs against a fake with `FakeState.async_chat` switched on: it shows `mode: "async"`
(`chat.submit`), which the MUXI docs describe but runtime 1.20260928 answers with 501.

Only files that hold a runnable block are collected, so a skip here would mean something.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from muxi_sdk.testing import FakeMuxi

ROOT = Path(__file__).resolve().parents[1]
_BLOCK = re.compile(r"^```python([^\n]*)\n(.*?)^```", re.S | re.M)


def doc_files() -> list[Path]:
    files = [ROOT / "README.md", ROOT / "USAGE.md", *sorted((ROOT / "docs").rglob("*.md"))]
    return [f for f in files if f.exists()]


def python_blocks(path: Path) -> list[tuple[int, str, set[str]]]:
    """(line, code, fence flags) of every runnable block."""
    text = path.read_text()
    blocks = []
    for match in _BLOCK.finditer(text):
        flags = set(match.group(1).split())
        if "no-run" in flags:
            continue
        line = text.count("\n", 0, match.start()) + 1
        blocks.append((line, match.group(2), flags))
    return blocks


def files_with_examples() -> list[Path]:
    return [f for f in doc_files() if python_blocks(f)]


def test_the_docs_have_examples() -> None:
    assert len(files_with_examples()) >= 10


@pytest.mark.parametrize("path", files_with_examples(), ids=lambda p: str(p.relative_to(ROOT)))
def test_doc_examples_run(path: Path, muxi_fake: FakeMuxi, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = python_blocks(path)
    s = muxi_fake.state
    env = {
        "MUXI_URL": muxi_fake.url,
        "MUXI_SERVER_URL": muxi_fake.url,
        "MUXI_FORMATION_ID": s.formation_id,
        "MUXI_CLIENT_KEY": s.client_key,
        "MUXI_ADMIN_KEY": s.admin_key,
        "MUXI_KEY_ID": s.key_id,
        "MUXI_SECRET_KEY": s.secret_key,
        "MUXI_USER_ID": "user-1",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(ROOT)
    for line, code, flags in blocks:
        s.async_chat = "async_chat" in flags
        namespace: dict[str, object] = {"__name__": "__docs__"}
        try:
            exec(compile(code, f"{path.relative_to(ROOT)}:{line}", "exec"), namespace)
        except Exception as exc:
            raise AssertionError(f"example at {path.relative_to(ROOT)}:{line} failed: {exc!r}") from exc
