"""Turn user arguments into validated request models, or a clear `InvalidInputError` before sending."""

from __future__ import annotations

from typing import Any, TypeVar

import pydantic

from ..errors import InvalidInputError

M = TypeVar("M", bound=pydantic.BaseModel)


def validate_input(model: type[M], data: Any) -> M:
    """Validate a model instance or a dict (or keyword fields) into `model`."""
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc']) or 'value'}: {err['msg']}" for err in exc.errors())
        raise InvalidInputError(f"invalid {model.__name__}: {problems}", details=exc.errors()) from exc


def body_dict(model: pydantic.BaseModel) -> dict[str, Any]:
    """The JSON body of a request model: fields left at None are omitted, explicitly set ones are kept."""
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


def bounded_int(name: str, value: Any, low: int, high: int) -> int | None:
    """An optional int query parameter inside the server's bounds (None stays None: the server's default)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInputError(f"{name} must be an int from {low} to {high}, not {value!r}")
    return value


def iso_date(name: str, value: Any) -> str | None:
    """An optional date query parameter: a `datetime.date` (or datetime) or an ISO 8601 string."""
    import datetime

    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise InvalidInputError(f"{name} must be a date or an ISO 8601 date string, not {type(value).__name__}")
