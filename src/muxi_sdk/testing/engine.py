"""The fake formation's deterministic reply engine: echo by default, or replies you script."""

from __future__ import annotations

import collections
import re
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ScriptedReply:
    """One scripted answer. `text` is the reply; `ui` widgets are sent as `event: ui`; `error` makes the
    stream end with `event: error` (and a JSON call answer 500); `delay_s` waits before answering
    (keep-alive comments are sent meanwhile); `discontinuity` marks the completed event as replacing deltas."""

    text: str = ""
    ui: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    error_type: str = "RuntimeError"
    delay_s: float = 0.0
    discontinuity: bool = False


class ReplyEngine:
    """Echoes like the real runtime with its fake LLM (`Echo: <message>`), unless replies are scripted."""

    def __init__(self) -> None:
        self._queue: collections.deque[ScriptedReply] = collections.deque()

    def script(self, *replies: str | ScriptedReply) -> None:
        for r in replies:
            self._queue.append(r if isinstance(r, ScriptedReply) else ScriptedReply(text=r))

    def reset(self) -> None:
        self._queue.clear()

    def reply(self, message: str) -> ScriptedReply:
        if self._queue:
            return self._queue.popleft()
        return ScriptedReply(text=f"Echo: {message}")


def split_tokens(text: str) -> list[str]:
    """Word-sized deltas, leading space attached, as the runtime streams them ("Echo:", " Tell", " me")."""
    return re.findall(r"\s*\S+", text) or ([text] if text else [])
