"""Who may see which instance (R-S2, Q1, Q11): decided here, on the server, for every caller."""

from __future__ import annotations

from engine import InstanceView

from .hooks import (
    ESF_PROCESS,
    FINSAM_PROCESS,
    NEED_PROCESS,
    STYRELSE_EXCLUDED,
    UTLYSNINGSPLAN_PROCESS,
)
from .parties import Capacity

_NEED_FORMS_WITHOUT_ESF = ("finansiell_samordning", "utanfor_rutinen")


def can_see(capacity: Capacity, instance: InstanceView) -> bool:
    """Whether `capacity` may see anything of `instance` (else it is 404 to them)."""
    if instance.tenant != capacity.forbund:
        return False
    role = capacity.role
    if role == "auditor":
        return True
    if role == "styrelse":
        # The styrelse decides on financing only; nothing of an ESF+ matter reaches it (R-S2).
        return instance.process_id == FINSAM_PROCESS
    if role == "kansli":
        return True
    if role == "representant":
        if instance.process_id in (NEED_PROCESS, UTLYSNINGSPLAN_PROCESS):
            return True  # the whole beredningsgrupp works on needs and watches the utlysningsplan
        return capacity.org in (instance.data.get("parter") or [])
    return False


def may_name_process(capacity: Capacity, process_id: str) -> bool:
    """Whether a page may even name the process to `capacity` (the styrelse is never shown an
    ESF+ matter, not even as a filter choice: R-S2)."""
    return capacity.role != "styrelse" or process_id not in STYRELSE_EXCLUDED


def can_see_task(capacity: Capacity, assignee: str) -> bool:
    """A task is seen by the group that must do it, and read by the auditor."""
    return assignee in capacity.groups or capacity.role == "auditor"


def sees_links(capacity: Capacity) -> bool:
    """The link between a need and its route instances is hidden from the styrelse (Q1)."""
    return capacity.role != "styrelse"


def is_esf(instance: InstanceView) -> bool:
    """Whether an instance is an ESF+ matter."""
    if instance.process_id in (ESF_PROCESS, UTLYSNINGSPLAN_PROCESS):
        return True
    form = instance.data.get("finansieringsform")
    return instance.process_id == NEED_PROCESS and form not in (None, *_NEED_FORMS_WITHOUT_ESF)
