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
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    bindparam,
    column,
    exists,
    func,
    literal_column,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import aliased

from engine import Database, Instance

from .models import CaseNote

# The names the migration gives the search structures (tests/test_migrations.py knows them).
SEARCH_TABLES = ("instance_title_fts", "case_note_fts")
# With the overview's expression index on `instance` (migration 0024, `overview_query`).
SEARCH_INDEXES = ("ix_instance_title_search", "ix_case_note_search", "ix_instance_group",
                  "ix_instance_title_order")
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 8


def words_of(query: str) -> list[str]:
    """The words of a search, at most `MAX_WORDS`, each letters and digits only (so nothing a
    user types reaches the query syntax of FTS5 or `to_tsquery`)."""
    return _WORD.findall(query.casefold())[:MAX_WORDS]


def matching_ids(db: Database, query: str) -> Select[Any] | None:
    """The ids of the cases whose title or a note has every word of `query`, read from the
    full-text indexes (None when it has no words: no narrowing). A case may come twice (by its
    title and by a note); the ids are of every förbund."""
    words = words_of(query)
    if not words:
        return None
    if db.is_sqlite:
        match = " ".join(f'"{w}"*' for w in words)
        titles = text("SELECT rowid AS id FROM instance_title_fts "
                      "WHERE instance_title_fts MATCH :q").bindparams(q=match)
        notes = text("SELECT case_note.instance_id AS id FROM case_note WHERE case_note.id IN "
                     "(SELECT rowid FROM case_note_fts WHERE case_note_fts MATCH :q)"
                     ).bindparams(q=match)
        return select(column("id", Integer)).select_from(
            union_all(select(column("id", Integer)).select_from(
                titles.columns(column("id", Integer)).subquery()),
                select(column("id", Integer)).select_from(
                    notes.columns(column("id", Integer)).subquery())).subquery())
    simple: ColumnElement[str] = literal_column("'simple'")
    tsquery = func.to_tsquery(simple, bindparam("tsq", " & ".join(f"{w}:*" for w in words)))
    found = union_all(
        select(Instance.id.label("id")).where(
            func.to_tsvector(simple, Instance.title).op("@@")(tsquery)),
        select(CaseNote.instance_id.label("id")).where(
            func.to_tsvector(simple, CaseNote.body).op("@@")(tsquery)),
    ).subquery()
    return select(found.c.id)


def matching_cases(db: Database, query: str) -> ColumnElement[bool] | None:
    """A condition on `Instance` that holds for the cases whose title or a note has every word
    of `query` (None when it has no words: no narrowing)."""
    found = matching_ids(db, query)
    return None if found is None else Instance.id.in_(found)


def case_matches(db: Database, query: str) -> ColumnElement[bool] | None:
    """The condition of `matching_cases` checked case by case (a correlated `EXISTS` that seeks
    the case's id in the full-text index), for a walk that stops after a page: `matching_cases`
    would read every match first (None when `query` has no words)."""
    words = words_of(query)
    if not words:
        return None
    note = aliased(CaseNote, name="searched_note")
    if db.is_sqlite:
        match = " ".join(f'"{w}"*' for w in words)
        in_title = text("EXISTS (SELECT 1 FROM instance_title_fts WHERE instance_title_fts "
                        "MATCH :q AND instance_title_fts.rowid = instance.id)").bindparams(q=match)
        in_note = text("EXISTS (SELECT 1 FROM case_note_fts WHERE case_note_fts MATCH :q "
                       "AND case_note_fts.rowid = searched_note.id)").bindparams(q=match)
        return or_(in_title, exists().where(note.instance_id == Instance.id, in_note))
    simple: ColumnElement[str] = literal_column("'simple'")
    tsquery = func.to_tsquery(simple, bindparam("tsq", " & ".join(f"{w}:*" for w in words)))
    return or_(func.to_tsvector(simple, Instance.title).op("@@")(tsquery),
               exists().where(note.instance_id == Instance.id,
                              func.to_tsvector(simple, note.body).op("@@")(tsquery)))
