"""Triggers: markdown templates a formation renders from event data into a request."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field
from typing_extensions import NotRequired, TypedDict

from ..types.basemodel import BaseModel, InputModel, ListModel

# ------------------------------------------------------------------------------------------ request


class TriggerRequest(InputModel):
    """The body of `POST /v1/triggers/{name}`: the event `data` the template is rendered from.

    `use_async` defaults to true on the server: the request runs in the background and the answer only
    carries its request id.
    """

    data: dict[str, Any]
    session_id: str | None = None
    use_async: Annotated[bool, Field(strict=True)] = True


class TriggerRequestTypedDict(TypedDict):
    data: dict[str, Any]
    session_id: NotRequired[str]
    use_async: NotRequired[bool]


# ------------------------------------------------------------------------------------------ responses


class TriggerList(ListModel[str]):
    """`GET /v1/triggers`: the names of the formation's triggers (`triggers/*.md`), sorted."""

    formation_id: str | None = None
    triggers: list[str] = Field(default_factory=list)
    count: int = 0


class Trigger(BaseModel):
    """`GET /v1/triggers/{name}`: the template (`content`, markdown with optional frontmatter) and the
    `data.` paths it reads (`data_fields`, None when it reads none)."""

    name: str
    content: str = ""
    data_fields: list[str] | None = None


class TriggerResult(BaseModel):
    """What firing a trigger returns.

    Sync (`use_async=False`): `status="completed"` and the reply in `content` (also `.text`).
    Async (the default): `status="processing"`; `request_id` names the background request (poll it with
    `m.requests`, or receive it on the webhook the trigger's frontmatter names).
    """

    status: Literal["completed", "processing"] | str
    content: str | None = None
    request_id: str | None = None

    @property
    def in_background(self) -> bool:
        return self.status == "processing"

    @property
    def text(self) -> str:
        return self.content or ""
