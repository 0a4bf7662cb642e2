"""the person directory: a pseudonymous actor id per account, which new history records

Revision ID: 0016
Revises: 0020
Create Date: 2026-12-05
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op


revision = '0016'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('person',
    sa.Column('actor_id', sa.String(length=40), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('former_key', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('actor_id'),
    sa.UniqueConstraint('user_id')
    )
    op.create_index(op.f('ix_person_former_key'), 'person', ['former_key'], unique=False)
    connection = op.get_bind()
    users = connection.execute(sa.text("SELECT id, username FROM app_user")).all()
    for user_id, username in users:
        actor_id = "p-" + secrets.token_hex(8)
        connection.execute(sa.text("INSERT INTO person (actor_id, user_id) VALUES (:a, :u)"),
                           {"a": actor_id, "u": user_id})
        # What a person holds now is held by their id from here on (the open task rows and the
        # unsent hand-overs are no part of any chain; the events that recorded them stay).
        connection.execute(sa.text("UPDATE human_task SET claimed_by = :a "
                                   "WHERE claimed_by = :n AND state = 'open'"),
                           {"a": actor_id, "n": username})
        connection.execute(sa.text("UPDATE notification SET assignee = :a WHERE assignee = :n "
                                   "AND kind = 'handed_over' AND sent_at IS NULL"),
                           {"a": actor_id, "n": username})


def downgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT person.actor_id, app_user.username FROM person "
        "JOIN app_user ON app_user.id = person.user_id")).all()
    for actor_id, username in rows:
        connection.execute(sa.text("UPDATE human_task SET claimed_by = :n "
                                   "WHERE claimed_by = :a AND state = 'open'"),
                           {"a": actor_id, "n": username})
        connection.execute(sa.text("UPDATE notification SET assignee = :n WHERE assignee = :a "
                                   "AND kind = 'handed_over' AND sent_at IS NULL"),
                           {"a": actor_id, "n": username})
    op.drop_index(op.f('ix_person_former_key'), table_name='person')
    op.drop_table('person')
