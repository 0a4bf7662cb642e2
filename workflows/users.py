"""Users, their capacities, passwords and API tokens."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine import Database, EventView, InvalidData, NotFound, utc_now

from . import directory, passwords, policy
from .memberships import add_member
from .models import Forbund, Membership, Organisation, Person, StandIn, User
from .parties import Absence, Capacity
from .sessions import close_sessions_of
from .tokens import new_token, revoke_tokens, user_for_token
from .usernames import USERNAME_PATTERN, check_username

# kept here for their callers
__all__ = ["USERNAME_PATTERN", "check_username", "new_token", "revoke_tokens", "user_for_token"]

MIN_PASSWORD_LENGTH = passwords.MIN_LENGTH
# A hash to check against when the user does not exist, so that timing does not tell.
_DUMMY_HASH = passwords.hash_password("not-a-password")


def hash_password(password: str) -> str:
    """Argon2id, salted (`passwords`)."""
    return passwords.hash_password(password)


def add_user(
    db: Database,
    username: str,
    forbund: str,
    org: str,
    role: str,
    password: str,
    display_name: str | None = None,
    now: datetime | None = None,
    password_hash: str | None = None,
) -> Capacity:
    """As the system's operator (CLI, demo): add a user, or a further capacity of an existing
    user, acting for `org` of `forbund`. An existing account's password is not changed.

    `password_hash` may carry an already computed hash of `password` (the demo shares one).
    Raises InvalidData naming the field that is wrong, or when the membership is switched off.
    """
    add_member(db, forbund, username, org, role, password, display_name, by_operator=True,
               now=now, password_hash=password_hash)
    for capacity in capacities(db, username):
        if (capacity.forbund, capacity.org, capacity.role) == (forbund, org, role):
            return capacity
    raise InvalidData("invalid user", {"username": (
        f"{username} är inaktiverad i {forbund}; förbundets administratör kan aktivera hen")})


def set_password(
    db: Database, username: str, password: str, password_hash: str | None = None,
    keep_session: str | None = None,
) -> None:
    """Replace a user's password (`password_hash` may carry its precomputed hash) and end every
    session of the user but the one whose token is `keep_session` (the session that changed it).
    """
    passwords.check(password, username)
    with db.write() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"no user '{username}'")
        user.password_hash = password_hash or hash_password(password)
        close_sessions_of(session, user.id, keep=keep_session)


def authenticate(db: Database, username: str, password: str) -> bool:
    """Whether the password is right for an active user (constant work either way). An older
    hash that verifies is replaced by a current one (`passwords.needs_rehash`)."""
    if not USERNAME_PATTERN.fullmatch(username) or len(password) > passwords.MAX_LENGTH:
        passwords.verify(_DUMMY_HASH, password)  # no such user; and never a NUL into SQL
        return False
    with db.read() as session:
        user = session.scalar(select(User).where(User.username == username))
        usable = user is not None and user.active and user.password_hash != passwords.UNUSABLE
        stored = user.password_hash if user is not None and usable else _DUMMY_HASH
        ok = passwords.verify(stored, password) and usable
    if ok and passwords.needs_rehash(stored):
        with db.write() as session:
            session.execute(update(User).where(User.username == username,
                                               User.password_hash == stored)
                            .values(password_hash=passwords.hash_password(password)))
    return ok


STOCKHOLM = ZoneInfo("Europe/Stockholm")


def today(now: datetime | None = None) -> date:
    """The date in Sweden now (a stand-in's period is whole Swedish days)."""
    return (now or utc_now()).astimezone(STOCKHOLM).date()


def capacities(db: Database, username: str, now: datetime | None = None) -> list[Capacity]:
    """Every capacity a user can act in (accepted, active memberships of an unlocked account),
    in the order they were added, each with the colleagues it stands in for on the day of `now`.
    Login, tokens, switching and mail all ask this."""
    day = today(now)
    with db.read() as session:
        rows = session.execute(
            select(User, Membership, Forbund, Person.actor_id)
            .join(Membership, Membership.user_id == User.id)
            .join(Person, Person.user_id == User.id)
            .join(Forbund, Forbund.id == Membership.forbund_id)
            .where(User.username == username, User.active.is_(True),
                   Membership.active.is_(True), Membership.status == "accepted")
            .order_by(Membership.id)
        ).all()
        names = _org_names(session, {forbund.id for _, _, forbund, _ in rows})
        absences = _absences(session, [membership.id for _, membership, _, _ in rows], day)
        found = [
            Capacity(
                username=user.username,
                display_name=user.display_name,
                forbund=forbund.slug,
                forbund_name=forbund.name,
                org=membership.org,
                org_name=names.get((forbund.id, membership.org), membership.org),
                role=membership.role,
                membership_id=membership.id,
                actor_id=actor_id,
            )
            for user, membership, forbund, actor_id in rows
        ]
    return [replace(c, stands_in_for=tuple(
        a for a in absences.get(c.membership_id, []) if policy.may_stand_in(c, a)))
        for c in found]


def _absences(session: Session, membership_ids: list[int], day: date
              ) -> dict[int, list[Absence]]:
    """Per deputy membership, the colleagues' capacities it stands in for on `day` (their
    memberships accepted and active, their accounts unlocked)."""
    if not membership_ids:
        return {}
    rows = session.execute(
        select(StandIn.deputy_membership_id, User.username, User.display_name, Membership.org,
               Membership.role, StandIn.ends_on, Person.actor_id)
        .join(Membership, Membership.id == StandIn.absent_membership_id)
        .join(User, User.id == Membership.user_id)
        .join(Person, Person.user_id == User.id)
        .where(StandIn.deputy_membership_id.in_(membership_ids), StandIn.ended_at.is_(None),
               StandIn.starts_on <= day, StandIn.ends_on >= day, User.active.is_(True),
               Membership.active.is_(True), Membership.status == "accepted")
        .order_by(StandIn.id)
    ).all()
    found: dict[int, list[Absence]] = {}
    for deputy, name, display, org, role, until, actor_id in rows:
        found.setdefault(deputy, []).append(Absence(name, display, org, role, until, actor_id))
    return found


def _org_names(session: Session, forbund_ids: set[int]) -> dict[tuple[int, str], str]:
    names: dict[tuple[int, str], str] = {}
    for forbund_id in forbund_ids:
        names[(forbund_id, "kansli")] = "Förbundskansliet"
        names[(forbund_id, "styrelse")] = "Styrelsen"
    rows = session.execute(
        select(Organisation.forbund_id, Organisation.slug, Organisation.name).where(
            Organisation.forbund_id.in_(forbund_ids)
        )
    )
    for forbund_id, slug, name in rows:
        names[(forbund_id, slug)] = name
    return names


def _now() -> datetime:
    return utc_now()


def display_names(db: Database, keys: set[str]) -> dict[str, str]:
    """Display names by what the history recorded (an actor id, or an older event's username),
    "borttagen person" for an erased person (`directory.names`)."""
    return directory.names(db, keys)


def capacity_by_membership(db: Database, membership_id: int) -> Capacity | None:
    """The capacity of one membership, if its user is still active."""
    with db.read() as session:
        username = session.scalar(
            select(User.username)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.id == membership_id, User.active.is_(True))
        )
    if username is None:
        return None
    for capacity in capacities(db, username):
        if capacity.membership_id == membership_id:
            return capacity
    return None


def named_in(events: Iterable[EventView], claimed: Iterable[str | None] = ()) -> set[str]:
    """Everyone a history names, as recorded: who acted, for whom a stand-in acted, to whom a
    task was handed, and who holds the `claimed` tasks."""
    events = list(events)
    return ({e.actor for e in events}
            | {e.acting_as.partition(" för ")[2] for e in events if " för " in e.acting_as}
            | {str(e.data.get("to")) for e in events if e.data.get("to")}
            | {c for c in claimed if c})
