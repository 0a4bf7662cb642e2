"""timers and notifications: pending timers per instance, the notification outbox, and each
user's e-mail address and notification choice

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('timer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('tenant', sa.String(length=100), nullable=False),
    sa.Column('task_guid', sa.String(length=36), nullable=False),
    sa.Column('bpmn_id', sa.String(length=200), nullable=False),
    sa.Column('fire_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('fired_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_timer_due', 'timer', ['fired_at', 'fire_at'], unique=False)
    op.create_index(op.f('ix_timer_instance_id'), 'timer', ['instance_id'], unique=False)
    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('human_task_id', sa.Integer(), nullable=True),
    sa.Column('assignee', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_notification_unsent', 'notification', ['sent_at', 'id'], unique=False)
    with op.batch_alter_table('app_user') as batch:
        batch.add_column(sa.Column('email', sa.String(length=300), nullable=True))
        batch.add_column(sa.Column('notify', sa.String(length=10), nullable=False,
                                   server_default='none'))
        batch.add_column(sa.Column('digest_sent_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('app_user') as batch:
        batch.drop_column('digest_sent_on')
        batch.drop_column('notify')
        batch.drop_column('email')
    op.drop_index('ix_notification_unsent', table_name='notification')
    op.drop_table('notification')
    op.drop_index(op.f('ix_timer_instance_id'), table_name='timer')
    op.drop_index('ix_timer_due', table_name='timer')
    op.drop_table('timer')
