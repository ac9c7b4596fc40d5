"""Memory maintenance (admin key), answering like muxi-runtime 1.20260928 with SQLite persistent memory:
projection rebuilds and forgetting a source (background jobs, see `_jobs`), backfill, lint, and the
distillery registry with its signed batch intake.

Defaults follow the real formation of `../shared/real-muxi`: no `memory.lint` block and no
`memory.distillery.enabled`, so lint and every distillery route answer 503. `memory_settings["lint"] = True`
and `["distillery"] = True` switch them on. The fake checks a distilled batch's headers, registration,
revocation and timestamp window, but verifies its Ed25519 signature only when `cryptography` is installed.
"""

from __future__ import annotations

import base64
import binascii
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..auth import require
from ..envelope import APIError, nanoid, ok, validation_error
from ..state import FakeState
from ._common import now_iso
from ._jobs import processing, read, start, status_answer
from .chat import read_json
from .memory import settings as memory_settings

PROJECTIONS = ("artifact_metadata", "captains_log", "flat_facts", "knowledge_graph")
LINT_OFF = "Memory lint is not configured (declare a 'memory.lint' block)"
DISTILLERY_OFF = "Memory distillery is not enabled for this formation (memory.distillery.enabled)"
EVENT_TYPES = ["fact.extracted", "log.entry", "interaction.turn"]
MAX_BATCH = 10_000
SIGNATURE_WINDOW_S = 300
_SPKI_ED25519 = bytes.fromhex("302a300506032b6570032100")


def _field(body: dict[str, Any], name: str, kind: type, required: bool, default: Any = None) -> Any:
    """A body field checked like the runtime's pydantic request models (422 with its wording)."""
    if name not in body or body[name] is None:
        if required:
            raise validation_error((name, "Field required", "string", "missing"))
        return default
    value = body[name]
    if kind is bool and not isinstance(value, bool):
        raise validation_error((name, "Input should be a valid boolean", "boolean", "bool_type"))
    if kind is str and not isinstance(value, str):
        raise validation_error((name, "Input should be a valid string", "string", "string_type"))
    return value


def _user_memories(state: FakeState, user: str) -> list[dict[str, Any]]:
    return [m for m in state.table("memories").values() if m.get("user_id") == user]


def _projections(state: FakeState, user: str, dry_run: bool = False) -> dict[str, Any]:
    facts = len(_user_memories(state, user))
    report: dict[str, Any] = {}
    for name in PROJECTIONS:
        events = facts if name == "flat_facts" else 0
        entry: dict[str, Any] = {"events": events, "applied": 0 if dry_run else events, "failed": 0}
        if dry_run:
            entry["dry_run"] = True
        report[name] = entry
    return report


def _backfill_report() -> dict[str, Any]:
    return {name: {"synthesized": 0, "complete": True} for name in PROJECTIONS}


def _job_answer(state: FakeState, job_id: str, kind: str) -> dict[str, Any]:
    job = read(state, "memory_jobs", job_id)
    if job is None:
        raise APIError(404, f"Unknown or expired {kind} job '{job_id}'", "NOT_FOUND")
    data: dict[str, Any] = {"job_id": job_id, "status": job["status"]}
    if job["status"] == "failed":
        data["error"] = job["fail"]
    elif job["status"] == "completed":
        data.update(job["result"])
    return data


def _public_key_ok(public_key: Any) -> None:
    if not isinstance(public_key, str) or not public_key.strip():
        raise APIError(422, "public_key must be a non-empty string", "INVALID_PARAMS")
    encoded = public_key.strip()
    if encoded.lower().startswith("ed25519:"):
        encoded = encoded[len("ed25519:") :]
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise APIError(422, f"public_key is not valid base64: {exc}", "INVALID_PARAMS") from None
    if len(raw) != 32 and not (len(raw) == 44 and raw.startswith(_SPKI_ED25519)):
        raise APIError(422, "public_key is not a DER-encoded Ed25519 public key", "INVALID_PARAMS")


def _signature_ok(public_key: str, signature: str, message: bytes) -> bool:
    """Ed25519 verification when `cryptography` is there; without it the fake trusts any base64 signature."""
    try:
        sig = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # type: ignore[import-not-found,unused-ignore]
            Ed25519PublicKey,
        )
    except ImportError:
        return bool(sig)
    encoded = public_key.strip()
    if encoded.lower().startswith("ed25519:"):
        encoded = encoded[len("ed25519:") :]
    raw = base64.b64decode(encoded)
    try:
        Ed25519PublicKey.from_public_bytes(raw[-32:]).verify(sig, message)
    except Exception:
        return False
    return True


def routes(state: FakeState) -> list[BaseRoute]:
    def substrate() -> None:
        if not memory_settings(state).get("persistent"):
            raise APIError(503, "Memory event substrate is not available", "SERVICE_UNAVAILABLE")

    def distillery_on() -> None:
        if not memory_settings(state).get("distillery"):
            raise APIError(503, DISTILLERY_OFF, "SERVICE_UNAVAILABLE")

    async def rebuild(request: Request) -> Response:
        require(request, state, "admin")
        body = await read_json(request)
        user = _field(body, "user_id", str, True)
        projection = _field(body, "projection", str, False)
        dry_run = _field(body, "dry_run", bool, False, False)
        background = _field(body, "background", bool, False, True)
        backfill = _field(body, "backfill", bool, False, False)
        substrate()
        if projection is not None and projection not in PROJECTIONS:
            raise APIError(
                422, f"Unknown projection {projection!r}; registered: {sorted(PROJECTIONS)}", "INVALID_PARAMS"
            )
        result: dict[str, Any] = {"user_id": user, "dry_run": dry_run}
        if backfill and not dry_run:
            result["backfill"] = _backfill_report()
        report = _projections(state, user, dry_run)
        result["projections"] = {projection: report[projection]} if projection else report
        if background and not dry_run:
            job_id = nanoid("rebuild_")
            start(state, "memory_jobs", job_id, user, result)
            data = {"user_id": user, "job_id": job_id, "status": "processing"}
            data["status_url"] = f"/memory/rebuild/{job_id}"
            return ok("memory", "memory.retrieved", data, status=202)
        return ok("memory", "memory.retrieved", result)

    async def rebuild_status(request: Request) -> Response:
        require(request, state, "admin")
        return ok("memory", "memory.retrieved", _job_answer(state, request.path_params["job_id"], "rebuild"))

    async def forget_status(request: Request) -> Response:
        require(request, state, "admin")
        return ok("memory", "memory.retrieved", _job_answer(state, request.path_params["job_id"], "forget"))

    async def forget(request: Request) -> Response:
        require(request, state, "admin")
        body = await read_json(request)
        user = _field(body, "user_id", str, True)
        source = _field(body, "source", str, True)
        _field(body, "reason", str, False)
        rebuild_after = _field(body, "rebuild", bool, False, True)
        background = _field(body, "background", bool, False, True)
        inline = request.query_params.get("sync", "").lower() in ("1", "true", "yes")
        substrate()
        with state.lock:
            memories = state.table("memories")
            gone = [k for k, m in memories.items() if m.get("user_id") == user and m.get("_source") == source]
            for key in gone:
                del memories[key]
        data: dict[str, Any] = {"user_id": user, "source": source, "deleted_events": len(gone), "grace_period_days": 30}
        if not rebuild_after:
            data["rebuild_required"] = sorted(PROJECTIONS)
        elif background and not inline:
            job_id = nanoid("forget_")
            start(state, "memory_jobs", job_id, user, {"projections": _projections(state, user)})
            data.update({"job_id": job_id, "status": "processing", "status_url": f"/memory/forget/{job_id}"})
            return ok("memory", "memory.deleted", data, status=202)
        else:
            data["projections"] = _projections(state, user)
        return ok("memory", "memory.deleted", data)

    async def backfill(request: Request) -> Response:
        require(request, state, "admin")
        user = _field(await read_json(request), "user_id", str, True)
        substrate()
        return ok("memory", "memory.retrieved", {"user_id": user, "synthesized": _backfill_report()})

    async def lint(request: Request) -> Response:
        require(request, state, "admin")
        user = _field(await read_json(request), "user_id", str, False)
        if not memory_settings(state).get("lint"):
            raise APIError(503, LINT_OFF, "SERVICE_UNAVAILABLE")
        users = {user} if user else {m.get("user_id") for m in state.table("memories").values()}
        report = {
            "users": len(users),
            "unresolved_conflicts": 0,
            "superseded_deleted": 0,
            "orphans_removed": 0,
            "log_gaps": 0,
            "stale_artifacts": 0,
            "index_regenerated": 0,
            "findings": {},
        }
        return ok("memory", "memory.retrieved", {"user_id": user, "report": report})

    # ------------------------------------------------------------------ distilleries
    async def register(request: Request) -> Response:
        require(request, state, "admin")
        body = await read_json(request)
        name = _field(body, "name", str, True)
        public_key = _field(body, "public_key", str, True)
        distillery_on()
        if not name.strip():
            raise APIError(422, "'name' is required and must be a non-empty string", "INVALID_PARAMS")
        trust = body.get("trust_level") or "provisional"
        if trust not in ("provisional", "verified"):
            raise APIError(
                422, f"Invalid trust_level {trust!r}; expected one of ['provisional', 'verified']", "INVALID_PARAMS"
            )
        _public_key_ok(public_key)
        scope = dict(body.get("scope") or {})
        scope.setdefault("user_ids", "all")
        scope.setdefault("event_types", list(EVENT_TYPES))
        scope.setdefault("max_events_per_day", 1_000_000)
        scope.setdefault("max_batch_size", MAX_BATCH)
        with state.lock:
            table = state.table("distilleries")
            record = {
                "id": len(table) + 1,
                "distillery_id": nanoid(""),
                "formation_id": state.formation_id,
                "name": name.strip(),
                "description": body.get("description"),
                "public_key": public_key.strip(),
                "scope": scope,
                "trust_level": trust,
                "status": "active",
                "created_at": now_iso().rstrip("Z"),
                "revoked_at": None,
            }
            table[record["distillery_id"]] = record
        return ok("memory_distillery", "memory.distillery.registered", record, status=201)

    async def list_distilleries(request: Request) -> Response:
        require(request, state, "admin")
        distillery_on()
        records = sorted(state.table("distilleries").values(), key=lambda r: r["id"], reverse=True)
        return ok("memory_distillery_list", "memory.distillery.list", {"distilleries": records, "count": len(records)})

    async def revoke(request: Request) -> Response:
        require(request, state, "admin")
        distillery_on()
        distillery_id = request.path_params["distillery_id"]
        with state.lock:
            record = state.table("distilleries").get(distillery_id)
            if record is None:
                raise APIError(404, f"Unknown distillery '{distillery_id}'", "NOT_FOUND")
            if record["status"] != "revoked":
                record["status"] = "revoked"
                record["revoked_at"] = now_iso().rstrip("Z")
        return ok("memory_distillery", "memory.distillery.revoked", record)

    async def submit_distilled(request: Request) -> Response:
        require(request, state, "dual")
        distillery_on()
        raw = await request.body()
        distillery_id = request.headers.get("x-distillery-id")
        if not distillery_id:
            raise APIError(401, "X-Distillery-ID header is required", "UNAUTHORIZED")
        stamp = request.headers.get("x-distillery-timestamp")
        if not stamp:
            raise APIError(401, "X-Distillery-Timestamp header is required", "UNAUTHORIZED")
        try:
            sent_at = int(stamp.strip())
        except ValueError:
            raise APIError(
                401, "X-Distillery-Timestamp must be an integer unix timestamp (seconds)", "UNAUTHORIZED"
            ) from None
        if abs(time.time() - sent_at) > SIGNATURE_WINDOW_S:
            raise APIError(
                401, f"Batch timestamp outside the {SIGNATURE_WINDOW_S}s replay-protection window", "UNAUTHORIZED"
            )
        record = state.table("distilleries").get(distillery_id)
        signature = request.headers.get("x-distillery-signature") or ""
        message = b"\n".join([b"muxi-distillery-v1", stamp.strip().encode(), distillery_id.encode(), raw])
        if record is None or not _signature_ok(record["public_key"], signature, message):
            raise APIError(401, "Unknown distillery or invalid signature", "UNAUTHORIZED")
        if record["status"] == "revoked":
            raise APIError(410, "This distillery registration has been revoked", "GONE")
        batch = await read_json(request)
        batch_id = batch.get("batch_id")
        if not isinstance(batch_id, str) or not batch_id.strip():
            raise APIError(422, "'batch_id' is required and must be a non-empty string", "INVALID_PARAMS")
        events = batch.get("events")
        if not isinstance(events, list) or not events:
            raise APIError(422, "'events' must be a non-empty array", "INVALID_PARAMS")
        seen = state.table("distilled_events")
        accepted, duplicates, rejections = 0, 0, []
        with state.lock:
            for index, event in enumerate(events):
                event = event if isinstance(event, dict) else {}
                source_id = event.get("source_id")
                kind = event.get("event_type")
                if kind not in EVENT_TYPES:
                    reason = f"unsupported event_type {kind!r}; expected one of {sorted(EVENT_TYPES)}"
                    rejections.append({"index": index, "reason": reason})
                elif not isinstance(source_id, str) or not source_id or not event.get("user_id"):
                    rejections.append({"index": index, "reason": "'user_id' and 'source_id' are required"})
                elif (distillery_id, source_id) in seen:
                    duplicates += 1
                else:
                    seen[(distillery_id, source_id)] = event
                    accepted += 1
        processing_id = None
        if accepted:
            processing_id = nanoid("dst_")
            start(state, "distilled_jobs", processing_id, f"distillery:{distillery_id}", {"events": accepted})
        outcome: dict[str, Any] = {
            "batch_id": batch_id.strip(),
            "accepted": accepted,
            "duplicates": duplicates,
            "rejected": len(rejections),
            "rejections": rejections,
            "processing_id": processing_id,
        }
        if processing_id:
            outcome["status_url"] = f"/v1/memories/distilled/{processing_id}"
        return ok("memory_distillation", "memory.distilled.accepted", outcome, status=202 if accepted else 200)

    async def distilled_status(request: Request) -> Response:
        kind = require(request, state, "dual")
        distillery_on()
        processing_id = request.path_params["processing_id"]
        job = processing(state, "distilled_jobs", processing_id)
        caller = (request.headers.get("x-distillery-id") or "").strip()
        if kind != "admin" and job["user_id"] != f"distillery:{caller}":
            raise APIError(403, "Processing job does not belong to this distillery", "FORBIDDEN")
        return ok("memory_distillation", "memory.distilled.status", status_answer(processing_id, job))

    return [
        Route("/memory/rebuild", rebuild, methods=["POST"]),
        Route("/memory/rebuild/{job_id}", rebuild_status, methods=["GET"]),
        Route("/memory/forget", forget, methods=["POST"]),
        Route("/memory/forget/{job_id}", forget_status, methods=["GET"]),
        Route("/memory/backfill", backfill, methods=["POST"]),
        Route("/memory/lint", lint, methods=["POST"]),
        Route("/memory/distilleries", register, methods=["POST"]),
        Route("/memory/distilleries", list_distilleries, methods=["GET"]),
        Route("/memory/distilleries/{distillery_id}", revoke, methods=["DELETE"]),
        Route("/memories/distilled", submit_distilled, methods=["POST"]),
        Route("/memories/distilled/{processing_id}", distilled_status, methods=["GET"]),
    ]

