"""Helpers shared by the test modules (import them: `from _helpers import ...`; fixtures live in conftest.py)."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

from muxi_sdk import BackoffStrategy, Muxi, RetryConfig

# internal: `probe` sends a raw Operation through the request path (for tests of the path itself)
from muxi_sdk._core.operation import Call, Operation, RequestInput
from muxi_sdk._core.options import call_options
from muxi_sdk.basesdk import BaseSDK

ROOT = Path(__file__).resolve().parents[1]


def load_script(name: str) -> Any:
    """Import `scripts/<name>.py` (not a package) as the module `_muxi_<name>`."""
    spec = importlib.util.spec_from_file_location(f"_muxi_{name}", ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the script runs
    spec.loader.exec_module(module)
    return module


def discover(gen: Any, name: str) -> Any:
    """`gen.discover()` of a generator script, each thing it skipped shown as a warning."""
    result = gen.discover()
    for note in result.skipped:
        warnings.warn(f"{name} skipped {note}", stacklevel=1)
    return result


def env_without_muxi() -> dict[str, str]:
    """This process's environment minus every `MUXI_*` variable (for a subprocess)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("MUXI_")}


def run_example(script: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run `examples/<script>` in a fresh interpreter from the repository root; it must exit 0."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / script), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, f"{script} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


# ------------------------------------------------------------------------------------------ clients


FAST = RetryConfig("backoff", BackoffStrategy(initial_interval=10, max_interval=50, max_elapsed_time=5_000))


def fast(
    max_elapsed_time: int = 5_000, max_interval: int = 50, initial_interval: int = 10, **kwargs: Any
) -> RetryConfig:
    """A quick backoff (exponent 1.5) for retry tests; `kwargs` go to `RetryConfig` (`max_retries`, ...)."""
    strategy = BackoffStrategy(
        initial_interval=initial_interval, max_interval=max_interval, exponent=1.5, max_elapsed_time=max_elapsed_time
    )
    return RetryConfig("backoff", strategy, **kwargs)


def dead_url() -> str:
    """A loopback URL with nothing listening (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class Probe(BaseSDK):
    """Runs an ad-hoc Operation through the shared request path (the fake records what was sent)."""

    def run(self, op: Operation, req: RequestInput | None = None, **options: Any) -> Any:
        return self._execute(Call(op, req or RequestInput(), call_options(options)))

    async def run_async(self, op: Operation, req: RequestInput | None = None, **options: Any) -> Any:
        return await self._execute_async(Call(op, req or RequestInput(), call_options(options)))


def probe(m: Muxi) -> Probe:
    return Probe(m.sdk_configuration, parent_ref=m)


def call_twin(owner: Any, dotted: str, is_async: bool, **kwargs: Any) -> Any:
    """`owner.<resource>.<method>(**kwargs)`, or its `_async` twin run on a fresh event loop."""
    import asyncio

    resource, method = dotted.split(".")
    fn = getattr(getattr(owner, resource), method + ("_async" if is_async else ""))
    if not is_async:
        return fn(**kwargs)

    async def call() -> Any:
        return await fn(**kwargs)

    return asyncio.run(call())
