"""Who must act where: the grants a capacity's role (and whom it stands in for) gives it on
tasks, what it may do with one task, who hears of it, and where the styrelse may work at all."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine import Actor, Grant, InstanceView, TaskView

from .. import catalogue as c
from ..parties import BEREDNINGSGRUPP, KANSLI, PARTY_REPRESENTATIVES, STYRELSE, Absence, Capacity
from .abilities import ABILITIES, ESCALATIONS, READ_ALL, START_NEED, WORK, WRITES, may, nav
from .cases import is_esf, sees_instance, sees_process

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


# -- deploy and assignment ---------------------------------------------------------------------

def styrelse_may_work_in(process_id: str, data: dict[str, Any] | None = None) -> bool:
    """Whether a Styrelse-lane element may exist in `process_id` (at deploy, `data` None) and a
    task there be assigned to the styrelse (with the instance's `data`)."""
    if process_id not in c.STYRELSE_PROCESSES:
        return False
    return data is None or not is_esf(process_id, data)
