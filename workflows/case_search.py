"""Full-text search over case titles and notes, behind one interface: SQLite FTS5 or
PostgreSQL full-text search, picked by the database's dialect.

The indexes are kept by the database itself (migration 0019): on SQLite two external-content
FTS5 tables (`instance_title_fts` over `instance.title`, `case_note_fts` over `case_note.body`)
kept by triggers; on PostgreSQL GIN indexes on `to_tsvector('simple', …)` of the same columns.
Both fold case and keep å, ä and ö (so both answer alike). Each word must occur as the start of
a word; a case matches by its title or one of its notes.
"""

from __future__ import annotations

import re

from sqlalchemy import (
    ColumnElement,
    Integer,
    bindparam,
    column,
    func,
    literal_column,
    or_,
    select,
    text,
)

from engine import Database, Instance

from .models import CaseNote

# The names the migration gives the search structures (tests/test_migrations.py knows them).
SEARCH_TABLES = ("instance_title_fts", "case_note_fts")
SEARCH_INDEXES = ("ix_instance_title_search", "ix_case_note_search", "ix_instance_group")
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 8


def words_of(query: str) -> list[str]:
    """The words of a search, at most `MAX_WORDS`, each letters and digits only (so nothing a
    user types reaches the query syntax of FTS5 or `to_tsquery`)."""
    return _WORD.findall(query.casefold())[:MAX_WORDS]


def matching_cases(db: Database, query: str) -> ColumnElement[bool] | None:
    """A condition on `Instance` that holds for the cases whose title or a note has every word
    of `query` (None when it has no words: no narrowing)."""
    words = words_of(query)
    if not words:
        return None
    if db.is_sqlite:
        match = " ".join(f'"{w}"*' for w in words)
        titles = text("SELECT rowid FROM instance_title_fts WHERE instance_title_fts MATCH :q")
        notes = text("SELECT case_note.instance_id FROM case_note WHERE case_note.id IN "
                     "(SELECT rowid FROM case_note_fts WHERE case_note_fts MATCH :q)")
        return or_(
            Instance.id.in_(titles.bindparams(q=match).columns(column("rowid", Integer))),
            Instance.id.in_(notes.bindparams(q=match).columns(column("instance_id", Integer))),
        )
    simple: ColumnElement[str] = literal_column("'simple'")
    tsquery = func.to_tsquery(simple, bindparam("tsq", " & ".join(f"{w}:*" for w in words)))
    return or_(
        func.to_tsvector(simple, Instance.title).op("@@")(tsquery),
        Instance.id.in_(select(CaseNote.instance_id).where(
            func.to_tsvector(simple, CaseNote.body).op("@@")(tsquery))),
    )
