"""retention per förbund: months after which the account of a person whose memberships have
all ended is erased (`finsam retention`)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('forbund') as batch:
        batch.add_column(sa.Column('retention_months', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('forbund') as batch:
        batch.drop_column('retention_months')
