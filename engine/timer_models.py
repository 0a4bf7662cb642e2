"""The tables of the clock: pending timers of instances, and the outbox of notifications."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .models import Base, HumanTask


class Timer(Base):
    """A timer an instance waits for, copied out of the workflow after every step.

    The open rows of an instance (`fired_at` null) are replaced in each step's transaction; a row
    that fired keeps its `fired_at`, so the table also shows when each timer fired.
    """

    __tablename__ = "timer"
    __table_args__ = (Index("ix_timer_due", "fired_at", "fire_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign keys here: the clock's rows never stand in the way of removing an instance.
    instance_id: Mapped[int] = mapped_column(Integer, index=True)
    tenant: Mapped[str] = mapped_column(String(100))
    task_guid: Mapped[str] = mapped_column(String(36))
    bpmn_id: Mapped[str] = mapped_column(String(200))
    fire_at: Mapped[datetime]
    fired_at: Mapped[datetime | None]


class Notification(Base):
    """Something to tell people, recorded in the transaction that caused it and sent after it.

    `kind` is `task_ready` (a human task became ready for `assignee`) or `reminder` (a timer of
    the instance fired while `assignee` has the task `bpmn_id` open). The domain decides who
    receives it and how; `sent_at` is set once, when it has been handled. A row that could not
    be sent keeps `sent_at` empty and records its `attempts`, the `last_error` and when to try
    again (`retry_at`); after the domain's bounded number of attempts it stays as it is, visible.
    `claimed_at` is when a sender took the row to hand it to the mail server (at most once).
    """

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_unsent", "sent_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    instance_id: Mapped[int] = mapped_column(Integer)
    human_task_id: Mapped[int | None] = mapped_column(Integer)
    assignee: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(String(500))
    retry_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    human_task: Mapped[HumanTask | None] = relationship(
        primaryjoin="foreign(Notification.human_task_id) == HumanTask.id")
