"""Which cases, fields and events a capacity sees: the förbund's wall, the parties' wall and the
styrelse's allow-list of fields (ESF+ never reaches it)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from engine import EventView, Forbidden, InstanceView

from .. import catalogue as c
from ..parties import Capacity
from .abilities import ANNOTATE, CASES, DESIGN, LINKS, READ_ALL, REFUSALS, may

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
    "attached": ("document", "filename", "media_type", "size", "sha256", "step", "name"),
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
