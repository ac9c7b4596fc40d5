"""Turn the real MUXI server's curl transcript into the fixture `tests/test_server_parity.py` replays.

    python scripts/server_transcript_fixture.py [../shared/api/real-server-transcript.md]

Reads the curl sequences (parts A and B: the default build and the one with start/restart fixed) of
`real-server-transcript.md` and writes `tests/fixtures/real_server_transcript.json`: per exchange its
request (method, path, the headers that matter, how it was signed, the body as described) and the answer
(status, content type, the JSON body or the SSE frames). Secrets are already redacted in the transcript;
strings longer than 160 characters (log lines, chat tokens) are cut, since the parity test compares
shapes and types, not runtime output. Bodies the transcript itself cut (`<truncated: ...>`) keep only
their status and content type.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT.parent / "shared" / "api" / "real-server-transcript.md"
OUT = ROOT / "tests" / "fixtures" / "real_server_transcript.json"
MAX_STRING = 160
_HEADING = re.compile(r"^#### ([AB]\d+\.\d+)\. (.*)$")
_SECTION = re.compile(r"^### ([AB]\d+)\. (.*)$")
_REQUEST = re.compile(r"^`([A-Z]+) ([^`]+)`( \(curl -N, SSE\))?")
_STATUS = re.compile(r"^\*\*Status (\d+)\*\* · Content-Type: `([^`]*)`")
_KEPT_HEADERS = ("content-type", "x-formation-id", "x-formation-version", "accept", "x-muxi-user-id")


def _short(value: Any) -> Any:
    if isinstance(value, str):
        return value if len(value) <= MAX_STRING else value[:MAX_STRING] + "..."
    if isinstance(value, list):
        return [_short(v) for v in value]
    if isinstance(value, dict):
        return {k: _short(v) for k, v in value.items()}
    return value


def _auth(raw: str | None) -> str:
    """How the request was authenticated: the parity test signs it the same way against the fake."""
    if raw is None:
        return "none"
    if raw.startswith("Bearer"):
        return "bearer"
    if "key=WRONG" in raw:
        return "wrong-key"
    if "timestamp=1000," in raw:
        return "expired"
    if "timestamp=<unix>" not in raw:
        return "bad-signature"
    return "hmac"


def _headers(line: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in re.findall(r"`([^`]+)`", line):
        name, _, value = part.partition(": ")
        found[name.strip().lower()] = value.strip()
    return found


def _frames(text: str) -> list[dict[str, Any]]:
    frames: list[dict[str, Any]] = []
    for block in text.strip().split("\n\n"):
        lines = [line for line in block.split("\n") if line]
        if not lines:
            continue
        if all(line.startswith(":") for line in lines):
            frames.append({"comment": lines[0][1:].strip()})
            continue
        event = next((line[6:].strip() for line in lines if line.startswith("event:")), "message")
        data = "\n".join(line[5:].strip() for line in lines if line.startswith("data:"))
        try:
            parsed: Any = json.loads(data)
        except ValueError:
            parsed = data  # a frame the transcript cut after 40 frames or mid-line
        frames.append({"event": event, "data": _short(parsed)})
    return frames


def _body(lines: list[str], start: int) -> tuple[str, Any, int]:
    """(kind, value, next line) of the answer: json / text / empty / sse / truncated."""
    i = start
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i >= len(lines):
        return "empty", None, i
    line = lines[i]
    if line.startswith("_(empty body)_"):
        return "empty", None, i + 1
    sse = line.startswith("SSE frames:")
    if sse:
        i += 1
    if not lines[i].startswith("```"):
        return "empty", None, i
    end = i + 1
    while not lines[end].startswith("```"):
        end += 1
    text = "\n".join(lines[i + 1 : end])
    if sse:
        return "sse", _frames(text), end + 1
    if "<truncated:" in text:
        return "truncated", None, end + 1
    if lines[i].startswith("```json"):
        return "json", _short(json.loads(text)), end + 1
    return "text", text.strip(), end + 1


def parse(source: Path) -> list[dict[str, Any]]:
    lines = source.read_text().split("\n")
    exchanges: list[dict[str, Any]] = []
    section = ""
    i = 0
    while i < len(lines):
        heading = _SECTION.match(lines[i])
        if heading:
            section = heading[1]
        match = _HEADING.match(lines[i])
        if not match:
            i += 1
            continue
        entry: dict[str, Any] = {"id": match[1], "section": section, "title": match[2]}
        i += 1
        while i < len(lines) and not _STATUS.match(lines[i]):
            line = lines[i]
            request = _REQUEST.match(line)
            if request:
                entry["method"], entry["path"] = request[1], request[2]
            elif line.startswith("Request headers:"):
                headers = _headers(line)
                entry["auth"] = _auth(headers.pop("authorization", None))
                entry["client_key"] = "x-muxi-client-key" in headers
                entry["headers"] = {k: v for k, v in headers.items() if k in _KEPT_HEADERS}
            elif line.startswith("Request body:"):
                entry["body"] = line[len("Request body: ") :].strip().strip("`")
            i += 1
        status = _STATUS.match(lines[i])
        assert status, entry
        entry.setdefault("auth", "none")
        entry.setdefault("headers", {})
        entry.setdefault("client_key", False)
        entry["status"] = int(status[1])
        entry["content_type"] = status[2] if status[2] != "(none)" else None
        kind, value, i = _body(lines, i + 1)
        entry["kind"] = kind
        if kind == "sse":
            entry["frames"] = value
        elif kind in ("json", "text"):
            entry["body_" + kind] = value
        exchanges.append(entry)
    return exchanges


def main(argv: list[str]) -> None:
    source = Path(argv[0]) if argv else DEFAULT_SOURCE
    exchanges = parse(source)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"source": source.name, "exchanges": exchanges}, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(exchanges)} exchanges")


if __name__ == "__main__":
    main(sys.argv[1:])
