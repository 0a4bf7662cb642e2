"""Firing due timers: the worker's side of `engine/runtime/timers.py` (plain functions of an
`EngineContext`)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from engine.base.errors import EngineError
from engine.base.types import SYSTEM, TIMER, Actor
from engine.operations import steps
from engine.runtime import timers
from engine.store.chain import append_event
from engine.store.models import HumanTask, Instance, Notification, SpecVersion, Timer

if TYPE_CHECKING:
    from engine.context import EngineContext

log = logging.getLogger(__name__)

TIMER_ACTOR = TIMER


def fire_due_timers(ctx: EngineContext, now: datetime | None = None) -> int:
    """Fire every timer due at `now` (the engine's clock when None); return how many fired.

    Each instance is handled in its own transaction under its lock. An instance another
    writer holds is skipped (`FOR UPDATE SKIP LOCKED` on PostgreSQL) and fired on the next
    call, so several workers can run at once and every timer fires exactly once. Committed
    per instance: the new state and human tasks, the fired timers' rows, a `timer_fired`
    event with the clock reading, reminder notifications.
    """
    now = now or ctx.clock()
    with ctx.db.read() as session:
        instance_ids = list(dict.fromkeys(session.scalars(
            select(Timer.instance_id)
            .where(Timer.fired_at.is_(None), Timer.fire_at <= now)
            .order_by(Timer.fire_at, Timer.id)
        )))
    fired = 0
    for instance_id in instance_ids:
        try:
            fired += _fire_instance(ctx, instance_id, now)
        except EngineError:
            log.exception("timers of instance %s could not fire", instance_id)
    return fired


def _fire_instance(ctx: EngineContext, instance_id: int, now: datetime) -> int:
    with ctx.transaction() as session:
        instance = session.scalars(
            select(Instance).where(Instance.id == instance_id, Instance.status == "running")
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        ).one_or_none()
        if instance is None:
            return 0
        due = session.scalars(
            select(Timer)
            .where(Timer.instance_id == instance_id, Timer.fired_at.is_(None),
                   Timer.fire_at <= now)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        ).all()
        if not due:
            return 0
        parsed = ctx.parsed_spec(session.get_one(SpecVersion, instance.spec_version_id))
        workflow = ctx.codec.loads(instance.state, parsed)
        guids = {row.task_guid for row in due}
        tasks = [t for t in timers.waiting_timers(workflow) if str(t.id) in guids]
        for row in due:
            row.fired_at = now
        timers.rows_fired(workflow, guids)
        attached = {a for a in (timers.attached_to(t) for t in tasks) if a}
        timers.fire_marked(workflow, tasks)
        finished = steps.save_step(ctx, session, instance, workflow, parsed)
        bpmn_ids = sorted(str(t.task_spec.bpmn_id) for t in tasks)
        append_event(
            session, instance, now, TIMER_ACTOR, SYSTEM, "timer_fired",
            {"at_clock": now.isoformat(), "timers": bpmn_ids,
             "after": steps.snapshot(session, instance)},
        )
        if attached:
            for task in session.scalars(select(HumanTask).where(
                    HumanTask.instance_id == instance.id, HumanTask.state == "open",
                    HumanTask.bpmn_id.in_(sorted(attached)))):
                session.add(Notification(
                    tenant=task.tenant, kind="reminder", instance_id=instance.id,
                    human_task=task, assignee=task.assignee, created_at=now))
        if finished:
            steps.conclude(ctx, session, Actor(TIMER_ACTOR, instance.tenant, SYSTEM),
                           instance)
        return len(tasks)
