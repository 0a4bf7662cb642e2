"""Overdue tasks: a reminder to those who must act when a task passes its due date, and after a
further period (`escalation_period`, FINSAM_ESCALATION_DAYS, 14 days by default) a message to the
förbund's kansli, which follows every case up and can help the party on (issue 19).

Each is recorded once per task as a row of the outbox (`notification`, kind `overdue` or
`escalated`), in a short write transaction of the worker's tick; the outbox then sends it at most
once (workflows/outbox.py) to exactly the people the policy names (`policy.hears_of` for the
reminder, `policy.hears_of_escalation` for the kansli). A task done before the worker sends is
not mentioned any more. The due date itself comes from the diagram (`dueIn` on the user task).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, select

from engine import Database, HumanTask, Notification

from .parties import KANSLI

OVERDUE = "overdue"
ESCALATED = "escalated"
DEFAULT_ESCALATION_DAYS = 14
BATCH = 200  # tasks noted per transaction; the rest in the next round of the same tick


@dataclass(frozen=True)
class Noted:
    """What one round found: reminders and escalations recorded in the outbox."""

    overdue: int = 0
    escalated: int = 0


def escalation_period(environ: dict[str, str] | None = None) -> timedelta:
    """How long after its due date an open task is escalated to the kansli
    (FINSAM_ESCALATION_DAYS, a whole number of days from 1 to 365; 14 when unset). Raises
    ValueError naming the setting when it is not such a number."""
    raw = (os.environ if environ is None else environ).get("FINSAM_ESCALATION_DAYS", "").strip()
    if not raw:
        return timedelta(days=DEFAULT_ESCALATION_DAYS)
    if not raw.isdigit() or not 1 <= int(raw) <= 365:
        raise ValueError(f"FINSAM_ESCALATION_DAYS must be a whole number of days from 1 to 365, "
                         f"not {raw!r}")
    return timedelta(days=int(raw))


def note_overdue(db: Database, now: datetime, period: timedelta | None = None) -> Noted:
    """Record an `overdue` reminder for every open task past its due date, and an `escalated`
    message for the kansli for every open task more than `period` past it, each once per task."""
    period = escalation_period() if period is None else period
    overdue = _note(db, now, OVERDUE, now)
    escalated = _note(db, now, ESCALATED, now - period)
    return Noted(overdue, escalated)


def _note(db: Database, now: datetime, kind: str, due_before: datetime) -> int:
    noted = 0
    while True:
        with db.write() as session:
            already = exists().where(Notification.human_task_id == HumanTask.id,
                                     Notification.kind == kind)
            rows = session.scalars(
                select(HumanTask)
                .where(and_(HumanTask.state == "open", HumanTask.due_at.is_not(None),
                            HumanTask.due_at < due_before, ~already))
                .order_by(HumanTask.due_at, HumanTask.id).limit(BATCH)
                .with_for_update(skip_locked=True)
            ).all()
            for row in rows:
                session.add(Notification(
                    tenant=row.tenant, kind=kind, instance_id=row.instance_id,
                    human_task=row, assignee=KANSLI if kind == ESCALATED else row.assignee,
                    created_at=now))
        noted += len(rows)
        if len(rows) < BATCH:
            return noted
