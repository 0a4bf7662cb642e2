"""Due dates of human tasks: the `dueIn` property of a user task, an ISO 8601 duration.

`<spiffworkflow:property name="dueIn" value="P30D"/>` on a user task gives every human task of it
a due date: the time the task became ready plus the duration. Weeks, days, hours, minutes and
seconds are understood (`P2W`, `P30D`, `PT12H`, `P1DT12H`); years and months are not, because
their length depends on the calendar. A malformed value is refused at deploy.
"""

from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta
from typing import Any

from .errors import Problem
from .specs import ParsedSpec

DUE_PROPERTY = "dueIn"

_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)


def parse_duration(text: str) -> timedelta:
    """An ISO 8601 duration of weeks, days, hours, minutes and seconds as a timedelta.

    Raises ValueError for anything else (months, years, fractions, an empty `P` or `PT`).
    """
    value = text.strip().upper()
    match = _DURATION.match(value)
    if match is None or value in ("P", "PT") or value.endswith("T"):
        raise ValueError(f"'{text}' is not an ISO 8601 duration of weeks, days or hours")
    parts = {k: int(v) for k, v in match.groupdict().items() if v is not None}
    if not parts:
        raise ValueError(f"'{text}' is not an ISO 8601 duration of weeks, days or hours")
    return timedelta(**parts)


_DUE: dict[str, dict[str, timedelta]] = {}
_DUE_LOCK = threading.Lock()


def _raw_due_values(parsed: ParsedSpec) -> dict[str, str]:
    """The `dueIn` values of the spec's user tasks, by bpmn id."""
    values: dict[str, str] = {}
    for task_spec in parsed.spec.task_specs.values():
        if type(task_spec).__name__ != "UserTask":
            continue
        extensions: dict[str, Any] = task_spec.extensions or {}
        raw = (extensions.get("properties") or {}).get(DUE_PROPERTY)
        if raw is not None:
            values[str(task_spec.bpmn_id)] = str(raw)
    return values


def due_durations(parsed: ParsedSpec) -> dict[str, timedelta]:
    """The due durations of a spec's user tasks by bpmn id (parsed once per content hash)."""
    key = parsed.source.content_hash
    with _DUE_LOCK:
        cached = _DUE.get(key)
    if cached is None:
        cached = {}
        for bpmn_id, raw in _raw_due_values(parsed).items():
            try:
                cached[bpmn_id] = parse_duration(raw)
            except ValueError:
                continue  # refused at deploy by `due_in_valid`; an old version runs without it
        with _DUE_LOCK:
            _DUE.setdefault(key, cached)
    return cached


def due_at(parsed: ParsedSpec, bpmn_id: str, ready_at: datetime) -> datetime | None:
    """When a human task of `bpmn_id` that became ready at `ready_at` is due, or None."""
    duration = due_durations(parsed).get(bpmn_id)
    return None if duration is None else ready_at + duration


def due_in_valid(parsed: ParsedSpec) -> list[Problem]:
    """Deploy rule: every `dueIn` property is a duration the engine understands."""
    problems = []
    for bpmn_id, raw in _raw_due_values(parsed).items():
        try:
            parse_duration(raw)
        except ValueError as exc:
            info = parsed.user_tasks.get(bpmn_id)
            problems.append(Problem(
                f"dueIn: {exc}",
                element_id=bpmn_id,
                element_name=info.name if info else None,
                line=info.line if info else None,
                file=parsed.source.filename,
                hint="write a duration such as P30D (30 days), P2W (two weeks) or PT12H",
            ))
    return problems
