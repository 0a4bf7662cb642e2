"""The figures an operator watches (`/metrics`): per förbund the completions, the open and
overdue tasks; the timers that are due; the outbox's backlog and its failures. Read in one short
read transaction, counted by the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from engine import Event, HumanTask, Notification, Timer

from .outbox import INTERRUPTED, MAX_ATTEMPTS
from .system import Finsam


@dataclass(frozen=True)
class Figures:
    """Counts at one moment; the dicts are keyed by förbund (tenant)."""

    completions: dict[str, int] = field(default_factory=dict)
    open_tasks: dict[str, int] = field(default_factory=dict)
    overdue_tasks: dict[str, int] = field(default_factory=dict)
    due_timers: int = 0
    outbox_backlog: int = 0  # waiting to be sent (not yet tried, or to be tried again)
    mail_retrying: int = 0  # failed at least once, to be tried again
    mail_given_up: int = 0  # failed MAX_ATTEMPTS times: an operator must look
    mail_interrupted: int = 0  # handed over by a worker that died before marking it


def figures(finsam: Finsam, now: datetime | None = None) -> Figures:
    """The figures at `now` (the system's clock)."""
    now = finsam.engine.clock() if now is None else now
    unsent = Notification.sent_at.is_(None)
    with finsam.db.read() as session:
        def per_tenant(query: object) -> dict[str, int]:
            return {str(tenant): int(count) for tenant, count in session.execute(query)}  # type: ignore[call-overload]

        def count(*where: object) -> int:
            return int(session.scalar(select(func.count()).select_from(Notification)
                                      .where(*where)) or 0)  # type: ignore[arg-type]

        return Figures(
            completions=per_tenant(select(Event.tenant, func.count())
                                   .where(Event.kind == "completed").group_by(Event.tenant)),
            open_tasks=per_tenant(select(HumanTask.tenant, func.count())
                                  .where(HumanTask.state == "open").group_by(HumanTask.tenant)),
            overdue_tasks=per_tenant(select(HumanTask.tenant, func.count())
                                     .where(HumanTask.state == "open",
                                            HumanTask.due_at.is_not(None),
                                            HumanTask.due_at < now)
                                     .group_by(HumanTask.tenant)),
            due_timers=int(session.scalar(select(func.count()).select_from(Timer).where(
                Timer.fired_at.is_(None), Timer.fire_at <= now)) or 0),
            outbox_backlog=count(unsent, Notification.claimed_at.is_(None),
                                 Notification.attempts < MAX_ATTEMPTS),
            mail_retrying=count(unsent, Notification.claimed_at.is_(None),
                                Notification.attempts > 0,
                                Notification.attempts < MAX_ATTEMPTS),
            mail_given_up=count(unsent, Notification.attempts >= MAX_ATTEMPTS),
            mail_interrupted=count(unsent, Notification.last_error == INTERRUPTED),
        )
