"""The built wheel, installed as a newcomer would: not editable, into a fresh venv, WITHOUT extras.

One module-scoped build + venv (about half a minute); every check then runs in that venv's interpreter:
`import muxi_sdk`, a call to a fake server started from THIS environment (another venv), `py.typed`, the
`testing` extra's install hint, and an unrelated pytest project that must still run with the SDK's pytest
plugin installed (issue 13 #23: the plugin used to import starlette and break every pytest run).
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import venv
import zipfile
from email.parser import Parser
from pathlib import Path
from typing import Any

import pytest

from _helpers import env_without_muxi
from muxi_sdk.testing import FakeMuxi

ROOT = Path(__file__).resolve().parents[1]
HINT = 'pip install "muxi-sdk[testing]"'

pytestmark = pytest.mark.slow


def run(cmd: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in env_without_muxi().items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTEST_ADDOPTS")}
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # what README's install section tells a newcomer to do
    proc = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)], ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [built] = out.glob("muxi_sdk-*.whl")
    return built


@pytest.fixture(scope="module")
def plain_python(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel (no extras) and pytest, nothing else of ours."""
    home = tmp_path_factory.mktemp("venv")
    venv.create(home, with_pip=True)
    python = home / "bin" / "python"
    proc = run([str(python), "-m", "pip", "install", "-q", str(wheel), "pytest"], home)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return python


def metadata(wheel: Path) -> Any:
    with zipfile.ZipFile(wheel) as z:
        [name] = [n for n in z.namelist() if n.endswith(".dist-info/METADATA")]
        return Parser().parsestr(z.read(name).decode())


def test_wheel_contents_and_metadata(wheel: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    assert "pip wheel --no-deps -w dist ." in readme and f"pip install dist/{wheel.name}" in readme
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
    assert "muxi_sdk/py.typed" in names
    assert "muxi_sdk/testing/runtime_requests.json" in names  # the fake's validation schemas ship
    assert any(n.endswith(".dist-info/licenses/LICENSE") or n.endswith(".dist-info/LICENSE") for n in names)
    assert not [n for n in names if n.startswith(("tests/", "bench/", "docs/", "examples/"))]
    meta = metadata(wheel)
    classifiers = meta.get_all("Classifier")
    assert "License :: OSI Approved :: MIT License" in classifiers
    for minor in (10, 11, 12, 13):
        assert f"Programming Language :: Python :: 3.{minor}" in classifiers
    assert meta["Requires-Python"] == ">=3.10"
    extras = meta.get_all("Provides-Extra")
    assert "testing" in extras
    runtime = {re.split(r"[<>=!~ ;\[]", r)[0] for r in meta.get_all("Requires-Dist") if "extra ==" not in r}
    assert runtime == {"httpx", "pydantic", "httpx-sse", "jsonpath-python"}
    # the index page: no relative links (they would be broken there)
    description = meta.get_payload()
    assert "pip install muxi-sdk" in description
    relative = re.findall(r"\]\((?!https?://|#)([^)]+)\)", description)
    assert relative == []


def test_import_py_typed_and_a_call_against_a_fake_in_another_venv(plain_python: Path, tmp_path: Path) -> None:
    with FakeMuxi() as fake:
        script = textwrap.dedent(f"""
            import pathlib, sys
            import muxi_sdk
            from muxi_sdk import Muxi
            assert "site-packages" in muxi_sdk.__file__, muxi_sdk.__file__
            assert (pathlib.Path(muxi_sdk.__file__).parent / "py.typed").is_file()
            assert "starlette" not in sys.modules
            with Muxi(url={fake.url!r}, client_key={fake.state.client_key!r}, user_id="u1") as m:
                print(m.chat.send(message="from the wheel").text)
            print(muxi_sdk.__version__)
        """)
        proc = run([str(plain_python), "-c", script], tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[0] == "Echo: from the wheel"


def test_testing_without_the_extra_says_how_to_install_it(plain_python: Path, tmp_path: Path) -> None:
    proc = run([str(plain_python), "-c", "from muxi_sdk.testing import FakeMuxi"], tmp_path)
    assert proc.returncode != 0 and "ImportError" in proc.stderr and HINT in proc.stderr
    proc = run([str(plain_python), "-m", "muxi_sdk.testing", "--port", "0"], tmp_path)
    assert proc.returncode != 0 and HINT in proc.stderr


def test_an_unrelated_pytest_project_still_runs(plain_python: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_unrelated.py").write_text("def test_arithmetic():\n    assert 1 + 1 == 2\n")
    proc = run([str(plain_python), "-m", "pytest", "-q", "-p", "no:cacheprovider"], project)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout
    # the plugin is loaded: asking for its fixture fails with the install hint, the other test still passes
    (project / "test_fake.py").write_text("def test_uses_the_fake(muxi_fake):\n    pass\n")
    proc = run([str(plain_python), "-m", "pytest", "-q", "-p", "no:cacheprovider"], project)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout and ("1 error" in proc.stdout or "1 failed" in proc.stdout)
    assert HINT in proc.stdout


def test_the_plugin_entry_point_is_registered(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        [name] = [n for n in z.namelist() if n.endswith(".dist-info/entry_points.txt")]
        text = z.read(name).decode()
    assert "[pytest11]" in text and "muxi_sdk.testing.pytest_plugin" in text


def test_the_installed_version_is_the_one_in_the_source(plain_python: Path, tmp_path: Path) -> None:
    """`__version__` is a constant the build reads; the wheel's metadata must say the same."""
    script = "import importlib.metadata, muxi_sdk; print(importlib.metadata.version('muxi-sdk'), muxi_sdk.__version__)"
    proc = run([str(plain_python), "-c", script], tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    installed, source = proc.stdout.split()
    assert installed == source
