"""In-memory state of the fake MUXI server. Route modules keep their own tables in `state.tables`."""

from __future__ import annotations

import asyncio
import copy
import threading
from dataclasses import dataclass, field
from typing import Any

from .engine import ReplyEngine
from .faults import Faults

DEFAULT_CLIENT_KEY = "fake-client-key"
DEFAULT_ADMIN_KEY = "fake-admin-key"
DEFAULT_KEY_ID = "fake-key-id"
DEFAULT_SECRET_KEY = "fake-secret-key"
DEFAULT_FORMATION_ID = "fake-formation"
FEATURES = ("tuning", "proactive", "artifacts", "skills", "history")
"""Formation features the fake formation configures (each can be switched off in `FakeState.features`)."""


def default_features() -> dict[str, bool]:
    return dict.fromkeys(FEATURES, True)


# What reset() restores to the values the state was built with.
_SWITCHES = (
    "async_chat",
    "webhook_retries",
    "webhook_backoff_s",
    "webhook_backoff_max_s",
    "webhook_timeout_s",
    "features",
    "skills_runtime_bug",
    "proactive_channels",
)


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    query: str = ""


@dataclass
class FakeState:
    """Everything the fake server knows. Tests may read and change it between calls."""

    client_key: str = DEFAULT_CLIENT_KEY
    admin_key: str = DEFAULT_ADMIN_KEY
    key_id: str = DEFAULT_KEY_ID
    secret_key: str = DEFAULT_SECRET_KEY
    formation_id: str = DEFAULT_FORMATION_ID
    version: str = "1.0.0"
    # False (the default): `mode: "async"` answers 501 like muxi-runtime 1.20260928, which cannot do
    # per-request async over HTTP. True: opt in to what the MUXI docs describe (202, then a signed webhook).
    async_chat: bool = False
    keepalive_interval_s: float = 1.0
    # Signed webhook deliveries of async chats (testing/webhooks.py): up to `webhook_retries` retries, waiting
    # webhook_backoff_s * 2**n seconds (1, 2, 4 ...) capped at webhook_backoff_max_s; per-attempt timeout.
    webhook_retries: int = 3
    webhook_backoff_s: float = 1.0
    webhook_backoff_max_s: float = 60.0
    webhook_timeout_s: float = 30.0
    # The fake formation configures every feature; switch one off (`state.features["proactive"] = False`) for
    # the runtime's answer to a formation without it: `tuning` 503 on apply/dismiss/run, `proactive` 503 on
    # channels and notifications, `artifacts` an empty list and 404s, `skills` empty lists and 404s, `history`
    # an empty log.
    features: dict[str, bool] = field(default_factory=default_features)
    # muxi-runtime 1.20260928's skills routes answer 500 whatever the formation (they call
    # create_success_response without its object and event types). True reproduces that; the default serves
    # the shape the routes mean to answer.
    skills_runtime_bug: bool = False
    # The fake formation's `proactive.channels`. A delivery to a channel in `state.table("failing_channels",
    # set)` (or to "webhook" there) fails; every delivery is recorded in `state.table("notifications", list)`.
    proactive_channels: tuple[str, ...] = ("telegram", "slack")
    engine: ReplyEngine = field(default_factory=ReplyEngine)
    faults: Faults = field(default_factory=Faults)
    requests: list[RecordedRequest] = field(default_factory=list)
    # Idempotency: scope -> (status, body bytes); executions counts how often each scope really ran.
    idempotency: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    executions: dict[str, int] = field(default_factory=dict)
    idempotency_locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    tables: dict[str, Any] = field(default_factory=dict)
    lock: Any = field(default_factory=threading.RLock, repr=False)
    started_at: float = 0.0

    def __post_init__(self) -> None:
        # reset() goes back to what the server was built with (FakeMuxi(async_chat=True) stays opted in)
        self._switches = {name: copy.copy(getattr(self, name)) for name in _SWITCHES}
        self.install_webhook_deliverer()

    def install_webhook_deliverer(self) -> None:
        """Deliver async-chat results as signed webhooks (`state.tables["webhook_deliverer"]`; None: don't)."""
        from .webhooks import WebhookDeliverer

        self.tables["webhook_deliverer"] = WebhookDeliverer(self)

    def table(self, name: str, factory: Any = dict) -> Any:
        """A named piece of resource state, created on first use (`state.table("sessions")`)."""
        with self.lock:
            if name not in self.tables:
                self.tables[name] = factory()
            return self.tables[name]

    def reset(self) -> None:
        """Forget everything: data, scripted replies, faults, recorded requests."""
        self.engine.reset()
        self.faults.reset()
        with self.lock:
            self.requests.clear()
            self.idempotency.clear()
            self.executions.clear()
            self.idempotency_locks.clear()
            self.tables.clear()
        for name, value in self._switches.items():
            setattr(self, name, copy.copy(value))
        self.install_webhook_deliverer()
