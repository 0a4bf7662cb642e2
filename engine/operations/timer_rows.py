"""The database half of timers: the `timer` rows of an instance after a step (the outbox row
when a human task becomes ready is written with the task, `engine.store.task_rows`). The
SpiffWorkflow half is `engine.runtime.timers`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.runtime import timers
from engine.store.models import Instance, Timer


def record_timers(session: Session, instance: Instance, workflow: Any, now: datetime) -> None:
    """Schedule the workflow's waiting timers and make the instance's open `timer` rows match.

    The workflow remembers which timers have an open row (`timers.known_rows`, stored
    with the state in the same transaction), so a step changes the rows without reading them; a
    state stored before it remembered them is matched against the rows once."""
    pending = timers.schedule(workflow, now)
    known = timers.known_rows(workflow)
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
    timers.remember_rows(workflow, list(pending))


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
