"""What the pages show, decided here so that templates only render decisions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine import EventView, InstanceView, TaskDetail, TaskView
from engine import queries

from . import access
from .parties import Capacity
from .system import Finsam

# Bookkeeping variables that a person does not need to read.
INTERNAL_FIELDS = frozenset({"behov_id", "projektparter", "fk_fallback"})


@dataclass(frozen=True)
class TaskPage:
    """A task as its page shows it, with what the viewer may do."""

    detail: TaskDetail
    instance: InstanceView
    data: dict[str, Any]
    schemas: list[dict[str, Any]]
    names: dict[str, str]
    hidden_fields: frozenset[str]
    can_complete: bool
    can_claim: bool
    can_unclaim: bool
    assignee_name: str


@dataclass(frozen=True)
class InstancePage:
    """An instance's page: status, data, timeline, open tasks and links."""

    instance: InstanceView
    data: dict[str, Any]
    schemas: list[dict[str, Any]]
    names: dict[str, str]
    events: list[EventView]
    open_tasks: list[TaskView]
    links: list[InstanceView]
    hidden_fields: frozenset[str]
    outcome_name: str


def task_page(finsam: Finsam, capacity: Capacity, task_id: int) -> TaskPage:
    """Everything the task page needs, for a capacity that may see the task."""
    detail = finsam.task(capacity, task_id)
    instance = finsam.engine.get_instance(capacity.forbund, detail.task.instance_id)
    task = detail.task
    mine = task.assignee in capacity.groups and capacity.can_write and task.state == "open"
    free = task.claimed_by in (None, capacity.username)
    names = finsam.org_names(capacity.forbund)
    return TaskPage(
        detail=detail,
        instance=instance,
        data=finsam.visible_data(capacity, instance),
        schemas=finsam.forms_of(capacity, instance),
        names=names,
        hidden_fields=INTERNAL_FIELDS,
        can_complete=mine and free,
        can_claim=mine and task.claimed_by is None,
        can_unclaim=mine and task.claimed_by == capacity.username,
        assignee_name=names.get(task.assignee, task.assignee),
    )


def instance_page(finsam: Finsam, capacity: Capacity, instance_id: int) -> InstancePage:
    """Everything the instance page needs."""
    instance = finsam.instance(capacity, instance_id)
    spec_ends = finsam.end_event_names(instance)
    return InstancePage(
        instance=instance,
        data=finsam.visible_data(capacity, instance),
        schemas=finsam.forms_of(capacity, instance),
        names=finsam.org_names(capacity.forbund),
        events=finsam.engine.events(capacity.forbund, instance_id),
        open_tasks=finsam.engine.open_tasks_of(instance_id),
        links=finsam.links(capacity, instance),
        hidden_fields=INTERNAL_FIELDS,
        outcome_name=spec_ends.get(instance.outcome or "", instance.outcome or ""),
    )


def may_start_need(capacity: Capacity) -> bool:
    """The beredningsgrupp's members and the kansli record needs."""
    return capacity.role in ("representant", "kansli")


def count_labels(counts: dict[str, int]) -> tuple[dict[str, str], str]:
    """The task list's tab counts as shown, and the total: exact up to the engine's cap, then
    "999+" (`Engine.count_tasks` counts no further, so the page costs the same at any backlog)."""
    cap = queries.COUNT_CAP
    labels = {pid: f"{cap}+" if n > cap else str(n) for pid, n in counts.items()}
    total = sum(min(n, cap) for n in counts.values())
    capped = any(n > cap for n in counts.values())
    return labels, f"{total}+" if capped else str(total)


def nameable_processes(capacity: Capacity, names: dict[str, str]) -> dict[str, str]:
    """The processes (id → name) a page may offer `capacity` as choices."""
    return {pid: name for pid, name in names.items() if access.may_name_process(capacity, pid)}


def sees_esf(capacity: Capacity) -> bool:
    """Whether ESF+ may be shown to this capacity at all."""
    return capacity.role != "styrelse"


__all__ = ["InstancePage", "TaskPage", "access", "count_labels", "instance_page", "may_start_need",
           "nameable_processes", "task_page"]
