"""Login sessions kept on the server, so that ending one ends it for every copy of its cookie.

The signed session cookie carries a random session token; the database keeps only its sha256,
whose user it is, until when it lasts and whether it was revoked. A cookie whose token has no
live row here is anonymous, however valid its signature: that is what logout, a password change
and deactivating a user rely on.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Index, String, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine import Base, Database, NotFound, utc_now

from .models import User

LIFETIME = timedelta(hours=8)  # a login lasts at most this long, however busy


class LoginSession(Base):
    """One login: the sha256 of its token, its user, its end, and when it was revoked."""

    __tablename__ = "login_session"
    __table_args__ = (Index("ix_login_session_user", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def open_session(db: Database, username: str, now: datetime | None = None,
                 lifetime: timedelta = LIFETIME) -> str:
    """Start a session of `username`; return its token (only its hash is stored). The user's
    sessions that ended are forgotten here. Raises NotFound for an unknown user."""
    now = now or utc_now()
    token = secrets.token_urlsafe(32)
    with db.write() as session:
        user_id = session.scalar(select(User.id).where(User.username == username))
        if user_id is None:
            raise NotFound(f"no user '{username}'")
        session.execute(delete(LoginSession).where(
            LoginSession.user_id == user_id,
            (LoginSession.expires_at <= now) | LoginSession.revoked_at.is_not(None)))
        session.add(LoginSession(token_hash=_hash(token), user_id=user_id, created_at=now,
                                 expires_at=now + lifetime))
    return token


def session_owner(db: Database, token: str, now: datetime | None = None) -> str | None:
    """The username of a live session (not revoked, not ended, its user active), else None."""
    now = now or utc_now()
    with db.read() as session:
        return session.scalar(
            select(User.username)
            .join(LoginSession, LoginSession.user_id == User.id)
            .where(LoginSession.token_hash == _hash(token), LoginSession.revoked_at.is_(None),
                   LoginSession.expires_at > now, User.active.is_(True)))


def close_session(db: Database, token: str, now: datetime | None = None) -> None:
    """Revoke one session (logout); nothing happens for an unknown token."""
    with db.write() as session:
        session.execute(update(LoginSession)
                        .where(LoginSession.token_hash == _hash(token),
                               LoginSession.revoked_at.is_(None))
                        .values(revoked_at=now or utc_now()))


def close_sessions_of(session: Session, user_id: int, keep: str | None = None,
                      now: datetime | None = None) -> None:
    """Inside a write: revoke every live session of a user except the one of token `keep`."""
    condition = (LoginSession.user_id == user_id) & LoginSession.revoked_at.is_(None)
    if keep is not None:
        condition &= LoginSession.token_hash != _hash(keep)
    session.execute(update(LoginSession).where(condition).values(revoked_at=now or utc_now()))
