"""The case overview as SQL: the groups (a need with its routes) the policy lets a capacity see,
narrowed by the filters and the full-text search, sorted and paged in the database, so a page
costs about the same at 1 000 and 100 000 cases (`bench/overview.py`).

A group is keyed by its need: `coalesce(parent_id, id)`. `visible` is the SQL reading of
`policy.sees_instance` (tests/test_case_search.py holds them equal for every role).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, func, or_, select, true
from sqlalchemy.orm import aliased

from engine import Database, Grant, HumanTask, Instance, InstanceAttribute

from . import catalogue as c
from . import policy
from .case_search import matching_cases
from .parties import PARTY_REPRESENTATIVES, Capacity

SORTS = ("new", "old", "title")
COUNT_CAP = 1000  # the number of groups is counted up to here, then shown as "1000+"


@dataclass(frozen=True)
class GroupPage:
    """One page of group keys, the visible members of each (filtered), and the number of
    groups (at most `COUNT_CAP + 1`)."""

    keys: list[int]
    members: dict[int, list[int]]
    total: int


def _attribute(key: str, values: list[str], tenant: str | None = None) -> ColumnElement[bool]:
    # With the förbund named, PostgreSQL reads the attribute rows of that förbund only (the
    # index on (tenant, process_id, key, value_text)) where it hashes the subquery, not every
    # förbund's (at 80 förbund, 80 times as many rows).
    conditions = [InstanceAttribute.instance_id == Instance.id, InstanceAttribute.key == key,
                  InstanceAttribute.value_text.in_(values)]
    if tenant is not None:
        conditions.append(InstanceAttribute.tenant == tenant)
    return exists().where(and_(*conditions))


def visible(capacity: Capacity) -> ColumnElement[bool]:
    """`policy.sees_instance` as a condition on `Instance`."""
    if not policy.may(capacity, policy.CASES):
        return false()
    seen = [Instance.tenant == capacity.forbund]
    if capacity.role == "styrelse":
        seen.append(Instance.process_id.in_(sorted(c.STYRELSE_PROCESSES)))
        seen.append(Instance.process_id.not_in(sorted(c.ESF_PROCESSES)))
        seen.append(or_(Instance.process_id != c.NEED_PROCESS,
                        _attribute("finansieringsform", sorted(c.FORMS_WITHOUT_ESF),
                                   capacity.forbund)))
    elif capacity.role == "representant":
        seen.append(or_(Instance.process_id.in_(sorted(c.WHOLE_GROUP_PROCESSES)),
                        _attribute(c.PARTIES_VARIABLE, [capacity.org], capacity.forbund)))
    return and_(*seen)


def _open_task(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(HumanTask.instance_id == Instance.id, HumanTask.state == "open",
                          *conditions)


def _grant(grant: Grant) -> ColumnElement[bool]:
    """`Grant.allows` on an open task of the instance, as SQL."""
    conditions = [HumanTask.assignee == grant.group]
    if grant.processes is not None:
        conditions.append(HumanTask.process_id.in_(sorted(grant.processes)))
    if grant.where is not None:
        conditions.append(_attribute(grant.where[0], [grant.where[1]]))
    return _open_task(*conditions)


def _period(start: date | None, end: date | None) -> list[ColumnElement[bool]]:
    found = []
    if start is not None:
        found.append(Instance.created_at >= datetime.combine(start, time(), tzinfo=UTC))
    if end is not None and end < date.max:
        found.append(Instance.created_at < datetime.combine(end + timedelta(days=1), time(),
                                                            tzinfo=UTC))
    return found


def group_page(db: Database, capacity: Capacity, filters: Any, now: datetime,
               page_size: int) -> GroupPage:
    """The page `filters.page` of the groups the capacity sees, narrowed by `filters`
    (process, status, q, party, mine, overdue, start/end of the period, sort)."""
    key = func.coalesce(Instance.parent_id, Instance.id)
    rows = [visible(capacity), *_period(filters.start, filters.end)]
    if filters.process:
        rows.append(Instance.process_id == filters.process)
    if filters.status:
        rows.append(Instance.status == filters.status)
    narrowing: list[ColumnElement[bool]] = []
    searched = matching_cases(db, filters.q)
    if searched is not None:
        narrowing.append(searched)
    if filters.party:
        narrowing.append(or_(
            _open_task(or_(HumanTask.assignee == filters.party, HumanTask.item == filters.party)),
            and_(_open_task(HumanTask.assignee == PARTY_REPRESENTATIVES),
                 _attribute(c.PARTIES_VARIABLE, [filters.party]))))
    if filters.mine:
        grants = policy.grants(capacity)
        narrowing.append(or_(*[_grant(g) for g in grants]) if grants else false())
    if filters.overdue:
        narrowing.append(_open_task(HumanTask.due_at.is_not(None), HumanTask.due_at < now))
    # Each filter holds for some case of the group (as a need and its routes are one matter).
    wanted: ColumnElement[bool] = true()
    for condition in narrowing:
        wanted = and_(wanted, key.in_(select(key).where(*rows, condition)))
    # DISTINCT in the order of `ix_instance_group` (tenant, coalesce(parent_id, id)): the page
    # and the capped count stop early instead of grouping every case.
    keys = select(key.label("key")).where(*rows, wanted).distinct()
    sort = filters.sort if filters.sort in SORTS else "new"
    if sort == "title":
        grouped = keys.subquery()
        root = aliased(Instance)
        ordered = (select(grouped.c.key).join(root, root.id == grouped.c.key)
                   .order_by(func.lower(root.title), grouped.c.key.desc()))
    else:
        ordered = keys.order_by(key.desc() if sort == "new" else key.asc())
    page = max(filters.page, 1)
    with db.read() as session:
        total = session.scalar(select(func.count()).select_from(
            keys.order_by(key.desc()).limit(COUNT_CAP + 1).subquery())) or 0
        pages = max(1, -(-min(total, COUNT_CAP) // page_size))
        page = min(page, pages)
        found = list(session.scalars(ordered.limit(page_size).offset((page - 1) * page_size)))
        members: dict[int, list[int]] = {k: [] for k in found}
        if found:
            for instance_id, group in session.execute(
                    select(Instance.id, key).where(*rows, key.in_(found))
                    .order_by(Instance.id)):
                members[group].append(instance_id)
    return GroupPage(found, members, total)
