"""What the tables hold: ids, names, lanes and paths of a spec must fit their columns.

SQLite stores a string of any length; PostgreSQL refuses one longer than its column, at the
moment it is written. A task name that is too long would deploy and then fail every step that
creates the task, leaving its instances stuck. This rule refuses it at deploy, where the designer
can fix it. The engine always applies it (it is not one of the domain's optional rules).

Likewise a multi-instance task's constant `loopCardinality` must be within what one step may
create (`script_engine.MAX_INSTANCES`), and every form must keep the rules of
`engine/specs/schemas.py` (`forms_bounded`).
"""

from __future__ import annotations

from typing import Any

from engine.base.errors import ExpressionError, Problem
from engine.runtime.script_engine import MAX_INSTANCES
from engine.specs.expressions import compile_expression, evaluate
from engine.specs.expressions.language import free_names
from engine.specs.reading import ParsedSpec
from engine.specs.schemas import schema_problems
from engine.store.models import HumanTask, Instance, SpecVersion


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
                file=filename, line=line, hint=f"shorten the {what}", code="limit.too_long",
                params=(("length", str(len(value))), ("limit", str(limit)),
                        ("name", element or ""), ("what", what))))

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


def cardinality_bounded(parsed: ParsedSpec) -> list[Problem]:
    """Every multi-instance `loopCardinality` that reads no variable is a whole number from 0 to
    MAX_INSTANCES (one that reads variables is checked when it is evaluated)."""
    problems = []
    for spec in (parsed.spec, *parsed.subprocess_specs.values()):
        for task_spec in spec.task_specs.values():
            text = getattr(task_spec, "cardinality", None)
            if not isinstance(text, str):
                continue
            try:
                if free_names(compile_expression(text).body):
                    continue
                value = evaluate(text, {})
            except ExpressionError:
                continue  # reported with the expressions (engine/specs/reading.py)
            if not (isinstance(value, int) and 0 <= value <= MAX_INSTANCES):
                problems.append(Problem(
                    f"the loop cardinality {text[:40]} is not a whole number from 0 to "
                    f"{MAX_INSTANCES}", element_id=str(task_spec.bpmn_id),
                    element_name=task_spec.bpmn_name, file=parsed.source.filename,
                    hint=f"loop at most {MAX_INSTANCES} times, or loop over a list",
                    code="limit.cardinality",
                    params=(("expression", text[:40]), ("limit", str(MAX_INSTANCES)),
                            ("name", str(task_spec.bpmn_name or task_spec.bpmn_id)))))
    return problems


def forms_bounded(parsed: ParsedSpec) -> list[Problem]:
    """Deploy rule: every form of the spec keeps the rules above; each problem names the form
    file and the first element that uses it."""
    users: dict[str, tuple[str | None, str | None]] = {}
    if parsed.start_form:
        users[parsed.start_form] = (None, None)  # the start event
    for task in parsed.user_tasks.values():
        if task.form:
            users.setdefault(task.form, (task.bpmn_id, task.name))
    problems = []
    for path, (element, name) in users.items():
        for message, hint in schema_problems(parsed.source.forms.get(path)):
            problems.append(Problem(f"the form '{path}': {message}", element_id=element,
                                    element_name=name, file=path, hint=hint,
                                    code="form.bounds",
                                    params=(("detail", message), ("form", path))))
    return problems
