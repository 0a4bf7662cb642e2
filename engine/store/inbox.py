"""The task list's statements, built so that their cost depends on the page, not the backlog.

The list reads each grant's newest tasks in index order (`ix_human_task_inbox`, or
`ix_human_task_process` for one process) and merges only those; a tab's count reads the process
index and stops one past the cap. A grant narrowed by a variable (`Grant.where`) adds an
`EXISTS` on `instance_attribute` (`ix_instance_attribute_instance`), the SQL reading of
`Grant.allows`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, literal, select, union, union_all

from engine.base.types import Grant
from engine.store.models import HumanTask, InstanceAttribute


def as_grants(assignees: Iterable[str | Grant]) -> list[Grant]:
    """Grants from grants or plain assignee keys (a key is a grant of its every task)."""
    found = {a if isinstance(a, Grant) else Grant(a) for a in assignees}
    return sorted(found, key=repr)


def _narrowed(query: Select[Any], grant: Grant) -> Select[Any]:
    """`query` over human_task limited to what `grant` allows."""
    query = query.where(HumanTask.assignee == grant.group)
    if grant.processes is not None:
        query = query.where(HumanTask.process_id.in_(sorted(grant.processes)))
    if grant.where is not None:
        key, value = grant.where
        query = query.where(exists().where(and_(
            InstanceAttribute.instance_id == HumanTask.instance_id,
            InstanceAttribute.key == key,
            InstanceAttribute.value_text == value,
        )))
    return query


def newest_tasks(tenant: str, grants: Iterable[Grant], process_id: str | None,
                 claimed_by: str | tuple[str, ...] | None, instance_id: int | None,
                 limit: int, where: ColumnElement[bool] | None = None
                 ) -> Select[HumanTask] | None:
    """The open tasks of `tenant` that any of `grants` allows, newest first, at most `limit`;
    None when there is no grant. `claimed_by` narrows to tasks one of those users holds, `where`
    (a condition on `human_task`) to those it holds for."""
    newest = []
    for grant in grants:
        if process_id is not None and grant.processes is not None \
                and process_id not in grant.processes:
            continue
        part = _narrowed(select(HumanTask.id).where(
            HumanTask.tenant == tenant,
            HumanTask.state == "open",
        ), grant)
        if process_id is not None:
            part = part.where(HumanTask.process_id == process_id)
        if isinstance(claimed_by, str):
            part = part.where(HumanTask.claimed_by == claimed_by)
        elif claimed_by is not None:
            part = part.where(HumanTask.claimed_by.in_(sorted(claimed_by)))
        if instance_id is not None:
            part = part.where(HumanTask.instance_id == instance_id)
        if where is not None:
            part = part.where(where)
        part = part.order_by(HumanTask.created_at.desc(), HumanTask.id.desc()).limit(limit)
        newest.append(select(part.subquery()))
    if not newest:
        return None
    ids = union_all(*newest).subquery()
    return (
        select(HumanTask)
        .where(HumanTask.id.in_(select(ids.c.id)))
        .order_by(HumanTask.created_at.desc(), HumanTask.id.desc())
        .limit(limit)
    )


def tab_counts(tenant: str, grants: list[Grant], processes: list[str], cap: int) -> Any:
    """Rows (process_id, n) of open tasks per process that any of `grants` allows, each n at
    most `cap` + 1 (a task two grants allow counts once); None when no grant reaches any of
    `processes`."""
    parts = []
    for process_id in processes:
        reaching = [g for g in grants if g.processes is None or process_id in g.processes]
        if not reaching:
            continue
        selects = [
            _narrowed(select(HumanTask.id).where(
                HumanTask.tenant == tenant, HumanTask.state == "open",
                HumanTask.process_id == process_id), grant).limit(cap + 1)
            for grant in reaching
        ]
        ids = (union(*[select(s.subquery()) for s in selects]) if len(selects) > 1
               else selects[0]).subquery()
        parts.append(
            select(literal(process_id).label("process_id"), func.count().label("n"))
            .select_from(select(ids.c.id).limit(cap + 1).subquery())
        )
    if not parts:
        return None
    return union_all(*parts) if len(parts) > 1 else parts[0]
