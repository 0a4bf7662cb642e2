"""The login throttle's count, in the database so that every worker process shares it.

An attempt is admitted and recorded in one write transaction that serializes per key: on
PostgreSQL under a transaction-scoped advisory lock on the key, on SQLite in the immediate
transaction every write takes. So however many guesses arrive at once, in threads or in worker
processes, no more than the limit are admitted in a window. An admitted attempt counts as a
failure from the start; a successful login forgets the key's attempts. Keys are stored only as
their sha256, so no username or address is kept here.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import Index, String, delete, func, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine import Base, Database

# The first number of PostgreSQL's two-number advisory lock: the throttle's own key space.
ADVISORY_CLASS = 0x46544C  # "FTL"


class LoginFailure(Base):
    """One admitted login attempt of a key (account and address), at a time; it stays, as a
    failure, until the key logs in."""

    __tablename__ = "login_failure"
    __table_args__ = (Index("ix_login_failure_key_at", "key_hash", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]


def key_hash(key: str) -> str:
    """The stored form of a throttle key."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _serialize(session: Session, digest: str) -> None:
    """Make the key's check-and-record one step: wait for any other transaction on this key."""
    if session.get_bind().dialect.name == "postgresql":
        number = int.from_bytes(bytes.fromhex(digest[:8]), "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:c, :k)"),
                        {"c": ADVISORY_CLASS, "k": number})
    # SQLite: db.write() began with BEGIN IMMEDIATE, which already admits one writer at a time.


def admit(db: Database, key: str, now: datetime, window: timedelta, limit: int) -> float:
    """Admit and record an attempt of `key`, unless it has `limit` attempts in the `window`
    before `now`: then record nothing and return the seconds until the oldest of them leaves the
    window. Returns 0 for an admitted attempt."""
    digest = key_hash(key)
    with db.write() as session:
        _serialize(session, digest)
        session.execute(delete(LoginFailure).where(LoginFailure.key_hash == digest,
                                                   LoginFailure.at <= now - window))
        recent = list(session.scalars(select(LoginFailure.at)
                                      .where(LoginFailure.key_hash == digest)
                                      .order_by(LoginFailure.at.desc()).limit(limit)))
        if len(recent) >= limit:
            return max(1.0, (recent[-1] + window - now).total_seconds())
        session.add(LoginFailure(key_hash=digest, at=now))
        return 0.0


def attempts(db: Database, key: str) -> int:
    """How many attempts of `key` are recorded (for tests and operators)."""
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(LoginFailure)
                                  .where(LoginFailure.key_hash == key_hash(key))) or 0)


def forget(db: Database, key: str) -> None:
    """Forget every attempt of `key` (after a successful login)."""
    with db.write() as session:
        session.execute(delete(LoginFailure).where(LoginFailure.key_hash == key_hash(key)))
