"""Schedule checks shared by the SDK (before sending) and the fake server (as the runtime answers).

MUXI scheduler jobs take a 5-field cron expression (`recurring`) or an ISO 8601 datetime (`one_time`); the
runtime validates them with croniter / dateutil and answers 422 otherwise. Natural-language schedules
("every Monday at 9") are not part of the HTTP contract, so they are rejected here, before sending.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Literal

from ..errors import InvalidInputError

ScheduleKind = Literal["recurring", "one_time"]

# croniter's own wording when the number of fields is wrong (the runtime passes it through).
WRONG_FIELD_COUNT = "Exactly 5, 6 or 7 columns has to be specified for iterator expression."
CRON_EXAMPLE = "Valid cron expression (e.g., '0 9 * * 1')"

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
# name, lowest, highest, names (index + offset = value), offset
_FIELDS: tuple[tuple[str, int, int, tuple[str, ...], int], ...] = (
    ("minute", 0, 59, (), 0),
    ("hour", 0, 23, (), 0),
    ("day of month", 1, 31, (), 0),
    ("month", 1, 12, _MONTHS, 1),
    ("day of week", 0, 7, _DAYS, 0),
)
_ALLOWED = re.compile(r"^[0-9A-Za-z*/,\-?#]+$")
_ITEM = re.compile(r"^(?P<range>\*|\?|[0-9A-Za-z]+(?:-[0-9A-Za-z]+)?)(?:/(?P<step>[0-9]+))?$")


def _value(token: str, low: int, high: int, names: tuple[str, ...], offset: int) -> int | None:
    if token.isdigit():
        n = int(token)
        return n if low <= n <= high else None
    upper = token.upper()
    return names.index(upper) + offset if upper in names else None


def _field_problem(text: str, index: int) -> str | None:
    name, low, high, names, offset = _FIELDS[index]
    if not _ALLOWED.match(text):
        return f"{name} field {text!r} has characters other than digits, names, '*', ',', '-', '/', '?', '#', 'L'"
    for item in text.split(","):
        if index == 2 and item.upper() == "L":  # last day of the month
            continue
        if index == 4 and re.fullmatch(r"[0-7](#[1-5]|L)", item, re.I):  # nth / last weekday of the month
            continue
        match = _ITEM.match(item)
        if match is None:
            return f"{name} field has an invalid item {item!r}"
        step = match.group("step")
        if step is not None and int(step) == 0:
            return f"{name} field {item!r}: a step must be at least 1"
        part = match.group("range")
        if part == "?" and index not in (2, 4):
            return f"'?' is allowed only in the day-of-month and day-of-week fields, not in {name}"
        if part in ("*", "?"):
            continue
        bounds = part.split("-")
        values = [_value(b, low, high, names, offset) for b in bounds]
        if any(v is None for v in values):
            allowed = f"{low}-{high}" + (f" or {names[0]}-{names[-1]}" if names else "")
            return f"{name} field {item!r} is out of range (allowed: {allowed})"
        if len(values) == 2 and values[0] > values[1]:  # type: ignore[operator]
            return f"{name} field {item!r}: a range must go from low to high"
    return None


def cron_problem(expression: str) -> str | None:
    """Why `expression` is not a 5-field cron expression, or None when it is one."""
    fields = expression.split()
    if len(fields) not in (5, 6, 7):
        return WRONG_FIELD_COUNT
    if len(fields) != 5:
        return f"expected 5 fields (minute hour day-of-month month day-of-week), got {len(fields)}"
    for index, text in enumerate(fields):
        problem = _field_problem(text, index)
        if problem is not None:
            return problem
    return None


def validate_cron(expression: str) -> str:
    """The expression with its whitespace normalised, or `InvalidInputError` saying what is wrong."""
    if not isinstance(expression, str):
        raise InvalidInputError(f"a cron expression must be a string, not {type(expression).__name__}")
    problem = cron_problem(expression)
    if problem is not None:
        raise InvalidInputError(
            f"invalid cron expression {expression!r}: {problem}. Expected 5 fields, e.g. '0 9 * * 1' "
            "(09:00 every Monday)",
            details={"field": "schedule", "value": expression, "expected": CRON_EXAMPLE, "error": problem},
        )
    return " ".join(expression.split())


def parse_datetime(value: str) -> datetime | None:
    """An ISO 8601 datetime (`Z` or an offset; naive means UTC) as an aware datetime, or None."""
    text = value.strip()
    if not re.match(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|z|[+-]\d{2}:?\d{2})?$", text):
        return None
    if text[-1] in "Zz":
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


def iso_utc(when: datetime) -> str:
    """`when` as the runtime writes it: UTC, `Z`, no microseconds when there are none."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def schedule_kind(schedule: str) -> ScheduleKind | None:
    """`recurring` for something shaped like cron, `one_time` for an ISO datetime, None for neither."""
    if parse_datetime(schedule) is not None:
        return "one_time"
    if len(schedule.split()) in (5, 6, 7):
        return "recurring"
    return None


_KINDS = ("recurring", "one_time")


def normalize_schedule(schedule: object, kind: ScheduleKind | None = None) -> tuple[str, ScheduleKind]:
    """Check a job schedule before sending: a cron string, an ISO 8601 string or a `datetime`.

    Returns the schedule as sent and its kind; `kind` (when given) must match what the schedule is.
    """
    if kind is not None and kind not in _KINDS:
        raise InvalidInputError(
            f"type must be one of {', '.join(map(repr, _KINDS))} (or omitted: inferred from the schedule), "
            f"not {kind!r}",
            details={"field": "type", "value": kind, "allowed": list(_KINDS)},
        )
    if isinstance(schedule, datetime):
        if kind == "recurring":
            raise InvalidInputError("a recurring job needs a cron expression, not a datetime")
        return iso_utc(schedule), "one_time"
    if not isinstance(schedule, str) or not schedule.strip():
        raise InvalidInputError("schedule must be a cron expression, an ISO 8601 datetime or a datetime")
    found = kind or schedule_kind(schedule)
    if found == "recurring":
        return validate_cron(schedule), "recurring"
    if found == "one_time":
        when = parse_datetime(schedule)
        if when is None:
            raise InvalidInputError(
                f"invalid one-time schedule {schedule!r}: expected an ISO 8601 datetime such as '2030-01-01T09:00:00Z'",
                details={"field": "schedule", "value": schedule},
            )
        return schedule.strip(), "one_time"
    raise InvalidInputError(
        f"cannot read schedule {schedule!r}: use a 5-field cron expression ('0 9 * * 1') for a recurring job "
        "or an ISO 8601 datetime ('2030-01-01T09:00:00Z') for a one-time job; MUXI's HTTP API takes no "
        "natural-language schedules",
        details={"field": "schedule", "value": schedule},
    )
