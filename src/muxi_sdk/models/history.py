"""History: the user's captain's log, narrative entries the formation writes about its work with them."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ..types.basemodel import BaseModel, ListModel


class HistorySource(BaseModel):
    """What a log entry was derived from (with `include_sources=True`)."""

    source_type: str | None = None
    source_id: str | None = None


class HistoryEntry(BaseModel):
    """One captain's log entry (a day's narrative): summary, decisions, projects and context."""

    id: str
    date: str | None = None
    summary: str | None = None
    decisions: Any = None
    projects: Any = None
    context: Any = None
    created_at: str | None = None
    updated_at: str | None = None
    sources: list[HistorySource] | None = None


class HistoryList(ListModel[HistoryEntry]):
    """`GET /v1/history`: the newest entries first (empty when the formation keeps no log)."""

    entries: list[HistoryEntry] = Field(default_factory=list)
    count: int = 0
