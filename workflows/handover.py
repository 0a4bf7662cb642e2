"""Handing a held task to a named colleague: whom the capacity may hand it to, and which of them
it asked for. The policy decides (`policy.may_receive`); this reads the colleagues and says no in
plain Swedish. `Finsam.handover_candidates` and `Finsam.hand_over_task` ask it."""

from __future__ import annotations

from datetime import datetime

from engine import Conflict, Database, Forbidden, InstanceView, InvalidData, TaskView

from . import policy, standins
from .parties import Capacity


def candidates(db: Database, capacity: Capacity, task: TaskView, instance: InstanceView,
               now: datetime) -> list[Capacity]:
    """The colleagues the capacity may hand `task` to; none when it does not hold the task."""
    if not policy.task_actions(capacity, task, instance).hand_over:
        return []
    return [c for c in standins.colleagues(db, capacity.forbund, capacity.org, now)
            if policy.may_receive(capacity, c, task, instance)]


def receiver(db: Database, capacity: Capacity, task: TaskView, instance: InstanceView,
             username: str, now: datetime) -> Capacity:
    """The colleague `username` the capacity hands `task` to. Raises Forbidden when the policy
    does not let them receive it, Conflict when the capacity does not hold it, InvalidData when
    no colleague was chosen."""
    if not policy.may_act(capacity, task, instance):
        policy.require(capacity, policy.WORK)
        raise Forbidden("uppgiften ska göras av en annan organisation eller roll")
    if not policy.task_actions(capacity, task, instance).hand_over:
        raise Conflict("du har inte tagit uppgiften; ta den först")
    if not username:
        raise InvalidData("invalid hand-over", {"username": "välj en kollega i listan"})
    chosen = next((c for c in candidates(db, capacity, task, instance, now)
                   if c.username == username), None)
    if chosen is None:
        raise Forbidden("den personen kan inte ta över uppgiften")
    return chosen
