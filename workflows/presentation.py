"""What the pages show, decided here so that templates only render decisions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine import EventView, InstanceView, TaskDetail, TaskView, task_count_cap

from . import policy
from .catalogue import INTERNAL_FIELDS
from .parties import Capacity
from .system import Finsam


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
    can_hand_over: bool
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
    actions = policy.task_actions(capacity, task, instance)
    names = finsam.org_names(capacity.forbund)
    return TaskPage(
        detail=detail,
        instance=instance,
        data=finsam.visible_data(capacity, instance),
        schemas=finsam.forms_of(capacity, instance),
        names=names,
        hidden_fields=INTERNAL_FIELDS,
        can_complete=actions.complete,
        can_claim=actions.claim,
        can_unclaim=actions.unclaim,
        can_hand_over=actions.hand_over,
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
        events=finsam.events(capacity, instance_id),
        open_tasks=finsam.open_tasks(capacity, instance),
        links=finsam.links(capacity, instance),
        hidden_fields=INTERNAL_FIELDS,
        outcome_name=spec_ends.get(instance.outcome or "", instance.outcome or ""),
    )


def may_start_need(capacity: Capacity) -> bool:
    """Whether the page offers recording a need (`policy.START_NEED`)."""
    return policy.may(capacity, policy.START_NEED)


def count_labels(counts: dict[str, int]) -> tuple[dict[str, str], str]:
    """The task list's tab counts as shown, and the total: exact up to the engine's cap, then
    "999+" (`Engine.count_tasks` counts no further, so the page costs the same at any backlog)."""
    cap = task_count_cap()
    labels = {pid: f"{cap}+" if n > cap else str(n) for pid, n in counts.items()}
    total = sum(min(n, cap) for n in counts.values())
    capped = any(n > cap for n in counts.values())
    return labels, f"{total}+" if capped else str(total)


def nameable_processes(capacity: Capacity, names: dict[str, str]) -> dict[str, str]:
    """The processes (id → name) a page may offer `capacity` as choices."""
    return {pid: name for pid, name in names.items() if policy.sees_process(capacity, pid)}


__all__ = ["InstancePage", "TaskPage", "count_labels", "instance_page", "may_start_need",
           "nameable_processes", "task_page"]
