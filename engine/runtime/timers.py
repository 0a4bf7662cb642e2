"""Timers on the engine's clock: recorded after every step, fired by a worker, replayed exactly.

SpiffWorkflow decides whether a timer is due with the wall clock (`datetime.now()` inside its
timer event definitions), and only when someone calls `refresh_timers()`. Here the engine decides
instead, with its own clock: after every step each newly waiting timer gets its fire time from the
step's clock reading (kept in the task's `internal_data['fire_at']` and in the `timer` table), and
the library's own fire time is set to the far future so that no step fires a timer by itself.
`fire_due_timers(now)` marks the due timers as fired (SpiffWorkflow's `event_fired` flag) and runs
the engine steps, recording a `timer_fired` event with the clock reading and the timers' bpmn ids;
replay marks the same timers and runs the same steps.

Duration and date timers are supported (`"P14D"`, `"2026-01-01T00:00:00+00:00"`); a loop with an
intermediate timer catch event makes a periodic timer.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.util.task import TaskState

from engine.base.errors import EngineError, WorkflowFailure
from engine.runtime import workflow as runtime
from engine.runtime.script_engine import FAR_FUTURE

ROWS_KEY = "timer_rows"  # on the root task: the guids of the timers with an open row


def waiting_timers(workflow: Any) -> list[Any]:
    return [
        task for task in workflow.get_tasks(state=TaskState.WAITING)
        if isinstance(getattr(task.task_spec, "event_definition", None),
                      (DurationTimerEventDefinition, TimeDateEventDefinition))
    ]


def _fire_time(workflow: Any, task: Any, now: datetime) -> datetime:
    definition = task.task_spec.event_definition
    try:
        value = str(workflow.script_engine.timer_value(task, definition.expression))
        if isinstance(definition, DurationTimerEventDefinition):
            parsed = TimerEventDefinition.parse_iso_duration(value)
            delta: timedelta = TimerEventDefinition.get_timedelta_from_start(parsed, now)
            return now + delta
        fire_at = TimerEventDefinition.get_datetime(value)
        return datetime.fromisoformat(str(fire_at.isoformat()))
    except EngineError:
        raise
    except Exception as exc:  # the library raises bare Exception for a bad ISO value
        raise WorkflowFailure(f"the timer expression is not a valid time: {exc}",
                              task.task_spec.bpmn_id) from exc


def schedule(workflow: Any, now: datetime) -> dict[str, tuple[str, datetime]]:
    """Give every newly waiting timer its fire time on the engine's clock; return the waiting
    timers as {task guid: (bpmn id, fire time)}. Call before the state is serialized."""
    pending: dict[str, tuple[str, datetime]] = {}
    for task in waiting_timers(workflow):
        raw = task.internal_data.get("fire_at")
        if raw is None:
            fire_at = _fire_time(workflow, task, now)
            task.internal_data["fire_at"] = fire_at.isoformat()
            task.internal_data["event_value"] = FAR_FUTURE
        else:
            fire_at = datetime.fromisoformat(raw)
        pending[str(task.id)] = (str(task.task_spec.bpmn_id), fire_at)
    return pending


def known_rows(workflow: Any) -> list[str] | None:
    """The guids of the timers that have an open row, as the workflow remembers them (None for a
    state stored before it remembered them)."""
    known: list[str] | None = workflow.task_tree.internal_data.get(ROWS_KEY)
    return known


def remember_rows(workflow: Any, guids: list[str]) -> None:
    """Remember, in the state stored with this step, which timers have an open row."""
    workflow.task_tree.internal_data[ROWS_KEY] = sorted(guids)


def no_rows_yet(workflow: Any) -> None:
    """A new instance: none of its timers has a row yet."""
    workflow.task_tree.internal_data[ROWS_KEY] = []


def rows_fired(workflow: Any, guids: set[str]) -> None:
    """The rows of these timers were marked fired: they are no longer open."""
    known = workflow.task_tree.internal_data.get(ROWS_KEY)
    if known is not None:
        workflow.task_tree.internal_data[ROWS_KEY] = [g for g in known if g not in guids]


def fire_marked(workflow: Any, tasks: list[Any]) -> None:
    """Let the given waiting timer tasks fire and run the engine steps that follow."""
    for task in tasks:
        task.internal_data["event_fired"] = True
    workflow.refresh_timers()
    runtime.run_engine_steps(workflow)


def fire_recorded(workflow: Any, bpmn_ids: list[str]) -> list[str]:
    """Replay: fire the waiting timers a `timer_fired` event names; return the ids not found."""
    wanted = Counter(bpmn_ids)
    chosen = []
    for task in waiting_timers(workflow):
        bpmn_id = str(task.task_spec.bpmn_id)
        if wanted[bpmn_id] > 0:
            wanted[bpmn_id] -= 1
            chosen.append(task)
    fire_marked(workflow, chosen)
    return sorted(wanted.elements())


def attached_to(task: Any) -> str | None:
    """The bpmn id of the activity a boundary timer is attached to, if it is one."""
    parent = getattr(task, "parent", None)
    name = str(getattr(getattr(parent, "task_spec", None), "name", ""))
    suffix = ".BoundaryEventSplit"
    return name[: -len(suffix)] if name.endswith(suffix) else None
