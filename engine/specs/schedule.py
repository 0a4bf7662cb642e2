"""Due dates of human tasks and the times of timers, checked at deploy.

`<spiffworkflow:property name="dueIn" value="P30D"/>` on a user task gives every human task of it
a due date: the time the task became ready plus the duration. Weeks, days, hours, minutes and
seconds are understood (`P2W`, `P30D`, `PT12H`, `P1DT12H`); years and months are not, because
their length depends on the calendar. A malformed value, or one longer than
`durations.MAX_DAYS`, is refused at deploy.

A timer's `timeDuration` or `timeDate` that reads no variable is evaluated at deploy and must be
a duration or date `engine/base/durations.py` accepts; one that reads variables is checked when
it is evaluated (`engine/runtime/script_engine.py`). `timeCycle` is refused: a periodic timer is
a loop through an intermediate timer event (`engine/runtime/timers.py`).
"""

from __future__ import annotations

import ast
import threading
from datetime import datetime, timedelta
from typing import Any

from engine.base.durations import MAX_DAYS, check_date, duration_parts, parse_fixed_duration
from engine.base.errors import ExpressionError, Problem
from engine.base.xmlsafe import parse_xml
from engine.specs.checks import BPMN_NS
from engine.specs.expressions import compile_expression, evaluate
from engine.specs.expressions.language import free_names
from engine.specs.reading import ParsedSpec

DUE_PROPERTY = "dueIn"


def parse_duration(text: str) -> timedelta:
    """An ISO 8601 duration of weeks, days, hours, minutes and seconds as a timedelta.

    Raises ValueError for anything else (months, years, fractions, an empty `P` or `PT`, more
    than `durations.MAX_DAYS`).
    """
    return parse_fixed_duration(text)


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
            name = " ".join((info.name if info else "").split()) or bpmn_id
            problems.append(Problem(
                f"dueIn: {exc}",
                element_id=bpmn_id,
                element_name=info.name if info else None,
                line=info.line if info else None,
                file=parsed.source.filename,
                hint="write a duration such as P30D (30 days), P2W (two weeks) or PT12H",
                code="due.invalid",
                params=(("max_days", str(MAX_DAYS)), ("name", name), ("value", raw[:80])),
            ))
    return problems


_TIMER_HINT = {
    "timeDuration": "write a quoted duration such as \"P14D\" (14 days) or \"PT12H\"",
    "timeDate": "write a quoted date and time such as \"2026-01-01T09:00:00+01:00\"",
}


def timers_valid(parsed: ParsedSpec) -> list[Problem]:
    """Deploy rule: every timer that reads no variable gives a duration or date the engine
    accepts; no timer is a cycle."""
    root = parse_xml(parsed.source.bpmn, parsed.source.filename).getroot()
    problems = []
    for definition in root.iter(f"{{{BPMN_NS}}}timerEventDefinition"):
        event = definition.getparent()
        for child in definition:
            kind = child.tag.rsplit("}", 1)[-1] if isinstance(child.tag, str) else ""
            found = _timer_problem(kind, (child.text or "").strip())
            if found is not None:
                message, code, params = found
                name = " ".join((event.get("name") or "").split()) or event.get("id") or ""
                problems.append(Problem(
                    f"{kind}: {message}", element_id=event.get("id"),
                    element_name=event.get("name"), line=child.sourceline,
                    file=parsed.source.filename,
                    hint=_TIMER_HINT.get(kind, "loop back through an intermediate timer event "
                                               "with a timeDuration instead"),
                    code=code, params=tuple(sorted({**params, "name": name}.items()))))
    return problems


def _timer_problem(kind: str, text: str) -> tuple[str, str, dict[str, str]] | None:
    """What is wrong with a timer's constant value: the engine's words, the problem's code and
    its parameters (None when nothing is, or when it is checked elsewhere)."""
    if kind == "timeCycle":
        return "cycle timers are not run by this engine", "timer.cycle", {}
    if kind not in _TIMER_HINT or not text:
        return None
    try:
        tree = compile_expression(text)
        if isinstance(tree.body, ast.Name) and kind == "timeDuration":
            try:
                duration_parts(tree.body.id)
            except ValueError:
                pass
            else:
                return (f"{tree.body.id} without quotes is read as a variable's name",
                        "timer.unquoted", {"value": tree.body.id})
        if free_names(tree.body):
            return None  # computed from data: checked when it is evaluated
        value = evaluate(text, {})
    except ExpressionError:
        return None  # reported with the expressions (engine/specs/reading.py)
    if not isinstance(value, str):
        written = ast.unparse(tree.body)[:80]
        return (f"'{written}' gives {type(value).__name__}, not a quoted text",
                "timer.not_text", {"expression": written})
    try:
        if kind == "timeDuration":
            duration_parts(value)
        else:
            check_date(value)
    except ValueError as exc:
        code = "timer.duration_invalid" if kind == "timeDuration" else "timer.date_invalid"
        return str(exc), code, {"value": value[:80], "max_days": str(MAX_DAYS)}
    return None
