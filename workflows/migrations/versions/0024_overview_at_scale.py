"""the case overview at 100 000 cases: indexes to walk the groups in the order of a sort and to
find the cases a filter holds for

ix_instance_title_order walks the groups by title (ix_instance_group of 0019 walks them newest or
oldest first); ix_human_task_due and ix_human_task_item find the open tasks that are overdue or
one party's. workflows/overview_query.py reads them.

Revision ID: 0024
Revises: 0022
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = '0024'
down_revision = '0022'
branch_labels = None
depends_on = None

_INDEXES = ["CREATE INDEX ix_instance_title_order ON instance (tenant, lower(title), id DESC)"]


def upgrade() -> None:
    for statement in _INDEXES:
        op.execute(statement)
    op.create_index("ix_human_task_due", "human_task", ["tenant", "state", "due_at"])
    op.create_index("ix_human_task_item", "human_task", ["tenant", "state", "item"])


def downgrade() -> None:
    op.drop_index("ix_human_task_item", table_name="human_task")
    op.drop_index("ix_human_task_due", table_name="human_task")
    op.execute("DROP INDEX ix_instance_title_order")
