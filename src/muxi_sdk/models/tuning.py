"""Tuning: the formation's MUXI.md (the live instructions file it improves itself through) and its pending
suggestion. Admin key only."""

from __future__ import annotations

from typing import Any

from typing_extensions import TypedDict

from ..types.basemodel import BaseModel, InputModel


class TuningUpdate(InputModel):
    """The body of `POST /v1/tuning`: the new live MUXI.md, whole (at most 32 KiB as UTF-8 on the runtime)."""

    content: str


class TuningUpdateTypedDict(TypedDict):
    content: str


class TuningFile(BaseModel):
    """`GET /v1/tuning` (the live MUXI.md) or `GET /v1/tuning/pending` (the suggested next version).

    `content` is None when the file does not exist (the runtime strips surrounding whitespace); `path` is
    where the formation keeps it (None without a formation directory).
    """

    content: str | None = None
    path: str | None = None


class TuningUpdated(BaseModel):
    """`POST /v1/tuning`: where the live file was written and its size in bytes."""

    path: str | None = None
    bytes: int = 0


class TuningApplied(BaseModel):
    """`PATCH /v1/tuning/pending`: the suggestion became the live file; `learnings_activated` counts the
    learnings it carried."""

    path: str | None = None
    learnings_activated: int = 0


class TuningDismissed(BaseModel):
    """`DELETE /v1/tuning/pending`: the suggestion was discarded; its learnings are never proposed again."""

    learnings_dismissed: int = 0


class TuningRun(BaseModel):
    """`POST /v1/tuning/run`: what one pass of the tuning loop read and wrote."""

    trigger: str | None = None
    events_read: int = 0
    segments_read: int = 0
    entries_written: int = 0
    dropped_sentences: int = 0
    spool_committed: bool = False
    spool_segments_kept: bool = False
    benchmark_suites_run: list[Any] = []
    benchmark_skipped: str | None = None
    duration_ms: float | None = None
