"""case search: full-text indexes over case titles and notes

SQLite: external-content FTS5 tables kept by triggers (diacritics folded); PostgreSQL: GIN
indexes on to_tsvector('simple', ...). workflows/case_search.py queries them.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

_SQLITE = [
    "CREATE VIRTUAL TABLE instance_title_fts USING fts5(title, content='instance', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "INSERT INTO instance_title_fts(rowid, title) SELECT id, title FROM instance",
    "CREATE TRIGGER instance_title_fts_insert AFTER INSERT ON instance BEGIN "
    "INSERT INTO instance_title_fts(rowid, title) VALUES (new.id, new.title); END",
    "CREATE TRIGGER instance_title_fts_delete AFTER DELETE ON instance BEGIN "
    "INSERT INTO instance_title_fts(instance_title_fts, rowid, title) "
    "VALUES ('delete', old.id, old.title); END",
    "CREATE TRIGGER instance_title_fts_update AFTER UPDATE OF title ON instance BEGIN "
    "INSERT INTO instance_title_fts(instance_title_fts, rowid, title) "
    "VALUES ('delete', old.id, old.title); "
    "INSERT INTO instance_title_fts(rowid, title) VALUES (new.id, new.title); END",
    "CREATE VIRTUAL TABLE case_note_fts USING fts5(body, content='case_note', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER case_note_fts_insert AFTER INSERT ON case_note BEGIN "
    "INSERT INTO case_note_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER case_note_fts_delete AFTER DELETE ON case_note BEGIN "
    "INSERT INTO case_note_fts(case_note_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "END",
    "CREATE TRIGGER case_note_fts_update AFTER UPDATE OF body ON case_note BEGIN "
    "INSERT INTO case_note_fts(case_note_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "INSERT INTO case_note_fts(rowid, body) VALUES (new.id, new.body); END",
]
_POSTGRESQL = [
    "CREATE INDEX ix_instance_title_search ON instance "
    "USING gin (to_tsvector('simple', title))",
    "CREATE INDEX ix_case_note_search ON case_note USING gin (to_tsvector('simple', body))",
]


# The overview's groups (a need with its routes) walked in order per förbund.
_GROUP_INDEX = ("CREATE INDEX ix_instance_group ON instance "
                "(tenant, coalesce(parent_id, id))")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.execute(_GROUP_INDEX)
    for statement in _SQLITE if dialect == "sqlite" else _POSTGRESQL:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP INDEX ix_instance_group")
    if op.get_bind().dialect.name == "sqlite":
        for name in ("instance_title_fts_insert", "instance_title_fts_delete",
                     "instance_title_fts_update", "case_note_fts_insert", "case_note_fts_delete",
                     "case_note_fts_update"):
            op.execute(f"DROP TRIGGER {name}")
        op.execute("DROP TABLE instance_title_fts")
        op.execute("DROP TABLE case_note_fts")
    else:
        op.execute("DROP INDEX ix_case_note_search")
        op.execute("DROP INDEX ix_instance_title_search")
