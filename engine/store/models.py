"""The engine's tables, all of them: spec versions, instances, human tasks, the event chain, the
ledger, the clock's timers and the notification outbox."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite forgets zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass a timezone-aware value")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base shared by the engine's and the domain's tables (one schema)."""

    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON}


class SpecVersion(Base):
    """One deployed version of one process of one tenant: the BPMN file and its forms, by content
    hash. A tenant's versions are its own; another tenant takes one only by adopting a version
    its owner published (`adopted_from_*` records from where)."""

    __tablename__ = "spec_version"
    __table_args__ = (
        UniqueConstraint("tenant", "process_id", "version",
                         name="uq_spec_version_tenant_process_version"),
        UniqueConstraint("tenant", "process_id", "content_hash",
                         name="uq_spec_version_tenant_process_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(100))
    process_id: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(300))
    bpmn: Mapped[bytes] = mapped_column(LargeBinary)
    forms: Mapped[dict[str, Any]] = mapped_column(JSON)
    deployed_at: Mapped[datetime]
    deployed_by: Mapped[str] = mapped_column(String(200))
    # Offered to other tenants to adopt (by the owner's designer), and since when.
    published_at: Mapped[datetime | None]
    published_by: Mapped[str | None] = mapped_column(String(200))
    # Where an adopted version came from: the publishing tenant and its version number.
    adopted_from_tenant: Mapped[str | None] = mapped_column(String(100))
    adopted_from_version: Mapped[int | None] = mapped_column(Integer)


class Instance(Base):
    """A running or finished instance; `state` is the serialized workflow without its spec."""

    __tablename__ = "instance"
    __table_args__ = (
        Index("ix_instance_tenant_process_status", "tenant", "process_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(100))
    process_id: Mapped[str] = mapped_column(String(200))
    spec_version_id: Mapped[int] = mapped_column(ForeignKey("spec_version.id"))
    status: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("instance.id"), index=True)
    state: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    serializer_version: Mapped[str] = mapped_column(String(20))
    library_version: Mapped[str] = mapped_column(String(20))
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    head_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]


class HumanTask(Base):
    """A human task copied out of the workflow after every step: the task list reads only this."""

    __tablename__ = "human_task"
    __table_args__ = (
        UniqueConstraint("instance_id", "task_guid", name="uq_human_task_guid"),
        Index("ix_human_task_inbox", "tenant", "state", "assignee", "created_at"),
        # A tab of the task list (one process) in order, and its count from the index alone.
        Index("ix_human_task_process", "tenant", "state", "assignee", "process_id", "created_at"),
        # The case overview's filters: overdue open tasks, and one party's per-party tasks.
        Index("ix_human_task_due", "tenant", "state", "due_at"),
        Index("ix_human_task_item", "tenant", "state", "item"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id"), index=True)
    tenant: Mapped[str] = mapped_column(String(100))
    process_id: Mapped[str] = mapped_column(String(200))
    task_guid: Mapped[str] = mapped_column(String(36))
    bpmn_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    lane: Mapped[str | None] = mapped_column(String(200))
    assignee: Mapped[str] = mapped_column(String(200))
    item: Mapped[str | None] = mapped_column(String(200))
    form: Mapped[str | None] = mapped_column(String(300))
    title: Mapped[str] = mapped_column(String(300), default="")
    state: Mapped[str] = mapped_column(String(20))
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[str | None] = mapped_column(String(200))


class Event(Base):
    """One entry of an instance's history, hash-chained to the one before it."""

    __tablename__ = "event"
    __table_args__ = (UniqueConstraint("instance_id", "seq", name="uq_event_instance_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id"))
    tenant: Mapped[str] = mapped_column(String(100), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    acting_as: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    task: Mapped[str | None] = mapped_column(String(200))
    task_guid: Mapped[str | None] = mapped_column(String(36))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class LedgerHead(Base):
    """The head of a tenant's ledger; its row is the lock that orders the ledger's entries."""

    __tablename__ = "ledger_head"

    tenant: Mapped[str] = mapped_column(String(100), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    head_hash: Mapped[str] = mapped_column(String(64))


class LedgerEntry(Base):
    """The tenant-wide chain: each entry records an instance's chain head after a transaction,
    so that a deleted tail of events, or a deleted instance, no longer matches."""

    __tablename__ = "ledger_entry"
    __table_args__ = (
        UniqueConstraint("tenant", "seq", name="uq_ledger_entry_tenant_seq"),
        Index("ix_ledger_entry_instance", "instance_id", "seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(100))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
    instance_id: Mapped[int] = mapped_column(Integer)
    instance_seq: Mapped[int] = mapped_column(Integer)
    instance_hash: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class InstanceAttribute(Base):
    """One indexed value of an instance's data, copied after every step for the variables the
    hooks declare, so that reports aggregate with SQL instead of reading instances.

    A scalar is one row (`position` 0); a list of scalars is one row per element. Text is cut to
    `ATTRIBUTE_TEXT_LENGTH` characters (the index's limit); the full value stays in `data`.
    """

    __tablename__ = "instance_attribute"
    __table_args__ = (
        Index("ix_instance_attribute_value", "tenant", "process_id", "key", "value_text"),
        Index("ix_instance_attribute_instance", "instance_id", "key", "value_text", "tenant"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id"))
    tenant: Mapped[str] = mapped_column(String(100))
    process_id: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)
    value_text: Mapped[str | None] = mapped_column(String(500))
    value_number: Mapped[float | None] = mapped_column(Float)
    value_date: Mapped[date | None] = mapped_column(Date)


ATTRIBUTE_TEXT_LENGTH = 500

# Reports select an instance scope by tenant, process and creation time.
Index("ix_instance_tenant_process_created", Instance.tenant, Instance.process_id,
      Instance.created_at)


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


class Redaction(Base):
    """An event of an ended instance whose free text was purged (retention): the hash its
    purged content chains to now. The event keeps its stored hash, so the chain still links and
    every anchor (the instance's head, the ledger, a head kept outside) stays as it was."""

    __tablename__ = "redaction"
    __table_args__ = (UniqueConstraint("instance_id", "seq", name="uq_redaction_instance_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id"))
    seq: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
