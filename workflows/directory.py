"""The person directory: pseudonymous actor ids, the names they stand for, and erasure.

What the history records of a person from migration 0016 on is the person's `actor_id`
(`models.Person`), random and never derived from the username: the instance events, the task rows
and the administrative history all carry it. The pages, exports and API answers resolve ids (and
the usernames the history carried before the directory) to names here. Erasing a person under
GDPR art. 17 (`erase`) removes the account, its memberships, tokens, links, sessions and
identities; the directory keeps only the id, the time and the sha256 of the former username, so
the history says "borttagen person" where it named them. No event is changed, so every chain
(instance histories, the ledger, the administrative history) still verifies.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from engine import Database, HumanTask, InvalidData, NotFound, utc_now

from .admin_history import record
from .models import (
    ApiToken,
    Forbund,
    Membership,
    OidcIdentity,
    Person,
    StandIn,
    User,
    UserLink,
)
from .sessions import LoginSession

ERASED = "borttagen person"  # what the history shows where it named an erased person


def former_key(username: str) -> str:
    """How the directory remembers an erased person's username: its sha256 only."""
    return hashlib.sha256(username.encode("utf-8")).hexdigest()


def actor_id_of(session: Session, username: str) -> str | None:
    """The actor id of the account `username`, if there is one."""
    return session.scalar(select(Person.actor_id).join(User, User.id == Person.user_id)
                          .where(User.username == username))


def names(db: Database, keys: Iterable[str]) -> dict[str, str]:
    """Display names by what the history recorded: an actor id, or a username (events before
    the directory). An erased person is "borttagen person"; a name nobody answers to (the
    system, a timer) is left out, for the caller to show as recorded."""
    wanted = sorted({k for k in keys if k})
    if not wanted:
        return {}
    found: dict[str, str] = {}
    with db.read() as session:
        for actor_id, erased, display in session.execute(
                select(Person.actor_id, Person.erased_at, User.display_name)
                .outerjoin(User, User.id == Person.user_id)
                .where(Person.actor_id.in_(wanted))):
            found[actor_id] = ERASED if erased is not None or display is None else display
        rest = [k for k in wanted if k not in found]
        hashed = {former_key(k): k for k in rest}
        for key in session.scalars(select(Person.former_key)
                                   .where(Person.former_key.in_(sorted(hashed)))):
            if key is not None:
                found[hashed[key]] = ERASED
        rest = [k for k in rest if k not in found]
        for username, display in session.execute(
                select(User.username, User.display_name).where(User.username.in_(rest))):
            found[username] = display or username
    return found


def usernames(db: Database, actor_ids: Iterable[str]) -> dict[str, str]:
    """The username of each actor id whose account remains (the API names holders by it)."""
    wanted = sorted(set(actor_ids))
    if not wanted:
        return {}
    with db.read() as session:
        return {a: u for a, u in session.execute(
            select(Person.actor_id, User.username).join(User, User.id == Person.user_id)
            .where(Person.actor_id.in_(wanted)))}


@dataclass(frozen=True)
class Erased:
    """What erasing a person did: the id the history keeps, the förbund told of it."""

    actor_id: str
    forbunds: list[str]


def erase(db: Database, username: str, by: str, forbund: str | None = None,
          now: datetime | None = None, note: dict[str, Any] | None = None,
          tell: Iterable[str] = ()) -> Erased:
    """Erase the person `username` (GDPR art. 17): the account and everything of it but the
    directory's id. `forbund` is the admin's förbund (None: the operator), where the person must
    have a membership and beyond which they must have none. Refused (InvalidData) while the
    person has a membership that is not ended (switched off or declined) or holds an open task;
    NotFound when there is no such person (in `forbund`). `note` is added to the event each
    förbund's administrative history records (e.g. the retention that erased the person); the
    förbund in `tell` record it too (those that named a person whose memberships are gone)."""
    at = now or utc_now()
    with db.write() as session:
        row = session.execute(select(User, Person).join(Person, Person.user_id == User.id)
                              .where(User.username == username)).first()
        if row is None:
            raise NotFound(f"no person '{username}'")
        user, person = row[0], row[1]
        held = session.execute(select(Membership, Forbund.slug)
                               .join(Forbund, Forbund.id == Membership.forbund_id)
                               .where(Membership.user_id == user.id)).all()
        slugs = sorted({slug for _, slug in held})
        if forbund is not None:
            if forbund not in slugs:
                raise NotFound(f"no person '{username}' in {forbund}")
            if slugs != [forbund]:
                raise InvalidData("person elsewhere", {"person": (
                    "Personen har roller i ett annat förbund. Driften kan radera personen när "
                    "alla roller är avslutade.")})
        if any(m.active and m.status != "declined" for m, _ in held):
            raise InvalidData("memberships", {"person": (
                "Personen har roller som inte är avslutade. Inaktivera eller ta bort rollerna "
                "först.")})
        if session.scalar(select(HumanTask.id).where(
                HumanTask.state == "open",
                HumanTask.claimed_by.in_([person.actor_id, username])).limit(1)) is not None:
            raise InvalidData("claimed", {"person": (
                "Personen har tagit uppgifter som inte är klara. Lämna över eller släpp dem "
                "först.")})
        for slug in sorted(set(slugs) | set(tell)):
            record(session, slug, by, "person_erased",
                   {**(note or {}), "person": person.actor_id}, at)
        _remove_account(session, user, [m.id for m, _ in held], person.actor_id)
        person.user = None
        person.erased_at = at
        person.former_key = former_key(username)
        session.flush()
        session.delete(user)
    return Erased(person.actor_id, slugs)


def _remove_account(session: Session, user: User, membership_ids: list[int],
                    actor_id: str) -> None:
    """Everything of the account but the directory's id: memberships, stand-ins, tokens,
    links, sessions, identities; where another row named the person, the id instead."""
    if membership_ids:
        session.execute(delete(StandIn).where(or_(
            StandIn.absent_membership_id.in_(membership_ids),
            StandIn.deputy_membership_id.in_(membership_ids))))
    for table in (ApiToken, UserLink, LoginSession, OidcIdentity):
        session.execute(delete(table).where(table.user_id == user.id))
    session.execute(update(Membership).where(Membership.invited_by == user.username)
                    .values(invited_by=actor_id))
    session.execute(update(StandIn).where(StandIn.created_by == user.username)
                    .values(created_by=actor_id))
