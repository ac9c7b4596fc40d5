"""Utilities: retries, streams, pagination, security. Import `RetryConfig`/`BackoffStrategy` from here."""

from .retries import BackoffStrategy, RetryConfig

__all__ = ["BackoffStrategy", "RetryConfig"]
