"""notification claims: when a sender took an outbox row to hand it to the mail server

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notification') as batch:
        batch.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))
    # Rows sent before claims existed: claimed when they were sent.
    op.execute("UPDATE notification SET claimed_at = sent_at WHERE sent_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('notification') as batch:
        batch.drop_column('claimed_at')
