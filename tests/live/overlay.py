"""A second real runtime for features the live formation does not configure (a formation overlay).

`scripts/live.sh` starts one runtime with the formation `../shared/real-muxi/start.sh` writes, which has no
option to add configuration. Features that answer 503 until the formation declares them (`memory.lint`,
`memory.distillery.enabled`, ...) are tested on a second runtime started here: the same formation file and
runtime environment (same fake LLM, same offline settings), edited by the test, on a free port with its own
database. It needs the state directory live.sh exports (`RT_STATE_DIR`); without it the tests that need an
overlay skip with the reason.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NEEDS_LIVE_SH = "needs the runtime state of scripts/live.sh (RT_STATE_DIR with formation/formation.afs)"


@dataclass
class Overlay:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        """End the runtime this module started (its own process group), politely first."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


def available() -> str | None:
    """None when an overlay can be started here, else why not."""
    state = os.environ.get("RT_STATE_DIR")
    if not state or not (Path(state) / "formation" / "formation.afs").is_file():
        return NEEDS_LIVE_SH
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/v1/health", timeout=1) as response:
            return bool(response.status == 200)
    except Exception:
        return False


def start(name: str, edit: Callable[[str], str], timeout: float = 300.0) -> Overlay:
    """Start a runtime whose formation is the live one passed through `edit`; returns when it is healthy."""
    state = Path(os.environ["RT_STATE_DIR"])
    home = Path(os.environ.get("MUXI_RT_HOME", str(Path.home() / ".cache" / "muxi-real-runtime")))
    real = Path(os.environ.get("MUXI_REAL_DIR", str(REPO.parent / "shared" / "real-muxi")))
    here = state / f"overlay-{name}"
    shutil.rmtree(here, ignore_errors=True)
    shutil.copytree(state / "formation", here / "formation")
    port = _free_port()
    formation = here / "formation" / "formation.afs"
    text = formation.read_text()
    text = re.sub(r"(?m)^(\s+port:) \d+$", rf"\1 {port}", text, count=1)
    text = text.replace(str(state / "memory.db"), str(here / "memory.db"))
    formation.write_text(edit(text))
    log = here / "runtime.log"
    command = (
        f". '{state}/runtime_env.sh' && cd '{here}' && exec '{home}/venv/bin/python' '{real}/rt_launch.py' "
        f"'{formation}' --host 127.0.0.1 --port {port}"
    )
    with open(log, "wb") as out:
        process = subprocess.Popen(
            ["/bin/sh", "-c", command], stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    overlay = Overlay(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"overlay runtime {name!r} exited during startup; see {log}")
        if _healthy(overlay.url):
            return overlay
        time.sleep(0.25)
    overlay.stop()
    raise RuntimeError(f"overlay runtime {name!r} not healthy after {timeout:.0f}s; see {log}")


def add_to_memory(block: str) -> Callable[[str], str]:
    """An `edit` that puts `block` (YAML, indented two spaces) at the top of the formation's `memory:`."""

    def edit(text: str) -> str:
        assert "\nmemory:\n" in text, "the live formation has no memory block to extend"
        return text.replace("\nmemory:\n", "\nmemory:\n" + block, 1)

    return edit
