"""Sending the outbox: each notification is handed to the mail server at most once, and no
transaction is open while the server is talked to.

A row goes through three short steps. *Claim*: in one write transaction the worker takes the
unsent rows that are due (`FOR UPDATE SKIP LOCKED` on PostgreSQL, the write lock on SQLite) and
stamps `claimed_at`; a claimed row is never taken again. *Send*: with no transaction open, one
message per recipient, each with a stable Message-ID. *Mark*: in a new short transaction,
`sent_at` is stamped with the clock's time after sending (never before `created_at`); when
nothing went out the claim is released and the row tried again later (`failed`). A worker killed
between hand-over and marking leaves the row claimed and unsent: it is not sent again (at most
once), and after CLAIM_LOST the next worker writes INTERRUPTED on it and logs it, so it is seen.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select

from engine import Database, HumanTask, Instance, Notification, TaskView, task_view

from . import escalation, mail, policy
from .models import Forbund, Membership, Person, User
from .outages import DATABASE_ERRORS, describe
from .parties import Capacity, org_names
from .smtp import Send, SmtpConfig, server_failed, smtp_sender
from .users import capacities

OUTBOX_BATCH = 20
STOCKHOLM = ZoneInfo("Europe/Stockholm")  # dates in mail as the pages show them
MAX_ATTEMPTS = 8  # tried again after 2, 4, ... 256 minutes: given up after about 8.5 hours
CLAIM_LOST = timedelta(minutes=15)  # far beyond one row's sending (SMTP timeout 30 s)
INTERRUPTED = ("interrupted: the worker stopped after handing the message to the mail server "
               "and before marking it sent; not sent again")
log = logging.getLogger("workflows.notify")

Clock = Callable[[], datetime]


@dataclass
class _Outcome:
    """What sending one row did."""

    count: int = 0
    failures: list[Exception] = field(default_factory=list)
    server: Exception | None = None


def failed(row: Notification, now: datetime, error: Exception) -> None:
    """Log a row that could not be sent and keep the failure on it, to try again later."""
    row.attempts += 1
    row.last_error = f"{type(error).__name__}: {error}"[:500]
    row.retry_at = now + timedelta(minutes=2 ** row.attempts)
    log.warning("notification %s (%s, %s) not sent, attempt %s of %s: %s", row.id, row.tenant,
                row.kind, row.attempts, MAX_ATTEMPTS, row.last_error,
                exc_info=not isinstance(error, OSError | ValueError))


def recipients(db: Database, task: TaskView, tenant: str, data: dict[str, Any],
               preference: str) -> list[tuple[str, list[Capacity]]]:
    """(e-mail, capacities) of active users of `tenant` with `preference` whom the policy lets
    hear of `task` (exactly those who may act on it)."""
    with db.read() as session:
        rows = session.execute(
            select(User.username, User.email)
            .join(Membership, Membership.user_id == User.id)
            .join(Forbund, Forbund.id == Membership.forbund_id)
            .where(Forbund.slug == tenant, User.active.is_(True), User.notify == preference,
                   User.email.is_not(None))
            .distinct()
        ).all()
    found = []
    for username, email in rows:
        mine = [c for c in capacities(db, username) if policy.hears_of(c, tenant, task, data)]
        if mine and email:
            found.append((str(email), mine))
    return found


def receiver(db: Database, task: TaskView, tenant: str, data: dict[str, Any],
             holder: str) -> list[str]:
    """The e-mail of the colleague a task was handed to (`handed_over`; `holder` is the actor
    id the row names), if it still holds the task, may act on it (`hears_of`) and wants mail at
    all."""
    if task.claimed_by != holder:
        return []
    with db.read() as session:
        found = session.execute(select(User.username, User.email)
                                .join(Person, Person.user_id == User.id).where(
            Person.actor_id == holder, User.active.is_(True), User.notify != "none")).first()
    username, email = (found[0], found[1]) if found is not None else ("", None)
    if not email or not any(policy.hears_of(c, tenant, task, data)
                            for c in capacities(db, username)):
        return []
    return [str(email)]


def escalation_recipients(db: Database, task: TaskView, tenant: str,
                          data: dict[str, Any]) -> list[str]:
    """The e-mail of each active user of `tenant` who wants mail at all (each or digest) and whom
    the policy lets hear that `task` is long overdue (`policy.hears_of_escalation`)."""
    with db.read() as session:
        rows = session.execute(
            select(User.username, User.email)
            .join(Membership, Membership.user_id == User.id)
            .join(Forbund, Forbund.id == Membership.forbund_id)
            .where(Forbund.slug == tenant, User.active.is_(True), User.notify != "none",
                   User.email.is_not(None))
            .distinct()
        ).all()
    return [str(email) for username, email in rows
            if email and any(policy.hears_of_escalation(c, tenant, task, data)
                             for c in capacities(db, username))]


def send_outbox(db: Database, clock: Clock, config: SmtpConfig | None,
                send: Send | None = None) -> int:
    """Send every due, unsent, unclaimed notification at most once; return how many messages
    went out.

    With mail off (no configuration) the rows are marked handled without sending, so turning
    mail on later does not deliver old news. A failure is logged and kept on the row (`failed`)
    and the others go on; only a row none of whose messages went out is tried again later (so a
    recipient who got it does not get it twice); when the server itself fails, that row and the
    rest wait for the next tick. Nothing that building or sending raises
    leaves this function (a database error does: the worker's loop outlives it).
    """
    sent = 0
    while True:
        claimed = _claim(db, clock(), config is None)
        if claimed is None:
            return sent
        if claimed == 0 or config is None:
            continue  # only rows with nothing to send were handled
        outcome = _send_row(db, config, send or smtp_sender(config), claimed)
        _mark_surely(db, claimed, outcome, clock)
        sent += outcome.count
        if outcome.server is not None:
            return sent  # the rest waits for the next tick


def _claim(db: Database, now: datetime, mail_off: bool) -> int | None:
    """Claim the next due row to send in one short transaction and return its id (0: none among
    the rows looked at, None: no due rows at all). Rows with nothing to send (mail off, the task
    gone or no longer open) are marked handled on the way. One row at a time, so a worker that
    dies holds the claim of one row only. Also writes INTERRUPTED on rows whose claim was lost."""
    with db.write() as session:
        for lost in session.scalars(
                select(Notification).where(
                    Notification.sent_at.is_(None), Notification.claimed_at < now - CLAIM_LOST,
                    or_(Notification.last_error.is_(None), Notification.last_error != INTERRUPTED))
                .with_for_update(skip_locked=True)):
            lost.last_error = INTERRUPTED
            log.warning("notification %s (%s, %s) was handed to the mail server at %s by a worker "
                        "that stopped before marking it; it is not sent again", lost.id,
                        lost.tenant, lost.kind, lost.claimed_at)
        rows = session.scalars(
            select(Notification).where(
                Notification.sent_at.is_(None), Notification.claimed_at.is_(None),
                Notification.attempts < MAX_ATTEMPTS,
                or_(Notification.retry_at.is_(None), Notification.retry_at <= now))
            .order_by(Notification.id).limit(OUTBOX_BATCH)
            .with_for_update(skip_locked=True)
        ).all()
        if not rows:
            return None
        for row in rows:
            task = session.get(HumanTask, row.human_task_id) if row.human_task_id else None
            if mail_off or task is None or task.state != "open":
                row.sent_at = max(now, row.created_at)
            else:
                row.claimed_at = now
                return row.id
        return 0


def _send_row(db: Database, config: SmtpConfig, deliver: Send, row_id: int) -> _Outcome:
    """Build and send one message per recipient of a claimed row, with no transaction open."""
    with db.read() as session:
        row = session.get_one(Notification, row_id)
        task = session.get_one(HumanTask, row.human_task_id)
        view = task_view(task)
        data = session.get_one(Instance, task.instance_id).data
        kind, tenant, name, title = row.kind, row.tenant, task.name, task.title
        assignee = row.assignee
    due = view.due_at.astimezone(STOCKHOLM).date().isoformat() if view.due_at else None
    waiting_for = None
    if kind == "handed_over":
        emails = receiver(db, view, tenant, data, assignee)
    elif kind == escalation.ESCALATED:
        emails = escalation_recipients(db, view, tenant, data)
        names = org_names(db, tenant)
        waiting_for = names.get(view.item or "") or names.get(view.assignee, view.assignee)
    else:
        emails = [email for email, _ in recipients(db, view, tenant, data, "each")]
    outcome = _Outcome()
    for email in emails:
        try:
            deliver([mail.task_message(config.sender, config.base_url, email, kind, view.id,
                                       name, title, row_id, due, waiting_for,
                                       view.instance_id)])
        except Exception as error:  # kept on the row by _mark, logged there
            if server_failed(error):
                outcome.server = error
                return outcome
            outcome.failures.append(error)
        else:
            outcome.count += 1
    return outcome


MARK_PAUSES = (1.0, 2.0, 4.0, 8.0, 16.0)


def _mark_surely(db: Database, row_id: int, outcome: _Outcome, clock: Clock) -> None:
    """`_mark`, tried again over about half a minute while the database is away: the messages
    are out, and a row left claimed is never sent again."""
    for pause in MARK_PAUSES:
        try:
            _mark(db, row_id, outcome, clock())
            return
        except DATABASE_ERRORS as error:
            log.warning("notification %s sent but not yet marked (%s); trying again in %.0f s",
                        row_id, describe(error), pause)
            db.dispose()
            time.sleep(pause)
    _mark(db, row_id, outcome, clock())


def _mark(db: Database, row_id: int, outcome: _Outcome, now: datetime) -> None:
    """Record what sending a claimed row did, in one short transaction."""
    with db.write() as session:
        row = session.get_one(Notification, row_id)
        error = outcome.server or (outcome.failures[-1] if outcome.failures else None)
        if error is not None:
            failed(row, now, error)
        if outcome.count == 0 and error is not None:
            row.claimed_at = None  # nothing went out: tried again later, no one gets it twice
        else:
            row.sent_at = max(now, row.created_at)
