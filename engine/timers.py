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
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from . import runtime
from .errors import EngineError, WorkflowFailure
from .models import HumanTask, Instance
from .timer_models import Notification, Timer

FAR_FUTURE = "9999-12-31T00:00:00+00:00"
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
        value = str(workflow.script_engine.evaluate(task, definition.expression))
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


def record_timers(session: Session, instance: Instance, workflow: Any, now: datetime) -> None:
    """Schedule the workflow's waiting timers and make the instance's open `timer` rows match.

    The workflow remembers which timers have an open row (`ROWS_KEY` on its root task, stored
    with the state in the same transaction), so a step changes the rows without reading them; a
    state stored before it remembered them is matched against the rows once."""
    pending = schedule(workflow, now)
    remembered = workflow.task_tree.internal_data
    known: list[str] | None = remembered.get(ROWS_KEY)
    if known is None:
        _match_rows(session, instance, pending)
    else:
        gone = [guid for guid in known if guid not in pending]
        if gone:
            session.execute(delete(Timer).where(
                Timer.instance_id == instance.id, Timer.task_guid.in_(gone),
                Timer.fired_at.is_(None)))
        for guid, (bpmn_id, fire_at) in pending.items():
            if guid not in known:
                session.add(Timer(instance_id=instance.id, tenant=instance.tenant,
                                  task_guid=guid, bpmn_id=bpmn_id, fire_at=fire_at))
    remembered[ROWS_KEY] = sorted(pending)


def no_rows_yet(workflow: Any) -> None:
    """A new instance: none of its timers has a row yet."""
    workflow.task_tree.internal_data[ROWS_KEY] = []


def rows_fired(workflow: Any, guids: set[str]) -> None:
    """The rows of these timers were marked fired: they are no longer open."""
    known = workflow.task_tree.internal_data.get(ROWS_KEY)
    if known is not None:
        workflow.task_tree.internal_data[ROWS_KEY] = [g for g in known if g not in guids]


def _match_rows(session: Session, instance: Instance,
                pending: dict[str, tuple[str, datetime]]) -> None:
    pending = dict(pending)
    rows = session.scalars(
        select(Timer).where(Timer.instance_id == instance.id, Timer.fired_at.is_(None))
    ).all()
    for row in rows:
        current = pending.pop(row.task_guid, None)
        if current is None:
            session.delete(row)
        elif current[1] != row.fire_at:
            row.fire_at = current[1]
    for guid, (bpmn_id, fire_at) in pending.items():
        session.add(Timer(instance_id=instance.id, tenant=instance.tenant, task_guid=guid,
                          bpmn_id=bpmn_id, fire_at=fire_at))


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


def task_ready(session: Session, row: HumanTask) -> None:
    """Record in the outbox that a human task became ready for its assignee."""
    session.add(Notification(tenant=row.tenant, kind="task_ready", instance_id=row.instance_id,
                             human_task=row, assignee=row.assignee, created_at=row.created_at))
