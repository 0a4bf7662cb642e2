"""task list tabs: an index by process, for one tab's tasks in order and its count

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_human_task_process', 'human_task',
                    ['tenant', 'state', 'assignee', 'process_id', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_human_task_process', table_name='human_task')
