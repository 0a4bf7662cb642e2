"""Retention: how long a förbund keeps the account of a person whose memberships have ended.

Each förbund sets its months (`Forbund.retention_months`; none: kept until erased by hand), and
`finsam retention` lists and erases (`directory.erase`) every person who has no membership left
that has not ended (switched off, removed or declined), whose last administrative event (any
förbund's history naming them: added, switched off, removed, an answer, what they did as admin)
is older than the longest retention of every förbund that names them. A förbund without a
setting keeps its people. The history keeps each erased person's pseudonymous id, every chain its
anchors: no event is removed or changed, each erasure is an event of its own.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from engine import Database, InvalidData, NotFound, utc_now

from . import directory
from .admin_history import record
from .models import AdminEvent, Forbund, Membership, Person, User

LONGEST_MONTHS = 240  # twenty years: beyond that a setting is a mistake
NAMING_FIELDS = ("person", "username", "absent", "deputy")  # see auditing.PERSON_FIELDS


@dataclass(frozen=True)
class Due:
    """A person whose account retention erases: who, in which förbund, since when ended."""

    username: str
    actor_id: str
    forbunds: tuple[str, ...]
    ended_at: datetime
    months: int


def set_months(db: Database, forbund: str, months: int | None, by: str,
               now: datetime | None = None) -> None:
    """Set a förbund's retention (None: none), recorded in its administrative history. Raises
    InvalidData outside 1..240 months, NotFound for no such förbund."""
    if months is not None and not 1 <= months <= LONGEST_MONTHS:
        raise InvalidData("invalid retention", {
            "months": f"ange ett antal månader från 1 till {LONGEST_MONTHS}"})
    with db.write() as session:
        row = session.scalar(select(Forbund).where(Forbund.slug == forbund))
        if row is None:
            raise NotFound(f"no förbund '{forbund}'")
        if row.retention_months != months:
            record(session, forbund, by, "retention_set",
                   {"before": row.retention_months, "after": months}, now or utc_now())
            row.retention_months = months


def months_of(db: Database, forbund: str) -> int | None:
    """A förbund's retention in months (None: none set)."""
    with db.read() as session:
        return session.scalar(select(Forbund.retention_months).where(Forbund.slug == forbund))


def plus_months(at: datetime, months: int) -> datetime:
    """The same moment `months` calendar months later (the last day of a shorter month)."""
    index = at.month - 1 + months
    year, month = at.year + index // 12, index % 12 + 1
    return at.replace(year=year, month=month,
                      day=min(at.day, calendar.monthrange(year, month)[1]))


def due(db: Database, now: datetime | None = None) -> list[Due]:
    """Everyone retention erases now, by username."""
    at = now or utc_now()
    with db.read() as session:
        months: dict[str, int | None] = {
            slug: m for slug, m in session.execute(select(Forbund.slug, Forbund.retention_months))}
        people = session.execute(select(User.id, User.username, User.created_at, Person.actor_id)
                                 .join(Person, Person.user_id == User.id)).all()
        held: dict[int, list[tuple[str, bool]]] = {}
        for user_id, slug, active, status in session.execute(
                select(Membership.user_id, Forbund.slug, Membership.active, Membership.status)
                .join(Forbund, Forbund.id == Membership.forbund_id)):
            held.setdefault(user_id, []).append((slug, active and status != "declined"))
        events = session.execute(select(AdminEvent.tenant, AdminEvent.at, AdminEvent.actor,
                                        AdminEvent.data)).all()
    named: dict[str, list[tuple[str, datetime]]] = {}
    for tenant, when, actor, data in events:
        for key in {actor, *(str(data.get(k)) for k in NAMING_FIELDS if data.get(k))}:
            named.setdefault(key, []).append((tenant, when))
    found = []
    for user_id, username, created_at, actor_id in people:
        memberships = held.get(user_id, [])
        if any(live for _, live in memberships):
            continue
        seen = named.get(username, []) + named.get(actor_id, [])
        forbunds = sorted({slug for slug, _ in memberships} | {t for t, _ in seen})
        settings = [months.get(f) for f in forbunds]
        if not forbunds or any(m is None for m in settings):
            continue
        longest = max(m for m in settings if m is not None)
        ended = max((when for _, when in seen), default=created_at)
        if plus_months(ended, longest) <= at:
            found.append(Due(username, actor_id, tuple(forbunds), ended, longest))
    return sorted(found, key=lambda d: (d.ended_at, d.username))


@dataclass(frozen=True)
class Outcome:
    """What a retention run did to one person: erased, or kept and why."""

    due: Due
    erased: bool
    reason: str = ""


def purge(db: Database, by: str, now: datetime | None = None) -> list[Outcome]:
    """Erase everyone `due` (each erasure in the history of every förbund that had them);
    someone who still holds a task is kept, with the reason."""
    outcomes = []
    for person in due(db, now):
        try:
            directory.erase(db, person.username, by, now=now,
                            note={"retention_months": person.months}, tell=person.forbunds)
        except InvalidData as error:
            outcomes.append(Outcome(person, False, "; ".join(error.details.values())))
        else:
            outcomes.append(Outcome(person, True))
    return outcomes
