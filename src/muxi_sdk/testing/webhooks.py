"""Signed webhook deliveries from the fake server, as the MUXI runtime makes them.

When an async chat (`mode: "async"` + `webhook_url`) finishes, the chat route calls
`state.tables["webhook_deliverer"](url, payload)`. The default deliverer (installed by `FakeState`):

- signs with the fake formation's admin key, over canonical JSON (`muxi_sdk.webhooks.sign`);
- sends the payload with `json.dumps` defaults (insertion order, `", "` / `": "`, `\\u` escapes), like the
  runtime's completion deliveries, so receivers that only check the raw body fail here as they would live;
- retries `state.webhook_retries` times (default 3) after a failed attempt, waiting
  `state.webhook_backoff_s * 2**n` seconds (1, 2, 4 ...) capped at `state.webhook_backoff_max_s` (60);
  only a 2xx counts as delivered;
- runs in a daemon thread, never on the server's event loop;
- records each delivery in `state.table("webhook_deliveries")` (a list of dicts, updated in place):
  `{url, request_id, status: "pending" | "delivered" | "failed", attempts: [{status_code, error, at}], headers,
  body}`. `wait_for_deliveries(state, n)` blocks until `n` of them have finished.
"""

from __future__ import annotations

import json
import threading
import time
from typing import TYPE_CHECKING, Any

import httpx

from ..webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

if TYPE_CHECKING:
    from .state import FakeState

__all__ = ["WebhookDeliverer", "wait_for_deliveries"]

DELIVERIES_TABLE = "webhook_deliveries"


class WebhookDeliverer:
    """Delivers signed webhooks for a `FakeState`; call it with `(url, payload)`. Configuration is read from
    the state at delivery time (`webhook_retries`, `webhook_backoff_s`, `webhook_backoff_max_s`,
    `webhook_timeout_s`, and `admin_key` as the signing secret)."""

    def __init__(self, state: FakeState) -> None:
        self.state = state

    def __call__(self, url: str, payload: dict[str, Any]) -> None:
        """Start delivering in the background and return at once."""
        deliveries = self.state.table(DELIVERIES_TABLE, list)
        record: dict[str, Any] = {
            "url": url,
            "request_id": payload.get("id") or payload.get("request_id"),
            "status": "pending",
            "attempts": [],
            "headers": {},
            "body": b"",
            "done": threading.Event(),
        }
        with self.state.lock:
            deliveries.append(record)
        thread = threading.Thread(
            target=self.deliver, args=(url, payload, record), name="fake-muxi-webhook", daemon=True
        )
        thread.start()

    def deliver(self, url: str, payload: dict[str, Any], record: dict[str, Any] | None = None) -> bool:
        """Deliver now, in this thread, with retries; True once a 2xx came back."""
        state = self.state
        record = record if record is not None else {"attempts": [], "done": threading.Event()}
        # What aiohttp's `json=` sends: stdlib json.dumps defaults, not the canonical bytes that were signed.
        body = json.dumps(payload).encode("utf-8")
        retries = max(0, int(state.webhook_retries))
        delivered = False
        try:
            with httpx.Client(timeout=state.webhook_timeout_s) as client:
                for attempt in range(retries + 1):
                    if attempt:
                        time.sleep(min(state.webhook_backoff_s * 2 ** (attempt - 1), state.webhook_backoff_max_s))
                    headers = {"Content-Type": "application/json"}
                    if state.admin_key:  # the runtime omits the signature when it has no secret
                        t = int(time.time())
                        headers[SIGNATURE_HEADER] = sign(payload, state.admin_key, t)
                        headers[TIMESTAMP_HEADER] = str(t)
                    record["headers"], record["body"] = headers, body
                    try:
                        response = client.post(url, content=body, headers=headers)
                    except httpx.HTTPError as exc:
                        record["attempts"].append({"status_code": None, "error": repr(exc), "at": time.time()})
                        continue
                    record["attempts"].append({"status_code": response.status_code, "error": None, "at": time.time()})
                    if 200 <= response.status_code < 300:
                        delivered = True
                        break
        finally:
            record["status"] = "delivered" if delivered else "failed"
            record["done"].set()
        return delivered


def wait_for_deliveries(state: FakeState, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
    """Wait until at least `count` webhook deliveries have finished (delivered or given up); return them all.

    :raises TimeoutError: fewer than `count` finished within `timeout` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        deliveries: list[dict[str, Any]] = list(state.table(DELIVERIES_TABLE, list))
        finished = [d for d in deliveries if d["status"] != "pending"]
        if len(finished) >= count:
            return deliveries
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(finished)} of {count} webhook deliveries finished within {timeout} s")
        pending = [d for d in deliveries if d["status"] == "pending"]
        if pending:
            pending[0]["done"].wait(min(0.05, max(0.0, deadline - time.monotonic())))
        else:
            time.sleep(0.01)
