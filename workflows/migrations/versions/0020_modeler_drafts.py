"""modeler drafts: a designer's diagram and form files kept on the server

Revision ID: 0020
Revises: 0015
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'modeler_draft',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('forbund', sa.String(length=100), nullable=False),
        sa.Column('username', sa.String(length=100), nullable=False),
        sa.Column('process_id', sa.String(length=100), nullable=False),
        sa.Column('bpmn', sa.Text(), nullable=False),
        sa.Column('forms', sa.JSON(), nullable=False),
        sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('forbund', 'username', 'process_id', name='uq_modeler_draft'),
    )


def downgrade() -> None:
    op.drop_table('modeler_draft')
