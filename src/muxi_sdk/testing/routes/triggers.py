"""Triggers: /v1/triggers, templates rendered from event data and run through the chat engine.

State: `triggers` (name -> markdown template, seeded with `github-issue` as in the real test formation).
Add your own in tests: `fake.state.table("triggers")["deploy"] = "Deploy ${{ data.service }}"`. A
frontmatter `webhook: <url>` makes async runs deliver the standard result payload there (through the
`webhook_deliverer` the webhook tools install; every payload is also appended to `async_results`).
"""

from __future__ import annotations

import re
import time
from typing import Any

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..auth import require, user_id
from ..envelope import APIError, envelope, nanoid, ok, validation_error
from ..idempotency import idempotent
from ..state import FakeState
from .chat import async_payload, read_json, record_turn

GITHUB_ISSUE = (
    "New GitHub issue #${{ data.issue.number }} in ${{ data.repository }}: ${{ data.issue.title }}\n"
    "\n"
    "Please summarize it in one sentence.\n"
)
_NAME = re.compile(r"^[a-zA-Z0-9_-]+$")
_PLACEHOLDER = re.compile(r"\$\{\{\s*data\.([a-zA-Z0-9_.]+)\s*\}\}")


def _triggers(state: FakeState) -> dict[str, str]:
    return state.table("triggers", lambda: {"github-issue": GITHUB_ISSUE})  # type: ignore[no-any-return]


def split_frontmatter(text: str) -> tuple[dict[str, str], str]:
    """`---` YAML-ish frontmatter (flat `key: value` lines) and the template after it."""
    if not text.startswith("---\n"):
        return {}, text
    head, sep, body = text[4:].partition("\n---\n")
    if not sep:
        return {}, text
    meta = {}
    for line in head.splitlines():
        key, colon, value = line.partition(":")
        if colon and key.strip():
            meta[key.strip()] = value.strip().strip("'\"")
    return meta, body


def render(template: str, data: dict[str, Any]) -> str:
    """Replace `${{ data.a.b.0 }}` placeholders, failing like the runtime when a key is missing."""

    def value(match: re.Match[str]) -> str:
        path = match.group(1)
        current: Any = data
        for part in path.split("."):
            if isinstance(current, dict) and part in current:
                current = current[part]
            elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
                current = current[int(part)]
            else:
                raise APIError(
                    400,
                    f"Template rendering failed: Data key 'data.{path}' not found. Available keys: {list(data)}",
                )
        return current if isinstance(current, str) else str(current)

    return _PLACEHOLDER.sub(value, template)


def routes(state: FakeState) -> list[BaseRoute]:
    async def list_triggers(request: Request) -> Response:
        require(request, state, "client")
        names = sorted(_triggers(state))
        return ok(
            "list", "list.retrieved", {"formation_id": state.formation_id, "triggers": names, "count": len(names)}
        )

    async def get_trigger(request: Request) -> Response:
        require(request, state, "client")
        name = request.path_params["name"]
        if not _NAME.match(name):
            raise APIError(
                400, f"Invalid trigger name {name!r}: must contain only letters, numbers, hyphens, and underscores"
            )
        content = _triggers(state).get(name)
        if content is None:
            raise APIError(404, f"Trigger '{name}' not found", "TRIGGER_NOT_FOUND")
        fields = sorted(set(_PLACEHOLDER.findall(content)))
        return ok("trigger", "trigger.retrieved", {"name": name, "content": content, "data_fields": fields or None})

    async def fire(request: Request) -> Response:
        require(request, state, "client")
        name = request.path_params["name"]
        body = await read_json(request)
        if "data" not in body:
            raise validation_error(("data", "Field required", "string", "missing"))
        data = body["data"]
        if not isinstance(data, dict):
            raise validation_error(("data", "Input should be a valid dictionary", "object", "dict_type"))
        session_id = body.get("session_id")
        if session_id is not None and not isinstance(session_id, str):
            raise validation_error(("session_id", "Input should be a valid string", "string", "string_type"))
        use_async = body.get("use_async", True)
        if use_async is not None and not isinstance(use_async, bool):
            raise validation_error(("use_async", "Input should be a valid boolean", "boolean", "bool_type"))
        user = user_id(request) or "0"
        template = _triggers(state).get(name)
        if template is None:
            raise APIError(404, f"Trigger template '{name}' not found at: triggers/{name}.md")
        meta, template = split_frontmatter(template)
        message = render(template, data).strip()
        webhook_url = meta.get("webhook")

        async def run(key: str | None) -> Response:
            rid = nanoid("req_")
            sid = session_id or nanoid("sess_")
            reply = state.engine.reply(message)
            requests = state.table("requests")
            if use_async:
                requests[rid] = {
                    "request_id": rid,
                    "status": "processing",
                    "session_id": sid,
                    "user_id": user,
                    "created_at": time.time(),
                    "trigger": name,
                }

                def finish() -> None:
                    if reply.error is None:
                        record_turn(state, sid, user, rid, message, reply.text)
                        requests[rid]["trigger"] = name
                    else:
                        requests[rid].update(status="failed", completed_at=time.time(), error=reply.error)
                    if webhook_url:
                        payload = async_payload(state, rid, user, reply, webhook_url)
                        state.table("async_results", list).append(payload)
                        deliver = state.tables.get("webhook_deliverer")
                        if deliver is not None:
                            deliver(webhook_url, payload)

                accepted = envelope(
                    "request", "request.processing", {"status": "processing"}, request_id=rid, idempotency_key=key
                )
                return JSONResponse(accepted, background=BackgroundTask(finish))
            if reply.error is not None:
                raise APIError(500, f"Trigger execution failed: {reply.error}")
            record_turn(state, sid, user, rid, message, reply.text)
            data_out = {"status": "completed", "content": reply.text}
            return JSONResponse(envelope("request", "request.completed", data_out, request_id=rid, idempotency_key=key))

        return await idempotent(request, state, "json", run)

    return [
        Route("/triggers", list_triggers, methods=["GET"]),
        Route("/triggers/{name}", get_trigger, methods=["GET"]),
        Route("/triggers/{name}", fire, methods=["POST"]),
    ]
