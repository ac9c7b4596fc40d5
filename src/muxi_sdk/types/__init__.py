"""Sentinels and the base model shared by every public model."""

from .unset import UNSET, Nullable, OptionalNullable, Unset

__all__ = ["UNSET", "Nullable", "OptionalNullable", "Unset"]
