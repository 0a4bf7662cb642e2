"""The case overview's filters as SQL (`overview_query` composes them): who sees a case
(`visible`, the SQL reading of `policy.sees_instance`), the conditions on each case shown
(process, status, period) and the narrowing filters that hold for some case of a group (search,
party, waiting on me/us, overdue), each with the index-backed source its cases are found in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, or_, select, union_all

from engine import Grant, HumanTask, Instance, InstanceAttribute

from . import catalogue as c
from . import policy
from .case_search import searched
from .parties import PARTY_REPRESENTATIVES, Capacity


@dataclass(frozen=True)
class Narrowing:
    """A filter that holds for a case (`condition`, on `Instance`), and the ids of at least
    every case it holds for, read from an index (`source`)."""

    condition: ColumnElement[bool]
    source: Select[Any]
    exact: bool = False  # the source holds exactly the cases the condition holds for


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


def _period(start: date | None, end: date | None) -> list[ColumnElement[bool]]:
    found = []
    if start is not None:
        found.append(Instance.created_at >= datetime.combine(start, time(), tzinfo=UTC))
    if end is not None and end < date.max:
        found.append(Instance.created_at < datetime.combine(end + timedelta(days=1), time(),
                                                            tzinfo=UTC))
    return found


def row_conditions(capacity: Capacity, filters: Any) -> list[ColumnElement[bool]]:
    """What every case shown must satisfy: visible, in the period, of the process and status."""
    rows = [visible(capacity), *_period(filters.start, filters.end)]
    if filters.process:
        rows.append(Instance.process_id == filters.process)
    if filters.status:
        rows.append(Instance.status == filters.status)
    return rows


def _open_tasks(tenant: str, *conditions: ColumnElement[bool]) -> Select[Any]:
    """The instances with an open task meeting `conditions`, from the task indexes."""
    return select(HumanTask.instance_id.label("id")).where(
        HumanTask.tenant == tenant, HumanTask.state == "open", *conditions)


def _open_task(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(HumanTask.instance_id == Instance.id, HumanTask.state == "open",
                          *conditions)


def _grant(grant: Grant, tenant: str) -> tuple[ColumnElement[bool], list[ColumnElement[bool]]]:
    """`Grant.allows` on an open task of the instance, as SQL, and the task's own part."""
    task = [HumanTask.assignee == grant.group]
    if grant.processes is not None:
        task.append(HumanTask.process_id.in_(sorted(grant.processes)))
    if grant.where is None:
        return _open_task(*task), task
    # The variable is the case's own: its EXISTS beside the task's, both on the outer instance
    # (inside the task's EXISTS it would name an instance of its own: any case's value).
    return and_(_open_task(*task), _attribute(grant.where[0], [grant.where[1]], tenant)), task


def _by_assignee(db: Any, tenant: str, assignee: str) -> Select[Any]:
    """`_open_tasks` of one assignee. On SQLite in the order they became ready
    (`ix_human_task_inbox`, by a range on its next column that every task is in): SQLite picked
    `ix_human_task_process`, which gives them process by process, so a viewer who sees none of
    the first process's cases has the stream read them all before one it sees (Ängelholm's
    party filter for Klippan at 100 000 cases: Klippan's 4 000 ESF+ tasks first, 5 001 rows for
    1 001 groups, 40-60 ms; 2 003 rows in the order they became ready, 11-25 ms)."""
    ready = [HumanTask.created_at >= datetime.min.replace(tzinfo=UTC)] if db.is_sqlite else []
    return _open_tasks(tenant, HumanTask.assignee == assignee, *ready)


def _sources(*selects: Select[Any]) -> Select[Any]:
    if len(selects) == 1:
        return selects[0]
    found = union_all(*selects).subquery()
    return select(found.c.id)


def narrowings(db: Any, capacity: Capacity, filters: Any, now: datetime) -> list[Narrowing]:
    """The narrowing filters of `filters`, each with its source."""
    tenant = capacity.forbund
    found: list[Narrowing] = []
    search = searched(db, filters.q)
    if search is not None:
        found.append(Narrowing(search[1], search[0], exact=True))
    if filters.party:
        party = filters.party
        found.append(Narrowing(
            or_(_open_task(or_(HumanTask.assignee == party, HumanTask.item == party)),
                and_(_open_task(HumanTask.assignee == PARTY_REPRESENTATIVES),
                     _attribute(c.PARTIES_VARIABLE, [party], tenant))),
            # Exact: the party's representatives' tasks are taken where the party is a party
            # (most open tasks are theirs, and the stream would read them all to find a few).
            _sources(_by_assignee(db, tenant, party),
                     _open_tasks(tenant, HumanTask.item == party),
                     _by_assignee(db, tenant, PARTY_REPRESENTATIVES).join(
                         InstanceAttribute, and_(
                             InstanceAttribute.instance_id == HumanTask.instance_id,
                             InstanceAttribute.key == c.PARTIES_VARIABLE,
                             InstanceAttribute.value_text == party,
                             InstanceAttribute.tenant == tenant))),
            exact=True))
    if filters.mine:
        grants = [_grant(g, tenant) for g in policy.grants(capacity)]
        if grants:
            found.append(Narrowing(or_(*[g[0] for g in grants]),
                                   _sources(*[_open_tasks(tenant, *g[1]) for g in grants])))
        else:
            found.append(Narrowing(false(), select(Instance.id.label("id")).where(false())))
    if filters.overdue:
        late = [HumanTask.due_at.is_not(None), HumanTask.due_at < now]
        # Exact (a task's förbund is its case's), so the stream does not check it again: as a
        # single EXISTS PostgreSQL made that check a semi-join reading every task (linear).
        found.append(Narrowing(_open_task(*late), _open_tasks(tenant, *late), exact=True))
    return found
