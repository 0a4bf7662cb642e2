"""The unit of work of one write transaction: the session and what the write carries besides
its rows.

Every write of the engine (`Database.write`, and `Engine`'s transaction on top of it) runs in a
`UnitOfWork`, a SQLAlchemy session with six typed parts that live exactly as long as the
transaction:

- `read_rows`: an instance's open human task rows as read under its lock, so that the step's
  `sync_human_tasks` need not read them again (taken out once used);
- `open_rows`: an instance's open rows after `sync_human_tasks`, for the snapshot in the step's
  event and the engine's result;
- `events`: the events appended in this write, not yet sent: they are written with SQLAlchemy
  Core, all in one statement with the ledger's seal (`ledger.seal`; one multi-row `INSERT`, on
  PostgreSQL inside the seal's own statement), or before an ORM query that reads events, or at
  the latest before commit (`send_events`); on SQLite also before one that reads human tasks;
- `queued`: other rows to insert with the seal (on PostgreSQL inside its statement: a new task's
  `task_ready` notification), or before an ORM query that reads their table, or at the latest
  before commit (`send_events`);
- `touched`: the instances whose chain head changed, sealed into the tenant ledger last, just
  before commit (`ledger.seal`);
- `after_commit`: callables run once the transaction has committed (the workflow cache keeps a
  step's workflow only then), never after a rollback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import InstanceState, ORMExecuteState, Session

from engine.store.bound_rows import Writes, insert_rows
from engine.store.models import Base, Event, HumanTask, Instance


class UnitOfWork(Session):
    """A write session with the state of its write (see the module's docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.read_rows: dict[int, list[HumanTask]] = {}
        self.open_rows: dict[int, list[HumanTask]] = {}
        self.events: list[dict[str, Any]] = []
        self.queued: list[tuple[type[Base], list[dict[str, Any]]]] = []
        self.touched: dict[int, Instance] = {}
        self.after_commit: list[Callable[[], None]] = []

    def take_events(self) -> list[dict[str, Any]]:
        """The events not yet sent, handed to the caller that sends them (the instances they
        belong to flushed first)."""
        events, self.events = self.events, []
        if events:
            self.flush()
        return events

    def take_row_changes(self, writes: Writes) -> None:
        """Move the pending changes of the write's persistent instance and human task rows into
        `writes` as `UPDATE`s by primary key, and mark the rows clean (so the next flush leaves
        them alone): for the seal to send, on PostgreSQL inside its own statement, elsewhere
        just before the events (Core statements built once per shape, not the ORM's flush)."""
        changed: list[tuple[str, tuple[str, ...], int, Instance | HumanTask, dict[str, Any]]] = []
        for row in list(self.dirty):
            if not isinstance(row, Instance | HumanTask):
                continue
            state: InstanceState[Any] = inspect(row)
            changes: dict[str, Any] = {}
            for attr in state.mapper.column_attrs:
                added = state.attrs[attr.key].history.added
                if added:
                    changes[attr.key] = added[0]
            if changes:
                changed.append((type(row).__name__, tuple(sorted(changes)), row.id, row, changes))
            # Every attribute of these rows is a column, so the row is now clean: out of the
            # flush's way (a row whose attribute was set to its own value stayed "modified",
            # and every flush of the write walked it for nothing).
            state._commit_all(state.dict, self.identity_map)
        # In an order of their own (the session's is not), so that the same kind of step has
        # the same shape and finds its statement built.
        for _, _, row_id, row, changes in sorted(changed, key=lambda c: c[:3]):
            writes.update_row(type(row), row_id, changes)

    def queue_rows(self, model: type[Base], rows: list[dict[str, Any]]) -> None:
        """Insert `rows` into `model`'s table with the seal (PostgreSQL) or now (elsewhere, where
        the seal has no statement to carry them)."""
        if self.get_bind().dialect.name == "postgresql":
            self.queued.append((model, rows))
        else:
            insert_rows(self.connection(), model, rows)

    def take_queued(self) -> list[tuple[type[Base], list[dict[str, Any]]]]:
        """The queued rows not yet sent, handed to the caller that sends them."""
        queued, self.queued = self.queued, []
        return queued

    def send_events(self) -> None:
        """Insert the events and the queued rows not yet sent (Core, on the session's
        connection; the events in one statement)."""
        events = self.take_events()
        if events:
            insert_rows(self.connection(), Event, events)
        for model, rows in self.take_queued():
            insert_rows(self.connection(), model, rows)


@event.listens_for(UnitOfWork, "do_orm_execute")
def _events_before_reading_them(state: ORMExecuteState) -> None:
    # An ORM query in the write that reads events sees those appended before it; on SQLite so
    # does one that reads human tasks (a `completed` event's insert completes its task's row:
    # `task_rows.complete_row`).
    # Queued rows are sent before a query that reads their table.
    session = state.session
    if not (isinstance(session, UnitOfWork) and (session.events or session.queued)
            and state.is_select):
        return
    read = {m.class_ for m in state.all_mappers}
    if (Event in read or (HumanTask in read and session.get_bind().dialect.name == "sqlite")
            or any(model in read for model, _ in session.queued)):
        session.send_events()
