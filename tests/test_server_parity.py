"""Parity with the real MUXI Server: the recorded curl sequences replayed against the fake, answer by answer.

`tests/fixtures/real_server_transcript.json` is `../shared/api/real-server-transcript.md` (parts A and B:
MUXI Server 0.20260423.0 as built upstream, and with start/restart fixed) turned into data by
`scripts/server_transcript_fixture.py`. Each section is replayed in order on a fresh fake, with the same
formation ids, headers and bundles, and the upstream bugs of that build switched on (the fake's defaults
leave them off). Compared: status codes, content types, envelope and body shapes (field names, JSON types,
nested), the values that carry meaning (`error`, `message`, `status`, `stage`, versions, counts), and SSE
frame sequences (event, stage and field names; a stage repeated once a second is compared once).

The deliberate differences, and only these, are allowed (`DELIBERATE`): no runtime runs behind the fake.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from _server_helpers import Signed, tarball
from muxi_sdk.testing import FakeMuxi
from muxi_sdk.testing.routes.server import enable_upstream_bug, formations, register_formation, set_server_option

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "real_server_transcript.json").read_text())
EXCHANGES: list[dict[str, Any]] = FIXTURE["exchanges"]

BUGS = {
    "A": ("start_outside_current", "lingering_staging", "cancel_after_rollback"),  # the upstream build
    "B": ("lingering_staging", "cancel_after_rollback"),  # start/restart fixed locally
}

DELIBERATE = {
    "runtime output": "log lines come from the runtime (the fake writes its own, and nothing to stderr: an empty "
    "log is `null`, a list on the real server); bodies the transcript cut are compared by status and type; a "
    "log follow is compared up to its `connected` frame",
    "proxied chat": "a chat through `/api/{id}` is the runtime's answer (its own parity test in tests/live): "
    "compared by status and SSE frame kinds",
    "formations made outside the record": "A3/A4 read formations the recording deployed off-transcript "
    "(`d-quiet`, `d-nulllogs`): registered on the fake before their first exchange",
}

# Values compared exactly; everything else (ports, pids, hashes, times, uptimes, runtime versions) by type.
EXACT = {
    "error", "message", "status", "code", "success", "stage", "deployment_type", "previous_version",
    "new_version", "restart_count", "healthy", "formation_id", "id", "name", "total", "running", "stopped",
    "crashed", "attempt", "max_attempts", "semantic",
}  # fmt: skip
SETUP = {"A3.2": ("register", "d-quiet"), "A3.4": ("delete", "d-quiet"), "A4.1": ("register", "d-nulllogs")}
OLD_EXAMPLE = '\nllm:\n  api_keys:\n    openai: "${{ secrets.OPENAI_API_KEY }}"\n'


def sections() -> list[str]:
    return sorted({e["section"] for e in EXCHANGES})


# ------------------------------------------------------------------------------------------ requests


class Replay:
    def __init__(self, fake: FakeMuxi) -> None:
        self.fake = fake
        self.signed = Signed(fake)
        self.bundles: dict[tuple[str, str, str], bytes] = {}

    def bundle(self, entry: dict[str, Any]) -> bytes:
        desc: str = entry["body"]
        if desc.startswith("'"):
            return desc.strip("'").encode()
        path_id = entry["path"].split("?")[0].rsplit("/", 1)[-1]
        formation_id = entry["headers"].get("x-formation-id") or path_id
        declared = re.search(r"\bid ([a-z0-9-]+)", desc)
        if declared:
            formation_id = declared[1]
        elif "!= bundle id" in entry["title"]:  # the recording's bundle of `d-raw`, sent as `d-raw-other`
            formation_id = formation_id.removesuffix("-other")
        number = re.search(r"(\d+\.\d+\.\d+)", desc)
        version = number[1] if number else entry["headers"].get("x-formation-version", "1.0.0")
        layout = "flat" if "top level" in desc else "dot" if "./formation.afs" in desc else "root"
        key = (formation_id, version, layout)
        if key not in self.bundles:  # one byte-identical bundle per (id, version, layout), like the recording
            if "hello-muxi/agents/README.md" in desc:
                files = {"agents/README.md": b"Agent files go here.\n"}
                self.bundles[key] = tarball(formation_id, version, extra=OLD_EXAMPLE, files=files)
            else:
                self.bundles[key] = tarball(formation_id, version, layout=layout)
        return self.bundles[key]

    def headers(self, entry: dict[str, Any]) -> dict[str, str]:
        method, path = entry["method"], entry["path"].split("?")[0]
        headers = dict(entry["headers"])
        auth = entry["auth"]
        if auth == "hmac":
            headers.update(self.signed.headers(method, path))
        elif auth == "wrong-key":
            headers.update(self.signed.headers(method, path, key="WRONG"))
        elif auth == "expired":
            headers.update(self.signed.headers(method, path, ts=1000))
        elif auth == "bad-signature":
            headers.update(self.signed.headers(method, path, secret="not-the-secret"))
        elif auth == "bearer":
            headers["Authorization"] = "Bearer abc"
        if entry["client_key"]:
            headers["X-Muxi-Client-Key"] = self.fake.state.client_key
        return headers

    def send(self, entry: dict[str, Any]) -> dict[str, Any]:
        body = entry.get("body")
        content = None
        if body is not None:
            content = self.bundle(entry) if (body.startswith("<gzip") or body.startswith("'")) else body.encode()
        request = self.signed.client.build_request(
            entry["method"], entry["path"], headers=self.headers(entry), content=content
        )
        response = self.signed.client.send(request, stream=True)
        try:
            ctype = response.headers.get("content-type")
            got: dict[str, Any] = {"status": response.status_code, "content_type": ctype}
            if ctype and ctype.startswith("text/event-stream"):
                got["frames"] = read_frames(response, follow="follow=" in entry["path"])
            else:
                raw = response.read()
                got["raw"] = raw
        finally:
            response.close()
        return got


def read_frames(response: Any, follow: bool) -> list[dict[str, Any]]:
    frames: list[dict[str, Any]] = []
    buffer = ""
    for chunk in response.iter_text():
        buffer += chunk
        while "\n\n" in buffer:
            block, buffer = buffer.split("\n\n", 1)
            lines = [line for line in block.split("\n") if line]
            if lines and all(line.startswith(":") for line in lines):
                frames.append({"comment": lines[0][1:].strip()})
                continue
            event = next((line[6:].strip() for line in lines if line.startswith("event:")), "message")
            data = "\n".join(line[5:].strip() for line in lines if line.startswith("data:"))
            try:
                frames.append({"event": event, "data": json.loads(data)})
            except ValueError:
                frames.append({"event": event, "data": data})
            if follow:  # a log follow never ends: its first frame is what is compared
                return frames
    return frames


# ------------------------------------------------------------------------------------------- compare


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "bool", int: "int", float: "float", str: "str", list: "list", dict: "object"}[type(value)]


def logs_path(path: str) -> bool:
    return path.lstrip(".").startswith("data.logs.")


def normalized(key: str, value: Any) -> Any:
    return re.sub(r"\d+", "N", value) if key == "message" and isinstance(value, str) else value


def compare(real: Any, fake: Any, path: str, out: list[str], exact: bool = True) -> None:
    key = path.rsplit(".", 1)[-1]
    if logs_path(path) and {json_type(real), json_type(fake)} <= {"list", "null"}:
        return  # runtime output: an empty log is null, a chatty runtime's a list
    if json_type(real) != json_type(fake):
        out.append(f"{path}: type real {json_type(real)} / fake {json_type(fake)}")
        return
    if isinstance(real, dict):
        for name in sorted(set(real) - set(fake)):
            out.append(f"{path}.{name}: only real")
        for name in sorted(set(fake) - set(real)):
            out.append(f"{path}.{name}: only fake")
        for name in sorted(set(real) & set(fake)):
            compare(real[name], fake[name], f"{path}.{name}", out, exact)
    elif isinstance(real, list):
        if logs_path(path):
            return
        if real and isinstance(real[0], dict):
            if len(real) != len(fake):
                out.append(f"{path}: {len(real)} items real / {len(fake)} fake")
                return
            by_id = lambda item: str(item.get("id"))  # noqa: E731
            for i, (a, b) in enumerate(zip(sorted(real, key=by_id), sorted(fake, key=by_id), strict=True)):
                compare(a, b, f"{path}[{i}]", out, exact)
        elif real and fake and {json_type(v) for v in real} != {json_type(v) for v in fake}:
            out.append(f"{path}: item types differ")
    elif exact and key in EXACT and normalized(key, real) != normalized(key, fake):
        out.append(f"{path}: real {real!r} / fake {fake!r}")


def signature(frame: dict[str, Any]) -> tuple[Any, ...]:
    if "comment" in frame:
        return ("comment",)
    data = frame["data"]
    if isinstance(data, dict):
        return (frame["event"], data.get("stage"), tuple(sorted(data)))
    return (frame["event"],)


def collapsed(frames: list[dict[str, Any]], key: Any) -> list[tuple[list[Any], dict[str, Any]]]:
    groups: list[tuple[list[Any], dict[str, Any]]] = []
    for frame in frames:
        sig = key(frame)
        if not groups or groups[-1][0] != sig:
            groups.append((sig, frame))
    return groups


def compare_frames(entry: dict[str, Any], got: list[dict[str, Any]], out: list[str]) -> None:
    real = entry["frames"]
    if "follow=" in entry["path"]:
        real = real[:1]  # runtime output after `connected`
    if entry["path"].startswith("/api/"):  # proxied chat: the runtime's tokens
        kinds = lambda f: "comment" if "comment" in f else f["event"]  # noqa: E731
        a, b = [g[0] for g in collapsed(real, kinds)], [g[0] for g in collapsed(got, kinds)]
        if a != b:
            out.append(f"frames real {a} / fake {b}")
        return
    a, b = collapsed(real, signature), collapsed(got, signature)
    if [g[0] for g in a] != [g[0] for g in b]:
        out.append(f"frames real {[g[0] for g in a]} / fake {[g[0] for g in b]}")
        return
    for (sig, real_frame), (_, fake_frame) in zip(a, b, strict=True):
        compare(real_frame["data"], fake_frame["data"], f"frame[{sig[0]}:{sig[1]}]", out)


def differences(entry: dict[str, Any], got: dict[str, Any]) -> list[str]:
    out: list[str] = []
    if entry["status"] != got["status"]:
        out.append(f"status real {entry['status']} / fake {got['status']}")
    real_type = (entry["content_type"] or "").split(";")[0] or None
    fake_type = (got["content_type"] or "").split(";")[0] or None
    if real_type != fake_type:
        out.append(f"content-type real {real_type} / fake {fake_type}")
    if out:
        return out
    kind = entry["kind"]
    if kind == "sse":
        compare_frames(entry, got["frames"], out)
    elif kind == "json":
        try:
            body = json.loads(got["raw"])
        except ValueError:
            return [f"body real json / fake {got['raw'][:80]!r}"]
        compare(entry["body_json"], body, "", out, exact=not entry["path"].startswith("/api/"))
    elif kind == "text" and entry["content_type"] == "text/plain" and entry["body_text"] != got["raw"].decode():
        out.append(f"text real {entry['body_text']!r} / fake {got['raw'][:80]!r}")
    elif kind == "empty" and got["raw"] != b"":
        out.append(f"body real empty / fake {got['raw'][:80]!r}")
    return out


# --------------------------------------------------------------------------------------------- tests


@pytest.mark.parametrize("section", sections())
def test_the_fake_answers_the_recorded_sequence_like_the_real_server(section: str, muxi_fake: FakeMuxi) -> None:
    state = muxi_fake.state
    enable_upstream_bug(state, *BUGS[section[0]])
    # The recording's formations stay `starting` for seconds after a rollback; keep the fake's wait longer
    # than a replay step on a busy machine.
    set_server_option(state, health_check_s=60.0)
    replay = Replay(muxi_fake)
    report: list[str] = []
    try:
        for entry in (e for e in EXCHANGES if e["section"] == section):
            action = SETUP.get(entry["id"])
            if action and action[0] == "register":
                register_formation(state, action[1])
            elif action:
                with state.lock:
                    formations(state).pop(action[1], None)
            got = replay.send(entry)
            report += [f"{entry['id']} {entry['title']}: {d}" for d in differences(entry, got)]
    finally:
        replay.signed.close()
    assert report == [], "\n".join(report)


def test_the_fixture_covers_the_whole_record_without_secrets() -> None:
    ids = [e["id"] for e in EXCHANGES]
    assert len(ids) == len(set(ids)) == 227
    assert {e["section"] for e in EXCHANGES} == {"A1", "A2", "A3", "A4", "A5", "B1", "B2"}
    text = json.dumps(FIXTURE)
    assert "signature=" not in text and "x-muxi-client-key" not in text.lower()  # auth kept as a kind only
    assert {e["auth"] for e in EXCHANGES} == {"none", "hmac", "bearer", "wrong-key", "bad-signature", "expired"}


def test_without_the_bug_switches_the_fake_differs_where_the_bugs_are(muxi_fake: FakeMuxi) -> None:
    """The switches are what makes the default build's record match: off, the fake answers as a fixed server."""
    replay = Replay(muxi_fake)
    try:
        for entry in (e for e in EXCHANGES if e["section"] == "A1"):
            got = replay.send(entry)
            if entry["id"] == "A1.61":  # the second update: SpawnError on the real server (lingering staging)
                assert differences(entry, got) and got["frames"][-1]["event"] == "complete"
                return
    finally:
        replay.signed.close()
    raise AssertionError("A1.61 not replayed")


def test_the_fixture_is_the_transcript() -> None:
    """Regenerate with `python scripts/server_transcript_fixture.py` when the transcript changes."""
    from _helpers import load_script

    script = load_script("server_transcript_fixture")
    if not script.DEFAULT_SOURCE.exists():
        pytest.skip(f"{script.DEFAULT_SOURCE} is not next to the repository")
    assert script.parse(script.DEFAULT_SOURCE) == EXCHANGES
