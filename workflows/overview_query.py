"""The case overview as SQL: the groups (a need with its routes) the policy lets a capacity see,
narrowed by the filters and the full-text search, sorted and paged in the database, so that a
page costs about the same at 1 000 and 100 000 cases (`bench/overview.py`).

A group is keyed by its need: `coalesce(parent_id, id)`; the need is the group's root
(`parent_id` null: the domain starts routes from needs only, never from a route). `visible` is
the SQL reading of `policy.sees_instance` (tests/test_case_search.py holds them equal for every
role).

The work is bounded by the page and the capped count, not by the number of cases
(`overview_filters` builds the conditions):
- a narrowing filter (search, party, waiting on me/us, overdue) also says where its cases are
  found in an index (`Narrowing.source`). The cases found there are read as a stream, each
  checked against every filter, until `COUNT_CAP + 1` groups are found or the source ends.
  When it ends first, those groups are all there are: the count is exact and the page is sorted
  from them. Otherwise there are more than `COUNT_CAP` ("1000+");
- the page is then read by walking the roots in the order of the sort (`ix_instance_group`,
  `ix_instance_title_order`) and checking each group with `EXISTS` until the page is full;
- without a narrowing filter the count walks the roots in the same way, up to `COUNT_CAP + 1`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, select, text
from sqlalchemy.orm import Session, aliased

from engine import Database, Instance

from .overview_filters import Narrowing, narrowings, row_conditions, visible

SORTS = ("new", "old", "title")
COUNT_CAP = 1000  # the number of groups is counted up to here, then shown as "1000+"

__all__ = ["COUNT_CAP", "SORTS", "GroupPage", "group_page", "visible"]


@dataclass(frozen=True)
class GroupPage:
    """One page of group keys, the visible members of each (filtered), and the number of
    groups (at most `COUNT_CAP + 1`)."""

    keys: list[int]
    members: dict[int, list[int]]
    total: int


@contextmanager
def _reading(db: Database) -> Iterator[Session]:
    """A read session for the overview's statements, which all stop early (a cursor closed
    after `cap + 1` groups, a walk with a LIMIT): PostgreSQL costs their plans for every case,
    past its JIT threshold at 100 000 cases, and compiled them for 0.3-1 s (the stream of a
    representative's waiting cases; 20-40 ms without) or 10 ms (the capped count). So JIT is
    off, for this transaction only."""
    with db.read() as session:
        if not db.is_sqlite:
            session.execute(text("SET LOCAL jit = off"))
        yield session


def _key() -> ColumnElement[int]:
    return func.coalesce(Instance.parent_id, Instance.id)


def _group_holds(db: Database, root: Any, tenant: str, rows: list[ColumnElement[bool]],
                 narrowing: list[Narrowing]) -> list[ColumnElement[bool]]:
    """The group of `root` has a case the rows allow, and, for each narrowing filter, one the
    filter holds for (a need and its routes are one matter)."""
    def member(*extra: ColumnElement[bool]) -> ColumnElement[bool]:
        # `+ 0`: without it SQLite compares with the column's affinity and cannot use the
        # expression index `ix_instance_group` for the group's cases.
        found = select(literal(1)).where(Instance.tenant == tenant, _key() == root.id + 0,
                                         *rows, *extra)
        if not db.is_sqlite:
            # OFFSET 0 keeps PostgreSQL from turning the EXISTS into a join that reads every
            # case a filter holds for before the first root; each root is checked in turn.
            found = found.offset(0)
        return found.exists()

    return [member(n.condition) for n in narrowing] or [member()]


def _ordered(query: Select[Any], root: Any, sort: str) -> Select[Any]:
    """`query` over the roots in the order of `sort`, in the order of an index: the group key
    (`ix_instance_group`, which is the id for a root) or the title (`ix_instance_title_order`)."""
    if sort == "title":
        return query.order_by(func.lower(root.title), root.id.desc())
    key = func.coalesce(root.parent_id, root.id)
    return query.order_by(key.desc() if sort == "new" else key.asc())


def streamed_source(db: Database, tenant: str, rows: list[ColumnElement[bool]],
                    narrowing: list[Narrowing]) -> Select[Any]:
    """The group keys of the cases every filter holds for, read from the source of the first
    narrowing filter (a key for each row the source gives)."""
    driving = narrowing[0]
    found = driving.source.subquery()
    others = narrowing[1:] if driving.exact else narrowing
    # `+ 0` on SQLite: otherwise it may read the cases first (by the title index) and ask the
    # source for each, which for a full-text prefix search reads the term's whole doclist per
    # case (11 s for a search matching every title at 100 000); the stream reads the source once.
    source_id = found.c.id + 0 if db.is_sqlite else found.c.id
    return (select(_key()).select_from(found.join(Instance, Instance.id == source_id))
            .where(Instance.tenant == tenant, *rows, *[n.condition for n in others]))


def _streamed_groups(db: Database, tenant: str, rows: list[ColumnElement[bool]],
                     narrowing: list[Narrowing], cap: int) -> set[int] | None:
    """The groups every filter holds for, found from the sparsest-looking source: all of them
    when there are at most `cap`, else None (more than `cap`)."""
    query = streamed_source(db, tenant, rows, narrowing)
    keys: set[int] = set()
    with _reading(db) as session:
        result = session.execute(query.execution_options(yield_per=256))
        try:
            for (key,) in result:
                keys.add(key)
                if len(keys) > cap:
                    return None
        finally:
            result.close()
    return keys


def group_page(db: Database, capacity: Any, filters: Any, now: datetime,
               page_size: int, cap: int = COUNT_CAP) -> GroupPage:
    """The page `filters.page` of the groups the capacity sees, narrowed by `filters`
    (process, status, q, party, mine, overdue, start/end of the period, sort); the groups are
    counted up to `cap + 1`."""
    tenant = capacity.forbund
    rows = row_conditions(capacity, filters)
    narrowing = narrowings(db, capacity, filters, now)
    sort = filters.sort if filters.sort in SORTS else "new"
    root = aliased(Instance)
    holds = _group_holds(db, root, tenant, rows, narrowing)
    # SQLite would find the roots with `ix_instance_parent_id` (its statistics say few rows
    # have `parent_id` null) and sort them all: `+ 0` keeps it to the index of the order.
    # PostgreSQL knows half are null, but not of `parent_id + 0`, so it is asked plainly.
    is_root = (root.parent_id + 0).is_(None) if db.is_sqlite else root.parent_id.is_(None)
    roots = select(root.id).where(root.tenant == tenant, is_root, *holds)
    known = _streamed_groups(db, tenant, rows, narrowing, cap) if narrowing else None
    with _reading(db) as session:
        if known is not None:
            total = len(known)
        elif narrowing:
            total = cap + 1
        else:
            total = session.scalar(select(func.count()).select_from(
                _ordered(roots, root, "new").limit(cap + 1).subquery())) or 0
        pages = max(1, -(-min(total, cap) // page_size))
        page = min(max(filters.page, 1), pages)
        start = (page - 1) * page_size
        if known is None:
            found = list(session.scalars(_ordered(roots, root, sort)
                                         .limit(page_size).offset(start)))
        elif sort == "title":
            found = list(session.scalars(
                select(root.id).where(root.id.in_(sorted(known)))
                .order_by(func.lower(root.title), root.id.desc()).limit(page_size).offset(start)))
        else:
            found = sorted(known, reverse=sort == "new")[start:start + page_size]
        members: dict[int, list[int]] = {k: [] for k in found}
        if found:
            # Every case of the page's groups, each with whether it is shown: with the rows in
            # the WHERE, SQLite (no statistics) read every case of a process filter by
            # `ix_instance_tenant_process_created` to pick out the page's groups (linear).
            for instance_id, group, shown in session.execute(
                    select(Instance.id, _key(), and_(*rows))
                    .where(Instance.tenant == tenant, _key().in_(found))
                    .order_by(Instance.id)):
                if shown:
                    members[group].append(instance_id)
    return GroupPage(found, members, total)
