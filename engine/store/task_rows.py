"""A step's new human task rows and their outbox rows, written with SQLAlchemy Core: one
multi-row `INSERT ... RETURNING` for the tasks and one `INSERT` for their `task_ready`
notifications (on PostgreSQL inside the ledger seal's statement), however many tasks the step
opened (the ORM's unit of work sends one statement
per row where the database cannot guarantee the order of returned keys); and a completed task's
row, which on SQLite the completion's event completes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from engine.store.bound_rows import insert_rows
from engine.store.models import HumanTask, Notification
from engine.store.unit_of_work import UnitOfWork

_COLUMNS = [c.key for c in HumanTask.__table__.columns if c.key != "id"]


def add_open_tasks(session: UnitOfWork, rows: list[HumanTask]) -> None:
    """Insert the new rows (transient `HumanTask`s with every column but `id` given or None) and
    make them the session's own, persistent and clean, so later changes are flushed as usual;
    record a `task_ready` notification for each (sent with the seal: `UnitOfWork.queue_rows`)."""
    if not rows:
        return
    values = [{key: getattr(row, key) for key in _COLUMNS} for row in rows]
    connection = session.connection()
    inserted = insert_rows(connection, HumanTask, values,
                           returning=(HumanTask.id, HumanTask.instance_id, HumanTask.task_guid))
    ids = {(found.instance_id, found.task_guid): found.id for found in inserted}
    for row, given in zip(rows, values, strict=True):
        row.id = ids[(row.instance_id, row.task_guid)]
        for key, value in given.items():  # every column loaded: no lazy load later
            setattr(row, key, value)
        make_transient_to_detached(row)
        session.add(row)
    session.queue_rows(Notification, [
        {"tenant": row.tenant, "kind": "task_ready", "instance_id": row.instance_id,
         "human_task_id": row.id, "assignee": row.assignee, "created_at": row.created_at}
        for row in rows])


def complete_row(session: Session, row: HumanTask, at: datetime, by: str) -> None:
    """Mark the open `row` completed at `at` by `by`; the caller appends its `completed` event
    (actor `by`, time `at`) in the same write. On SQLite that event's insert completes the row
    in the database (trigger `event_completes_task`, migration 0021: one statement fewer), so
    the row's new values are only set as its committed ones here; elsewhere they are flushed as
    usual (on PostgreSQL inside the seal's one statement)."""
    if session.get_bind().dialect.name == "sqlite":
        for key, value in (("state", "completed"), ("completed_at", at), ("completed_by", by)):
            set_committed_value(row, key, value)
        return
    row.state = "completed"
    row.completed_at = at
    row.completed_by = by
