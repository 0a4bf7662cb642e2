"""ISO 8601 durations and dates as the engine accepts them: whole numbers, within ten years.

SpiffWorkflow counts a duration's months one by one and builds a `timedelta` from whatever it is
given, so `P99999999Y` would run for minutes and `P999999999999D` would overflow. Every duration
and date a process names (a timer's `timeDuration` or `timeDate`, a user task's `dueIn`) is read
here first, at deploy when it is written as a constant and at run time when an expression
computes it, and refused when it is malformed or out of range.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

MAX_DAYS = 3660  # about ten years: the longest wait or due time the engine accepts
MAX_TEXT = 64

_DURATION = re.compile(
    r"P(?:(?P<years>\d{1,12})Y)?(?:(?P<months>\d{1,12})M)?(?:(?P<weeks>\d{1,12})W)?"
    r"(?:(?P<days>\d{1,12})D)?"
    r"(?:T(?:(?P<hours>\d{1,12})H)?(?:(?P<minutes>\d{1,12})M)?(?:(?P<seconds>\d{1,12})S)?)?",
    re.ASCII,
)
_HINT = "P30D (30 days), P2W (two weeks), PT12H (12 hours) or P3M (3 months)"


def duration_parts(text: object, calendar: bool = True) -> dict[str, int]:
    """The parts of an ISO 8601 duration (`P1Y2M3W4DT5H6M7S`, each part optional, whole
    numbers), at most MAX_DAYS long (a year counted as 366 days, a month as 31). Without
    `calendar`, years and months are refused. Raises ValueError saying what is wrong."""
    if not isinstance(text, str):
        raise ValueError(f"a duration must be text, not {type(text).__name__}")
    value = text.strip().upper()
    match = _DURATION.fullmatch(value) if len(value) <= MAX_TEXT else None
    if match is None or value in ("P", "PT") or value.endswith("T"):
        raise ValueError(f"'{text[:MAX_TEXT]}' is not an ISO 8601 duration such as {_HINT}")
    parts = {k: int(v) for k, v in match.groupdict().items() if v is not None}
    if not calendar and ("years" in parts or "months" in parts):
        raise ValueError(f"'{text}' counts years or months, whose length depends on the "
                         "calendar; write it in weeks or days, e.g. P30D")
    days = (parts.get("years", 0) * 366 + parts.get("months", 0) * 31
            + parts.get("weeks", 0) * 7 + parts.get("days", 0)
            + (parts.get("hours", 0) * 3600 + parts.get("minutes", 0) * 60
               + parts.get("seconds", 0)) / 86400)
    if days > MAX_DAYS:
        raise ValueError(f"'{text}' is longer than {MAX_DAYS} days (about ten years)")
    return parts


def parse_fixed_duration(text: object) -> timedelta:
    """A duration of weeks, days, hours, minutes and seconds (no years or months)."""
    parts = duration_parts(text, calendar=False)
    return timedelta(**parts)


def check_date(text: object) -> datetime:
    """An ISO 8601 date and time (`2026-01-01T00:00:00+00:00`; without an offset it is the
    server's local time) within MAX_DAYS of now. Raises ValueError saying what is wrong."""
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise ValueError("a timer date must be a short text such as 2026-01-01T09:00:00+01:00")
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"'{text}' is not an ISO 8601 date and time; write one such as "
                         "2026-01-01T09:00:00+01:00") from None
    try:
        aware = moment if moment.tzinfo else moment.astimezone()
        distance = abs((aware - datetime.now(UTC)).days)
    except (OverflowError, ValueError):
        distance = MAX_DAYS + 1
    if distance > MAX_DAYS:
        raise ValueError(f"'{text}' is more than {MAX_DAYS} days (about ten years) from now")
    return aware
