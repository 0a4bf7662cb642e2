"""What the tables hold: ids, names, lanes and paths of a spec must fit their columns.

SQLite stores a string of any length; PostgreSQL refuses one longer than its column, at the
moment it is written. A task name that is too long would deploy and then fail every step that
creates the task, leaving its instances stuck. This rule refuses it at deploy, where the designer
can fix it. The engine always applies it (it is not one of the domain's optional rules).
"""

from __future__ import annotations

from typing import Any

from .errors import Problem
from .models import HumanTask, Instance, SpecVersion
from .specs import ParsedSpec


def _length(column: Any) -> int:
    return int(column.type.length)


def fits_columns(parsed: ParsedSpec) -> list[Problem]:
    """Every id, name, lane and form path of the spec fits the column it is stored in."""
    filename = parsed.source.filename
    problems: list[Problem] = []

    def check(value: str | None, column: Any, what: str, element: str | None = None,
              line: int | None = None) -> None:
        limit = _length(column)
        if value is not None and len(value) > limit:
            problems.append(Problem(
                f"the {what} is {len(value)} characters long; at most {limit} are stored",
                element_id=element,
                file=filename, line=line, hint=f"shorten the {what}"))

    check(filename, SpecVersion.filename, "file name")
    check(parsed.process_id, SpecVersion.process_id, "process id")
    check(parsed.name, SpecVersion.name, "process name")
    for task in parsed.user_tasks.values():
        check(task.bpmn_id, HumanTask.bpmn_id, "task id", task.bpmn_id, task.line)
        check(task.name, HumanTask.name, "task name", task.bpmn_id, task.line)
        check(task.lane, HumanTask.lane, "lane name", task.bpmn_id, task.line)
        check(task.form, HumanTask.form, "form path", task.bpmn_id, task.line)
    for end_id in parsed.end_events:
        check(end_id, Instance.outcome, "end event id", end_id)
    for lane in parsed.lanes:
        check(lane, HumanTask.lane, "lane name")
    return problems
