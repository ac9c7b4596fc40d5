"""Side-by-side benchmarks: raw httpx, the official `muxi` SDK and muxi-sdk, in one process, interleaved.

    pip install -r bench/requirements.txt
    python bench/run.py --quick          # under a minute; writes bench/results/ (not committed)
    python bench/run.py                  # the full run; writes bench/results/ too
    python bench/run.py --update-docs    # a full run that rewrites the committed docs/benchmarks/results.md + .png

Servers run in their own processes (so the CPU time measured here is the client's): a minimal raw ASGI
server (bench/rawserver.py, isolates client cost) and the bundled fake MUXI server. Every figure is the
median over interleaved rounds; results are reported as ratios measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from httpx_sse import EventSource

ROOT = Path(__file__).resolve().parents[1]
CLIENT_KEY, ADMIN_KEY, USER = "bench-client", "bench-admin", "alice"
HEADERS = {"X-Muxi-Client-Key": CLIENT_KEY, "X-Muxi-User-ID": USER}

try:  # the official SDK is a bench-only dependency
    from muxi import AsyncFormationClient, FormationClient  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover
    FormationClient = AsyncFormationClient = None

from muxi_sdk import Muxi  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(cmd: list[str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=0.5)
            return proc
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"server did not start: {cmd}")


def close_quietly(obj: Any) -> None:
    """The official SDK's clients have no close(); their transport does."""
    target = obj if hasattr(obj, "close") else getattr(obj, "_transport", None)
    if target is not None and hasattr(target, "close"):
        target.close()


@dataclass
class Result:
    scenario: str
    impl: str
    wall_us: float
    cpu_us: float
    extra: dict[str, Any] = field(default_factory=dict)


def interleave(impls: dict[str, Callable[[], Any]], calls: int, rounds: int) -> dict[str, tuple[float, float]]:
    """Median (wall µs, CPU µs) per call for each implementation, rotating the order every round."""
    names = list(impls)
    samples: dict[str, list[tuple[float, float]]] = {n: [] for n in names}
    for fn in impls.values():  # warm up pools, caches and lazy imports
        for _ in range(max(3, calls // 10)):
            fn()
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            fn = impls[name]
            w0, c0 = time.perf_counter(), time.process_time()
            for _ in range(calls):
                fn()
            samples[name].append(((time.perf_counter() - w0) / calls * 1e6, (time.process_time() - c0) / calls * 1e6))
    return {n: (statistics.median(s[0] for s in v), statistics.median(s[1] for s in v)) for n, v in samples.items()}


def interleave_async(
    impls: dict[str, Callable[[], Awaitable[Any]]], calls: int, rounds: int
) -> dict[str, tuple[float, float]]:
    async def run() -> dict[str, tuple[float, float]]:
        names = list(impls)
        samples: dict[str, list[tuple[float, float]]] = {n: [] for n in names}
        for fn in impls.values():
            for _ in range(max(3, calls // 10)):
                await fn()
        for r in range(rounds):
            for name in names[r % len(names) :] + names[: r % len(names)]:
                fn = impls[name]
                w0, c0 = time.perf_counter(), time.process_time()
                for _ in range(calls):
                    await fn()
                samples[name].append(
                    ((time.perf_counter() - w0) / calls * 1e6, (time.process_time() - c0) / calls * 1e6)
                )
        return {n: (statistics.median(s[0] for s in v), statistics.median(s[1] for s in v)) for n, v in samples.items()}

    return asyncio.run(run())


def sync_impls(base: str, scenario: str) -> tuple[dict[str, Callable[[], Any]], list[Any]]:
    raw = httpx.Client(headers=HEADERS)
    ours = Muxi(url=base, client_key=CLIENT_KEY, admin_key=ADMIN_KEY, user_id=USER)
    closers: list[Any] = [raw, ours]
    impls: dict[str, Callable[[], Any]] = {}
    official = FormationClient(url=base, client_key=CLIENT_KEY, admin_key=ADMIN_KEY) if FormationClient else None
    if official is not None:
        closers.append(official)
    if scenario == "small GET":
        impls["raw httpx"] = lambda: raw.get(f"{base}/v1/health").json()
        if official:
            impls["official muxi"] = official.health
        impls["muxi-sdk"] = ours.system.health
    elif scenario == "JSON POST":
        impls["raw httpx"] = lambda: raw.post(f"{base}/v1/chat", json={"message": "hello", "stream": False}).json()
        if official:
            impls["official muxi"] = lambda: official.chat({"message": "hello", "stream": False}, user_id=USER)
        impls["muxi-sdk"] = lambda: ours.chat.send(message="hello")
    else:
        impls["raw httpx"] = lambda: raw.get(f"{base}/v1/sessions", params={"limit": 50}).json()
        if official:
            impls["official muxi"] = lambda: official.get_sessions(USER, limit=50)
        impls["muxi-sdk"] = lambda: ours.sessions.list(limit=50)
    return impls, closers


def async_impls(base: str, scenario: str) -> dict[str, Callable[[], Awaitable[Any]]]:
    raw = httpx.AsyncClient(headers=HEADERS)
    ours = Muxi(url=base, client_key=CLIENT_KEY, admin_key=ADMIN_KEY, user_id=USER)
    official = (
        AsyncFormationClient(url=base, client_key=CLIENT_KEY, admin_key=ADMIN_KEY) if AsyncFormationClient else None
    )
    impls: dict[str, Callable[[], Awaitable[Any]]] = {}

    async def raw_get() -> Any:
        return (await raw.get(f"{base}/v1/health")).json()

    async def raw_post() -> Any:
        return (await raw.post(f"{base}/v1/chat", json={"message": "hello", "stream": False})).json()

    async def raw_list() -> Any:
        return (await raw.get(f"{base}/v1/sessions", params={"limit": 50})).json()

    if scenario == "small GET":
        impls["raw httpx"] = raw_get
        if official:
            impls["official muxi"] = official.health
        impls["muxi-sdk"] = ours.system.health_async
    elif scenario == "JSON POST":
        impls["raw httpx"] = raw_post
        if official:
            impls["official muxi"] = lambda: official.chat({"message": "hello", "stream": False}, user_id=USER)
        impls["muxi-sdk"] = lambda: ours.chat.send_async(message="hello")
    else:
        impls["raw httpx"] = raw_list
        if official:
            impls["official muxi"] = lambda: official.get_sessions(USER, limit=50)
        impls["muxi-sdk"] = lambda: ours.sessions.list_async(limit=50)
    return impls


def bench_calls(base: str, server: str, calls: int, rounds: int) -> list[Result]:
    out: list[Result] = []
    for scenario in ("small GET", "JSON POST", "50-item list"):
        impls, closers = sync_impls(base, scenario)
        try:
            for impl, (wall, cpu) in interleave(impls, calls, rounds).items():
                out.append(Result(f"{scenario} (sync, {server})", impl, wall, cpu))
        except Exception as exc:  # a resource or route not available: report, carry on
            print(f"skipped {scenario}: {exc}", file=sys.stderr)
        finally:
            for c in closers:
                close_quietly(c)
        try:
            for impl, (wall, cpu) in interleave_async(async_impls(base, scenario), calls, rounds).items():
                out.append(Result(f"{scenario} (async, {server})", impl, wall, cpu))
        except Exception as exc:
            print(f"skipped async {scenario}: {exc}", file=sys.stderr)
    return out


def bench_sse(base: str, events: int, rounds: int) -> list[Result]:
    raw = httpx.Client(headers=HEADERS, timeout=60)
    ours = Muxi(url=base, client_key=CLIENT_KEY, user_id=USER)
    official = FormationClient(url=base, client_key=CLIENT_KEY) if FormationClient else None

    def floor() -> None:
        with raw.stream("POST", f"{base}/v1/chat", json={"message": str(events)}) as r:
            for sse in EventSource(r).iter_sse():
                json.loads(sse.data)

    def mine() -> None:
        with ours.chat.stream(message=str(events)) as stream:
            for _ in stream:
                pass

    def official_json() -> None:  # the official SDK yields raw strings; decoding them is the fair comparison
        assert official is not None
        for event in official.chat_stream({"message": str(events)}, user_id=USER):
            json.loads(event["data"])

    impls: dict[str, Callable[[], Any]] = {"httpx-sse + json.loads": floor}
    if official is not None:
        impls["official muxi"] = lambda: [None for _ in official.chat_stream({"message": str(events)}, user_id=USER)]
        impls["official muxi + json.loads"] = official_json
    impls["muxi-sdk"] = mine
    results = []
    for impl, (wall, cpu) in interleave(impls, 1, rounds).items():
        results.append(Result(f"SSE {events:,} events", impl, wall, cpu, {"events_per_s": events / (wall / 1e6)}))
    # Peak memory while streaming: a flat stream uses the same at 10x the events.
    peaks = {}
    for n in (events // 10, events):
        tracemalloc.start()
        with ours.chat.stream(message=str(n)) as stream:
            for _ in stream:
                pass
        peaks[n] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    results.append(
        Result("SSE peak memory", "muxi-sdk", 0, 0, {f"{n:,} events": f"{p / 1024:.0f} KiB" for n, p in peaks.items()})
    )
    for c in (raw, ours, official):
        close_quietly(c)
    return results


def bench_fanout(base: str, count: int) -> list[Result]:
    async def run() -> list[Result]:
        out = []
        async with Muxi(url=base, client_key=CLIENT_KEY, user_id=USER) as m:
            await m.chat.send_async(message="warm")
            t0 = time.perf_counter()
            res = await asyncio.gather(
                *(m.chat.send_async(message=f"m{i}") for i in range(count)), return_exceptions=True
            )
            wall = time.perf_counter() - t0
            errors = sum(isinstance(r, BaseException) for r in res)
            out.append(Result(f"async fan-out {count} chats", "muxi-sdk", wall * 1e6, 0, {"errors": errors}))
        # Same pool and timeouts as the SDK's own client (httpx's 5 s pool timeout fails most of 1000 queued requests).
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=30.0)
        timeout = httpx.Timeout(300.0, connect=5.0)
        async with httpx.AsyncClient(headers=HEADERS, limits=limits, timeout=timeout) as raw:
            t0 = time.perf_counter()
            res = await asyncio.gather(
                *(raw.post(f"{base}/v1/chat", json={"message": "x", "stream": False}) for _ in range(count)),
                return_exceptions=True,
            )
            wall = time.perf_counter() - t0
            errors = sum(isinstance(r, BaseException) or r.status_code != 200 for r in res)
            out.append(Result(f"async fan-out {count} chats", "raw httpx", wall * 1e6, 0, {"errors": errors}))
        return out

    return asyncio.run(run())


def bench_import(runs: int) -> list[Result]:
    stmts = {
        "muxi_sdk": "import muxi_sdk",
        "httpx + pydantic": "import httpx, pydantic",
        "official muxi": "import muxi",
    }

    def once(stmt: str) -> float:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", stmt], check=True)
        return time.perf_counter() - t0

    base = statistics.median(once("pass") for _ in range(runs))
    samples: dict[str, list[float]] = {k: [] for k in stmts}
    for _ in range(runs):
        for name, stmt in stmts.items():
            samples[name].append(once(stmt) - base)
    return [Result("cold import", name, statistics.median(v) * 1e6, 0) for name, v in samples.items()]


def ratio(results: list[Result], scenario: str, impl: str, other: str, attr: str = "wall_us") -> float | None:
    by = {r.impl: r for r in results if r.scenario == scenario}
    if impl in by and other in by and getattr(by[other], attr):
        return float(getattr(by[impl], attr) / getattr(by[other], attr))
    return None


def report(results: list[Result], out_dir: Path, quick: bool) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Run: {time.strftime('%Y-%m-%d %H:%M')} UTC, Python {sys.version.split()[0]}, "
        f"{'quick' if quick else 'full'} mode, `python bench/run.py{' --quick' if quick else ''}`.",
        "",
        "| scenario | implementation | wall µs/op | client CPU µs/op | notes |",
        "|---|---|---:|---:|---|",
    ]
    for r in results:
        notes = ", ".join(f"{k}={v:,.0f}" if isinstance(v, float) else f"{k}={v}" for k, v in r.extra.items())
        lines.append(f"| {r.scenario} | {r.impl} | {r.wall_us:,.1f} | {r.cpu_us:,.1f} | {notes} |")
    lines += [
        "",
        "## Ratios (muxi-sdk / other, same run; lower is better except events/s)",
        "",
        "| scenario | vs raw httpx (wall) | vs raw httpx (CPU) | vs official (wall) | target |",
        "|---|---:|---:|---:|---|",
    ]
    plot: list[tuple[str, float]] = []
    for scenario in sorted({r.scenario for r in results if r.scenario.startswith(("small", "JSON", "50-item"))}):
        rw = ratio(results, scenario, "muxi-sdk", "raw httpx")
        rc = ratio(results, scenario, "muxi-sdk", "raw httpx", "cpu_us")
        ro = ratio(results, scenario, "muxi-sdk", "official muxi")
        lines.append(f"| {scenario} | {fmt(rw)} | {fmt(rc)} | {fmt(ro)} | ≤ 1.10× raw, ≤ 1.0× official |")
        if rw:
            plot.append((scenario.replace(" (", "\n("), rw))
    sse = [r for r in results if r.scenario.startswith("SSE ") and "events_per_s" in r.extra]
    if sse:
        eps = {r.impl: r.extra["events_per_s"] for r in sse}
        f = eps["muxi-sdk"] / eps["httpx-sse + json.loads"]
        o = eps["muxi-sdk"] / eps["official muxi"] if "official muxi" in eps else None
        oj = eps["muxi-sdk"] / eps["official muxi + json.loads"] if "official muxi + json.loads" in eps else None
        lines.append(
            f"| typed SSE events/s | {fmt(f)} of the floor | | {fmt(o)} of official (raw strings) | "
            "≥ 0.8× floor, ≥ 1.0× official |"
        )
        lines.append(
            f"| typed SSE events/s, fair | | | {fmt(oj)} of official + json.loads | (same work: every event decoded) |"
        )
        plot.append(("SSE events/s\n(vs floor)", f))
    imp = ratio(results, "cold import", "muxi_sdk", "httpx + pydantic")
    vs_official = fmt(ratio(results, "cold import", "muxi_sdk", "official muxi"))
    lines.append(f"| cold import | {fmt(imp)} of httpx + pydantic | | {vs_official} | ≤ 1.3× httpx + pydantic |")
    if imp:
        plot.append(("import\n(vs httpx+pydantic)", imp))
    lines += [
        "",
        "Notes: every figure is a median over interleaved rounds on a shared 2-core machine; compare ratios",
        "within one run, not absolute µs across runs. Client CPU is this process's CPU time (servers run in",
        "their own processes). The official SDK's `chat_stream` yields the raw `data` strings without decoding",
        "them, while muxi-sdk yields validated, typed events; the `official muxi + json.loads` row does the same",
        "amount of decoding as the floor and is the like-for-like comparison. SSE peak memory is a chat stream's:",
        "what grows is the reply text it keeps for `.text()`/`.final()` (the event machinery itself is flat).",
    ]
    text = "\n".join(lines) + "\n"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "results.md").write_text(text)
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(11, 4.5))
        ax.bar([p[0] for p in plot], [p[1] for p in plot], color="#3b7dd8")
        ax.axhline(1.0, color="black", linewidth=0.8)
        ax.axhline(1.1, color="red", linestyle="--", linewidth=0.8, label="1.10× target (calls)")
        ax.set_ylabel("muxi-sdk ÷ baseline")
        ax.set_title("muxi-sdk relative to raw httpx / httpx-sse floor / httpx+pydantic import (same run)")
        ax.tick_params(axis="x", labelsize=7)
        ax.legend()
        fig.tight_layout()
        fig.savefig(out_dir / "results.png", dpi=110)
    except ImportError:
        print("matplotlib not installed: no plot", file=sys.stderr)
    return text


def fmt(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.2f}×"


SCRATCH = ROOT / "bench" / "results"
COMMITTED = ROOT / "docs" / "benchmarks"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small counts: finishes in under a minute")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--out", help=f"directory for results.md / results.png (default {SCRATCH.relative_to(ROOT)})")
    where.add_argument(
        "--update-docs", action="store_true", help=f"a full run that rewrites {COMMITTED.relative_to(ROOT)}/results.*"
    )
    args = parser.parse_args(argv)
    if args.update_docs and args.quick:
        parser.error("--update-docs takes a full run: the committed results are never quick ones")
    return args


def output_dir(args: argparse.Namespace) -> Path:
    """Where a run writes: the committed results only when asked for explicitly."""
    if args.update_docs:
        return COMMITTED
    return Path(args.out) if args.out else SCRATCH


def main() -> None:
    args = parse_args()
    calls, rounds, events, fan, imports = (50, 5, 20_000, 200, 3) if args.quick else (300, 9, 100_000, 1000, 9)
    raw_port, fake_port = free_port(), free_port()
    servers = [
        start([sys.executable, "bench/rawserver.py", "--port", str(raw_port)], raw_port),
        start(
            [
                sys.executable,
                "-m",
                "muxi_sdk.testing",
                "--port",
                str(fake_port),
                "--client-key",
                CLIENT_KEY,
                "--admin-key",
                ADMIN_KEY,
            ],
            fake_port,
        ),
    ]
    raw_base, fake_base = f"http://127.0.0.1:{raw_port}", f"http://127.0.0.1:{fake_port}"
    try:
        with Muxi(url=fake_base, client_key=CLIENT_KEY, user_id=USER) as m:  # 50 sessions to list
            for i in range(50):
                m.chat.send(message=f"seed {i}")
        results = bench_calls(raw_base, "raw server", calls, rounds)
        results += bench_calls(fake_base, "fake server", max(10, calls // 5), rounds)
        results += bench_sse(raw_base, events, max(3, rounds // 3))
        results += bench_fanout(raw_base, fan)
        results += bench_import(imports)
    finally:
        for proc in servers:
            proc.terminate()
            proc.wait(5)
    out = output_dir(args)
    print(report(results, out, args.quick))
    print(f"wrote {out / 'results.md'}", file=sys.stderr)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
