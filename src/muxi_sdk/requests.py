"""`m.requests`: the formation's tracked requests - list them, poll one, cancel one."""

from __future__ import annotations

from typing import Any

from typing_extensions import Unpack

from ._core.operation import Call, Operation, RequestInput
from ._core.options import RequestOptions, call_options
from ._core.twins import async_op, sync_op
from .basesdk import BaseSDK
from .models.requests import RequestCancellation, RequestList, RequestStatus

LIST = Operation("requests_list", "GET", "/requests", "dual", RequestList, user="client_key", tags=("requests",))
GET = Operation(
    "requests_get", "GET", "/requests/{request_id}", "dual", RequestStatus, user="client_key", tags=("requests",)
)
CANCEL = Operation(
    "requests_cancel",
    "DELETE",
    "/requests/{request_id}",
    "dual",
    RequestCancellation,
    user="client_key",
    tags=("requests",),
    replay="any",
)


def poll_request(request_id: str, user_id: str | None, options: dict[str, Any]) -> Call[RequestStatus]:
    """`GET /v1/requests/{request_id}` as a `Call`: how a background chat's `Job` polls (same as `get`)."""
    return Call(GET, RequestInput(path_params={"request_id": request_id}, user_id=user_id), call_options(options))


class Requests(BaseSDK):
    """Tracked requests (`/v1/requests`; client key + user for one user's, or the admin key for all)."""

    def _call(self, op: Operation, request_id: str | None, user_id: str | None, options: Any) -> Call[Any]:
        opts = call_options(options)
        path = {"request_id": request_id} if request_id is not None else {}
        return Call(op, RequestInput(path_params=path, user_id=user_id), opts)

    def _list(self, *, user_id: str | None = None, **options: Unpack[RequestOptions]) -> Call[RequestList]:
        """Every request the formation still tracks for the user (all users' with the admin key alone).

        Finished requests stay listed for about five minutes. The runtime does not page this list.
        """
        return self._call(LIST, None, user_id, options)

    def _get(
        self, *, request_id: str, user_id: str | None = None, **options: Unpack[RequestOptions]
    ) -> Call[RequestStatus]:
        """The status of one request (poll it for background work); `result` is set once completed.

        404: `NotFoundError` (unknown or expired); 403: `AuthorizationError` (another user's request).
        """
        return self._call(GET, request_id, user_id, options)

    def _cancel(
        self, *, request_id: str, user_id: str | None = None, **options: Unpack[RequestOptions]
    ) -> Call[RequestCancellation]:
        """Cancel a running request. Cancelling twice succeeds; a finished one: `ValidationError` (400).

        `cancellation` says whether it stopped at once (`immediate`) or will at its next safe point
        (`cooperative`).
        """
        return self._call(CANCEL, request_id, user_id, options)

    list = sync_op(_list)
    list_async = async_op(_list)
    get = sync_op(_get)
    get_async = async_op(_get)
    cancel = sync_op(_cancel)
    cancel_async = async_op(_cancel)
