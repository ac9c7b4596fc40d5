"""Utilities: retries, streams, pagination, security. Import `RetryConfig`/`BackoffStrategy` from here."""

from .._core.retries import BackoffStrategy, RetryConfig

__all__ = ["BackoffStrategy", "RetryConfig"]
