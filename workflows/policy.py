"""Who may see and do what in finsam-flow: the one place that decides.

Every view, API route, CLI command a user runs, report and the worker ask these functions;
nothing else decides. Everything is an allow-list: a role has the abilities listed in `ABILITIES`
and nothing else; the styrelse reads the fields in `catalogue.STYRELSE_FIELDS` and nothing else.

The three promises, and where each holds:
- ESF+ never reaches the styrelse (R-S2): `sees_process`/`sees_instance` (only Finsam instances),
  `visible_data`/`visible_event` (an allow-list of fields), `grants` (its tasks only in
  `STYRELSE_PROCESSES`), `styrelse_may_work_in` (deploy rule and assignment), `report_sections`.
- Only the parties of a need act on it: `grants` narrow a member organisation to instances whose
  `parter` holds it (outside the processes the whole beredningsgrupp shares); the engine checks
  the same grants inside the instance's lock, and the task list, tab counts and mail read them.
- One förbund never touches another: every check starts with the capacity's förbund (`tenant`).

To add a rule: add the ability or the field here, ask it where the thing happens, and the
generated tests (`tests/test_policy_matrix.py`) cover it for every route and role.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from engine import Actor, EventView, Forbidden, Grant, InstanceView, TaskView

from . import catalogue as c
from .parties import BEREDNINGSGRUPP, KANSLI, PARTY_REPRESENTATIVES, STYRELSE, Absence, Capacity

# -- abilities ---------------------------------------------------------------------------------

WORK = "work"  # has a task list and completes tasks
START_NEED = "start_need"  # records needs identified in the beredningsgrupp
CASES = "cases"  # reads cases (instances) within the rules below
LINKS = "links"  # sees the link between a need and its routes (Q1)
REPORT = "report"  # reads the follow-up report
REPORT_ESF = "report_esf"  # reads its ESF+ part
REPORT_CASES = "report_cases"  # the report links every case it lists (sees them all)
READ_ALL = "read_all"  # reads every case and task of the förbund, changes nothing
AUDIT = "audit"  # verification, step-through replay, exports
DESIGN = "design"  # lints, deploys and migrates processes
ADMINISTER = "administer"  # manages the förbund's users
ESCALATIONS = "escalations"  # hears of tasks long past their due date, to help the party on
WAITING = "waiting"  # sees where a process's cases wait (figures per step, no case)
NATIONAL = "national"  # reads the follow-up of every förbund where it holds the role, figures only
ANNOTATE = "annotate"  # writes notes and attaches documents on the cases it sees

# Abilities that change something; a role with none of them (the auditor) writes nothing.
WRITES = frozenset({WORK, START_NEED, DESIGN, ADMINISTER, ANNOTATE})

ABILITIES: dict[str, frozenset[str]] = {
    "representant": frozenset({WORK, START_NEED, CASES, LINKS, REPORT, REPORT_ESF, ANNOTATE}),
    "kansli": frozenset({WORK, START_NEED, CASES, LINKS, REPORT, REPORT_ESF, REPORT_CASES,
                        ESCALATIONS, WAITING, ANNOTATE}),
    "styrelse": frozenset({WORK, CASES, REPORT, REPORT_CASES, ANNOTATE}),
    "auditor": frozenset({CASES, LINKS, READ_ALL, REPORT, REPORT_ESF, REPORT_CASES, AUDIT}),
    "designer": frozenset({DESIGN, WAITING}),
    "admin": frozenset({ADMINISTER}),
    # Försäkringskassan's national follow-up (issue 17): the aggregated figures of every förbund
    # it is given, per förbund and in total; never a case, a case list, a task or a name.
    "nationell": frozenset({REPORT, REPORT_ESF, NATIONAL}),
}
REFUSALS = {
    WORK: "din roll har inga uppgifter att utföra",
    START_NEED: "bara beredningsgruppens medlemmar och kansliet registrerar behov",
    CASES: "din roll ser inga ärenden",
    REPORT: "uppföljningen är för kansliet, revisorn, beredningsgruppen, styrelsen och "
            "Försäkringskassan nationellt",
    NATIONAL: "uppföljningen över flera förbund är för Försäkringskassan nationellt",
    AUDIT: "granskningen är för revisorn",
    DESIGN: "det här är för processdesigners",
    ADMINISTER: "det här är för förbundets administratör",
    WAITING: "väntetiderna är för förbundskansliet och processdesigners",
    ANNOTATE: "din roll skriver inga anteckningar och bifogar inga dokument",
}


def may(capacity: Capacity, ability: str) -> bool:
    """Whether the capacity's role has `ability`."""
    return ability in ABILITIES.get(capacity.role, frozenset())


def require(capacity: Capacity, ability: str) -> None:
    """Raise Forbidden (with the reason in Swedish) unless the capacity has `ability`."""
    if not may(capacity, ability):
        raise Forbidden(REFUSALS.get(ability, "din roll får inte göra detta"))


def owns_draft(capacity: Capacity, forbund: str, username: str) -> bool:
    """Whether the capacity may open, overwrite or delete a modeler draft saved by `username`
    in `forbund`: only that designer, acting in that förbund (never another förbund's, never a
    colleague's)."""
    return (may(capacity, DESIGN) and capacity.forbund == forbund
            and capacity.username == username)


def nav(capacity: Capacity) -> frozenset[str]:
    """The sections of the app the capacity is offered (templates render this, nothing more)."""
    return ABILITIES.get(capacity.role, frozenset())


# -- tasks: who must act where -----------------------------------------------------------------

def grants(capacity: Capacity) -> tuple[Grant, ...]:
    """The tasks the capacity may see in its task list and act on (`engine.Grant`): its role's,
    and those of every colleague it stands in for today."""
    if not may(capacity, WORK):
        return ()
    found = list(_role_grants(capacity.role, capacity.org))
    for absent in capacity.stands_in_for:
        if may_stand_in(capacity, absent):
            found.extend(g for g in _role_grants(absent.role, absent.org) if g not in found)
    return tuple(found)


def _role_grants(role: str, org: str) -> tuple[Grant, ...]:
    if role == "representant":
        party = (c.PARTIES_VARIABLE, org)
        return (
            Grant(org, where=party),
            Grant(BEREDNINGSGRUPP, processes=c.WHOLE_GROUP_PROCESSES),
            Grant(BEREDNINGSGRUPP, where=party),
            Grant(PARTY_REPRESENTATIVES, where=party),
        )
    if role == "kansli":
        return (Grant(KANSLI), Grant(BEREDNINGSGRUPP))
    if role == "styrelse":
        return (Grant(STYRELSE, processes=c.STYRELSE_PROCESSES),)
    return ()


def may_stand_in(deputy: Capacity, absent: Capacity | Absence) -> bool:
    """Whether `deputy` may be (and, on a day of the period, is) ställföreträdare for `absent`:
    another person acting for the same organisation (of the same förbund: a stand-in is only
    ever stored within one), both in roles that do work."""
    return (
        deputy.username != absent.username
        and deputy.org == absent.org
        and may(deputy, WORK)
        and WORK in ABILITIES.get(absent.role, frozenset())
        and (not isinstance(absent, Capacity) or absent.forbund == deputy.forbund)
    )


def stands_in_for(capacity: Capacity) -> frozenset[str]:
    """The actor ids whose held tasks the capacity may complete, release or hand on today."""
    return frozenset(a.actor_id for a in capacity.stands_in_for if may_stand_in(capacity, a))


def actor(capacity: Capacity) -> Actor:
    """The engine's view of the capacity: its grants, whether it may write at all, and whom it
    stands in for (recorded as "X för Y" where it acts on their held tasks)."""
    return Actor(
        username=capacity.actor_id,  # the engine records the pseudonymous id, never a name
        tenant=capacity.forbund,
        acting_as=capacity.acting_as,
        grants=grants(capacity),
        can_write=bool(nav(capacity) & WRITES),
        stands_in_for=stands_in_for(capacity),
    )


def may_start(capacity: Capacity, process_id: str) -> bool:
    """Whether the capacity may start an instance of `process_id` (only needs, by the
    beredningsgrupp's members and the kansli)."""
    return process_id in c.USER_STARTABLE and may(capacity, START_NEED)


@dataclass(frozen=True)
class TaskActions:
    """What the capacity may do with one task now."""

    complete: bool
    claim: bool
    unclaim: bool
    hand_over: bool


def may_act(capacity: Capacity, task: TaskView, instance: InstanceView) -> bool:
    """Whether the capacity may claim and complete `task` (the engine asks the same grants
    again inside the instance's lock)."""
    return (
        task.state == "open"
        and instance.tenant == capacity.forbund
        and actor(capacity).may_act_on(task.assignee, task.process_id, instance.data)
    )


def task_actions(capacity: Capacity, task: TaskView, instance: InstanceView) -> TaskActions:
    """Complete, claim and unclaim as offered on the task's page."""
    mine = may_act(capacity, task, instance)
    holds = actor(capacity).holds(task.claimed_by)
    return TaskActions(
        complete=mine and (task.claimed_by is None or holds),
        claim=mine and task.claimed_by is None,
        unclaim=mine and holds,
        hand_over=mine and holds,
    )


def may_receive(giver: Capacity, receiver: Capacity, task: TaskView, instance: InstanceView
                ) -> bool:
    """Whether `giver` may hand `task` (which it holds) to `receiver`: a colleague of the same
    organisation and förbund who may act on it. The list offered is exactly these."""
    return (
        receiver.username != giver.username
        and receiver.forbund == giver.forbund
        and receiver.org == giver.org
        and task_actions(giver, task, instance).hand_over
        and may_act(receiver, task, instance)
        and bool(nav(receiver) & WRITES)
    )


def sees_task(capacity: Capacity, task: TaskView, instance: InstanceView) -> bool:
    """Whether the capacity may open `task`: those whose grants cover it, and whoever reads
    every case (the auditor)."""
    if not sees_instance(capacity, instance):
        return False
    return may(capacity, READ_ALL) or actor(capacity).may_act_on(
        task.assignee, task.process_id, instance.data)


def hears_of(capacity: Capacity, tenant: str, task: TaskView, data: dict[str, Any]) -> bool:
    """Whether mail about `task` of `tenant` (ready, reminder, digest) may go to the capacity:
    exactly to those who may act on it."""
    return capacity.forbund == tenant and actor(capacity).may_act_on(
        task.assignee, task.process_id, data)


def hears_of_escalation(capacity: Capacity, tenant: str, task: TaskView,
                        data: dict[str, Any]) -> bool:
    """Whether mail that `task` of `tenant` is long past its due date may go to the capacity:
    those whose role follows every case up (the kansli, `ESCALATIONS`) and who may see the
    case the task belongs to (so the styrelse, which never has the ability, never hears of
    ESF+ this way either)."""
    return (capacity.forbund == tenant and may(capacity, ESCALATIONS)
            and sees_process(capacity, task.process_id)
            and not (capacity.role == "styrelse" and is_esf(task.process_id, data)))


# -- instances, fields, events -----------------------------------------------------------------

def is_esf(process_id: str, data: dict[str, Any]) -> bool:
    """Whether an instance is an ESF+ matter: an ESF+ process, or a need on which the ESF+
    route is chosen or can still be chosen."""
    if process_id in c.ESF_PROCESSES:
        return True
    if process_id == c.NEED_PROCESS:
        return data.get("finansieringsform") not in c.FORMS_WITHOUT_ESF
    return False


def sees_process(capacity: Capacity, process_id: str) -> bool:
    """Whether a page may name the process to the capacity (as a filter, a tab, a count)."""
    if not may(capacity, CASES):
        return False
    return capacity.role != "styrelse" or process_id in c.STYRELSE_PROCESSES


def sees_definition(capacity: Capacity, process_id: str) -> bool:
    """Whether the capacity may read the deployed definition (versions, diagram) of a process:
    designers all of their förbund's, others those they may name."""
    return may(capacity, DESIGN) or sees_process(capacity, process_id)


def sees_instance(capacity: Capacity, instance: InstanceView) -> bool:
    """Whether the capacity may see anything of `instance` (else it does not exist for them)."""
    if instance.tenant != capacity.forbund or not sees_process(capacity, instance.process_id):
        return False
    if capacity.role == "styrelse":
        return not is_esf(instance.process_id, instance.data)
    if capacity.role == "representant" and instance.process_id not in c.WHOLE_GROUP_PROCESSES:
        return capacity.org in _parties(instance.data)
    return True


def may_annotate(capacity: Capacity, instance: InstanceView) -> bool:
    """Whether the capacity may write a note on or attach a document to `instance`: those who
    see the case and whose role annotates (never the auditor). Who reads the notes and documents
    of a case is who sees it (`sees_instance`: the styrelse never an ESF+ case's)."""
    return sees_instance(capacity, instance) and may(capacity, ANNOTATE)


def require_annotate(capacity: Capacity, instance: InstanceView) -> None:
    """Raise Forbidden (in Swedish) unless `may_annotate`."""
    if not may_annotate(capacity, instance):
        raise Forbidden(REFUSALS[ANNOTATE])


def _parties(data: dict[str, Any]) -> list[Any]:
    value = data.get(c.PARTIES_VARIABLE)
    return value if isinstance(value, list) else []


def sees_links(capacity: Capacity) -> bool:
    """Whether the capacity sees which need a route came from (never the styrelse, Q1)."""
    return may(capacity, LINKS)


def visible_field(capacity: Capacity, process_id: str, key: str) -> bool:
    """Whether the capacity, seeing an instance of `process_id`, reads its variable `key`."""
    if may(capacity, READ_ALL):
        return True  # the auditor reads what was recorded, exactly (exports verify on it)
    if capacity.role == "styrelse":
        return key in c.STYRELSE_FIELDS
    if key == c.LINK_FIELD and not sees_links(capacity):
        return False
    return key not in c.ESF_ONLY_FIELDS or process_id in c.ESF_PROCESSES \
        or process_id == c.NEED_PROCESS


def visible_data(capacity: Capacity, instance: InstanceView) -> dict[str, Any]:
    """The instance's data as the capacity may read it (for an instance it may see)."""
    return _fields(capacity, instance.process_id, instance.data)


def _fields(capacity: Capacity, process_id: str, data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if visible_field(capacity, process_id, k)}


# What of an event's data the styrelse reads, per kind; every other key (the state and data
# hashes, the derived variables, the parent's id) it does not.
_STYRELSE_EVENT_KEYS = {
    "started": ("process_id", "version", "data"),
    "completed": ("form", "item", "name"),
    "outcome": ("outcome",),
    "claimed": ("name",),
    "unclaimed": ("name",),
    "handed_over": ("name", "from", "to"),
    "noted": ("note", "sha256"),
    "attached": ("document", "filename", "media_type", "size", "sha256", "step"),
}
_FIELD_MAPS = ("data", "form", "derived")


def visible_event(capacity: Capacity, instance: InstanceView, event: EventView
                  ) -> EventView | None:
    """One event of an instance the capacity sees, as it may read it (None: not at all)."""
    if may(capacity, READ_ALL):
        return event
    if capacity.role == "styrelse":
        keys = _STYRELSE_EVENT_KEYS.get(event.kind)
        if keys is None:
            return None
        data = {k: event.data[k] for k in keys if k in event.data}
    else:
        data = dict(event.data)
        if not sees_links(capacity):
            data.pop("parent_id", None)
    for key in _FIELD_MAPS:
        if key in data:
            data[key] = _fields(capacity, instance.process_id, data[key])
    return replace(event, data=data)


def visible_events(capacity: Capacity, instance: InstanceView, events: list[EventView]
                   ) -> list[EventView]:
    """An instance's history as the capacity may read it."""
    shown = (visible_event(capacity, instance, e) for e in events)
    return [e for e in shown if e is not None]


# -- the follow-up report ----------------------------------------------------------------------

def report_sections(capacity: Capacity) -> frozenset[str]:
    """The parts of the follow-up report the capacity reads (the styrelse never ESF+)."""
    if not may(capacity, REPORT):
        return frozenset()
    if may(capacity, REPORT_ESF):
        return frozenset({c.FINSAM_PROCESS, c.ESF_PROCESS})
    return frozenset({c.FINSAM_PROCESS})


def report_forbunds(capacity: Capacity, held: list[Capacity]) -> tuple[str, ...]:
    """The förbund whose follow-up the capacity reads, given every capacity its person `held`:
    its own förbund; for the national role (`NATIONAL`) every förbund where the person holds
    that same role, in slug order."""
    if not may(capacity, NATIONAL):
        return (capacity.forbund,)
    same = {c.forbund for c in held if c.username == capacity.username
            and c.role == capacity.role}
    return tuple(sorted(same | {capacity.forbund}))


def report_lists_cases(capacity: Capacity) -> bool:
    """Whether the report may list single cases at all (rows, then filtered by
    `sees_instance`); a role without cases (the national follow-up) reads figures only."""
    return may(capacity, CASES)


def opens_report_instances(capacity: Capacity) -> bool:
    """Whether the report may link each case it lists (a representative sees only those its
    organisation takes part in, so its report does not link them)."""
    return may(capacity, REPORT_CASES)


# -- deploy and assignment ---------------------------------------------------------------------

def styrelse_may_work_in(process_id: str, data: dict[str, Any] | None = None) -> bool:
    """Whether a Styrelse-lane element may exist in `process_id` (at deploy, `data` None) and a
    task there be assigned to the styrelse (with the instance's `data`)."""
    if process_id not in c.STYRELSE_PROCESSES:
        return False
    return data is None or not is_esf(process_id, data)


__all__ = ["ABILITIES", "TaskActions", "actor", "grants", "hears_of", "is_esf", "may",
           "may_act", "may_annotate", "may_receive", "may_stand_in", "may_start", "nav",
           "opens_report_instances", "report_forbunds", "report_lists_cases", "report_sections",
           "require", "require_annotate", "sees_definition", "sees_instance", "sees_links",
           "sees_process", "sees_task",
           "stands_in_for", "styrelse_may_work_in", "task_actions", "visible_data", "visible_event",
           "visible_events", "visible_field"]
