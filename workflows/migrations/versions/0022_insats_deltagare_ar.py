"""participants per year: the yearly reports of a running insats (issue 17)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06

One row per insats and calendar year, written after the step that completed the yearly
`rapportera_deltagare` (workflows/deltagare_ar.py). Instances of before the yearly report have
none: the follow-up shows their years as not classified and never recounts them, so nothing is
backfilled.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'insats_deltagare_ar',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant', sa.String(length=100), nullable=False),
        sa.Column('instance_id', sa.Integer(), nullable=False),
        sa.Column('ar', sa.Integer(), nullable=False),
        sa.Column('kvinnor', sa.Integer(), nullable=True),
        sa.Column('man', sa.Integer(), nullable=True),
        sa.Column('personal', sa.Integer(), nullable=True),
        sa.Column('personal_foljs_upp', sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(['instance_id'], ['instance.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('instance_id', 'ar', name='uq_insats_deltagare_ar'),
    )
    op.create_index('ix_insats_deltagare_ar_tenant', 'insats_deltagare_ar', ['tenant', 'ar'])


def downgrade() -> None:
    op.drop_index('ix_insats_deltagare_ar_tenant', table_name='insats_deltagare_ar')
    op.drop_table('insats_deltagare_ar')
