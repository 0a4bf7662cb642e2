"""What the pages show, decided here so that templates only render decisions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from engine import EventView, InstanceView, TaskDetail, TaskView, task_count_cap

from . import policy
from .casefiles.files import Document, Note
from .catalogue import INTERNAL_FIELDS, RETURNS
from .overview_query import COUNT_CAP, group_page
from .parties import Capacity
from .system import Finsam


@dataclass(frozen=True)
class ReturnReason:
    """Why a task came back (`catalogue.RETURNS`): the kind of return, and what the people who
    sent it back wrote. `parties` pairs a party's name with its comment or decision reference."""

    kind: str
    reason: str = ""
    instructions: str = ""
    meeting: str = ""
    parties: tuple[tuple[str, str], ...] = ()


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
    returned: ReturnReason | None = None
    documents: list[Document] = field(default_factory=list)  # attached to this step
    may_annotate: bool = False


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
    outcome_names: dict[str, str]
    people: dict[str, str]
    notes: list[Note] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    may_annotate: bool = False
    step_names: dict[str, str] = field(default_factory=dict)  # of the steps documents name


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
        returned=return_reason(finsam, capacity, task, names) if task.state == "open" else None,
        documents=finsam.case_files.documents(capacity, instance.id, task.bpmn_id)
        if policy.sees_instance(capacity, instance) else [],
        may_annotate=policy.may_annotate(capacity, instance),
    )


def return_reason(
    finsam: Finsam, capacity: Capacity, task: TaskView, names: dict[str, str]
) -> ReturnReason | None:
    """Why `task` came back, from the step completed last before it became ready (the other
    parties' answers to the same step do not count), with what that round recorded."""
    senders = RETURNS.get((task.process_id, task.bpmn_id))
    if not senders:
        return None
    events = finsam.events(capacity, task.instance_id)
    sender = next((e.task for e in reversed(events)
                   if e.kind == "completed" and e.task != task.bpmn_id), None)
    kind = senders.get(sender or "")
    if kind is None:
        return None
    data = finsam.visible_data(capacity, finsam.instance(capacity, task.instance_id))

    def text(key: str) -> str:
        value = data.get(key)
        return value.strip() if isinstance(value, str) else ""

    def said(collection: str, refused: Any, comment: str) -> tuple[tuple[str, str], ...]:
        rows = data.get(collection) or []
        return tuple((names.get(str(r.get("part")), str(r.get("part"))), text_of(r, comment))
                     for r in rows if isinstance(r, dict) and refused(r))

    if kind == "aterremiss":
        meeting = ", ".join(v for v in (text("motesdatum"), text("protokoll_paragraf")) if v)
        return ReturnReason(kind, text("motivering"), text("anvisningar"), meeting)
    if kind == "ej_overens":
        return ReturnReason(kind, text("skal"))
    if kind == "forankring":
        return ReturnReason(kind, parties=said("forankringar", lambda r: not r.get("forankrad"),
                                               "kommentar"))
    return ReturnReason(kind, parties=said("partsbeslut_lista",
                                           lambda r: r.get("beslut") == "nej", "beslut_referens"))


def text_of(row: dict[str, Any], key: str) -> str:
    value = row.get(key)
    return value.strip() if isinstance(value, str) else ""


def instance_page(finsam: Finsam, capacity: Capacity, instance_id: int) -> InstancePage:
    """Everything the instance page needs."""
    instance = finsam.instance(capacity, instance_id)
    spec_ends = finsam.end_event_names(instance)
    events = finsam.events(capacity, instance_id)
    open_tasks = finsam.open_tasks(capacity, instance)
    notes = finsam.case_files.notes(capacity, instance_id)
    documents = finsam.case_files.documents(capacity, instance_id)
    people = finsam.people_in(events, [*(t.claimed_by for t in open_tasks),
                                       *(n.author for n in notes),
                                       *(d.uploaded_by for d in documents)])
    return InstancePage(
        instance=instance,
        data=finsam.visible_data(capacity, instance),
        schemas=finsam.forms_of(capacity, instance),
        names=finsam.org_names(capacity.forbund),
        events=events,
        open_tasks=open_tasks,
        links=finsam.links(capacity, instance),
        hidden_fields=INTERNAL_FIELDS,
        outcome_name=spec_ends.get(instance.outcome or "", instance.outcome or ""),
        outcome_names=spec_ends,
        people=people,
        notes=notes,
        documents=documents,
        may_annotate=policy.may_annotate(capacity, instance),
        step_names=finsam.engine.element_names_of(instance.tenant, instance.id)
        if any(d.step for d in documents) else {},
    )


@dataclass(frozen=True)
class Waiting:
    """One open step of a case: what, whom it waits for, since when, and whether it is late."""

    task: TaskView
    party: str
    days: int
    overdue: bool


@dataclass(frozen=True)
class CaseRow:
    """A case on the overview with where it stands."""

    instance: InstanceView
    waiting: tuple[Waiting, ...]


@dataclass(frozen=True)
class Overview:
    """The *Ärenden* page: each need with its routes as one group, one page of them."""

    groups: list[list[CaseRow]]
    page: int
    pages: int
    total: int
    capped: bool = False  # more than `overview_query.COUNT_CAP` groups: "1000+"


OVERVIEW_PAGE_SIZE = 25


@dataclass(frozen=True)
class OverviewFilters:
    """What the overview is narrowed to: process, status, a words search over titles (`q`),
    the party a case waits for, cases waiting on the viewer's organisation, overdue ones."""

    process: str | None = None
    status: str | None = None
    q: str = ""
    party: str | None = None
    mine: bool = False
    overdue: bool = False
    page: int = 1
    start: date | None = None  # started on or after this day
    end: date | None = None  # started on or before this day
    sort: str = "new"  # `overview_query.SORTS`: newest first, oldest first, by title


def case_overview(finsam: Finsam, capacity: Capacity, filters: OverviewFilters) -> Overview:
    """The cases the policy lets `capacity` see, grouped need with routes, each with its open
    steps: the groups chosen, sorted and paged in SQL (`overview_query.group_page`, with the
    full-text search of `case_search`); only the page's cases are read."""
    names = finsam.org_names(capacity.forbund)
    now = finsam.engine.clock()
    found = group_page(finsam.db, capacity, filters, now, OVERVIEW_PAGE_SIZE)
    ids = [i for k in found.keys for i in found.members[k]]
    by_id = {r.id: r for r in finsam.engine.list_instances(capacity.forbund, ids=ids,
                                                           limit=len(ids) or 1)}
    # SQL chose what the policy lets the capacity see; the policy is asked again per case.
    by_id = {i: r for i, r in by_id.items() if policy.sees_instance(capacity, r)}

    def waiting(instance: InstanceView) -> tuple[Waiting, ...]:
        return tuple(
            Waiting(t, names.get(t.assignee, t.assignee), max((now - t.created_at).days, 0),
                    finsam.is_overdue(t))
            for t in finsam.open_tasks(capacity, instance))

    groups = []
    for key in found.keys:
        members = [by_id[i] for i in found.members[key] if i in by_id]
        members.sort(key=lambda r: (r.id != key, r.id))  # the need first, then its routes
        if members:
            groups.append([CaseRow(r, waiting(r)) for r in members])
    shown_total = min(found.total, COUNT_CAP)
    pages = max(1, -(-shown_total // OVERVIEW_PAGE_SIZE))
    return Overview(groups, min(max(filters.page, 1), pages), pages, found.total,
                    found.total > COUNT_CAP)


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


# Where each role starts: the first of these abilities it has (policy.ABILITIES).
START_SECTIONS = (policy.WORK, policy.DESIGN, policy.AUDIT, policy.ADMINISTER, policy.CASES,
                  policy.NATIONAL, policy.FOUND)


def start_section(capacity: Capacity) -> str:
    """The section a capacity lands on after login: its own work first, else its role's page."""
    return next((s for s in START_SECTIONS if policy.may(capacity, s)), "")


def acts_for_organisation(capacity: Capacity) -> bool:
    """Whether the capacity acts for its organisation (it has work to do in its name); the
    auditor, designer and admin are named by their role alone."""
    return policy.may(capacity, policy.WORK)


def nameable_processes(capacity: Capacity, names: dict[str, str]) -> dict[str, str]:
    """The processes (id → name) a page may offer `capacity` as choices."""
    return {pid: name for pid, name in names.items() if policy.sees_process(capacity, pid)}


__all__ = ["CaseRow", "InstancePage", "Overview", "OverviewFilters", "Waiting",
           "case_overview", "ReturnReason", "TaskPage", "acts_for_organisation", "count_labels",
           "instance_page", "may_start_need", "start_section",
           "nameable_processes", "task_page"]
