"""The hash chain of an instance's history.

Every event carries `hash = sha256(prev_hash ‖ canonical JSON of the event)`, where canonical JSON
has sorted keys, no whitespace and UTF-8. The instance row keeps the chain head, so appending is one
insert and one update in the transaction that changed the state (the insert is sent with the
ledger's seal: all of a write's events in one statement).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.base.canonical import canonical_json
from engine.base.types import EventView
from engine.store.ledger import touch
from engine.store.models import Event, Instance, Redaction
from engine.store.unit_of_work import UnitOfWork


def event_body(
    instance_id: int,
    seq: int,
    at: datetime,
    actor: str,
    acting_as: str,
    kind: str,
    task: str | None,
    task_guid: str | None,
    data: dict[str, Any],
) -> dict[str, Any]:
    """The hashed content of an event."""
    return {
        "instance_id": instance_id,
        "seq": seq,
        "at": at.isoformat(),
        "actor": actor,
        "acting_as": acting_as,
        "kind": kind,
        "task": task,
        "task_guid": task_guid,
        "data": data,
    }


def chain_hash(prev_hash: str, body: dict[str, Any]) -> str:
    """sha256(prev_hash ‖ canonical JSON of body), hex."""
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(body)).hexdigest()


def append_event(
    session: UnitOfWork,
    instance: Instance,
    at: datetime,
    actor: str,
    acting_as: str,
    kind: str,
    data: dict[str, Any] | None = None,
    task: str | None = None,
    task_guid: str | None = None,
) -> None:
    """Append one event to `instance`'s chain (the caller holds the instance's lock); the row
    is inserted with the ledger's seal (`UnitOfWork.events`)."""
    seq = instance.last_seq + 1
    payload = data or {}
    body = event_body(instance.id, seq, at, actor, acting_as, kind, task, task_guid, payload)
    digest = chain_hash(instance.head_hash, body)
    # Sent with the seal (one statement for all of the write's events), not through the ORM.
    session.events.append({
        "instance_id": instance.id, "tenant": instance.tenant, "seq": seq, "at": at,
        "actor": actor, "acting_as": acting_as, "kind": kind, "task": task,
        "task_guid": task_guid, "data": payload, "prev_hash": instance.head_hash,
        "hash": digest,
    })
    instance.last_seq = seq
    instance.head_hash = digest
    touch(session, instance)  # the ledger records the new head when the transaction ends


def event_view(event: Event, purged_hash: str | None = None) -> EventView:
    """The public view of a stored event (`purged_hash`: see `EventView`)."""
    return EventView(
        instance_id=event.instance_id,
        seq=event.seq,
        at=event.at,
        actor=event.actor,
        acting_as=event.acting_as,
        kind=event.kind,
        task=event.task,
        task_guid=event.task_guid,
        data=event.data,
        prev_hash=event.prev_hash,
        hash=event.hash,
        purged_hash=purged_hash,
    )


def purged_hashes(session: Session, instance_ids: list[int]) -> dict[int, dict[int, str]]:
    """For each of `instance_ids`, its events whose free text retention purged: seq → the hash
    their purged content chains to (`Redaction`; empty for an instance never purged)."""
    found: dict[int, dict[int, str]] = {instance_id: {} for instance_id in instance_ids}
    for instance_id, seq, digest in session.execute(
            select(Redaction.instance_id, Redaction.seq, Redaction.content_hash)
            .where(Redaction.instance_id.in_(instance_ids))):
        found[instance_id][seq] = digest
    return found


_RECORD = select(Event.instance_id, Event.seq, Event.at, Event.actor, Event.acting_as, Event.kind,
                 Event.task, Event.task_guid, Event.data, Event.prev_hash, Event.hash)


def read_events(session: Session, instance_ids: list[int]) -> dict[int, list[EventView]]:
    """The events of each of `instance_ids`, in order (an empty list for an instance without),
    as plain values built from the rows, without the ORM's bookkeeping for each event (the
    verification and a replay read whole histories)."""
    found: dict[int, list[EventView]] = {instance_id: [] for instance_id in instance_ids}
    for row in session.execute(_RECORD.where(Event.instance_id.in_(instance_ids))
                               .order_by(Event.instance_id, Event.seq)):
        found[row[0]].append(EventView(*row))
    return found
