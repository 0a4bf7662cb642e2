"""redaction: the events of ended cases whose free text retention purged, each with the hash
its purged content chains to (the stored hash stays the chain's link and anchor); when a
case note's text was purged

Revision ID: 0023
Revises: 0019
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0023'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'redaction',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('instance_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['instance_id'], ['instance.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('instance_id', 'seq', name='uq_redaction_instance_seq'),
    )
    # A plain ADD COLUMN (never a batch copy on SQLite, which would drop the search triggers).
    op.add_column('case_note', sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('case_note', 'purged_at')
    op.drop_table('redaction')
