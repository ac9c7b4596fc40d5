"""docs/models/ has one current page per public model (written by scripts/gen_model_docs.py)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from _helpers import ROOT, discover, load_script

FIX = "run `python scripts/gen_model_docs.py` and commit the result"

gen = load_script("gen_model_docs")


@pytest.fixture(scope="module")
def found() -> Any:
    return discover(gen, "gen_model_docs")


@pytest.fixture(scope="module")
def files(found: Any) -> dict[Path, str]:
    return gen.render(found)  # type: ignore[no-any-return]


def test_every_public_model_has_a_page(found: Any) -> None:
    missing = [f"{m.module}.{m.name} -> docs/models/{m.page}" for m in found.models if not (gen.DOCS / m.page).exists()]
    assert not missing, f"models without a doc page ({FIX}):\n" + "\n".join(missing)


def test_pages_are_current(files: dict[Path, str]) -> None:
    stale = [str(p.relative_to(ROOT)) for p, text in files.items() if not p.exists() or p.read_text() != text]
    assert not stale, f"stale model docs ({FIX}):\n" + "\n".join(stale)


def test_no_pages_of_models_that_are_gone(files: dict[Path, str]) -> None:
    gone = [str(p.relative_to(ROOT)) for p in gen.orphans(files)]
    assert not gone, f"pages of models that no longer exist ({FIX}):\n" + "\n".join(gone)


def test_known_models_are_documented(found: Any, files: dict[Path, str]) -> None:
    by_name = {(m.module, m.name): m for m in found.models}
    assert by_name[("chat", "ChatRequest")].kind == "request"
    assert by_name[("chat", "ChatResponse")].kind == "response"
    assert ("chat", "ChatRequestTypedDict") not in by_name  # twins are named on their model's page
    page = files[gen.DOCS / "chatrequest.md"]
    assert "| Field | Type | Required | Description |" in page
    assert "| `message` | str | :heavy_check_mark: |" in page
    assert "[UIResponse](uiresponse.md)" in page and "ChatRequestTypedDict" in page
    index = files[gen.DOCS / "README.md"]
    assert "[ChatResponse](chatresponse.md)" in index


def test_links_between_pages_resolve(files: dict[Path, str]) -> None:
    names = {p.name for p in files}
    for path, text in files.items():
        for target in re.findall(r"\]\(([^)#]+\.md)\)", text):
            assert target in names, f"{path.name} links to missing {target}"


def test_pages_hold_no_runnable_python(files: dict[Path, str]) -> None:
    for path, text in files.items():
        assert not re.search(r"^```python[ \t]*$", text, re.M), f"{path.name} has a runnable ```python block"
    assert gen._safe("x\n```python\nprint(1)\n```") == "x\n```python no-run\nprint(1)\n```"
