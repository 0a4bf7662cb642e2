"""API tokens: issued for a number of days, listed without their secret, revoked one by one or
all at once. Only a token's sha256 is stored; the token itself is shown once, when issued."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine import Database, InvalidData, NotFound, utc_now

from .models import ApiToken, User

DEFAULT_DAYS = 90
MAX_DAYS = 366
MAX_LABEL = 100
# How stale `last_used_at` may be: a token in use is written at most once per this interval, so
# that an API client's reads do not each become a write.
LAST_USED_PRECISION = timedelta(minutes=5)


@dataclass(frozen=True)
class TokenRow:
    """One token as its owner sees it: never the token, nor its hash."""

    id: int
    label: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    def state(self, now: datetime) -> str:
        """`active`, `expired` or `revoked`."""
        if self.revoked_at is not None:
            return "revoked"
        return "active" if self.expires_at > now else "expired"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _user_id(session: Session, username: str) -> int:
    user_id = session.scalar(select(User.id).where(User.username == username))
    if user_id is None:
        raise NotFound(f"no user '{username}'")
    return int(user_id)


def new_token(db: Database, username: str, days: int = DEFAULT_DAYS, label: str = "",
              now: datetime | None = None) -> str:
    """Issue an API token for `username` that works for `days` days; return it (it is stored
    only hashed). Raises NotFound for an unknown user, InvalidData for a bad lifetime or label."""
    if not 1 <= days <= MAX_DAYS:
        raise InvalidData("invalid token", {"days": f"mellan 1 och {MAX_DAYS} dagar"})
    label = " ".join(label.split())
    if len(label) > MAX_LABEL or not label.isprintable():
        raise InvalidData("invalid token", {"label": f"högst {MAX_LABEL} vanliga tecken"})
    now = now or utc_now()
    token = "ff_" + secrets.token_urlsafe(32)
    with db.write() as session:
        session.add(ApiToken(user_id=_user_id(session, username), token_hash=_hash(token),
                             label=label, created_at=now, expires_at=now + timedelta(days=days)))
    return token


def user_for_token(db: Database, token: str, now: datetime | None = None) -> str | None:
    """The username a token belongs to while it is valid (not revoked, not expired, its user
    active); notes when it was used."""
    now = now or utc_now()
    with db.read() as session:
        row = session.execute(
            select(User.username, ApiToken.id, ApiToken.last_used_at)
            .join(ApiToken, ApiToken.user_id == User.id)
            .where(ApiToken.token_hash == _hash(token), ApiToken.revoked_at.is_(None),
                   ApiToken.expires_at > now, User.active.is_(True))
        ).first()
    if row is None:
        return None
    username, token_id, last_used = row
    if last_used is None or now - last_used >= LAST_USED_PRECISION:
        with db.write() as session:
            session.execute(update(ApiToken).where(ApiToken.id == token_id)
                            .values(last_used_at=now))
    return str(username)


def tokens_of(db: Database, username: str) -> list[TokenRow]:
    """Every token of a user, newest first. Raises NotFound for an unknown user."""
    with db.read() as session:
        rows = session.scalars(select(ApiToken)
                               .where(ApiToken.user_id == _user_id(session, username))
                               .order_by(ApiToken.id.desc())).all()
        return [TokenRow(t.id, t.label, t.created_at, t.expires_at, t.last_used_at, t.revoked_at)
                for t in rows]


def revoke_token(db: Database, username: str, token_id: int,
                 now: datetime | None = None) -> None:
    """Revoke one token of a user (revoking a revoked one changes nothing). Raises NotFound when
    the user has no token of that id."""
    with db.write() as session:
        token = session.scalar(select(ApiToken).where(
            ApiToken.id == token_id, ApiToken.user_id == _user_id(session, username)))
        if token is None:
            raise NotFound(f"'{username}' has no token {token_id}")
        if token.revoked_at is None:
            token.revoked_at = now or utc_now()


def revoke_tokens(db: Database, username: str, now: datetime | None = None) -> int:
    """Revoke every token of a user that is not yet revoked; return how many."""
    with db.write() as session:
        tokens = session.scalars(select(ApiToken).where(
            ApiToken.user_id == _user_id(session, username), ApiToken.revoked_at.is_(None))).all()
        for token in tokens:
            token.revoked_at = now or utc_now()
        return len(tokens)
