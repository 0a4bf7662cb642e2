"""SQLite's step in fewer statements: the ledger entry moves the head, the completion event
completes its task row

SQLite has no data-modifying CTEs, so each row a step writes was a statement of its own. Two of
them follow from another row of the same step, and a trigger writes them inside that row's
statement (engine/store/ledger.py and engine/store/task_rows.py rely on them on SQLite):

- `ledger_entry_moves_head`: inserting a ledger entry moves the tenant's head to it, and aborts
  the statement unless the head is the entry's predecessor (seq - 1 and prev_hash), so the chain
  is also checked by the database;
- `event_completes_task`: inserting a `completed` event marks the open human task it names
  completed, at the event's time, by its actor.

PostgreSQL sends a step's writes as one statement of data-modifying CTEs already
(engine/store/ledger.py), so there this migration does nothing.

Revision ID: 0021
Revises: 0023
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = '0021'
down_revision = '0023'
branch_labels = None
depends_on = None

_SQLITE = [
    "CREATE TRIGGER ledger_entry_moves_head AFTER INSERT ON ledger_entry BEGIN "
    "SELECT RAISE(ABORT, 'the ledger head is not this entry''s predecessor') "
    "WHERE NOT EXISTS (SELECT 1 FROM ledger_head WHERE tenant = new.tenant "
    "AND last_seq = new.seq - 1 AND head_hash = new.prev_hash); "
    "UPDATE ledger_head SET last_seq = new.seq, head_hash = new.hash "
    "WHERE tenant = new.tenant; END",
    "CREATE TRIGGER event_completes_task AFTER INSERT ON event "
    "WHEN new.kind = 'completed' AND new.task_guid IS NOT NULL BEGIN "
    "UPDATE human_task SET state = 'completed', completed_at = new.at, "
    "completed_by = new.actor "
    "WHERE instance_id = new.instance_id AND task_guid = new.task_guid AND state = 'open'; END",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in _SQLITE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER event_completes_task")
        op.execute("DROP TRIGGER ledger_entry_moves_head")
