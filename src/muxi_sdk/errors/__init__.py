"""Typed errors. Catch `MuxiError` for everything, or a subclass for one kind of failure."""

from .jobs import JobFailedError, JobTimeoutError
from .mapping import error_from_response, parse_retry_after
from .muxierror import (
    APIStatusError,
    AuthenticationError,
    AuthorizationError,
    ConfigurationError,
    ConflictError,
    ConnectionError,
    InvalidInputError,
    MuxiError,
    NotFoundError,
    RateLimitError,
    ResponseValidationError,
    ServerError,
    StreamError,
    StreamInterruptedError,
    TimeoutError,
    UnsupportedError,
    ValidationError,
    WebhookVerificationError,
)

__all__ = [
    "APIStatusError",
    "AuthenticationError",
    "AuthorizationError",
    "ConfigurationError",
    "ConflictError",
    "ConnectionError",
    "InvalidInputError",
    "JobFailedError",
    "JobTimeoutError",
    "MuxiError",
    "NotFoundError",
    "RateLimitError",
    "ResponseValidationError",
    "ServerError",
    "StreamError",
    "StreamInterruptedError",
    "TimeoutError",
    "UnsupportedError",
    "ValidationError",
    "WebhookVerificationError",
    "error_from_response",
    "parse_retry_after",
]
