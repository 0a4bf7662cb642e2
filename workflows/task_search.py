"""Searching and filtering the task list: words over the step's name, the case's title and its
notes (the full-text search of `case_search`), the party a step waits for, overdue steps and the
period a step became ready in; one condition on `human_task` for `Engine.list_tasks`, so the
search runs in the task list's own indexed statement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select

from engine import Database, HumanTask, Instance

from .case_search import matching_cases, words_of


@dataclass(frozen=True)
class TaskFilters:
    """What the task list is narrowed to besides the process tab and "taken by me"."""

    q: str = ""
    party: str | None = None
    overdue: bool = False
    start: date | None = None  # ready on or after this day
    end: date | None = None  # ready on or before this day

    @property
    def any(self) -> bool:
        """Whether anything narrows the list."""
        return bool(words_of(self.q) or self.party or self.overdue or self.start or self.end)


def task_condition(db: Database, filters: TaskFilters, now: datetime
                   ) -> ColumnElement[bool] | None:
    """The condition on `human_task` for `filters` (None: nothing narrows)."""
    conditions: list[ColumnElement[bool]] = []
    cases = matching_cases(db, filters.q)
    if cases is not None:
        in_name = and_(*[func.lower(HumanTask.name).contains(w, autoescape=True)
                         for w in words_of(filters.q)])
        conditions.append(or_(in_name, HumanTask.instance_id.in_(
            select(Instance.id).where(Instance.tenant == HumanTask.tenant, cases))))
    if filters.party:
        conditions.append(or_(HumanTask.assignee == filters.party,
                              HumanTask.item == filters.party))
    if filters.overdue:
        conditions.append(and_(HumanTask.due_at.is_not(None), HumanTask.due_at < now))
    if filters.start is not None:
        conditions.append(HumanTask.created_at >= datetime.combine(filters.start, time(),
                                                                   tzinfo=UTC))
    if filters.end is not None and filters.end < date.max:
        conditions.append(HumanTask.created_at < datetime.combine(
            filters.end + timedelta(days=1), time(), tzinfo=UTC))
    return and_(*conditions) if conditions else None
