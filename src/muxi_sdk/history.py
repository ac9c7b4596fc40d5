"""`m.history`: the user's captain's log, the narrative entries the formation writes about its work."""

from __future__ import annotations

import datetime

from typing_extensions import Unpack

from ._core.operation import Call, Operation, RequestInput
from ._core.options import RequestOptions, call_options
from ._core.twins import async_op, sync_op
from ._utils.inputs import bounded_int, iso_date
from .basesdk import BaseSDK
from .errors import InvalidInputError
from .models.history import HistoryList

# Either key, and always a user (the runtime's memory router; 400 without X-Muxi-User-ID).
LIST = Operation("history_list", "GET", "/history", "dual", HistoryList, user="required", tags=("history",))


class History(BaseSDK):
    """The captain's log (`GET /v1/history`; either key, always a user)."""

    def _list(
        self,
        *,
        user_id: str | None = None,
        limit: int | None = None,
        date_from: datetime.date | str | None = None,
        date_to: datetime.date | str | None = None,
        include_sources: bool | None = None,
        **options: Unpack[RequestOptions],
    ) -> Call[HistoryList]:
        """The user's log entries, newest first (`GET /v1/history`).

        `limit` is 1..100 (the runtime's default 10); `date_from` / `date_to` bound the entries' dates (a
        `date` or an ISO date string); `include_sources=True` adds what each entry was derived from. A
        formation that keeps no log answers an empty list.
        """
        if include_sources is not None and not isinstance(include_sources, bool):
            raise InvalidInputError("include_sources must be True, False or None")
        query = {
            "limit": bounded_int("limit", limit, 1, 100),
            "date_from": iso_date("date_from", date_from),
            "date_to": iso_date("date_to", date_to),
            "include_sources": include_sources,
        }
        return Call(LIST, RequestInput(query=query, user_id=user_id), call_options(options))

    list = sync_op(_list)
    list_async = async_op(_list)
