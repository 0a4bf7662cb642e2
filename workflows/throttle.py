"""Failed logins, counted in the database so that every worker process sees the same count.

A multi-process server (gunicorn's workers) would otherwise give an attacker a fresh allowance in
every process. Keys are stored only as their sha256, so no username or address is kept here.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import Index, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from engine import Database
from engine.models import Base


class LoginFailure(Base):
    """One failed login of a key (account and address), at a time."""

    __tablename__ = "login_failure"
    __table_args__ = (Index("ix_login_failure_key_at", "key_hash", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]


def key_hash(key: str) -> str:
    """The stored form of a throttle key."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def failures_since(db: Database, key: str, since: datetime) -> list[datetime]:
    """The times of `key`'s failures after `since`, oldest first."""
    with db.read() as session:
        return list(session.scalars(
            select(LoginFailure.at)
            .where(LoginFailure.key_hash == key_hash(key), LoginFailure.at > since)
            .order_by(LoginFailure.at)
        ))


def record_failure(db: Database, key: str, at: datetime, forget_before: datetime) -> None:
    """Record a failure of `key` and forget its failures older than `forget_before`."""
    digest = key_hash(key)
    with db.write() as session:
        session.execute(delete(LoginFailure).where(LoginFailure.key_hash == digest,
                                                   LoginFailure.at <= forget_before))
        session.add(LoginFailure(key_hash=digest, at=at))


def clear_failures(db: Database, key: str) -> None:
    """Forget every failure of `key` (after a successful login)."""
    with db.write() as session:
        session.execute(delete(LoginFailure).where(LoginFailure.key_hash == key_hash(key)))
