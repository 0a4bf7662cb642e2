"""The task list's statements, built so that their cost depends on the page, not the backlog.

The list reads each assignee's newest tasks in index order (`ix_human_task_inbox`, or
`ix_human_task_process` for one process) and merges only those; a tab's count reads the process
index alone and stops one past the cap.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, func, literal, select, union_all

from .models import HumanTask


def newest_tasks(tenant: str, assignees: Iterable[str], process_id: str | None,
                 claimed_by: str | None, instance_id: int | None,
                 limit: int) -> Select[tuple[HumanTask]] | None:
    """The open tasks of `tenant` for any of `assignees`, newest first, at most `limit`; None
    when there is no assignee."""
    newest = []
    for assignee in sorted(set(assignees)):
        part = select(HumanTask.id).where(
            HumanTask.tenant == tenant,
            HumanTask.state == "open",
            HumanTask.assignee == assignee,
        )
        if process_id is not None:
            part = part.where(HumanTask.process_id == process_id)
        if claimed_by is not None:
            part = part.where(HumanTask.claimed_by == claimed_by)
        if instance_id is not None:
            part = part.where(HumanTask.instance_id == instance_id)
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


def tab_counts(tenant: str, groups: list[str], processes: list[str], cap: int) -> Any:
    """Rows (process_id, n) of open tasks per process for `groups`, each n at most `cap` + 1."""
    return union_all(*[
        select(literal(process_id).label("process_id"), func.count().label("n"))
        .select_from(
            select(HumanTask.process_id)
            .where(HumanTask.tenant == tenant, HumanTask.state == "open",
                   HumanTask.assignee.in_(groups), HumanTask.process_id == process_id)
            .limit(cap + 1)
            .subquery()
        )
        for process_id in processes
    ])
