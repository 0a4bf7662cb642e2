"""The follow-up report's SQL: aggregates over `instance`, `instance_attribute` and `human_task`.

Every function runs a fixed number of statements whatever the number of instances: the scope
(förbund, process, creation time) is read through the index on `instance (tenant, process_id,
created_at)`, the variables through `instance_attribute (instance_id, key)`. No instance's state
or data snapshot is read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Select, Subquery, and_, case, func, select
from sqlalchemy.orm import Session

from engine import HumanTask, Instance, InstanceAttribute

A = InstanceAttribute
I = Instance  # noqa: E741  (the two tables every query joins)


@dataclass(frozen=True)
class Scope:
    """The instances a report covers: these förbund, created in [start, end) (UTC)."""

    tenants: tuple[str, ...]
    start: datetime | None = None
    end: datetime | None = None

    def where(self, *process_ids: str) -> list[ColumnElement[bool]]:
        """The conditions on `instance` that select the scope's instances of the processes."""
        conditions: list[ColumnElement[bool]] = [
            I.tenant.in_(self.tenants), I.process_id.in_(process_ids)]
        if self.start is not None:
            conditions.append(I.created_at >= self.start)
        if self.end is not None:
            conditions.append(I.created_at < self.end)
        return conditions

    def attributes(self, process_id: str, *keys: str) -> list[ColumnElement[bool]]:
        """The conditions on `instance_attribute` for the scope's rows of `keys`: redundant with
        the join to `instance`, they let the planner read the index on (tenant, process_id, key)
        instead of every förbund's rows."""
        return [A.tenant.in_(self.tenants), A.process_id == process_id, A.key.in_(keys)]


def pivot(
    scope: Scope, process_id: str, text: Sequence[str] = (), number: Sequence[str] = (),
    lists: Sequence[str] = (),
) -> Subquery:
    """One row per instance in scope: id, tenant, titel, status, outcome, created_at, and one
    column per scalar variable (text or number); a missing variable is NULL. For each list
    variable of `lists`, `<key>_antal` counts its values and `<key>` is the value when there is
    exactly one (else NULL)."""
    columns: list[Any] = [
        I.id.label("id"), I.tenant.label("tenant"), I.title.label("titel"),
        I.status.label("status"), I.outcome.label("outcome"), I.created_at.label("created_at"),
    ]
    columns += [func.max(case((A.key == key, A.value_text))).label(key) for key in text]
    columns += [func.max(case((A.key == key, A.value_number))).label(key) for key in number]
    for key in lists:
        values = func.count(case((A.key == key, 1)))
        columns += [values.label(f"{key}_antal"),
                    case((values == 1, func.max(case((A.key == key, A.value_text))))).label(key)]
    return (
        select(*columns)
        .select_from(I)
        .outerjoin(A, and_(A.instance_id == I.id,
                           *scope.attributes(process_id, *text, *number, *lists)))
        .where(*scope.where(process_id))
        .group_by(I.id)  # the other columns depend on the primary key
        .subquery()
    )


def count_if(condition: ColumnElement[bool]) -> Any:
    """SUM(CASE WHEN condition THEN 1 ELSE 0 END)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def sum_if(condition: ColumnElement[bool], value: Any) -> Any:
    """SUM(CASE WHEN condition THEN value ELSE 0 END)."""
    return func.coalesce(func.sum(case((condition, func.coalesce(value, 0)), else_=0)), 0)


def by_tenant(
    session: Session, subquery: Subquery, figures: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """The figures (label → aggregate expression over `subquery`) per förbund."""
    query: Select[Any] = select(
        subquery.c.tenant, *(expression.label(name) for name, expression in figures.items())
    ).group_by(subquery.c.tenant)
    return {row.tenant: {name: row._mapping[name] for name in figures}
            for row in session.execute(query)}


def grouped(
    session: Session, source: FromClause, keys: dict[str, Any], figures: dict[str, Any],
    where: Sequence[ColumnElement[bool]] = (),
) -> list[dict[str, Any]]:
    """The figures (label → aggregate expression) per group of `keys` (label → expression)
    over the rows of `source` that meet `where`: one statement, one row per group. Each key is
    one expression object in SELECT and GROUP BY, so PostgreSQL sees the same parameters."""
    query: Select[Any] = (
        select(*(expression.label(name) for name, expression in keys.items()),
               *(expression.label(name) for name, expression in figures.items()))
        .select_from(source)
        .where(*where)
        .group_by(*keys.values())
    )
    return [dict(row._mapping) for row in session.execute(query)]


def of_tenants(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Rows with a `tenant` by their förbund, in their order."""
    grouped_rows: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        grouped_rows.setdefault(row["tenant"], []).append(row)
    return grouped_rows


def list_values(
    session: Session, scope: Scope, process_id: str, keys: Sequence[str]
) -> dict[int, dict[str, list[str]]]:
    """The list variables `keys` of every instance in scope: {instance id: {key: [values]}}."""
    query = (
        select(A.instance_id, A.key, A.value_text)
        .join(I, I.id == A.instance_id)
        .where(*scope.where(process_id), *scope.attributes(process_id, *keys))
        .order_by(A.instance_id, A.key, A.position)
    )
    values: dict[int, dict[str, list[str]]] = {}
    for instance_id, key, text in session.execute(query):
        values.setdefault(instance_id, {}).setdefault(key, []).append(str(text))
    return values


def list_breakdown(
    session: Session, scope: Scope, process_id: str, subquery: Subquery, key: str,
    condition: ColumnElement[bool],
) -> list[dict[str, Any]]:
    """For each value of the list variable `key` among the instances of `subquery` that meet
    `condition`: how many instances have it."""
    query = (
        select(A.value_text.label("kod"), func.count(func.distinct(A.instance_id)).label("antal"))
        .where(*scope.attributes(process_id, key), A.instance_id.in_(met(subquery, condition)))
        .group_by(A.value_text)
        .order_by(A.value_text)
    )
    return [dict(row._mapping) for row in session.execute(query)]


def met(subquery: Subquery, condition: ColumnElement[bool]) -> Select[Any]:
    """The ids of the instances of `subquery` that meet `condition`: a semi-join, so that the
    pivot is computed once and looked up, not joined row by row."""
    return select(subquery.c.id).where(condition)


def open_steps(
    session: Session, scope: Scope, process_ids: Sequence[str]
) -> list[dict[str, Any]]:
    """Where the running instances stand: per process and open step, how many instances wait
    there (an instance waiting at several parties' tasks of one step counts once)."""
    query = (
        select(
            I.process_id, HumanTask.bpmn_id, HumanTask.name,
            func.count(func.distinct(HumanTask.instance_id)).label("antal"),
        )
        .join(I, I.id == HumanTask.instance_id)
        .where(HumanTask.state == "open", I.status == "running",
               *scope.where(*process_ids))
        .group_by(I.process_id, HumanTask.bpmn_id, HumanTask.name)
        .order_by(I.process_id, func.count(func.distinct(HumanTask.instance_id)).desc(),
                  HumanTask.bpmn_id)
    )
    return [
        {"process_id": row.process_id, "steg": row.bpmn_id, "namn": row.name, "antal": row.antal}
        for row in session.execute(query)
    ]


def open_steps_by_instance(
    session: Session, scope: Scope, process_ids: Sequence[str]
) -> dict[int, list[str]]:
    """The names of each running instance's open steps, in the order they opened."""
    query = (
        select(HumanTask.instance_id, HumanTask.name)
        .join(I, I.id == HumanTask.instance_id)
        .where(HumanTask.state == "open", I.status == "running",
               *scope.where(*process_ids))
        .order_by(HumanTask.instance_id, HumanTask.id)
    )
    steps: dict[int, list[str]] = {}
    for instance_id, name in session.execute(query):
        names = steps.setdefault(instance_id, [])
        if name not in names:
            names.append(name)
    return steps

