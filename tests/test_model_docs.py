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


def test_models_package_is_explicit_and_current() -> None:
    """`muxi_sdk.models` lists every public name (TYPE_CHECKING imports, `__all__`, lazy map), as generated."""
    names = gen.public_names()
    assert gen.MODELS_INIT.read_text() == gen.render_init(names), f"models/__init__.py is stale ({FIX})"
    import muxi_sdk.models as models

    assert sorted(models.__all__) == sorted(names)
    assert models.ChatResponse.__module__ == "muxi_sdk.models.chat"
    assert models.LifecycleProgressEvent.__module__ == "muxi_sdk.models.formations"
    for leaked in ("Any", "Field", "TypedDict", "Union", "Literal", "BaseModel"):
        assert leaked not in models.__all__
        with pytest.raises(AttributeError):
            getattr(models, leaked)


def test_public_model_names_are_unique() -> None:
    assert not gen.duplicates(gen.public_names()), "public model names must be unique (rename one)"


def test_a_duplicate_name_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "one.py").write_text("class Thing:\n    pass\n")
    (tmp_path / "two.py").write_text("Thing = int\n")
    monkeypatch.setattr(gen, "MODELS_SRC", tmp_path)
    assert gen.duplicates(gen.public_names()) == ["Thing: one, two"]
    assert gen.main(["--check"]) == 2


def test_renamed_models_keep_their_old_names_for_a_release() -> None:
    """The deploy-stream events were `ProgressEvent` / `LogEvent`, the names of the chat and system events."""
    from muxi_sdk.models import FormationLogEvent, LifecycleProgressEvent, LogEvent, ProgressEvent

    assert ProgressEvent.__module__ == "muxi_sdk.models.chat" and LogEvent.__module__ == "muxi_sdk.models.system"
    with pytest.warns(DeprecationWarning, match="LifecycleProgressEvent"):
        from muxi_sdk.models.formations import ProgressEvent as OldProgress
    with pytest.warns(DeprecationWarning, match="FormationLogEvent"):
        from muxi_sdk.models.formations import LogEvent as OldLog
    assert OldProgress is LifecycleProgressEvent and OldLog is FormationLogEvent
