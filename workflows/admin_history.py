"""The förbund's history of administrative actions, hash-chained like an instance's events.

Every action of a förbund's admin or of the operator on the förbund's people and member
organisations (an invitation, a membership added, changed, switched off or removed, an
organisation added or removed) is one `AdminEvent` of the förbund, written in the same
transaction as the change: who (`actor`), when (`at`), what (`kind`) and what changed (`data`:
before and after). Each event carries `hash = sha256(prev_hash ‖ canonical JSON of the event)`;
appending locks the förbund's row, so the chain has one order. `verify` recomputes the chain; the
auditor sees the events and the result, and keeps the head (`seq:hash`) outside to notice a
deleted tail later, as with the instances' ledger.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import GENESIS_HASH, Database, canonical_json

from .models import AdminEvent, Forbund, Person, User

# What a new event says of a person: the directory's id (under these keys), never a username
# or an address.
PERSON_KEYS = {"username": "person", "absent": "absent", "deputy": "deputy"}
_DROPPED_KEYS = ("email",)


def _body(tenant: str, seq: int, at: datetime, actor: str, kind: str, data: dict[str, Any]
          ) -> dict[str, Any]:
    return {"tenant": tenant, "seq": seq, "at": at.isoformat(), "actor": actor, "kind": kind,
            "data": data}


def _hash(prev_hash: str, body: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(body)).hexdigest()


def record(session: Session, tenant: str, actor: str, kind: str, data: dict[str, Any],
           at: datetime) -> AdminEvent:
    """Append one action to `tenant`'s administrative history, inside the caller's write. The
    actor and the person acted on are recorded by their pseudonymous ids (`models.Person`; the
    operator and other non-persons as named), an e-mail address not at all."""
    actor = _pseudonym(session, actor)
    data = {PERSON_KEYS.get(k, k): _pseudonym(session, str(v)) if k in PERSON_KEYS else v
            for k, v in data.items() if k not in _DROPPED_KEYS}
    session.scalar(select(Forbund.id).where(Forbund.slug == tenant).with_for_update())
    last = session.scalars(select(AdminEvent).where(AdminEvent.tenant == tenant)
                           .order_by(AdminEvent.seq.desc()).limit(1)).first()
    seq = (last.seq if last else 0) + 1
    prev = last.hash if last else GENESIS_HASH
    event = AdminEvent(tenant=tenant, seq=seq, at=at, actor=actor, kind=kind, data=data,
                       prev_hash=prev, hash=_hash(prev, _body(tenant, seq, at, actor, kind, data)))
    session.add(event)
    session.flush()
    return event


def _pseudonym(session: Session, name: str) -> str:
    """The actor id of the account `name`, or `name` when it is no account's."""
    actor_id = session.scalar(select(Person.actor_id).join(User, User.id == Person.user_id)
                              .where(User.username == name))
    return actor_id or name


@dataclass(frozen=True)
class HistoryCheck:
    """What verifying a förbund's administrative history found."""

    count: int
    head: str  # "seq:hash" of the last event, to keep outside the database
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def events(db: Database, tenant: str) -> list[AdminEvent]:
    """The förbund's administrative actions, oldest first."""
    with db.read() as session:
        return list(session.scalars(select(AdminEvent).where(AdminEvent.tenant == tenant)
                                    .order_by(AdminEvent.seq)))


def verify(db: Database, tenant: str) -> HistoryCheck:
    """Recompute the chain: every event's hash, its link to the one before, no gap in seq."""
    rows = events(db, tenant)
    problems = []
    prev = GENESIS_HASH
    for expected, event in enumerate(rows, start=1):
        if event.seq != expected:
            problems.append(f"händelse {expected} saknas (nästa är {event.seq})")
        if event.prev_hash != prev:
            problems.append(f"händelse {event.seq} pekar inte på händelsen före")
        body = _body(event.tenant, event.seq, event.at, event.actor, event.kind, event.data)
        if _hash(event.prev_hash, body) != event.hash:
            problems.append(f"händelse {event.seq} har ändrats efter att den skrevs")
        prev = event.hash
    head = f"{rows[-1].seq}:{rows[-1].hash}" if rows else f"0:{GENESIS_HASH}"
    return HistoryCheck(len(rows), head, problems)
