"""Small conversions the report's parts share: SQL sums to whole numbers, shares in percent,
instants to Swedish dates."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def percent(part: Any, whole: Any) -> float | None:
    return round(100 * float(part) / float(whole), 1) if whole else None


def as_int(value: Any) -> int | None:
    return None if value is None else int(round(float(value)))


def whole(row: dict[str, Any]) -> dict[str, int]:
    """Counts and kronor as integers (SUM over a float column returns a float)."""
    return {k: int(round(float(v or 0))) for k, v in row.items()}


def summed(rows: Any, figures: tuple[str, ...]) -> dict[str, Any]:
    total = dict.fromkeys(figures, 0)
    for row in rows:
        for name in figures:
            total[name] += int(row.get(name) or 0)
    return total


def midnight(day: date) -> datetime:
    """The first instant of a Swedish day: the report's days are Stockholm's."""
    return datetime.combine(day, time(), STOCKHOLM)


def day(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=STOCKHOLM)
    return moment.astimezone(STOCKHOLM).date().isoformat()


def iso_day(text: Any) -> date | None:
    try:
        return date.fromisoformat(str(text)) if text else None
    except ValueError:
        return None
