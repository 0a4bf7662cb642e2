"""Due dates as the task list shows them: which tasks are overdue, and ordering by due date."""

from __future__ import annotations

from datetime import datetime

from engine import TaskView

SORTS = ("new", "due")


def is_overdue(task: TaskView, now: datetime) -> bool:
    """Whether an open task's due date has passed."""
    return task.state == "open" and task.due_at is not None and task.due_at < now


def by_due(tasks: list[TaskView]) -> list[TaskView]:
    """Tasks with the earliest due date first; tasks without one last, newest first."""
    dated = sorted((t for t in tasks if t.due_at is not None), key=lambda t: (t.due_at, t.id))
    undated = [t for t in tasks if t.due_at is None]
    return dated + undated
