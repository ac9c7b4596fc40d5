"""A minimal ASGI server speaking just enough MUXI to isolate client cost: fixed bytes, no framework.

    python bench/rawserver.py --port 9001

POST /v1/chat with `"stream": false` answers a fixed JSON envelope; otherwise it streams chat frames, as
many content tokens as the message says (`"message": "100000"`). GET /v1/health and GET /v1/sessions
(50 sessions) answer fixed JSON.
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
SESSIONS = _envelope(
    "session_list",
    "session.list",
    {
        "sessions": [
            {
                "session_id": f"sess_{i:04d}",
                "user_id": "alice",
                "created_at": "2026-11-23T08:26:05Z",
                "updated_at": "2026-11-23T08:26:06Z",
                "message_count": 2,
                "title": f"Session {i}",
            }
            for i in range(50)
        ],
        "count": 50,
        "total": 50,
    },
)
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
    if path.endswith("/chat") and b'"stream":false' not in body.replace(b" ", b""):
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
    payload = CHAT if path.endswith("/chat") else SESSIONS if path.endswith("/sessions") else HEALTH
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": payload})


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=9001)
    args = parser.parse_args()
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="critical", access_log=False)
