"""A förbund's people: invitations by e-mail (with a one-time link, `links`), and the admin's
changes to memberships and member organisations, each recorded in the förbund's administrative
history (`admin_history`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import Database, HumanTask, Instance, InvalidData, NotFound, utc_now

from . import mail, passwords
from .admin_history import record
from .catalogue import PARTIES_VARIABLE
from .links import INVITE, issue_link
from .memberships import OPERATOR, _check_org, refuse_operator_role
from .models import Forbund, Membership, Organisation, Person, User
from .parties import ROLES
from .sessions import close_sessions_of
from .tenants import Member, parse_member
from .users import check_username


@dataclass(frozen=True)
class Invited:
    """What inviting did: the account is new (and waits for its password) or existed."""

    username: str
    created: bool
    link: str | None  # the new account's link (to show only when mail is off)


def invite(db: Database, forbund: str, username: str, email: str, org: str, role: str,
           display_name: str | None, by: str, now: datetime | None = None) -> Invited:
    """As `forbund`'s admin (or the operator, `by`): give a new account the capacity (org,
    role) and mail it a one-time link, valid 72 hours, to set its password. An account that
    exists is never touched: it is invited to accept the capacity after login (as
    `memberships.add_member`). InvalidData naming the field that is wrong."""
    from .memberships import add_member

    at = now or utc_now()
    check_username(username)
    try:
        address = str(mail.address(email.strip()))
    except ValueError:
        raise InvalidData("invalid user", {"email": "skriv en e-postadress, t.ex. "
                                                    "namn@kommun.se"}) from None
    if role not in ROLES:
        raise InvalidData("invalid user", {"role": "en av: " + ", ".join(ROLES)})
    if by != OPERATOR:
        refuse_operator_role(role)
    with db.write() as session:
        forbund_row = session.scalar(select(Forbund).where(Forbund.slug == forbund))
        if forbund_row is None:
            raise InvalidData("invalid user", {"forbund": f"förbundet '{forbund}' finns inte"})
        _check_org(session, forbund_row, org, role)
        existing = session.scalar(select(User).where(User.username == username))
        if existing is not None and existing.password_hash == passwords.UNUSABLE \
                and (existing.email or "").lower() == address.lower():
            # Invited before and never signed in (the link expired or was lost): a fresh link.
            token = issue_link(session, existing, INVITE, at, forbund_row.name)
            record(session, forbund, by, "invited", {
                "username": username, "email": address, "org": org, "role": role,
                "again": True}, at)
            reinvited = True
        else:
            token, reinvited = None, False
        if existing is None:
            user = User(username=username, display_name=display_name or username,
                        password_hash=passwords.UNUSABLE, active=True, created_at=at,
                        email=address)
            session.add(user)
            session.flush()
            session.add(Membership(user_id=user.id, forbund_id=forbund_row.id, org=org,
                                   role=role))
            token = issue_link(session, user, INVITE, at, forbund_row.name)
            record(session, forbund, by, "invited", {
                "username": username, "email": address, "org": org, "role": role}, at)
            return Invited(username, True, token)
    add_member(db, forbund, username, org, role, "", added_by=by, now=at)
    return Invited(username, reinvited, token)


def _claimed(session: Session, forbund: str, username: str) -> list[str]:
    """The open tasks `username` has claimed in `forbund` (their names)."""
    return list(session.scalars(select(HumanTask.name).where(
        HumanTask.tenant == forbund, HumanTask.state == "open",
        HumanTask.claimed_by.in_(_holder_keys(session, username))).order_by(HumanTask.id)))


def _holder_keys(session: Session, username: str) -> list[str]:
    """What a task row's `claimed_by` holds for the person: the actor id (the username in rows
    older than the directory)."""
    actor_id = session.scalar(select(Person.actor_id).join(User, User.id == Person.user_id)
                              .where(User.username == username))
    return [username] if actor_id is None else [actor_id, username]


def _membership(session: Session, forbund: str, membership_id: int) -> tuple[Membership, User]:
    row = session.execute(
        select(Membership, User).join(User, User.id == Membership.user_id)
        .join(Forbund, Forbund.id == Membership.forbund_id)
        .where(Membership.id == membership_id, Forbund.slug == forbund)).first()
    if row is None:
        raise NotFound("no such membership")
    return row[0], row[1]


def _refuse_claimed(session: Session, forbund: str, username: str) -> None:
    claimed = _claimed(session, forbund, username)
    if claimed:
        raise InvalidData("claimed tasks", {"membership": (
            f"{username} har {len(claimed)} påbörjade uppgifter ({', '.join(claimed[:3])}"
            f"{' …' if len(claimed) > 3 else ''}); be hen släppa dem eller lämna över dem "
            "först, så att inget arbete försvinner")})


def remove_membership(db: Database, forbund: str, membership_id: int, by: str,
                      now: datetime | None = None) -> str:
    """Remove one capacity of a user in `forbund` (the admin's page); the username. Refused
    (InvalidData, with the reason) for the admin's own capacity and while the user has claimed
    open tasks here; NotFound for a membership of another förbund."""
    at = now or utc_now()
    with db.write() as session:
        membership, user = _membership(session, forbund, membership_id)
        if user.username == by:
            raise InvalidData("own membership", {"membership": (
                "du kan inte ta bort din egen roll; be en annan administratör")})
        others = session.scalar(select(func.count()).select_from(Membership).where(
            Membership.user_id == user.id, Membership.forbund_id == membership.forbund_id,
            Membership.id != membership.id, Membership.status == "accepted"))
        if not others:  # their last capacity here: nothing of theirs may be left claimed
            _refuse_claimed(session, forbund, user.username)
        record(session, forbund, by, "membership_removed", {
            "username": user.username, "org": membership.org, "role": membership.role,
            "status": membership.status}, at)
        session.delete(membership)
        close_sessions_of(session, user.id)
        return user.username


def change_membership(db: Database, forbund: str, membership_id: int, org: str, role: str,
                      by: str, now: datetime | None = None) -> str:
    """Change one capacity's organisation and role; the username. InvalidData for a capacity
    that cannot be (or is already there), or while the user has claimed open tasks here."""
    at = now or utc_now()
    if role not in ROLES:
        raise InvalidData("invalid user", {"role": "en av: " + ", ".join(ROLES)})
    refuse_operator_role(role)
    with db.write() as session:
        membership, user = _membership(session, forbund, membership_id)
        before = {"org": membership.org, "role": membership.role}
        if before == {"org": org, "role": role}:
            return user.username
        if user.username == by and membership.role == "admin":
            raise InvalidData("own membership", {"role": (
                "du kan inte ändra din egen administratörsroll; be en annan administratör")})
        _check_org(session, membership.forbund, org, role)
        _refuse_claimed(session, forbund, user.username)
        if session.scalar(select(Membership.id).where(
                Membership.user_id == user.id, Membership.forbund_id == membership.forbund_id,
                Membership.org == org, Membership.role == role)):
            raise InvalidData("duplicate", {"role": f"{user.username} har redan den rollen"})
        membership.org, membership.role = org, role
        record(session, forbund, by, "membership_changed", {
            "username": user.username, "before": before, "after": {"org": org, "role": role}},
            at)
        close_sessions_of(session, user.id)
        return user.username


def add_organisation(db: Database, forbund: str, member: str | Member, by: str,
                     now: datetime | None = None) -> Member:
    """Add a member organisation (ORG:KIND:NAME) to `forbund`. InvalidData for a bad one or a
    short name that is taken."""
    text = f"{member.slug}:{member.kind}:{member.name}" if isinstance(member, Member) else member
    try:
        wanted = parse_member(text)
    except InvalidData as error:
        raise InvalidData("invalid member", {"member": str(error)}) from None
    at = now or utc_now()
    with db.write() as session:
        forbund_row = session.scalar(select(Forbund).where(Forbund.slug == forbund))
        if forbund_row is None:
            raise NotFound(f"förbundet '{forbund}' finns inte")
        if wanted.slug in set(session.scalars(select(Forbund.slug))) or session.scalar(
                select(Organisation.id).where(Organisation.forbund_id == forbund_row.id,
                                              Organisation.slug == wanted.slug)):
            raise InvalidData("taken", {"member": f"kortnamnet '{wanted.slug}' används redan"})
        session.add(Organisation(forbund_id=forbund_row.id, slug=wanted.slug, kind=wanted.kind,
                                 name=wanted.name))
        record(session, forbund, by, "organisation_added", {
            "org": wanted.slug, "kind": wanted.kind, "name": wanted.name}, at)
    return wanted


def remove_organisation(db: Database, forbund: str, org: str, by: str,
                        now: datetime | None = None) -> str:
    """Remove a member organisation; its name. Refused (InvalidData, with the reason) while it
    has open tasks, takes part in a running case, or people still act for it: it never
    vanishes silently from work under way."""
    at = now or utc_now()
    with db.write() as session:
        row = session.execute(select(Organisation, Forbund).join(
            Forbund, Forbund.id == Organisation.forbund_id).where(
            Forbund.slug == forbund, Organisation.slug == org)).first()
        if row is None:
            raise NotFound(f"no organisation '{org}'")
        organisation, forbund_row = row
        tasks = session.scalar(select(func.count()).select_from(HumanTask).where(
            HumanTask.tenant == forbund, HumanTask.state == "open", HumanTask.assignee == org))
        if tasks:
            raise InvalidData("open tasks", {"member": (
                f"{organisation.name} har {tasks} öppna uppgifter; de måste slutföras eller "
                "lämnas över innan organisationen tas bort")})
        running = [i.id for i in session.scalars(select(Instance).where(
            Instance.tenant == forbund, Instance.status == "running"))
            if org in ((i.data or {}).get(PARTIES_VARIABLE) or [])]
        if running:
            raise InvalidData("running cases", {"member": (
                f"{organisation.name} är part i {len(running)} pågående ärenden "
                f"(#{', #'.join(str(i) for i in running[:5])}); ta bort den när de är avslutade")})
        people = session.scalars(select(User.username).join(
            Membership, Membership.user_id == User.id).where(
            Membership.forbund_id == forbund_row.id, Membership.org == org)).all()
        if people:
            raise InvalidData("people", {"member": (
                f"{', '.join(sorted(set(people)))} agerar för {organisation.name}; ta bort "
                "eller ändra deras roller först")})
        record(session, forbund, by, "organisation_removed", {
            "org": org, "kind": organisation.kind, "name": organisation.name}, at)
        session.delete(organisation)
        return organisation.name


def organisations_of(db: Database, forbund: str) -> list[Member]:
    """The förbund's member organisations (slug, kind, name), in the order they were added."""
    with db.read() as session:
        return [Member(o.slug, o.kind, o.name) for o in session.scalars(
            select(Organisation).join(Forbund, Forbund.id == Organisation.forbund_id)
            .where(Forbund.slug == forbund).order_by(Organisation.id))]
