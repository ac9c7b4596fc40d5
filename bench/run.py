"""Side-by-side benchmarks: muxi-sdk against raw httpx, the official `muxi` SDK and other generated SDKs.

    pip install -r bench/requirements.txt
    python bench/run.py --quick          # a few minutes: small counts, fewer runs; writes bench/results/
    python bench/run.py                  # the full run; writes bench/results/ too (not committed)
    python bench/run.py --update-docs    # a full run that rewrites the committed docs/benchmarks/results.*

How it stays honest:
- every implementation runs in its own process (a fresh interpreter per implementation and run), with the
  same warm-up before anything is timed, against a server in a process of its own (bench/rawserver.py:
  fixed bytes in the real runtime's shapes, no framework, so what is measured is the client);
- calls are timed in short blocks that one long-lived worker per implementation takes in turn (A B C D,
  B C D A, ...), so every implementation is measured in the same minutes; the server has one core and
  the measured clients the other;
- client instructions per call under callgrind (valgrind), which no other load on the machine changes;
- `--runs` (3 by default) runs, the order of implementations rotated every run; each figure is the median
  of the runs' medians with the min-max over runs, and every ratio is taken run by run so its spread is
  shown too: for calls, the median of the ratios of blocks timed in the same round (side by side in
  time), for streams A_r / B_r; the time to first result takes the median of 9 cold processes per run;
- an A/A control (raw httpx against raw httpx in another process) shows what "no difference" looks like;
- the stream floor is a minimal byte splitter + json.loads, besides httpx-sse + json.loads;
- peers (openai-python, Speakeasy's mix-python-sdk) are measured against a server answering their own
  shapes, each against raw httpx doing the same requests.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CLIENT_KEY, ADMIN_KEY, USER = "bench-client", "bench-admin", "alice"
HEADERS = {"X-Muxi-Client-Key": CLIENT_KEY, "X-Muxi-User-ID": USER}
CALL_SHAPES = ("small GET", "enveloped object", "50-item list", "JSON POST")
CALL_IMPLS = ("raw httpx", "raw httpx (A/A)", "official muxi", "muxi-sdk")
PEERS = {"openai-python": "raw httpx (openai shapes)", "mix-python-sdk": "raw httpx (mix shapes)"}
STREAM_IMPLS = (
    "byte splitter + json.loads",
    "httpx-sse + json.loads",
    "official muxi + json.loads",
    "muxi-sdk",
)


# ----------------------------------------------------------------------------------------------- timing


def measure(fn: Callable[[], Any], calls: int, rounds: int, warmup: int) -> dict[str, list[float]]:
    """µs per call (wall and this process's CPU) for `rounds` blocks of `calls` calls, after `warmup` calls."""
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    for _ in range(rounds):
        gc.collect()
        w0, c0 = time.perf_counter(), time.process_time()
        for _ in range(calls):
            fn()
        wall.append((time.perf_counter() - w0) / calls * 1e6)
        cpu.append((time.process_time() - c0) / calls * 1e6)
    return {"wall": wall, "cpu": cpu}


async def measure_async(
    fn: Callable[[], Awaitable[Any]], calls: int, rounds: int, warmup: int
) -> dict[str, list[float]]:
    for _ in range(warmup):
        await fn()
    wall, cpu = [], []
    for _ in range(rounds):
        gc.collect()
        w0, c0 = time.perf_counter(), time.process_time()
        for _ in range(calls):
            await fn()
        wall.append((time.perf_counter() - w0) / calls * 1e6)
        cpu.append((time.process_time() - c0) / calls * 1e6)
    return {"wall": wall, "cpu": cpu}


# ------------------------------------------------------------------------------- one implementation's calls


def call_impls(impl: str, base: str) -> tuple[dict[str, Callable[[], Any]], dict[str, Callable[[], Awaitable[Any]]]]:
    """The sync and async callables of each call shape for one implementation (imported here, in its worker)."""
    import httpx

    if impl.startswith("raw httpx"):
        return _raw_calls(impl, base)
    if impl == "official muxi":
        from muxi import AsyncFormationClient, FormationClient  # type: ignore[import-not-found]

        off = FormationClient(url=base, client_key=CLIENT_KEY, admin_key=ADMIN_KEY)
        aoff = AsyncFormationClient(url=base, client_key=CLIENT_KEY, admin_key=ADMIN_KEY)
        chat = {"message": "hello", "stream": False}
        return (
            {
                "small GET": off.health,
                "enveloped object": lambda: off.get_session("sess_0001", USER),
                "50-item list": lambda: off.get_sessions(USER, limit=50),
                "JSON POST": lambda: off.chat(chat, user_id=USER),
            },
            {
                "small GET": aoff.health,
                "enveloped object": lambda: aoff.get_session("sess_0001", USER),
                "50-item list": lambda: aoff.get_sessions(USER, limit=50),
                "JSON POST": lambda: aoff.chat(chat, user_id=USER),
            },
        )
    if impl == "muxi-sdk":
        from muxi_sdk import Muxi

        m = Muxi(url=base, client_key=CLIENT_KEY, admin_key=ADMIN_KEY, user_id=USER)
        return (
            {
                "small GET": m.system.health,
                "enveloped object": lambda: m.sessions.get(session_id="sess_0001"),
                "50-item list": lambda: m.sessions.list(limit=50),
                "JSON POST": lambda: m.chat.send(message="hello"),
            },
            {
                "small GET": m.system.health_async,
                "enveloped object": lambda: m.sessions.get_async(session_id="sess_0001"),
                "50-item list": lambda: m.sessions.list_async(limit=50),
                "JSON POST": lambda: m.chat.send_async(message="hello"),
            },
        )
    if impl == "openai-python":
        from openai import AsyncOpenAI, OpenAI  # type: ignore[import-not-found]

        kw: dict[str, Any] = {"api_key": "bench", "base_url": f"{base}/v1", "max_retries": 0}
        oa, aoa = OpenAI(**kw), AsyncOpenAI(**kw)
        msgs = [{"role": "user", "content": "hello"}]
        return (
            {
                "enveloped object": lambda: oa.models.retrieve("gpt-bench"),
                "50-item list": lambda: oa.models.list(),
                "JSON POST": lambda: oa.chat.completions.create(model="gpt-bench", messages=msgs),  # type: ignore[arg-type]
            },
            {
                "enveloped object": lambda: aoa.models.retrieve("gpt-bench"),
                "50-item list": lambda: aoa.models.list(),
                "JSON POST": lambda: aoa.chat.completions.create(model="gpt-bench", messages=msgs),  # type: ignore[arg-type]
            },
        )
    if impl == "mix-python-sdk":
        from mix_python_sdk import Mix  # type: ignore[import-not-found]

        mix = Mix(server_url=base)
        new = {"browser_mode": "local-browser-service", "title": "Session"}
        return (
            {
                "small GET": mix.system.get_health,
                "enveloped object": lambda: mix.sessions.get(id="sess_0001"),
                "50-item list": lambda: mix.sessions.list(),
                "JSON POST": lambda: mix.sessions.create(**new),
            },
            {
                "small GET": mix.system.get_health_async,
                "enveloped object": lambda: mix.sessions.get_async(id="sess_0001"),
                "50-item list": lambda: mix.sessions.list_async(),
                "JSON POST": lambda: mix.sessions.create_async(**new),
            },
        )
    raise SystemExit(f"unknown implementation {impl!r}; httpx {httpx.__version__}")


def _raw_calls(impl: str, base: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Raw httpx + json.loads doing each implementation's requests (MUXI's, or a peer's own shapes)."""
    import httpx

    raw, araw = httpx.Client(headers=HEADERS), httpx.AsyncClient(headers=HEADERS)
    loads = json.loads
    if impl == "raw httpx (openai shapes)":
        req = {"model": "gpt-bench", "messages": [{"role": "user", "content": "hello"}]}
        shapes: dict[str, tuple[str, str, Any, Any]] = {
            "enveloped object": ("GET", "/v1/models/gpt-bench", None, None),
            "50-item list": ("GET", "/v1/models", None, None),
            "JSON POST": ("POST", "/v1/chat/completions", None, req),
        }
    elif impl == "raw httpx (mix shapes)":
        shapes = {
            "small GET": ("GET", "/health", None, None),
            "enveloped object": ("GET", "/api/sessions/sess_0001", None, None),
            "50-item list": ("GET", "/api/sessions", {"include_subagents": "false"}, None),
            "JSON POST": ("POST", "/api/sessions", None, {"browserMode": "local-browser-service", "title": "S"}),
        }
    else:
        shapes = {
            "small GET": ("GET", "/v1/health", None, None),
            "enveloped object": ("GET", "/v1/sessions/sess_0001", None, None),
            "50-item list": ("GET", "/v1/sessions", {"limit": 50}, None),
            "JSON POST": ("POST", "/v1/chat", None, {"message": "hello", "stream": False}),
        }

    def sync(method: str, path: str, params: Any, body: Any) -> Callable[[], Any]:
        return lambda: loads(raw.request(method, base + path, params=params, json=body).content)

    def asyn(method: str, path: str, params: Any, body: Any) -> Callable[[], Awaitable[Any]]:
        async def call() -> Any:
            return loads((await araw.request(method, base + path, params=params, json=body)).content)

        return call

    return {k: sync(*v) for k, v in shapes.items()}, {k: asyn(*v) for k, v in shapes.items()}


def serve_calls(impl: str, base: str) -> None:
    """A calls worker: set up `impl` once, then time one block per command read from stdin, until EOF.

    The driver keeps one such process per implementation alive and asks them for blocks in turn, so every
    implementation is measured in the same minutes (drift of a shared machine hits all alike), each in its
    own interpreter. A command is `{"key": "<shape> (sync|async)", "calls": n, "warmup": n}`; the answer
    is `{"wall": µs per call, "cpu": µs per call}`, or `{}` when the implementation lacks the shape.
    """
    sync, asyn = call_impls(impl, base)
    loop = asyncio.new_event_loop()
    print(json.dumps({"ready": True, "keys": [f"{k} (sync)" for k in sync] + [f"{k} (async)" for k in asyn]}))
    sys.stdout.flush()
    for line in sys.stdin:
        cmd = json.loads(line)
        shape, mode = cmd["key"].rsplit(" (", 1)
        table = sync if mode == "sync)" else asyn
        fn = table.get(shape)
        if fn is None:
            print("{}", flush=True)
            continue
        if mode == "sync)":
            out = measure(fn, cmd["calls"], 1, cmd["warmup"])
        else:
            out = loop.run_until_complete(measure_async(fn, cmd["calls"], 1, cmd["warmup"]))
        print(json.dumps({"wall": out["wall"][0], "cpu": out["cpu"][0]}), flush=True)
    loop.close()


class CallWorker:
    """One implementation's `serve_calls` process."""

    def __init__(self, impl: str, base: str) -> None:
        self.impl = impl
        spec = json.dumps({"kind": "serve-calls", "impl": impl, "base": base})
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--worker", spec],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
        first = self._answer()
        self.keys: list[str] = first.get("keys", []) if first else []

    def _answer(self) -> dict[str, Any] | None:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            tail = (self.proc.stderr.read().strip().splitlines() if self.proc.stderr else []) or ["?"]
            print(f"  calls {self.impl}: skipped ({tail[-1]})", file=sys.stderr)
            return None
        answer: dict[str, Any] = json.loads(line)
        return answer

    def block(self, key: str, calls: int, warmup: int) -> dict[str, Any] | None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"key": key, "calls": calls, "warmup": warmup}) + "\n")
        self.proc.stdin.flush()
        return self._answer()

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def collect_calls(impls: list[str], base: str, runs: int, params: dict[str, Any]) -> dict[str, list[Any]]:
    """impl -> one result per run, `{key: {"wall": [...], "cpu": [...]}}` (one value per block).

    Every run starts a fresh process per implementation; for each call shape every implementation gets the
    same warm-up, then the blocks are timed in turn (A B C D, B C D A, ...), so no implementation gets the
    quiet minutes and another the busy ones.
    """
    out: dict[str, list[Any]] = {i: [] for i in impls}
    calls, rounds, warmup = params["calls"], params["rounds"], params["warmup"]
    for r in range(runs):
        print(f"run {r + 1}/{runs}: calls {', '.join(impls)}", file=sys.stderr)
        workers = [w for w in (CallWorker(i, base) for i in impls) if w.keys]
        results: dict[str, dict[str, Any]] = {w.impl: {} for w in workers}
        keys = list(dict.fromkeys(k for w in workers for k in w.keys))
        for key in keys:
            having = [w for w in workers if key in w.keys]
            for w in having:
                w.block(key, 1, warmup)  # the same warm-up for everyone, untimed
            for b in range(rounds):
                for w in rotated(having, b + r):
                    res = w.block(key, calls, 0)
                    if res:
                        slot = results[w.impl].setdefault(key, {"wall": [], "cpu": []})
                        slot["wall"].append(res["wall"])
                        slot["cpu"].append(res["cpu"])
        for w in workers:
            w.close()
            out[w.impl].append(results[w.impl])
    return {k: v for k, v in out.items() if v}


# ------------------------------------------------------------------------------------------- instructions


def work_instructions(impl: str, base: str, key: str, calls: int) -> None:
    """Worker run under callgrind: `calls` calls of one shape after the common warm-up (0 calls: the baseline)."""
    shape, _ = key.rsplit(" (", 1)
    fn = call_impls(impl, base)[0][shape]
    for _ in range(30):
        fn()
    for _ in range(calls):
        fn()


def bench_instructions(
    impls: list[str], base: str, calls: int, cores: set[int] | None = None
) -> dict[str, dict[str, float]]:
    """Client instructions per call under callgrind: (run with `calls` calls - run with none) / calls.

    Instruction counts do not depend on what else the machine does, so these ratios have no noise to speak
    of; they count the client's own work (Python and C, not the kernel's), the part an SDK can change.
    Two valgrind processes run at a time (one per core).
    """
    import concurrent.futures
    import shutil

    if shutil.which("valgrind") is None:
        print("  instructions: skipped (valgrind not installed)", file=sys.stderr)
        return {}

    def count(impl: str, key: str, n: int) -> int:
        spec = json.dumps({"kind": "instructions", "impl": impl, "base": base, "key": key, "calls": n})
        callgrind = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
        proc = subprocess.run(
            [*callgrind, sys.executable, __file__, "--worker", spec],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
            # counts do not depend on placement: the two valgrind processes may use both cores
            preexec_fn=(lambda: os.sched_setaffinity(0, cores)) if cores else None,
        )
        found = [line for line in proc.stderr.splitlines() if "Collected :" in line]
        if proc.returncode != 0 or not found:
            raise RuntimeError(f"{impl} {key}: {(proc.stderr.strip().splitlines() or ['?'])[-1]}")
        return int(found[-1].split(":")[-1])

    keys = [f"{shape} (sync)" for shape in CALL_SHAPES]
    jobs = {(impl, key, n): None for impl in impls for key in keys for n in (0, calls)}
    out: dict[str, dict[str, float]] = {}
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        futures = {job: pool.submit(count, *job) for job in jobs}
        for (impl, key, n), fut in futures.items():
            try:
                value = fut.result()
            except RuntimeError as exc:
                print(f"  instructions: {exc}", file=sys.stderr)
                continue
            out.setdefault(impl, {}).setdefault(key, 0.0)
            out[impl][key] += value / calls if n else -value / calls
    return out


# ------------------------------------------------------------------------------------------------ streams


def stream_impls(impl: str, base: str) -> tuple[Callable[[int], int], Callable[[int], Awaitable[int]]]:
    """(sync, async) functions streaming a chat reply of n content events; each returns the events seen."""
    import httpx

    loads = json.loads
    if impl == "muxi-sdk":
        from muxi_sdk import Muxi

        m = Muxi(url=base, client_key=CLIENT_KEY, user_id=USER)

        def mine(n: int) -> int:
            with m.chat.stream(message=str(n)) as events:
                return sum(1 for _ in events)

        async def mine_async(n: int) -> int:
            count = 0
            async with m.chat.stream_async(message=str(n)) as events:
                async for _ in events:
                    count += 1
            return count

        return mine, mine_async
    if impl == "official muxi + json.loads":  # it yields the raw `data` strings: decoding them is the same work
        from muxi import AsyncFormationClient, FormationClient

        off = FormationClient(url=base, client_key=CLIENT_KEY)
        aoff = AsyncFormationClient(url=base, client_key=CLIENT_KEY)

        def official(n: int) -> int:
            return sum(1 for e in off.chat_stream({"message": str(n)}, user_id=USER) if loads(e["data"]))

        async def official_async(n: int) -> int:
            count = 0
            events = aoff.chat_stream({"message": str(n)}, user_id=USER)
            if asyncio.iscoroutine(events):  # its async twin is awaited first, then iterated
                events = await events
            async for e in events:
                loads(e["data"])
                count += 1
            return count

        return official, official_async
    raw, araw = httpx.Client(headers=HEADERS, timeout=120), httpx.AsyncClient(headers=HEADERS, timeout=120)
    if impl == "httpx-sse + json.loads":
        from httpx_sse import EventSource

        def floor(n: int) -> int:
            with raw.stream("POST", f"{base}/v1/chat", json={"message": str(n)}) as r:
                return sum(1 for sse in EventSource(r).iter_sse() if loads(sse.data))

        async def floor_async(n: int) -> int:
            count = 0
            async with araw.stream("POST", f"{base}/v1/chat", json={"message": str(n)}) as r:
                async for sse in EventSource(r).aiter_sse():
                    loads(sse.data)
                    count += 1
            return count

        return floor, floor_async

    # The minimal byte splitter: frames are `data: <json>` blocks ending in a blank line, nothing else.
    def frames(buf: bytes, chunk: bytes) -> tuple[bytes, int]:
        *blocks, buf = (buf + chunk).split(b"\n\n")
        return buf, sum(1 for b in blocks if b.startswith(b"data:") and loads(b[5:]) is not None)

    def splitter(n: int) -> int:
        count, buf = 0, b""
        with raw.stream("POST", f"{base}/v1/chat", json={"message": str(n)}) as r:
            for chunk in r.iter_bytes():
                buf, k = frames(buf, chunk)
                count += k
        return count

    async def splitter_async(n: int) -> int:
        count, buf = 0, b""
        async with araw.stream("POST", f"{base}/v1/chat", json={"message": str(n)}) as r:
            async for chunk in r.aiter_bytes():
                buf, k = frames(buf, chunk)
                count += k
        return count

    return splitter, splitter_async


def work_streams(impl: str, base: str, sizes: list[int], rounds: int) -> dict[str, Any]:
    sync, asyn = stream_impls(impl, base)
    sync(1000), sync(1000)  # the same warm-up for everyone
    out: dict[str, Any] = {}

    def timed(fn: Callable[[], int], n: int) -> dict[str, list[float]]:
        wall, cpu = [], []
        for _ in range(rounds if n <= 100_000 else 1):
            gc.collect()
            w0, c0 = time.perf_counter(), time.process_time()
            fn()
            wall.append(n / (time.perf_counter() - w0))
            cpu.append(n / (time.process_time() - c0))
        return {"wall": wall, "cpu": cpu}  # events per second

    for n in sizes:
        out[f"{n:,} events (sync)"] = timed(lambda n=n: sync(n), n)  # type: ignore[misc]

    async def run_async() -> None:
        await asyn(1000)
        for n in sizes:
            wall, cpu = [], []
            for _ in range(rounds if n <= 100_000 else 1):
                gc.collect()
                w0, c0 = time.perf_counter(), time.process_time()
                await asyn(n)
                wall.append(n / (time.perf_counter() - w0))
                cpu.append(n / (time.process_time() - c0))
            out[f"{n:,} events (async)"] = {"wall": wall, "cpu": cpu}

    asyncio.run(run_async())
    return out


def work_memory(base: str, sizes: list[int]) -> dict[str, Any]:
    """muxi-sdk's chat stream: µs per event by size (no tracing), then traced peak memory by size."""
    from muxi_sdk import Muxi

    out: dict[str, Any] = {}
    with Muxi(url=base, client_key=CLIENT_KEY, user_id=USER) as m:
        m.chat.stream(message="1000").final()
        for n in sizes:
            gc.collect()
            c0 = time.process_time()
            with m.chat.stream(message=str(n)) as events:
                for _ in events:
                    pass
            out[f"cpu µs/event, {n:,} events"] = (time.process_time() - c0) / n * 1e6
        for keep in (True, False):
            for n in (sizes[0], sizes[-1]):
                gc.collect()
                tracemalloc.start()
                with m.chat.stream(message=str(n), keep_text=keep) as events:
                    for _ in events:
                        pass
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
                out[f"peak KiB, {n:,} events, keep_text={keep}"] = peak / 1024
        out["reply text KiB per 1,000 events"] = len(" word") * 1000 / 1024  # what the raw server streams
    return out


# ------------------------------------------------------------------------------------------------ fan-out


def work_fanout(impl: str, base: str, count: int) -> dict[str, Any]:
    """`count` gathered chat calls on a fresh client (cold), then again on the same client (warm)."""
    import httpx

    async def run() -> dict[str, Any]:
        out: dict[str, Any] = {}
        if impl == "muxi-sdk":
            from muxi_sdk import Muxi

            client: Any = Muxi(url=base, client_key=CLIENT_KEY, user_id=USER)

            def call(i: int) -> Awaitable[Any]:
                return client.chat.send_async(message=f"m{i}")

            close = client.aclose
        else:  # the SDK client's own pool and timeouts (httpx's 5 s pool timeout fails most queued requests)
            limits = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=30.0)
            client = httpx.AsyncClient(headers=HEADERS, limits=limits, timeout=httpx.Timeout(300.0, connect=5.0))

            async def call(i: int) -> Any:
                r = await client.post(f"{base}/v1/chat", json={"message": f"m{i}", "stream": False})
                r.raise_for_status()
                return json.loads(r.content)

            close = client.aclose
        for phase in ("cold", "warm"):
            t0 = time.perf_counter()
            res = await asyncio.gather(*(call(i) for i in range(count)), return_exceptions=True)
            out[phase] = time.perf_counter() - t0
            out[f"{phase} errors"] = sum(isinstance(r, BaseException) for r in res)
        await close()
        return out

    return asyncio.run(run())


# ------------------------------------------------------------------------------------- time to first result

TTFR = {
    "muxi-sdk": (
        "from muxi_sdk import Muxi\n"
        "m = Muxi(url=BASE, client_key='k', user_id='alice')\n"
        "assert m.sessions.get(session_id='sess_0001').session_id"
    ),
    "official muxi": (
        "from muxi import FormationClient\n"
        "c = FormationClient(url=BASE, client_key='k')\n"
        "assert c.get_session('sess_0001', 'alice')['session_id']"
    ),
    "raw httpx + pydantic": (
        "import httpx, pydantic\n"
        "class Session(pydantic.BaseModel):\n"
        "    session_id: str\n    user_id: str | None = None\n    message_count: int | None = None\n"
        "    active: bool | None = None\n    created_at: float | None = None\n    last_activity: float | None = None\n"
        "r = httpx.get(BASE + '/v1/sessions/sess_0001', headers={'X-Muxi-Client-Key': 'k'})\n"
        "assert Session.model_validate(r.json()['data']).session_id"
    ),
}
IMPORTS = {
    "muxi-sdk": "import muxi_sdk",
    "official muxi": "import muxi",
    "raw httpx + pydantic": "import httpx, pydantic",
}


TTFR_COLUMNS = ("first result", "first result cpu", "import only")


def bench_ttfr(base: str, runs: int, per_run: int) -> dict[str, dict[str, list[float]]]:
    """ms of a cold process (minus `python -c pass`): wall and the child's CPU, interleaved; import-only beside.

    Bytecode is compiled first and kept (as `pip install` does), also where PYTHONDONTWRITEBYTECODE is set.
    """
    import compileall
    import resource

    import muxi_sdk

    compileall.compile_dir(str(Path(muxi_sdk.__file__).parent), quiet=1)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

    def once(code: str) -> tuple[float, float]:
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"BASE = {base!r}\n{code}"], check=True, cwd="/", env=env)
        wall = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        return wall * 1e3, (r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) * 1e3

    out: dict[str, dict[str, list[float]]] = {"first result": {}, "first result cpu": {}, "import only": {}}
    for r in range(runs):
        # One run: `per_run` cold processes per implementation, interleaved, and as many empty interpreters
        # among them; the run's figure is the median of each (one process's time is noisy on a shared machine).
        got: dict[str, dict[str, list[float]]] = {k: {} for k in out}
        blanks: list[tuple[float, float]] = []
        for i in range(per_run):
            blanks.append(once("pass"))
            for name in rotated(list(TTFR), r + i):
                wall, cpu = once(TTFR[name])
                got["first result"].setdefault(name, []).append(wall)
                got["first result cpu"].setdefault(name, []).append(cpu)
                got["import only"].setdefault(name, []).append(once(IMPORTS[name])[0])
        wall0, cpu0 = statistics.median(b[0] for b in blanks), statistics.median(b[1] for b in blanks)
        empty = {"first result": wall0, "first result cpu": cpu0, "import only": wall0}
        for column, per_impl in got.items():
            for name, values in per_impl.items():
                out[column].setdefault(name, []).append(statistics.median(values) - empty[column])
    return out


# ------------------------------------------------------------------------------------------------- driver


def pin(pid: int, role: str) -> None:
    """The server on the first core, every measured client on the second (Linux, 2+ cores).

    Unpinned, the scheduler puts one client process beside the server and the next across from it, and a
    process keeps its placement: two runs of the same code differed by up to 15 % (the A/A row).
    """
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_setaffinity") else []
    if len(cores) >= 2:
        os.sched_setaffinity(pid, {cores[0]} if role == "server" else {cores[1]})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int) -> subprocess.Popen[bytes]:
    import httpx

    proc = subprocess.Popen(
        [sys.executable, "bench/rawserver.py", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    pin(proc.pid, "server")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=0.5)
            return proc
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("bench server did not start")


def worker(kind: str, impl: str, base: str, params: dict[str, Any]) -> dict[str, Any] | None:
    """Run one measurement in a fresh interpreter; None (and a note) when the implementation is missing."""
    cmd = [sys.executable, __file__, "--worker", json.dumps({"kind": kind, "impl": impl, "base": base, **params})]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
        print(f"  {kind} {impl}: skipped ({tail})", file=sys.stderr)
        return None
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def run_worker(spec: dict[str, Any]) -> None:
    kind, impl, base = spec["kind"], spec["impl"], spec["base"]
    if kind == "serve-calls":
        serve_calls(impl, base)
        return
    if kind == "instructions":
        work_instructions(impl, base, spec["key"], spec["calls"])
        return
    if kind == "streams":
        result = work_streams(impl, base, spec["sizes"], spec["rounds"])
    elif kind == "memory":
        result = work_memory(base, spec["sizes"])
    else:
        result = work_fanout(impl, base, spec["count"])
    print(json.dumps(result))


def rotated(names: list[Any], r: int) -> list[Any]:
    return names[r % len(names) :] + names[: r % len(names)]


def collect(kind: str, impls: list[str], base: str, runs: int, params: dict[str, Any]) -> dict[str, list[Any]]:
    """impl -> one result per run (a worker process each), the order rotated every run."""
    out: dict[str, list[Any]] = {i: [] for i in impls}
    for r in range(runs):
        for impl in rotated(impls, r):
            print(f"run {r + 1}/{runs}: {kind} {impl}", file=sys.stderr)
            res = worker(kind, impl, base, params)
            if res is not None:
                out[impl].append(res)
    return {k: v for k, v in out.items() if v}


def spread(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), min(values), max(values)


def fmt_spread(values: list[float], digits: int = 2, unit: str = "") -> str:
    med, lo, hi = spread(values)
    if len(values) == 1:
        return f"{med:,.{digits}f}{unit}"
    return f"{med:,.{digits}f}{unit} ({lo:,.{digits}f}-{hi:,.{digits}f})"


def per_run_ratios(a: list[dict[str, Any]], b: list[dict[str, Any]], key: str, metric: str) -> list[float]:
    """A_r / B_r for every run both have: each side's median over its rounds."""
    return [
        statistics.median(x[key][metric]) / statistics.median(y[key][metric])
        for x, y in zip(a, b, strict=False)  # a run either side may have failed
        if key in x and key in y
    ]


def paired_ratios(a: list[dict[str, Any]], b: list[dict[str, Any]], key: str, metric: str) -> list[float]:
    """For calls: per run, the median over rounds of A's block / B's block of the same round.

    The blocks of one round were timed one after the other (collect_calls), so a busy second of the machine
    hits both sides of each ratio; on a shared 2-core machine that narrows the A/A band the most.
    """
    return [
        statistics.median(p / q for p, q in zip(x[key][metric], y[key][metric], strict=False))
        for x, y in zip(a, b, strict=False)
        if key in x and key in y
    ]


SCRATCH = ROOT / "bench" / "results"
COMMITTED = ROOT / "docs" / "benchmarks"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small counts and 2 runs")
    parser.add_argument("--runs", type=int, default=None, help="runs per implementation (default 3; quick 2)")
    parser.add_argument(
        "--only", nargs="*", default=None, help="calls instructions peers streams memory fanout ttfr"
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--out", help=f"directory for results.md / .png / .json (default {SCRATCH.relative_to(ROOT)})")
    where.add_argument(
        "--update-docs", action="store_true", help=f"a full run that rewrites {COMMITTED.relative_to(ROOT)}/results.*"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
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
    if args.worker:
        run_worker(json.loads(args.worker))
        return
    quick = args.quick
    runs = args.runs or (2 if quick else 3)
    # Many short interleaved blocks (see collect_calls) rather than a few long ones: each block's neighbours
    # in time are the other implementations' blocks.
    calls = {"calls": 50, "rounds": 6, "warmup": 30} if quick else {"calls": 100, "rounds": 30, "warmup": 100}
    sizes = [20_000] if quick else [20_000, 1_000_000]
    mem_sizes = [10_000, 100_000] if quick else [10_000, 100_000, 1_000_000]
    fan = 300 if quick else 1000
    parts = set(args.only or ["calls", "instructions", "peers", "streams", "memory", "fanout", "ttfr"])
    port = free_port()
    server = start_server(port)
    all_cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    pin(os.getpid(), "client")  # every worker inherits the client core
    base = f"http://127.0.0.1:{port}"
    started = time.time()
    data: dict[str, Any] = {"runs": runs, "quick": quick, "python": sys.version.split()[0], "fan": fan}
    try:
        if "calls" in parts:
            data["calls"] = collect_calls(list(CALL_IMPLS), base, runs, calls)
        if "instructions" in parts:
            data["instructions"] = bench_instructions(
                ["raw httpx", "official muxi", "muxi-sdk"], base, 20 if quick else 60, all_cores
            )
        if "peers" in parts:
            data["peers"] = collect_calls([*PEERS, *PEERS.values()], base, runs, calls)
        if "streams" in parts:
            streams = {"sizes": sizes, "rounds": 3 if quick else 9}  # rounds of each size up to 100k events
            data["streams"] = collect("streams", list(STREAM_IMPLS), base, runs, streams)
        if "memory" in parts:
            data["memory"] = collect("memory", ["muxi-sdk"], base, 1, {"sizes": mem_sizes})
        if "fanout" in parts:
            data["fanout"] = collect("fanout", ["muxi-sdk", "raw httpx"], base, runs, {"count": fan})
        if "ttfr" in parts:
            data["ttfr"] = bench_ttfr(base, runs, 3 if quick else 9)
    finally:
        server.terminate()
        server.wait(5)
    data["minutes"] = (time.time() - started) / 60
    out = output_dir(args)
    out.mkdir(parents=True, exist_ok=True)
    previous = out / "results.json"
    if args.only and previous.exists():  # a partial re-run replaces its parts of the last full run
        kept = json.loads(previous.read_text())
        rerun = sorted(set(kept.get("rerun", [])) | parts)  # every part re-run since the full run
        data = {**kept, **data, "minutes": kept.get("minutes", 0), "rerun": rerun}
    (out / "results.json").write_text(json.dumps(data, indent=1) + "\n")
    print(report(data, out))
    print(f"wrote {out / 'results.md'}", file=sys.stderr)


# ------------------------------------------------------------------------------------------------- report

CALL_GOAL_RAW, CALL_GOAL_OFFICIAL, STREAM_GOAL, FANOUT_GOAL, TTFR_GOAL = 1.05, 1.0, 1.0, 1.5, 1.2


def goal_row(what: str, ratios: list[float], goal: float, higher_is_better: bool = False) -> str:
    sign = "≥" if higher_is_better else "≤"
    return f"| {what}: {sign} {goal}× | {fmt_spread(ratios)}× | {verdict(ratios, goal, higher_is_better)} |"


def verdict(ratios: list[float], goal: float, higher_is_better: bool = False) -> str:
    if not ratios:
        return "n/a"
    worst = min(ratios) if higher_is_better else max(ratios)
    best = max(ratios) if higher_is_better else min(ratios)
    ok = (lambda v: v >= goal) if higher_is_better else (lambda v: v <= goal)
    return "met" if ok(worst) else ("within noise" if ok(best) else "not met")


def report(data: dict[str, Any], out: Path) -> str:
    runs = data["runs"]
    rerun = f" (re-run later: {', '.join(data['rerun'])})" if data.get("rerun") else ""
    lines = [
        "# Benchmarks",
        "",
        f"Run: {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, Python {data['python']}, "
        f"{'quick' if data['quick'] else 'full'} mode (`python bench/run.py{' --quick' if data['quick'] else ''}`), "
        f"{runs} runs, {data['minutes']:.0f} min{rerun}. Each implementation ran in its own process per run, "
        "with the same warm-up; figures are the median of the runs with the min-max over runs in brackets; "
        "ratios are taken run by run (for calls: the median of the ratios of blocks timed in the same round). "
        "A goal is *met* when the whole spread clears it, *within noise* when only part does.",
        "",
    ]
    plot: list[tuple[str, list[float], float, bool]] = []
    goals: list[str] = []
    calls = data.get("calls")
    if calls:
        lines += [
            "## Calls (µs per call, wall; against bench/rawserver.py)",
            "",
            "| call | " + " | ".join(CALL_IMPLS) + " | muxi-sdk ÷ raw (wall) | ÷ raw (CPU) | ÷ official (wall) | "
            "÷ official (CPU) | A/A (wall) | A/A (CPU) |",
            "|---|" + "---:|" * (len(CALL_IMPLS) + 6),
        ]
        keys = [k for k in calls.get("muxi-sdk", [{}])[0]]
        for key in keys:
            cells = [
                fmt_spread([statistics.median(r[key]["wall"]) for r in calls[i]], 0) if i in calls else "n/a"
                for i in CALL_IMPLS
            ]
            raw = calls.get("raw httpx", [])
            rw = paired_ratios(calls["muxi-sdk"], raw, key, "wall")
            rc = paired_ratios(calls["muxi-sdk"], raw, key, "cpu")
            ro = paired_ratios(calls["muxi-sdk"], calls.get("official muxi", []), key, "wall")
            roc = paired_ratios(calls["muxi-sdk"], calls.get("official muxi", []), key, "cpu")
            aa = paired_ratios(calls.get("raw httpx (A/A)", []), raw, key, "wall")
            aac = paired_ratios(calls.get("raw httpx (A/A)", []), raw, key, "cpu")
            ratios = " | ".join(f"{fmt_spread(r)}×" if r else "n/a" for r in (rw, rc, ro, roc, aa, aac))
            lines.append(f"| {key} | " + " | ".join(cells) + f" | {ratios} |")
            plot.append((f"{key}\n÷ raw", rw, CALL_GOAL_RAW, False))
            goals.append(goal_row(f"{key} ÷ raw httpx + json.loads", rw, CALL_GOAL_RAW))
            goals.append(goal_row(f"{key} ÷ raw httpx + json.loads (client CPU)", rc, CALL_GOAL_RAW))
            if ro:
                goals.append(goal_row(f"{key} ÷ official SDK", ro, CALL_GOAL_OFFICIAL))
                goals.append(goal_row(f"{key} ÷ official SDK (client CPU)", roc, CALL_GOAL_OFFICIAL))
        lines.append("")
    instr = data.get("instructions")
    if instr and "muxi-sdk" in instr and "raw httpx" in instr:
        lines += [
            "## Client instructions per call (callgrind; deterministic, sync)",
            "",
            "| call | raw httpx | official muxi | muxi-sdk | muxi-sdk ÷ raw | muxi-sdk ÷ official |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for key, ours in instr["muxi-sdk"].items():
            raw_n = instr["raw httpx"].get(key)
            off_n = instr.get("official muxi", {}).get(key)
            cells = [f"{v:,.0f}" if v else "n/a" for v in (raw_n, off_n, ours)]
            r_raw = ours / raw_n if raw_n else None
            r_off = ours / off_n if off_n else None
            lines.append(
                f"| {key} | " + " | ".join(cells) + f" | {r_raw:.3f}× | " + (f"{r_off:.3f}× |" if r_off else "n/a |")
            )
            if r_raw:
                goals.append(
                    f"| {key} ÷ raw httpx + json.loads (client instructions): ≤ {CALL_GOAL_RAW}× | {r_raw:.3f}× | "
                    f"{'met' if r_raw <= CALL_GOAL_RAW else 'not met'} |"
                )
            if r_off:
                goals.append(
                    f"| {key} ÷ official SDK (client instructions): ≤ {CALL_GOAL_OFFICIAL}× | {r_off:.3f}× | "
                    f"{'met' if r_off <= CALL_GOAL_OFFICIAL else 'not met'} |"
                )
        lines.append("")
    peers = data.get("peers")
    if peers:
        lines += [
            "## Other generated SDKs (each against raw httpx + json.loads doing its own requests)",
            "",
            "| call | " + " | ".join(f"{p} ÷ raw" for p in PEERS) + " | muxi-sdk ÷ raw (above) |",
            "|---|" + "---:|" * (len(PEERS) + 1),
        ]
        keys = sorted(
            {k for p in peers.values() for run in p for k in run},
            key=lambda k: (k.split(" (")[0] not in CALL_SHAPES, k),
        )
        for key in keys:
            cells = []
            for peer, raw_name in PEERS.items():
                rr = paired_ratios(peers.get(peer, []), peers.get(raw_name, []), key, "wall")
                cells.append(f"{fmt_spread(rr)}×" if rr else "n/a")
            ours = paired_ratios(calls["muxi-sdk"], calls["raw httpx"], key, "wall") if calls else []
            lines.append(f"| {key} | " + " | ".join(cells) + f" | {fmt_spread(ours) + '×' if ours else 'n/a'} |")
        lines.append("")
    streams = data.get("streams")
    if streams and "muxi-sdk" in streams:
        lines += [
            "## Typed chat streams (events per second, wall; higher is better)",
            "",
            "| stream | " + " | ".join(STREAM_IMPLS) + " | muxi-sdk ÷ byte splitter | ÷ official + json.loads |",
            "|---|" + "---:|" * (len(STREAM_IMPLS) + 2),
        ]
        for key in streams["muxi-sdk"][0]:
            cells = [
                fmt_spread([statistics.median(r[key]["wall"]) for r in streams[i]], 0) if i in streams else "n/a"
                for i in STREAM_IMPLS
            ]
            rf = per_run_ratios(streams["muxi-sdk"], streams.get("byte splitter + json.loads", []), key, "wall")
            ro = per_run_ratios(streams["muxi-sdk"], streams.get("official muxi + json.loads", []), key, "wall")
            lines.append(
                f"| {key} | " + " | ".join(cells) + f" | {fmt_spread(rf)}× | {fmt_spread(ro) if ro else 'n/a'}× |"
            )
            plot.append((f"SSE {key}\n÷ splitter", rf, STREAM_GOAL, True))
            goals.append(goal_row(f"SSE {key} ÷ byte splitter + json.loads", rf, STREAM_GOAL, True))
            if ro:
                goals.append(goal_row(f"SSE {key} ÷ official SDK + json.loads", ro, STREAM_GOAL, True))
        lines.append("")
    memory = data.get("memory", {}).get("muxi-sdk")
    if memory:
        mem = memory[0]
        lines += ["## Stream cost and memory (muxi-sdk chat stream, one run)", "", "| measure | value |", "|---|---:|"]
        lines += [f"| {k} | {v:,.2f} |" for k, v in mem.items()]
        lines.append("")
        per_event = [v for k, v in mem.items() if k.startswith("cpu µs/event")]
        if len(per_event) >= 2:
            goals.append(
                f"| cost per event constant 10k -> 1M events | {per_event[-1] / per_event[0]:.2f}× | "
                f"{'met' if per_event[-1] / per_event[0] <= 1.2 else 'not met'} (≤ 1.2×) |"
            )
        text_kib = mem.get("reply text KiB per 1,000 events", 0.0)
        kept = {int(k.split()[2].replace(",", "")): v for k, v in mem.items() if k.startswith("peak") and "True" in k}
        if len(kept) == 2:
            (small, p_small), (large, p_large) = sorted(kept.items())
            over_small, over_large = p_small - text_kib * small / 1000, p_large - text_kib * large / 1000
            lines.insert(
                -1,
                f"| peak minus reply text, {small:,} / {large:,} events (KiB) | "
                f"{over_small:,.0f} / {over_large:,.0f} |",
            )
            goals.append(
                f"| peak ≤ reply text + a constant (overhead at {large:,} ÷ at {small:,} events) | "
                f"{over_large / over_small:.2f}× | {'met' if over_large / over_small <= 1.2 else 'not met'} "
                "(≤ 1.2×) |"
            )
        flat = [v for k, v in mem.items() if k.startswith("peak") and k.endswith("False")]
        if len(flat) == 2:
            goals.append(
                f"| keep_text=False peak flat (largest ÷ smallest stream) | {flat[1] / flat[0]:.2f}× | "
                f"{'met' if flat[1] / flat[0] <= 1.2 else 'not met'} (≤ 1.2×) |"
            )
    fanout = data.get("fanout")
    if fanout:
        lines += [
            f"## Cold fan-out ({data['fan']:,} gathered async chat calls; seconds)",
            "",
            "| implementation | cold (fresh client) | warm (same client again) | cold ÷ warm | errors |",
            "|---|---:|---:|---:|---:|",
        ]
        for impl, res in fanout.items():
            ratio = [r["cold"] / r["warm"] for r in res]
            errors = sum(r["cold errors"] + r["warm errors"] for r in res)
            lines.append(
                f"| {impl} | {fmt_spread([r['cold'] for r in res])} | {fmt_spread([r['warm'] for r in res])} | "
                f"{fmt_spread(ratio)}× | {errors} |"
            )
            if impl == "muxi-sdk":
                goals.append(
                    f"| cold fan-out ≤ {FANOUT_GOAL}× warm, no errors | {fmt_spread(ratio)}× | "
                    f"{verdict(ratio, FANOUT_GOAL) if errors == 0 else 'not met (errors)'} |"
                )
                plot.append(("fan-out\ncold ÷ warm", ratio, FANOUT_GOAL, False))
        lines.append("")
    ttfr = data.get("ttfr")
    if ttfr:
        lines += [
            "## Time to first result (a cold process: import + one typed call; ms, minus an empty interpreter)",
            "",
            "| implementation | first result (wall) | first result (process CPU) | import only (wall) |",
            "|---|---:|---:|---:|",
        ]
        for impl in TTFR:
            cells = [fmt_spread(ttfr[k][impl], 0) if impl in ttfr.get(k, {}) else "n/a" for k in TTFR_COLUMNS]
            lines.append(f"| {impl} | " + " | ".join(cells) + " |")
        first = ttfr["first result"]
        rr = [a / b for a, b in zip(first["muxi-sdk"], first["raw httpx + pydantic"], strict=True)]
        ro = [a / b for a, b in zip(first["muxi-sdk"], first["official muxi"], strict=True)]
        lines += ["", f"muxi-sdk ÷ raw httpx + pydantic: {fmt_spread(rr)}×; ÷ official SDK: {fmt_spread(ro)}×.", ""]
        goals.append(goal_row("time to first result ÷ raw httpx + pydantic (wall)", rr, TTFR_GOAL))
        cpu = ttfr.get("first result cpu", {})
        if cpu:
            rc = [a / b for a, b in zip(cpu["muxi-sdk"], cpu["raw httpx + pydantic"], strict=True)]
            goals.append(goal_row("time to first result ÷ raw httpx + pydantic (process CPU)", rc, TTFR_GOAL))
        plot.append(("first result\n÷ httpx+pydantic", rr, TTFR_GOAL, False))
    lines[4:4] = [
        "## Goals (issue 19)",
        "",
        "| goal | measured (median, min-max) | verdict |",
        "|---|---:|---|",
        *goals,
        "",
    ]
    lines += [
        "Notes: the machine has 2 cores and may be shared; the server takes one, the client the other. Compare",
        "ratios within one run, not absolute figures across runs; the A/A column shows the noise floor (raw httpx",
        "against itself in another process). Client CPU is the measuring process's CPU time. The official SDK's",
        "`chat_stream` yields undecoded `data` strings, so its row decodes them with json.loads (the same work);",
        "muxi-sdk yields validated, typed events. The memory rows come from one traced run (tracing slows it).",
    ]
    text = "\n".join(lines) + "\n"
    (out / "results.md").write_text(text)
    _plot(plot, out / "results.png")
    return text


def _plot(plot: list[tuple[str, list[float], float, bool]], path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: no plot", file=sys.stderr)
        return
    plot = [p for p in plot if p[1]]
    fig, ax = plt.subplots(figsize=(max(8, len(plot) * 1.1), 5.2))
    xs = range(len(plot))
    meds = [statistics.median(p[1]) for p in plot]
    lo = [m - min(p[1]) for m, p in zip(meds, plot, strict=True)]
    hi = [max(p[1]) - m for m, p in zip(meds, plot, strict=True)]
    colors = ["#2e8b57" if p[3] else "#3b7dd8" for p in plot]
    ax.bar(xs, meds, yerr=[lo, hi], capsize=4, color=colors)
    for x, p in zip(xs, plot, strict=True):
        ax.hlines(p[2], x - 0.4, x + 0.4, colors="red", linestyles="--", linewidth=1)
    ax.axhline(1.0, color="black", linewidth=0.6)
    labels = [p[0].replace(" (", "\n(").replace("SSE ", "SSE\n") for p in plot]
    ax.set_xticks(list(xs), labels, fontsize=6.5, rotation=0)
    ax.set_ylabel("ratio (median, bars: min-max over runs)")
    ax.set_title("muxi-sdk vs its baseline, per goal (red: the goal; green bars: higher is better)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
