"""Ställföreträdare: a person names a colleague to stand in for them for a period.

During the period (whole days in Swedish time, both ends included) the deputy's capacity carries
the absent capacity (`Capacity.stands_in_for`, read by `users.capacities`), so the policy grants
it the absent person's tasks and lets it complete, release or hand on the tasks the absent person
holds; the history records each such step as "<deputy's capacity> för <absent>". Who may stand in
for whom is `policy.may_stand_in`, asked when one is named and again every time a capacity is
read (a membership switched off since then stands in for nobody).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import aliased

from engine import Database, InvalidData, NotFound, utc_now

from . import policy
from .admin_history import record
from .models import Forbund, Membership, StandIn, User
from .parties import Capacity
from .users import capacities, today

LONGEST = timedelta(days=366)  # a period longer than a year is a new membership, not a stand-in


@dataclass(frozen=True)
class StandInRow:
    """A stand-in as its two people see it."""

    id: int
    absent: str
    absent_name: str
    deputy: str
    deputy_name: str
    starts_on: date
    ends_on: date


def colleagues(db: Database, forbund: str, org: str, now: datetime | None = None
               ) -> list[Capacity]:
    """Every capacity acting for `org` of `forbund` now (accepted, active, unlocked), by
    username."""
    with db.read() as session:
        usernames = list(session.scalars(
            select(User.username).distinct()
            .join(Membership, Membership.user_id == User.id)
            .join(Forbund, Forbund.id == Membership.forbund_id)
            .where(Forbund.slug == forbund, Membership.org == org, User.active.is_(True),
                   Membership.active.is_(True), Membership.status == "accepted")
            .order_by(User.username)))
    return [c for name in usernames for c in capacities(db, name, now)
            if c.forbund == forbund and c.org == org]


def candidates(db: Database, absent: Capacity, now: datetime | None = None) -> list[Capacity]:
    """The colleagues the capacity may name as its stand-in (the policy's `may_stand_in`)."""
    return [c for c in colleagues(db, absent.forbund, absent.org, now)
            if policy.may_stand_in(c, absent)]


def name_stand_in(db: Database, absent: Capacity, deputy_membership_id: int, starts_on: date,
                  ends_on: date, now: datetime | None = None) -> StandInRow:
    """Name the capacity of `deputy_membership_id` stand-in for `absent` from `starts_on` to
    `ends_on` (inclusive). Raises InvalidData naming the field that is wrong."""
    at = now or utc_now()
    deputy = next((c for c in candidates(db, absent, at)
                   if c.membership_id == deputy_membership_id), None)
    if deputy is None:
        raise InvalidData("invalid stand-in", {
            "deputy": "välj en kollega i samma organisation som kan utföra dina uppgifter"})
    if ends_on < starts_on:
        raise InvalidData("invalid stand-in", {"ends_on": "slutdagen är före första dagen"})
    if ends_on < today(at):
        raise InvalidData("invalid stand-in", {"ends_on": "perioden har redan tagit slut"})
    if ends_on - starts_on >= LONGEST:
        raise InvalidData("invalid stand-in", {"ends_on": "högst ett år i taget"})
    with db.write() as session:
        forbund_id = session.scalar(select(Forbund.id).where(Forbund.slug == absent.forbund))
        row = StandIn(forbund_id=forbund_id, absent_membership_id=absent.membership_id,
                      deputy_membership_id=deputy.membership_id, starts_on=starts_on,
                      ends_on=ends_on, created_by=absent.username, created_at=at)
        session.add(row)
        session.flush()
        row_id = row.id
        record(session, absent.forbund, absent.username, "stand_in_named", {
            "stand_in": row_id, "absent": absent.username, "deputy": deputy.username,
            "org": absent.org, "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat()}, at)
    return StandInRow(row_id, absent.username, absent.display_name, deputy.username,
                      deputy.display_name, starts_on, ends_on)


def stand_ins_of(db: Database, capacity: Capacity, now: datetime | None = None
                 ) -> list[StandInRow]:
    """The stand-ins of the capacity not yet over, both ways: those standing in for it and
    those it stands in for, by first day."""
    absent_m, deputy_m = aliased(Membership), aliased(Membership)
    absent_u, deputy_u = aliased(User), aliased(User)
    with db.read() as session:
        rows = session.execute(
            select(StandIn, absent_u.username, absent_u.display_name, deputy_u.username,
                   deputy_u.display_name)
            .join(absent_m, absent_m.id == StandIn.absent_membership_id)
            .join(absent_u, absent_u.id == absent_m.user_id)
            .join(deputy_m, deputy_m.id == StandIn.deputy_membership_id)
            .join(deputy_u, deputy_u.id == deputy_m.user_id)
            .where(or_(StandIn.absent_membership_id == capacity.membership_id,
                       StandIn.deputy_membership_id == capacity.membership_id),
                   StandIn.ended_at.is_(None), StandIn.ends_on >= today(now))
            .order_by(StandIn.starts_on, StandIn.id)
        ).all()
    return [StandInRow(s.id, a, an, d, dn, s.starts_on, s.ends_on) for s, a, an, d, dn in rows]


def end_stand_in(db: Database, capacity: Capacity, stand_in_id: int,
                 now: datetime | None = None) -> None:
    """End a stand-in now, as either of its two people. Raises NotFound for any other (another
    person's, another förbund's, one already over)."""
    found = next((r for r in stand_ins_of(db, capacity, now) if r.id == stand_in_id), None)
    if found is None:
        raise NotFound("no such stand-in")
    with db.write() as session:
        row = session.get_one(StandIn, stand_in_id)
        row.ended_at = now or utc_now()
        record(session, capacity.forbund, capacity.username, "stand_in_ended", {
            "stand_in": stand_in_id, "absent": found.absent, "deputy": found.deputy},
            row.ended_at)
