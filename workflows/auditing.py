"""What auditors see: every instance of the förbund, verification, and a step-through replay."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from engine import (
    EventView,
    Finding,
    InstanceView,
    ReplayStep,
    Verification,
    export_document,
    render_svg,
    sequence_flows,
    sign_export,
)

from . import admin_history, policy
from .parties import Capacity
from .system import Finsam


@dataclass(frozen=True)
class InstanceFilter:
    """The auditor's filters over the förbund's instances."""

    process_id: str | None = None
    status: str | None = None
    outcome: str | None = None
    organisation: str | None = None
    started_from: date | None = None
    started_to: date | None = None

    def matches(self, instance: InstanceView) -> bool:
        """Whether an instance passes every filter that is set."""
        started = instance.created_at.date()
        return (
            (self.process_id is None or instance.process_id == self.process_id)
            and (self.status is None or instance.status == self.status)
            and (self.outcome is None or instance.outcome == self.outcome)
            and (self.organisation is None
                 or self.organisation in (instance.data.get("parter") or []))
            and (self.started_from is None or started >= self.started_from)
            and (self.started_to is None or started <= self.started_to)
        )


@dataclass
class StepThrough:
    """One instance replayed, positioned at one event."""

    instance: InstanceView
    events: list[EventView]
    steps: list[ReplayStep]
    findings: list[Finding]
    position: int
    names: dict[str, str] = field(default_factory=dict)
    element_names: dict[str, str] = field(default_factory=dict)
    people: dict[str, str] = field(default_factory=dict)  # display names by what events record

    def person(self, recorded: str) -> str:
        """Who an event names, by display name ("borttagen person" once erased)."""
        return self.people.get(recorded, recorded)

    def acting_as(self, recorded: str) -> str:
        """The capacity an event records, a stand-in's absent colleague by display name."""
        capacity, sep, absent = recorded.partition(" för ")
        return f"{capacity}{sep}{self.person(absent)}" if sep else recorded

    def element(self, element_id: str) -> str:
        """An element's name, or its id when it has none."""
        return self.element_names.get(element_id) or element_id

    @property
    def changes(self) -> list[tuple[str, Any, Any]]:
        """The fields this event changed: (field, before, after)."""
        step = self.current
        if step is None:
            return []
        keys = list(dict.fromkeys([*step.data_before, *step.data_after]))
        return [(k, step.data_before.get(k), step.data_after.get(k)) for k in keys
                if step.data_before.get(k) != step.data_after.get(k)]

    @property
    def current(self) -> ReplayStep | None:
        return self.steps[self.position] if self.steps else None

    @property
    def event(self) -> EventView | None:
        return self.events[self.position] if self.events else None


def require_auditor(capacity: Capacity) -> None:
    """Only the auditor uses the audit pages (`policy.AUDIT`)."""
    policy.require(capacity, policy.AUDIT)


def audit_list(finsam: Finsam, capacity: Capacity, filters: InstanceFilter) -> list[InstanceView]:
    """Every instance of the auditor's förbund that passes the filters, newest first."""
    require_auditor(capacity)
    rows = finsam.engine.list_instances(capacity.forbund, limit=100_000)
    return [row for row in rows if policy.sees_instance(capacity, row) and filters.matches(row)]


def verify_all(finsam: Finsam, capacity: Capacity) -> tuple[list[Verification], list[Finding]]:
    """Verify every instance of the auditor's förbund."""
    require_auditor(capacity)
    return finsam.verify(capacity.forbund)


def verify_one(finsam: Finsam, capacity: Capacity, instance_id: int) -> Verification:
    """Verify one instance the capacity may see (the API's replay endpoint)."""
    finsam.instance(capacity, instance_id)
    results, other = finsam.verify(capacity.forbund, [instance_id])
    result = results[0]
    result.findings.extend(other)
    return result


def step_through(finsam: Finsam, capacity: Capacity, instance_id: int, position: int | None
                 ) -> StepThrough:
    """The replay of one instance positioned at event `position` (the last when None)."""
    require_auditor(capacity)
    instance = finsam.instance(capacity, instance_id)
    events = finsam.events(capacity, instance_id)
    steps, findings = finsam.engine.replay_steps(capacity.forbund, instance_id)
    last = max(len(steps) - 1, 0)
    at = last if position is None else min(max(position, 0), last)
    return StepThrough(instance, events, steps, findings, at, finsam.org_names(capacity.forbund),
                       finsam.engine.element_names_of(capacity.forbund, instance_id),
                       finsam.people_in(events))


def diagram_at(finsam: Finsam, capacity: Capacity, instance_id: int, position: int | None
               ) -> str:
    """The instance's diagram as SVG, with the path taken, completed and open steps marked."""
    view = step_through(finsam, capacity, instance_id, position)
    bpmn = _spec_bpmn(finsam, view.instance)
    highlights: dict[str, list[str]] = {}
    counts: dict[str, int] = {}
    step = view.current
    if step is not None:
        for element in step.path:
            highlights.setdefault(element, ["completed"])
            counts[element] = counts.get(element, 0) + 1
        done = set(step.path)
        for flow, (source, target) in sequence_flows(bpmn).items():
            if source in done and (target in done or target in {t[0] for t in step.open_tasks}):
                highlights.setdefault(flow, ["path"])
        for bpmn_id, _item in step.open_tasks:
            if bpmn_id:
                highlights[bpmn_id] = ["open"]
    counts = {k: v for k, v in counts.items() if v > 1}
    return render_svg(bpmn, highlights=highlights, counts=counts,
                      title=f"#{view.instance.id} {view.instance.title}")


def _spec_bpmn(finsam: Finsam, instance: InstanceView) -> bytes:
    return finsam.engine.bpmn_of_instance(instance.tenant, instance.id)


def export(finsam: Finsam, capacity: Capacity, instance_id: int,
           key: bytes | None = None) -> dict[str, Any]:
    """An instance's history with its chain head, for offline verification; the head signed
    with `key` when one is given (FINSAM_AUDIT_KEY), so the file is anchored by itself."""
    require_auditor(capacity)
    instance = finsam.instance(capacity, instance_id)
    document = export_document(instance, finsam.events(capacity, instance_id))
    return sign_export(document, key) if key else document


def administration(finsam: Finsam, capacity: Capacity
                   ) -> tuple[list[Any], admin_history.HistoryCheck]:
    """The förbund's administrative history (who, when, what changed) and its verification."""
    require_auditor(capacity)
    return (admin_history.events(finsam.db, capacity.forbund),
            admin_history.verify(finsam.db, capacity.forbund))


def administration_people(finsam: Finsam, events: list[Any]) -> dict[str, str]:
    """Display names of who the administrative history names: each actor and the person each
    event acted on (by id; by username before the directory), "borttagen person" once erased."""
    return finsam.people_names({e.actor for e in events}
                               | {str(e.data[k]) for e in events for k in PERSON_FIELDS
                                  if e.data.get(k)})


# The fields of an administrative event that name a person (by id; by username before 0016).
PERSON_FIELDS = ("person", "username", "absent", "deputy")
