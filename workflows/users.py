"""Users, their capacities, passwords and API tokens."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from engine import Database, InvalidData, NotFound, utc_now
from engine.types import RESERVED_ACTORS

from .models import Forbund, Membership, Organisation, User
from .parties import ORG_OF_ROLE, PARTY_KINDS, ROLES, Capacity
from .sessions import close_sessions_of
from .tokens import new_token, revoke_tokens, user_for_token

__all__ = ["new_token", "revoke_tokens", "user_for_token"]  # kept here for their callers

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
MIN_PASSWORD_LENGTH = 8
# A hash to check against when the user does not exist, so that timing does not tell.
_DUMMY_HASH = generate_password_hash("not-a-password", method="scrypt")


def hash_password(password: str) -> str:
    """scrypt, salted, as werkzeug writes it."""
    return generate_password_hash(password, method="scrypt")


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
    """Add a user (or a further capacity of an existing user) acting for `org` of `forbund`.

    `password_hash` may carry an already computed hash of `password` (the demo shares one).
    Raises InvalidData naming the field that is wrong.
    """
    check_username(username)
    if role not in ROLES:
        raise InvalidData("invalid user", {"role": "en av: " + ", ".join(ROLES)})
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidData(
            "invalid user", {"password": f"minst {MIN_PASSWORD_LENGTH} tecken"}
        )
    with db.write() as session:
        forbund_row = session.scalar(select(Forbund).where(Forbund.slug == forbund))
        if forbund_row is None:
            raise InvalidData("invalid user", {"forbund": f"förbundet '{forbund}' finns inte"})
        _check_org(session, forbund_row, org, role)
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            user = User(
                username=username,
                display_name=display_name or username,
                password_hash=password_hash or hash_password(password),
                active=True,
                created_at=now or _now(),
            )
            session.add(user)
            session.flush()
        exists = session.scalar(
            select(Membership).where(
                Membership.user_id == user.id,
                Membership.forbund_id == forbund_row.id,
                Membership.org == org,
                Membership.role == role,
            )
        )
        if exists is None:
            session.add(Membership(user_id=user.id, forbund_id=forbund_row.id, org=org, role=role))
    return capacities(db, username)[-1]


def check_username(username: str) -> None:
    """Refuse a username that is malformed or that the history already uses for the system
    (`system`, `timer`, ... in any case or width); raise InvalidData with a Swedish message."""
    if unicodedata.normalize("NFKC", username).casefold() in RESERVED_ACTORS:
        raise InvalidData("invalid user", {"username": (
            f"'{username}' är reserverat: så står systemet självt i ärendenas historik. "
            "Välj ett annat användarnamn.")})
    if not USERNAME_PATTERN.fullmatch(username):
        raise InvalidData("invalid user", {
            "username": "använd a–z, 0–9, punkt, understreck eller bindestreck"})


def _check_org(session: Session, forbund: Forbund, org: str, role: str) -> None:
    fixed = ORG_OF_ROLE.get(role)
    if fixed is not None:
        if org != fixed:
            raise InvalidData("invalid user", {"org": f"en användare med rollen {role} agerar för '{fixed}'"})
        return
    if role == "representant":
        kinds = PARTY_KINDS
    else:
        kinds = (*PARTY_KINDS, "kansli")
        if org == "kansli":
            return
    member = session.scalar(
        select(Organisation).where(
            Organisation.forbund_id == forbund.id,
            Organisation.slug == org,
            Organisation.kind.in_(kinds),
        )
    )
    if member is None:
        raise InvalidData(
            "invalid user", {"org": f"'{org}' är inte en medlemsorganisation i {forbund.slug}"}
        )


def set_password(
    db: Database, username: str, password: str, password_hash: str | None = None,
    keep_session: str | None = None,
) -> None:
    """Replace a user's password (`password_hash` may carry its precomputed hash) and end every
    session of the user but the one whose token is `keep_session` (the session that changed it).
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidData(
            "invalid password", {"password": f"minst {MIN_PASSWORD_LENGTH} tecken"}
        )
    with db.write() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"no user '{username}'")
        user.password_hash = password_hash or hash_password(password)
        close_sessions_of(session, user.id, keep=keep_session)


def authenticate(db: Database, username: str, password: str) -> bool:
    """Whether the password is right for an active user (constant work either way)."""
    if not USERNAME_PATTERN.fullmatch(username):  # no such user; and never a NUL into SQL
        check_password_hash(_DUMMY_HASH, password)
        return False
    with db.read() as session:
        user = session.scalar(select(User).where(User.username == username))
        stored = user.password_hash if user is not None and user.active else _DUMMY_HASH
        ok = check_password_hash(stored, password)
        return ok and user is not None and user.active


def capacities(db: Database, username: str) -> list[Capacity]:
    """Every capacity a user can act in, in the order they were added."""
    with db.read() as session:
        rows = session.execute(
            select(User, Membership, Forbund)
            .join(Membership, Membership.user_id == User.id)
            .join(Forbund, Forbund.id == Membership.forbund_id)
            .where(User.username == username, User.active.is_(True))
            .order_by(Membership.id)
        ).all()
        names = _org_names(session, {forbund.id for _, _, forbund in rows})
        return [
            Capacity(
                username=user.username,
                display_name=user.display_name,
                forbund=forbund.slug,
                forbund_name=forbund.name,
                org=membership.org,
                org_name=names.get((forbund.id, membership.org), membership.org),
                role=membership.role,
                membership_id=membership.id,
            )
            for user, membership, forbund in rows
        ]


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


@dataclass(frozen=True)
class UserRow:
    """A user of a förbund with its capacities there, for the admin page."""

    username: str
    display_name: str
    active: bool
    capacities: list[tuple[str, str]]


def users_of(db: Database, forbund: str) -> list[UserRow]:
    """Every user with a capacity in `forbund`, by username."""
    with db.read() as session:
        rows = session.execute(
            select(User, Membership)
            .join(Membership, Membership.user_id == User.id)
            .join(Forbund, Forbund.id == Membership.forbund_id)
            .where(Forbund.slug == forbund)
            .order_by(User.username, Membership.id)
        ).all()
    result: dict[str, UserRow] = {}
    for user, membership in rows:
        row = result.setdefault(
            user.username, UserRow(user.username, user.display_name, user.active, [])
        )
        row.capacities.append((membership.org, membership.role))
    return list(result.values())


def set_active(db: Database, forbund: str, username: str, active: bool) -> None:
    """Activate or deactivate a user of `forbund`; a deactivated user's sessions and tokens stop
    working at once."""
    with db.write() as session:
        user = session.scalar(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .join(Forbund, Forbund.id == Membership.forbund_id)
            .where(User.username == username, Forbund.slug == forbund)
        )
        if user is None:
            raise NotFound(f"no user '{username}' in {forbund}")
        user.active = active
        if not active:
            close_sessions_of(session, user.id)
