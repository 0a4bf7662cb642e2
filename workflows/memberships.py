"""Memberships: what each förbund's admin manages, and invitations of accounts that exist elsewhere.

An account is one global identity (a username, a password). Its capacities are memberships, each
of one förbund, and only that förbund's admin adds, activates or deactivates them. An admin never
sets the password of an account that already exists: adding an account that has no accepted
membership in the admin's förbund invites it, and the person accepts or declines after login.
Only an accepted, active membership gives a capacity (`users.capacities`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import Database, InvalidData, NotFound, utc_now

from . import passwords, policy
from .admin_history import record
from .models import Forbund, Membership, Organisation, User
from .parties import KIND_OF_ROLE, ORG_OF_ROLE, PARTY_KINDS, ROLES
from .sessions import close_sessions_of
from .usernames import check_username

CREATED = "created"  # a new account with the password given
ADDED = "added"  # another capacity of a person already in the förbund; password untouched
INVITED = "invited"  # an account that exists elsewhere: the person must accept
UNCHANGED = "unchanged"  # the membership was already there (or already invited)
OPERATOR = "system (operatör)"  # how the history names the operator's CLI


@dataclass(frozen=True)
class Added:
    """What adding a user to a förbund did."""

    username: str
    org: str
    org_name: str
    role: str
    outcome: str

    @property
    def password_set(self) -> bool:
        """Whether the password given was used (only for a new account)."""
        return self.outcome == CREATED


@dataclass(frozen=True)
class MemberRow:
    """A user of a förbund as its admin sees it: capacities there (org, role, status)."""

    username: str
    display_name: str
    active: bool
    capacities: list[tuple[str, str, str]]
    memberships: list[tuple[int, str, str, str]] = field(default_factory=list)  # id, org, ...
    email: str | None = None


@dataclass(frozen=True)
class Invitation:
    """A förbund's invitation to act in a capacity there, waiting for the person's answer."""

    membership_id: int
    forbund: str
    forbund_name: str
    org: str
    org_name: str
    role: str
    invited_by: str | None
    invited_at: datetime | None


def add_member(
    db: Database,
    forbund: str,
    username: str,
    org: str,
    role: str,
    password: str,
    display_name: str | None = None,
    added_by: str | None = None,
    by_operator: bool = False,
    now: datetime | None = None,
    password_hash: str | None = None,
) -> Added:
    """Give `username` the capacity (org, role) in `forbund`, as that förbund's admin (or, with
    `by_operator`, as the system's operator, who adds without an invitation).

    A new account gets `password` (`password_hash` may carry its precomputed hash). An existing
    account's password is never touched: it gets the membership at once when it already has an
    accepted one in this förbund (or the operator adds it), else an invitation. Raises
    InvalidData naming the field that is wrong.
    """
    check_username(username)
    if role not in ROLES:
        raise InvalidData("invalid user", {"role": "en av: " + ", ".join(ROLES)})
    if not by_operator:
        refuse_operator_role(role)
    at = now or utc_now()
    with db.write() as session:
        forbund_row = session.scalar(select(Forbund).where(Forbund.slug == forbund))
        if forbund_row is None:
            raise InvalidData("invalid user", {"forbund": f"förbundet '{forbund}' finns inte"})
        org_name = _check_org(session, forbund_row, org, role)
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            reason = passwords.problem(password, username)
            if reason:
                raise InvalidData("invalid user", {"password": reason})
            user = User(username=username, display_name=display_name or username,
                        password_hash=password_hash or passwords.hash_password(password),
                        active=True, created_at=at)
            session.add(user)
            session.flush()
            session.add(Membership(user_id=user.id, forbund_id=forbund_row.id, org=org,
                                   role=role))
            outcome = CREATED
        else:
            outcome = _add_existing(session, user, forbund_row, org, role, added_by, by_operator,
                                    at)
        if outcome != UNCHANGED:
            record(session, forbund, added_by or OPERATOR, "membership_" + outcome,
                   {"username": username, "org": org, "role": role}, at)
        return Added(username, org, org_name, role, outcome)


def _add_existing(session: Session, user: User, forbund: Forbund, org: str, role: str,
                  added_by: str | None, by_operator: bool, at: datetime) -> str:
    mine = list(session.scalars(select(Membership).where(
        Membership.user_id == user.id, Membership.forbund_id == forbund.id)))
    same = next((m for m in mine if (m.org, m.role) == (org, role)), None)
    if same is not None and (same.status == "accepted"
                             or (same.status == "invited" and not by_operator)):
        return UNCHANGED
    member_here = by_operator or any(m.status == "accepted" for m in mine)
    if same is None:
        same = Membership(user_id=user.id, forbund_id=forbund.id, org=org, role=role)
        session.add(same)
    if member_here:
        same.status = "accepted"
        return ADDED
    same.status = "invited"
    same.invited_by = added_by
    same.invited_at = at
    same.answered_at = None
    return INVITED


def refuse_operator_role(role: str) -> None:
    """InvalidData for a role only the operator gives (`policy.given_by_admin`)."""
    if not policy.given_by_admin(role):
        raise InvalidData("invalid user", {"role": (
            "den rollen ges bara av driften, med finsam user add; välj en annan roll")})


def _check_org(session: Session, forbund: Forbund, org: str, role: str) -> str:
    """The display name of `org` if a user in `role` may act for it in the förbund."""
    fixed = ORG_OF_ROLE.get(role)
    if fixed is not None:
        if org != fixed:
            raise InvalidData("invalid user", {
                "org": f"en användare med rollen {role} agerar för '{fixed}'"})
        return {"kansli": "Förbundskansliet", "styrelse": "Styrelsen"}[fixed]
    only = KIND_OF_ROLE.get(role)
    if role != "representant" and only is None and org == "kansli":
        return "Förbundskansliet"
    kinds = ((only,) if only else PARTY_KINDS if role == "representant"
             else (*PARTY_KINDS, "kansli"))
    member = session.scalar(select(Organisation).where(
        Organisation.forbund_id == forbund.id, Organisation.slug == org,
        Organisation.kind.in_(kinds)))
    if member is None and only is not None:
        raise InvalidData("invalid user", {
            "org": f"en användare med rollen {role} agerar för förbundets Försäkringskassa"})
    if member is None:
        raise InvalidData("invalid user", {
            "org": f"'{org}' är inte en medlemsorganisation i {forbund.slug}"})
    return member.name


def members_of(db: Database, forbund: str) -> list[MemberRow]:
    """Every user with a membership in `forbund` (invited and declined ones too), by
    username; `active` is whether their memberships here are switched on."""
    with db.read() as session:
        rows = session.execute(
            select(User.username, User.display_name, User.email, Membership)
            .join(Membership, Membership.user_id == User.id)
            .join(Forbund, Forbund.id == Membership.forbund_id)
            .where(Forbund.slug == forbund)
            .order_by(User.username, Membership.id)
        ).all()
    result: dict[str, MemberRow] = {}
    for username, display_name, email, membership in rows:
        row = result.setdefault(username, MemberRow(username, display_name, False, [], [],
                                                    email))
        if membership.active and not row.active:
            row = result[username] = MemberRow(username, display_name, True, row.capacities,
                                               row.memberships, email)
        row.capacities.append((membership.org, membership.role, membership.status))
        row.memberships.append((membership.id, membership.org, membership.role,
                                membership.status))
    return list(result.values())


def set_active(db: Database, forbund: str, username: str, active: bool,
               by: str | None = None, now: datetime | None = None) -> None:
    """Switch a user's memberships in `forbund` on or off; no other förbund's membership and
    not the account change. A switched-off capacity's sessions and tokens stop at once.
    Raises NotFound when the user has no membership in `forbund`."""
    with db.write() as session:
        rows = session.scalars(
            select(Membership)
            .join(User, User.id == Membership.user_id)
            .join(Forbund, Forbund.id == Membership.forbund_id)
            .where(User.username == username, Forbund.slug == forbund)
        ).all()
        if not rows:
            raise NotFound(f"no user '{username}' in {forbund}")
        if any(m.active != active for m in rows):
            record(session, forbund, by or OPERATOR,
                   "membership_activated" if active else "membership_deactivated",
                   {"username": username}, now or utc_now())
        for membership in rows:
            membership.active = active
        if not active:  # a session kept now would come back with a later reactivation
            close_sessions_of(session, rows[0].user_id)


def invitations_of(db: Database, username: str) -> list[Invitation]:
    """The invitations waiting for a user's answer, oldest first."""
    with db.read() as session:
        rows = session.execute(
            select(Membership, Forbund)
            .join(User, User.id == Membership.user_id)
            .join(Forbund, Forbund.id == Membership.forbund_id)
            .where(User.username == username, Membership.status == "invited",
                   Membership.active.is_(True))
            .order_by(Membership.id)
        ).all()
        names = {(forbund_id, slug): name for forbund_id, slug, name in session.execute(
            select(Organisation.forbund_id, Organisation.slug, Organisation.name)
            .where(Organisation.forbund_id.in_({f.id for _, f in rows})))}
    bodies = {"kansli": "Förbundskansliet", "styrelse": "Styrelsen"}
    return [Invitation(m.id, f.slug, f.name, m.org,
                       bodies.get(m.org) or names.get((f.id, m.org), m.org),
                       m.role, m.invited_by, m.invited_at) for m, f in rows]


def answer_invitation(db: Database, username: str, membership_id: int, accept: bool,
                      now: datetime | None = None) -> Invitation:
    """Accept or decline one of the user's own invitations. Raises NotFound for anything
    else (another person's, one already answered)."""
    for invitation in invitations_of(db, username):
        if invitation.membership_id == membership_id:
            break
    else:
        raise NotFound("no such invitation")
    with db.write() as session:
        membership = session.get_one(Membership, membership_id)
        if membership.status != "invited":
            raise NotFound("no such invitation")
        membership.status = "accepted" if accept else "declined"
        membership.answered_at = now or utc_now()
        record(session, invitation.forbund, username,
               "invitation_accepted" if accept else "invitation_declined",
               {"username": username, "org": invitation.org, "role": invitation.role},
               membership.answered_at)
    return invitation


def lock_account(db: Database, username: str, locked: bool) -> None:
    """The operators' lock of a whole account, in every förbund at once (`finsam user lock`);
    no förbund's admin can set or clear it. Raises NotFound."""
    with db.write() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"no user '{username}'")
        user.active = not locked
        if locked:
            close_sessions_of(session, user.id)
