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
from sqlalchemy.engine import Connection
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
TERMS_PER_WORD = 16  # a word that starts more terms keeps FTS5's prefix query


def words_of(query: str) -> list[str]:
    """The words of a search, at most `MAX_WORDS`, each letters and digits only (so nothing a
    user types reaches the query syntax of FTS5 or `to_tsquery`)."""
    return _WORD.findall(query.casefold())[:MAX_WORDS]


def _expandable(word: str) -> bool:
    # FTS5's tokenizer (unicode61) keeps such a word whole and as it is (letters and digits of
    # ASCII and Latin-1, lower case, in every Unicode version), so the index's terms that start
    # with it are exactly what its prefix query finds. Any other word keeps the prefix query.
    return all(ch.isascii() and ch.isalnum() and not ch.isupper()
               or "\u00df" <= ch <= "\u00ff" and ch != "\u00f7" for ch in word)


def _terms(connection: Connection, vocabulary: str, word: str) -> list[str] | None:
    """The terms of an index (its fts5vocab table) that start with `word`, in order; None when
    there are more than `TERMS_PER_WORD`. Each is one seek: `term > x` would read every entry of
    the term x, so the next term is sought at or after `x` followed by NUL (no term holds one)."""
    found: list[str] = []
    after = word
    while len(found) <= TERMS_PER_WORD:
        term = connection.scalar(text(f"SELECT term FROM {vocabulary} WHERE term >= :after "
                                      "LIMIT 1"), {"after": after})
        if term is None or not term.startswith(word):
            return found
        found.append(term)
        after = term + "\x00"
    return None


def _fts5_queries(db: Database, words: list[str]) -> tuple[str, str]:
    """The FTS5 queries of `words` for the titles and the notes: each word as the OR of the
    index's terms that start with it (`"w"` when there are none: it finds nothing), or as the
    prefix query `"w"*` (a word `_expandable` rejects, or with more than `TERMS_PER_WORD`).

    They find the same rows. A prefix query merges the doclists of every term with the prefix
    before it can seek a row (2.3 ms per case for a word in every title at 100 000 cases: the
    overview's walk asks per case); a term is sought directly (0.02 ms). The terms are read from
    fts5vocab tables in the connection's temp schema, created at first use and kept by the
    connection (committed: a read session's rollback would drop them again)."""
    queries = []
    with db.sa_engine.begin() as connection:
        for table in SEARCH_TABLES:
            vocabulary = f"temp.{table}_terms"
            connection.execute(text(f"CREATE VIRTUAL TABLE IF NOT EXISTS {vocabulary} "
                                    f"USING fts5vocab(main, {table}, instance)"))
            parts = []
            for word in words:
                terms = _terms(connection, vocabulary, word) if _expandable(word) else None
                if terms is None:
                    parts.append(f'"{word}"*')
                else:
                    either = " OR ".join(f'"{term}"' for term in terms or [word])
                    parts.append(f"({either})" if len(terms) > 1 else either)
            # AND spelt out: FTS5 joins a group in brackets to the next only so.
            queries.append(" AND ".join(parts))
    return queries[0], queries[1]


def searched(db: Database, query: str
             ) -> tuple[Select[Any], ColumnElement[bool]] | None:
    """The cases whose title or a note has every word of `query`, read two ways (None when it
    has no words: no narrowing): the ids from the full-text indexes (a case may come twice, by
    its title and by a note; of every förbund), and a condition on `Instance` checked case by
    case (a correlated `EXISTS` that seeks the case's id in the index), for a walk that stops
    after a page where the ids would be read whole first."""
    words = words_of(query)
    if not words:
        return None
    note = aliased(CaseNote, name="searched_note")
    if db.is_sqlite:
        in_titles, in_notes = _fts5_queries(db, words)
        titles = text("SELECT rowid AS id FROM instance_title_fts "
                      "WHERE instance_title_fts MATCH :qt").bindparams(qt=in_titles)
        notes = text("SELECT case_note.instance_id AS id FROM case_note WHERE case_note.id IN "
                     "(SELECT rowid FROM case_note_fts WHERE case_note_fts MATCH :qn)"
                     ).bindparams(qn=in_notes)
        ids = select(column("id", Integer)).select_from(
            union_all(select(column("id", Integer)).select_from(
                titles.columns(column("id", Integer)).subquery()),
                select(column("id", Integer)).select_from(
                    notes.columns(column("id", Integer)).subquery())).subquery())
        in_title = text("EXISTS (SELECT 1 FROM instance_title_fts WHERE instance_title_fts "
                        "MATCH :qt AND instance_title_fts.rowid = instance.id)"
                        ).bindparams(qt=in_titles)
        in_note = text("EXISTS (SELECT 1 FROM case_note_fts WHERE case_note_fts MATCH :qn "
                       "AND case_note_fts.rowid = searched_note.id)").bindparams(qn=in_notes)
        return ids, or_(in_title, exists().where(note.instance_id == Instance.id, in_note))
    simple: ColumnElement[str] = literal_column("'simple'")
    tsquery = func.to_tsquery(simple, bindparam("tsq", " & ".join(f"{w}:*" for w in words)))
    found = union_all(
        select(Instance.id.label("id")).where(
            func.to_tsvector(simple, Instance.title).op("@@")(tsquery)),
        select(CaseNote.instance_id.label("id")).where(
            func.to_tsvector(simple, CaseNote.body).op("@@")(tsquery)),
    ).subquery()
    return select(found.c.id), or_(
        func.to_tsvector(simple, Instance.title).op("@@")(tsquery),
        exists().where(note.instance_id == Instance.id,
                       func.to_tsvector(simple, note.body).op("@@")(tsquery)))


def matching_cases(db: Database, query: str) -> ColumnElement[bool] | None:
    """A condition on `Instance` that holds for the cases whose title or a note has every word
    of `query` (None when it has no words: no narrowing)."""
    found = searched(db, query)
    return None if found is None else Instance.id.in_(found[0])
