"""`m.chat`: talk to a formation - one JSON reply, a typed event stream, audio, or background mode."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, Literal

from typing_extensions import Unpack

from ._core.actions import StreamStart
from ._core.jobs import Job, JobKind
from ._core.operation import Call, Operation, RequestInput, StreamCall
from ._core.options import CallOptions, RequestOptions, call_options
from ._core.resources import renamed
from ._core.twins import async_op, async_stream_op, sync_op
from ._streams.chat import ChatStream, ChatStreamAsync, decode_chat_event
from ._utils.inputs import body_dict, validate_input
from ._utils.serializers import file_source, json_body
from .basesdk import BaseSDK
from .errors import InvalidInputError
from .models.chat import AsyncChatAccepted, ChatRequest, ChatResponse, UIResponse, UIResponseTypedDict
from .models.requests import RequestStatus
from .requests import poll_request

_CHAT_TIMEOUT_MS = 600_000
CHAT_JOB = JobKind("background chat")

SEND = Operation(
    "chat_send",
    "POST",
    "/chat",
    "client",
    ChatResponse,
    idempotent_key=True,
    timeout_ms=_CHAT_TIMEOUT_MS,
    user="required",
    tags=("chat",),
    request=ChatRequest,
)
STREAM = Operation(
    "chat_stream",
    "POST",
    "/chat",
    "client",
    stream=True,
    idempotent_key=True,
    timeout_ms=_CHAT_TIMEOUT_MS,
    user="required",
    tags=("chat",),
    request=ChatRequest,
)
SUBMIT = Operation(
    "chat_submit",
    "POST",
    "/chat",
    "client",
    AsyncChatAccepted,
    idempotent_key=True,
    user="required",
    tags=("chat",),
    request=ChatRequest,
)
AUDIO = Operation(
    "chat_audio",
    "POST",
    "/audiochat",
    "client",
    ChatResponse,
    timeout_ms=_CHAT_TIMEOUT_MS,
    user="required",
    tags=("chat",),
)
AUDIO_STREAM = Operation(
    "chat_audio_stream",
    "POST",
    "/audiochat",
    "client",
    stream=True,
    timeout_ms=_CHAT_TIMEOUT_MS,
    user="required",
    tags=("chat",),
)


class AudioChatOptions(RequestOptions, total=False):
    """Optional fields of a voice-note call (`audio`, `audio_stream`): only what `/v1/audiochat` reads.

    No idempotency key: the runtime does not deduplicate `/audiochat`, so promising replay would be a lie.
    """

    user_id: str | None
    """The end user (sent as `X-Muxi-User-ID`); defaults to `Muxi(user_id=...)`."""
    session_id: str | None
    """Continue this conversation; omitted, the formation starts a new session."""
    agent_id: str | None
    """Route to this agent instead of letting the overlord choose."""
    request_id: str | None
    """Your id for this request (else the server makes one)."""


class ChatOptions(AudioChatOptions, total=False):
    """Optional fields of every text chat call (`send`, `stream`, `submit`)."""

    group_id: str | None
    files: Sequence[Any] | None
    """Attachments: paths, bytes, binary file objects, or `{"filename", "content", "content_type"}` dicts."""
    webhook_url: str | None
    """Where the formation delivers the result if it finishes the request in the background."""
    threshold_seconds: float | None
    """Hand off to background processing when the request is estimated to take longer than this."""
    source_channel: str | None
    ui_response: UIResponse | UIResponseTypedDict | None
    """Answer to a UI widget of an earlier reply."""
    idempotency_key: str | None
    """Your own `X-Muxi-Idempotency-Key` (else a fresh one per call, reused by its retries)."""


_REQUEST_OPTIONS = frozenset(RequestOptions.__annotations__)
_FIELDS = frozenset(ChatOptions.__annotations__) - _REQUEST_OPTIONS
_AUDIO_FIELDS = frozenset(AudioChatOptions.__annotations__) - _REQUEST_OPTIONS


# The fields of `ChatRequest` before and after `mode`/`stream`, in its order: `_plain_chat_doc` writes the body
# in the order `body_dict` would (a test compares the two over many inputs).
_STR_BEFORE = ("session_id", "group_id", "agent_id", "request_id")
_STR_AFTER = ("webhook_url",)
_LAST = ("source_channel",)
_PLAIN_FIELDS = frozenset(_STR_BEFORE + _STR_AFTER + _LAST)


def _plain_chat_doc(fields: dict[str, Any], message: Any, stream: bool, mode: Any) -> dict[str, Any] | None:
    """The body of a chat whose fields are all plain strings, built without the model (~20 µs a call);
    None for anything else (a number, a UI response, a wrong type), which `ChatRequest` validates."""
    if type(message) is not str or not message or mode not in (None, "sync", "async"):
        return None
    if not _PLAIN_FIELDS.issuperset(fields):
        return None
    for value in fields.values():
        if type(value) is not str:
            return None
    doc: dict[str, Any] = {"message": message}
    for name in _STR_BEFORE:
        if name in fields:
            doc[name] = fields[name]
    if mode is not None:
        doc["mode"] = mode
    doc["stream"] = stream
    for name in _STR_AFTER + _LAST:
        if name in fields:
            doc[name] = fields[name]
    return doc


def _chat_call(
    op: Operation,
    options: dict[str, Any],
    *,
    message: str | None = None,
    stream: bool = False,
    mode: Literal["sync", "async"] | None = None,
    audio: Any = None,
) -> tuple[RequestInput, CallOptions]:
    """Validate a chat/audiochat call and describe its request (shared by every chat method)."""
    allowed = _AUDIO_FIELDS if audio is not None else _FIELDS
    opts = call_options(options, allowed)
    fields = {k: v for k, v in options.items() if v is not None and k in allowed}
    user_id = fields.pop("user_id", None)
    idempotency_key = fields.pop("idempotency_key", None)
    files_in = fields.pop("files", None)
    if audio is not None:
        files = [file_source(audio, audio_only=True)]
        doc: dict[str, Any] = {**fields, "stream": stream}
    else:
        doc = _plain_chat_doc(fields, message, stream, mode) or body_dict(
            validate_input(ChatRequest, {**fields, "message": message, "stream": stream, "mode": mode})
        )
        if files_in is not None and (isinstance(files_in, (str, bytes, dict)) or not isinstance(files_in, Sequence)):
            raise InvalidInputError("files must be a list (of paths, bytes, file objects or file dicts)")
        files = [file_source(f) for f in files_in or ()]
    return RequestInput(body=json_body(doc, files), user_id=user_id, idempotency_key=idempotency_key), opts


def _open_chat_stream(start: StreamStart, is_async: bool, keep_text: bool = True) -> ChatStream | ChatStreamAsync:
    cls = ChatStreamAsync if is_async else ChatStream
    return cls(start.response, decode_chat_event, meta=start.meta, keep_text=keep_text)


def _stream_opener(keep_text: bool) -> Any:
    if not isinstance(keep_text, bool):
        raise InvalidInputError(f"keep_text must be True or False, not {type(keep_text).__name__}")
    return _open_chat_stream if keep_text else functools.partial(_open_chat_stream, keep_text=False)


class Chat(BaseSDK):
    """Chat with the formation (`POST /v1/chat`, `POST /v1/audiochat`; client key)."""

    def _send(self, *, message: str, **options: Unpack[ChatOptions]) -> Call[ChatResponse]:
        """Send a message and wait for the whole reply (the SDK asks the server for JSON, `stream: false`).

        Returns a `ChatResponse`; `.text` is the reply. If the formation hands the request off to background
        processing (see `webhook_url` / `threshold_seconds`), `.in_background` is true and the result arrives later.
        """
        return Call(SEND, *_chat_call(SEND, dict(options), message=message))

    def _stream(
        self, *, message: str, keep_text: bool = True, **options: Unpack[ChatOptions]
    ) -> StreamCall[ChatStream, ChatStreamAsync]:
        """Send a message and stream the reply as typed events (progress, planning, content, completed, ui, done).

        Use it as a context manager. `.text()` / `.final()` gather the reply. An `error` frame raises
        `StreamError`; a dropped connection raises `StreamInterruptedError` saying how much had arrived.
        `keep_text=False` keeps none of the reply text while streaming (constant memory for replies you
        consume event by event): `.text()` is then the `completed` event's text.
        """
        opener = _stream_opener(keep_text)
        req, opts = _chat_call(STREAM, dict(options), message=message, stream=True)
        return StreamCall(STREAM, req, opts, stream=opener)

    def _submit(self, *, message: str, **options: Unpack[ChatOptions]) -> Call[Job[AsyncChatAccepted, RequestStatus]]:
        """Ask for background processing (`mode: "async"`): the result is POSTed to `webhook_url`.

        Returns a `Job`: `job.accepted` is the accepted request (`request_id`, `estimated_seconds`), `job.id`
        its request id, and `job.wait()` polls `m.requests.get` until it is completed (the `RequestStatus`,
        with `result`), failed or cancelled. MUXI runtimes up to 1.20260928 answer 501 (`UnsupportedError`):
        they hand off to background only by themselves, which `send()` with `webhook_url` and
        `threshold_seconds` covers.
        """
        webhook_url: Any = options.get("webhook_url")
        if not isinstance(webhook_url, str) or not webhook_url.startswith(("http://", "https://")):
            raise InvalidInputError("submit() needs webhook_url=, an http(s) URL the result is delivered to")
        call: Call[Any] = Call(SUBMIT, *_chat_call(SUBMIT, dict(options), message=message, mode="async"))
        user_id: Any = options.get("user_id")

        def job(accepted: AsyncChatAccepted, is_async: bool) -> Job[AsyncChatAccepted, RequestStatus]:
            rid = accepted.request_id
            poll = lambda opts: poll_request(rid or "", user_id, opts)  # noqa: E731
            return Job(self, CHAT_JOB, accepted, rid, poll)

        call.post = job
        return call

    def _audio(self, *, file: Any, **options: Unpack[AudioChatOptions]) -> Call[ChatResponse]:
        """Send a voice note (a path, bytes, binary file object or file dict; `audio/*` only) and get the reply.

        The file is base64-encoded into the JSON body while it is sent, never read into memory whole.
        """
        return Call(AUDIO, *_chat_call(AUDIO, dict(options), audio=file))

    def _stream_audio(
        self, *, file: Any, keep_text: bool = True, **options: Unpack[AudioChatOptions]
    ) -> StreamCall[ChatStream, ChatStreamAsync]:
        """Send a voice note and stream the reply as typed events (like `stream`, `keep_text` included)."""
        opener = _stream_opener(keep_text)
        req, opts = _chat_call(AUDIO_STREAM, dict(options), audio=file, stream=True)
        return StreamCall(AUDIO_STREAM, req, opts, stream=opener)

    send = sync_op(_send)
    send_async = async_op(_send)
    stream = sync_op(_stream)
    stream_async = async_stream_op(_stream)
    submit = sync_op(_submit)
    submit_async = async_op(_submit)
    audio = sync_op(_audio)
    audio_async = async_op(_audio)
    stream_audio = sync_op(_stream_audio)
    stream_audio_async = async_stream_op(_stream_audio)

    # deprecated names (one release): streams are `stream_<what>`
    audio_stream = renamed("stream_audio", stream_audio)
    audio_stream_async = renamed("stream_audio_async", stream_audio_async)
