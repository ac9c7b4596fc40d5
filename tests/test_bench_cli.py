"""`python bench/run.py`: only `--update-docs` rewrites the committed docs/benchmarks results (runs no benchmark)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench() -> Any:
    spec = importlib.util.spec_from_file_location("_muxi_bench_run", ROOT / "bench" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_quick_and_full_runs_write_outside_the_committed_results(bench: Any) -> None:
    committed = ROOT / "docs" / "benchmarks"
    for argv in ([], ["--quick"]):
        out = bench.output_dir(bench.parse_args(argv))
        assert out == ROOT / "bench" / "results" != committed
    assert bench.output_dir(bench.parse_args(["--quick", "--out", "/tmp/x"])) == Path("/tmp/x")
    assert "bench/results/" in (ROOT / ".gitignore").read_text().splitlines()


def test_only_update_docs_writes_the_committed_results(bench: Any) -> None:
    assert bench.output_dir(bench.parse_args(["--update-docs"])) == ROOT / "docs" / "benchmarks"
    with pytest.raises(SystemExit):
        bench.parse_args(["--update-docs", "--quick"])  # the committed results are full runs


def test_every_ratio_the_readme_quotes_is_in_the_committed_results() -> None:
    """README, Benchmarks: each figure it quotes comes from docs/benchmarks/results.md (the last full run)."""
    import re

    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Benchmarks\n", 1)[1].split("\n## ", 1)[0]
    results = (ROOT / "docs" / "benchmarks" / "results.md").read_text()
    quoted = re.findall(r"\d+\.\d+(?: \(\d+\.\d+-\d+\.\d+\))?\u00d7", section)  # the multiplication sign
    assert len(quoted) >= 8, "the README's benchmark summary quotes the results"
    missing = [q for q in quoted if q not in results]
    assert not missing, f"quoted in README but not in docs/benchmarks/results.md: {missing}"
    assert "full mode" in results.splitlines()[2], "the committed results are a full run"
    band = re.search(r"A/A control .*?within (\d+\.\d+) to (\d+\.\d+)", section, flags=re.S)
    assert band, "the README states the A/A band"
    calls = results.split("\n## Calls", 1)[1].split("\n## ", 1)[0]
    rows = [row for row in calls.splitlines() if row.startswith("| ") and ("(sync)" in row or "(async)" in row)]
    cells = [row.split("|")[-3:-1] for row in rows]
    aa = [float(x) for pair in cells for cell in pair for x in re.findall(r"\d+\.\d+", cell)]
    assert len(aa) == 8 * 2 * 3, "median, min and max of both A/A columns for the 8 call rows"
    assert (min(aa), max(aa)) == (float(band[1]), float(band[2]))
