"""A minimal ASGI server speaking just enough MUXI to isolate client cost: fixed bytes, no framework.

    python bench/rawserver.py --port 9001

POST /v1/chat with `"stream": false` answers a fixed JSON envelope; otherwise it streams chat frames, as
many content tokens as the message says (`"message": "100000"`). GET /v1/health, GET /v1/sessions
(50 sessions) and GET /v1/sessions/{id} answer fixed JSON.

The peer SDKs' own shapes, so each is measured against a server that answers it: OpenAI's (`/v1/models`,
`/v1/models/{id}`, `POST /v1/chat/completions`) and Mix's (`/health`, `/api/sessions`, `/api/sessions/{id}`,
`POST /api/sessions`).
"""

from __future__ import annotations

import argparse
import json

import uvicorn


def _envelope(obj: str, typ: str, data: object) -> bytes:
    return json.dumps(
        {
            "object": obj,
            "timestamp": 1795422366196,
            "type": typ,
            "request": {"id": "req_bench", "idempotency_key": None},
            "success": True,
            "error": None,
            "data": data,
        },
        separators=(",", ":"),
    ).encode()


HEALTH = b'{"status":"healthy","version":"1.0.0","uptime_seconds":4}'
CHAT = _envelope(
    "message",
    "chat.completed",
    {
        "message": {
            "role": "assistant",
            "content": "Echo: hello",
            "artifacts": None,
            "metadata": {"session_id": "sess_1"},
        },
        "user_id": "alice",
        "session_id": "sess_1",
        "request_id": None,
    },
)
# The real runtime's shape (../shared/api/real-runtime-transcript.md, GET /v1/sessions): these four fields
# per session, then `count`.
SESSIONS = _envelope(
    "session_list",
    "session.list",
    {
        "sessions": [
            {
                "session_id": f"sess_{i:04d}",
                "user_id": "alice",
                "last_activity": 1795422368.6023283 - i,
                "active": i % 3 != 0,
            }
            for i in range(50)
        ],
        "count": 50,
    },
)
SESSION = _envelope(
    "session",
    "session.get",
    {
        "session_id": "sess_0001",
        "user_id": "alice",
        "message_count": 2,
        "active": True,
        "created_at": 1795422366.1,
        "last_activity": 1795422367.2,
    },
)


def _dumps(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


_MODEL = {"id": "gpt-bench", "object": "model", "created": 1795422366, "owned_by": "bench"}
OPENAI_MODEL = _dumps(_MODEL)
OPENAI_MODELS = _dumps({"object": "list", "data": [{**_MODEL, "id": f"model-{i:02d}"} for i in range(50)]})
OPENAI_COMPLETION = _dumps(
    {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 1795422366,
        "model": "gpt-bench",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Echo: hello", "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 3, "total_tokens": 6},
    }
)
_MIX_SESSION = {
    "assistantMessageCount": 1,
    "browserMode": "local-browser-service",
    "completionTokens": 3,
    "cost": 0.01,
    "createdAt": "2026-11-23T08:26:05Z",
    "id": "sess_0001",
    "promptTokens": 3,
    "sessionType": "main",
    "title": "Session",
    "toolCallCount": 0,
    "userMessageCount": 1,
}
MIX_HEALTH = _dumps({"status": "ok", "timestamp": "2026-11-23T08:26:05Z", "version": "1.0.0"})
MIX_SESSION = _dumps(_MIX_SESSION)
MIX_SESSIONS = _dumps([{**_MIX_SESSION, "id": f"sess_{i:04d}"} for i in range(50)])
ROUTES = {
    ("GET", "/v1/health"): HEALTH,
    ("GET", "/v1/sessions"): SESSIONS,
    ("POST", "/v1/chat"): CHAT,
    ("GET", "/v1/models"): OPENAI_MODELS,
    ("POST", "/v1/chat/completions"): OPENAI_COMPLETION,
    ("GET", "/health"): MIX_HEALTH,
    ("GET", "/api/sessions"): MIX_SESSIONS,
    ("POST", "/api/sessions"): MIX_SESSION,
}


def _answer(method: str, path: str) -> tuple[int, bytes]:
    if (method, path) in ROUTES:
        return (201 if path == "/api/sessions" and method == "POST" else 200), ROUTES[method, path]
    if path.startswith("/v1/sessions/"):
        return 200, SESSION
    if path.startswith("/v1/models/"):
        return 200, OPENAI_MODEL
    if path.startswith("/api/sessions/"):
        return 200, MIX_SESSION
    return 200, HEALTH


TOKEN = (
    b'data: {"token":{"request_id":"req_b","user_id":"0","session_id":"sess_1","type":"content",'
    b'"content":" word","timestamp":1795422367.67,"stage":"response_generation"}}\n\n'
)
TAIL = (
    b'data: {"token":{"request_id":"req_b","user_id":"0","session_id":"sess_1","type":"completed",'
    b'"content":"done","timestamp":1795422367.68,"status":"success","processing_time_ms":1}}\n\n'
    b'event: done\ndata: {"finished":true}\n\n'
)


async def app(scope, receive, send):  # type: ignore[no-untyped-def]
    if scope["type"] != "http":
        return
    body = b""
    more = True
    while more:
        msg = await receive()
        body += msg.get("body", b"")
        more = msg.get("more_body", False)
    path = scope["path"]
    if path == "/v1/chat" and b'"stream":false' not in body.replace(b" ", b""):
        count = int(json.loads(body or b"{}").get("message", "100") or 100)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/event-stream; charset=utf-8")],
            }
        )
        await send({"type": "http.response.body", "body": b": keepalive\n\n", "more_body": True})
        batch = TOKEN * 1000
        full, rest = divmod(count, 1000)
        for _ in range(full):
            await send({"type": "http.response.body", "body": batch, "more_body": True})
        await send({"type": "http.response.body", "body": TOKEN * rest + TAIL})
        return
    status, payload = _answer(scope["method"], path)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": payload})


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=9001)
    args = parser.parse_args()
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="critical", access_log=False)
