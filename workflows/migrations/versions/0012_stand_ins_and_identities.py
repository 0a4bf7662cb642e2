"""stand-ins and sign-in identities: a colleague stands in for a capacity for a period
(ställföreträdare); an OpenID Connect identity (issuer, sub) linked to an account

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stand_in',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('forbund_id', sa.Integer(), nullable=False),
    sa.Column('absent_membership_id', sa.Integer(), nullable=False),
    sa.Column('deputy_membership_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['forbund_id'], ['forbund.id'], ),
    sa.ForeignKeyConstraint(['absent_membership_id'], ['membership.id'], ),
    sa.ForeignKeyConstraint(['deputy_membership_id'], ['membership.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_stand_in_deputy', 'stand_in', ['deputy_membership_id', 'ends_on'],
                    unique=False)
    op.create_index('ix_stand_in_absent', 'stand_in', ['absent_membership_id'], unique=False)
    op.create_table('oidc_identity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=300), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('linked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('issuer', 'subject', name='uq_oidc_identity')
    )
    op.create_index('ix_oidc_identity_user', 'oidc_identity', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_oidc_identity_user', table_name='oidc_identity')
    op.drop_table('oidc_identity')
    op.drop_index('ix_stand_in_absent', table_name='stand_in')
    op.drop_index('ix_stand_in_deputy', table_name='stand_in')
    op.drop_table('stand_in')
