"""E-mail notifications: the outbox the engine fills, sent by `finsam worker` after the fact.

A notification row is written in the transaction that made a task ready (or fired a reminder), so
a rollback never sends mail. The worker sends each row once (`FOR UPDATE SKIP LOCKED` on
PostgreSQL) to the users who act for the task's assignee and chose `each`; users who chose
`digest` get one message a day with their open tasks. The messages are built in `mail` (no value
adds a line or a header). A row that cannot be built or sent is logged, keeps its failures on the
row and is tried again later, at most MAX_ATTEMPTS times; the rest of the outbox goes on. Who
hears of a task is the policy's `hears_of`: exactly those who may act on it. SMTP is configured
by environment and off when FINSAM_SMTP_HOST is unset.
"""

from __future__ import annotations

import logging
import os
import smtplib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy import or_, select

from engine import Database, HumanTask, Instance, InvalidData, Notification, TaskView, task_view

from . import mail, policy
from .models import Forbund, Membership, User
from .parties import Capacity
from .users import capacities

PREFERENCES = ("none", "each", "digest")
OUTBOX_BATCH = 100
MAX_ATTEMPTS = 8  # tried again after 2, 4, ... 256 minutes: given up after about 8.5 hours
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmtpConfig:
    """Where and as whom to send mail."""

    host: str
    port: int = 25
    sender: str = "finsam-flow@localhost"
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    base_url: str = "http://localhost:5000"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmtpConfig | None:
        """The configuration of FINSAM_SMTP_* and FINSAM_BASE_URL; None when mail is off."""
        env = os.environ if env is None else env
        host = env.get("FINSAM_SMTP_HOST")
        if not host:
            return None
        return cls(
            host=host,
            port=int(env.get("FINSAM_SMTP_PORT") or 25),
            sender=env.get("FINSAM_SMTP_FROM") or "finsam-flow@localhost",
            user=env.get("FINSAM_SMTP_USER") or None,
            password=env.get("FINSAM_SMTP_PASSWORD") or None,
            starttls=(env.get("FINSAM_SMTP_STARTTLS") or "").lower() in ("1", "true", "yes"),
            base_url=(env.get("FINSAM_BASE_URL") or "http://localhost:5000").rstrip("/"),
        )


Send = Callable[[list[EmailMessage]], None]


def smtp_sender(config: SmtpConfig) -> Send:
    """Send messages over one SMTP connection."""

    def send(messages: list[EmailMessage]) -> None:
        if not messages:
            return
        with smtplib.SMTP(config.host, config.port, timeout=30) as smtp:
            if config.starttls:
                smtp.starttls()
            if config.user:
                smtp.login(config.user, config.password or "")
            for message in messages:
                smtp.send_message(message)

    return send


def _task_message(config: SmtpConfig, to: str, kind: str, task: HumanTask) -> EmailMessage:
    return mail.task_message(config.sender, config.base_url, to, kind, task.id, task.name,
                             task.title)


def _server_failed(error: Exception) -> bool:
    """Whether `error` is the mail server's (unreachable, refused us, hung up) rather than one
    message's (a refused recipient or content, or a message that could not be built)."""
    return isinstance(error, OSError) and not isinstance(
        error, smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError)


def _failed(row: Notification, now: datetime, error: Exception) -> None:
    """Log a row that could not be sent and keep the failure on it, to try again later."""
    row.attempts += 1
    row.last_error = f"{type(error).__name__}: {error}"[:500]
    row.retry_at = now + timedelta(minutes=2 ** row.attempts)
    log.warning("notification %s (%s, %s) not sent, attempt %s of %s: %s", row.id, row.tenant,
                row.kind, row.attempts, MAX_ATTEMPTS, row.last_error,
                exc_info=not isinstance(error, OSError | ValueError))


def _recipients(db: Database, task: TaskView, tenant: str, data: dict[str, Any],
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


def _receiver(db: Database, task: TaskView, tenant: str, data: dict[str, Any],
              username: str) -> list[str]:
    """The e-mail of the colleague a task was handed to, if it still holds the task, may act on
    it (`hears_of`) and wants mail at all."""
    if task.claimed_by != username:
        return []
    with db.read() as session:
        email = session.scalar(select(User.email).where(
            User.username == username, User.active.is_(True), User.notify != "none"))
    if not email or not any(policy.hears_of(c, tenant, task, data)
                            for c in capacities(db, username)):
        return []
    return [str(email)]


def send_outbox(db: Database, now: datetime, config: SmtpConfig | None,
                send: Send | None = None) -> int:
    """Send every unsent notification once; return how many messages went out.

    With mail off (no configuration) the rows are marked handled without sending, so turning
    mail on later does not deliver old news. Each recipient's message is built and sent on
    its own. A failure is logged and kept on the row (`_failed`) and the others go on; only a row
    none of whose messages went out is tried again later (so a recipient who got it does not get
    it twice); when the server itself fails, that row and the rest wait for the next tick.
    Nothing that building or sending raises leaves this function.
    """
    sent = 0
    while True:
        with db.write() as session:
            rows = session.scalars(
                select(Notification).where(
                    Notification.sent_at.is_(None), Notification.attempts < MAX_ATTEMPTS,
                    or_(Notification.retry_at.is_(None), Notification.retry_at <= now))
                .order_by(Notification.id).limit(OUTBOX_BATCH)
                .with_for_update(skip_locked=True)
            ).all()
            if not rows:
                return sent
            for row in rows:
                task = session.get(HumanTask, row.human_task_id) if row.human_task_id else None
                if config is None or task is None or task.state != "open":
                    row.sent_at = now
                    continue
                data = session.get_one(Instance, task.instance_id).data
                if row.kind == "handed_over":
                    emails = _receiver(db, task_view(task), row.tenant, data, row.assignee)
                else:
                    emails = [email for email, _ in _recipients(db, task_view(task), row.tenant,
                                                                data, "each")]
                try:
                    count, failures = _send_each(config, send or smtp_sender(config), emails,
                                                 row.kind, task)
                except _ServerFailed as failed:
                    _failed(row, now, failed.error)
                    return sent  # the rest wait for the next tick; this one is kept
                if failures:
                    _failed(row, now, failures[-1])
                    if count == 0:
                        continue  # nothing went out: tried again later, no one gets it twice
                row.sent_at = now
                sent += count


class _ServerFailed(Exception):
    """The mail server failed (not one message): nothing more is tried this tick."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def _send_each(config: SmtpConfig, deliver: Send, emails: list[str], kind: str,
               task: HumanTask) -> tuple[int, list[Exception]]:
    """Build and send one message per recipient; (how many went out, what failed). Raises
    _ServerFailed when the server itself fails."""
    count, failures = 0, []
    for email in emails:
        try:
            deliver([_task_message(config, email, kind, task)])
        except Exception as error:  # returned to be logged and kept on the row
            if _server_failed(error):
                raise _ServerFailed(error) from error
            failures.append(error)
        else:
            count += 1
    return count, failures


def send_digests(db: Database, now: datetime,
                 open_tasks: Callable[[Capacity], list[TaskView]],
                 config: SmtpConfig | None, send: Send | None = None) -> int:
    """Send each `digest` user one message a day with their open tasks; return how many."""
    if config is None:
        return 0
    today = now.date()
    with db.read() as session:
        candidates = session.execute(
            select(User.id, User.username).where(
                User.notify == "digest", User.email.is_not(None), User.active.is_(True))
        ).all()
    sent = 0
    for user_id, username in candidates:
        with db.write() as session:
            user = session.scalars(
                select(User).where(User.id == user_id).with_for_update(skip_locked=True)
                .execution_options(populate_existing=True)
            ).one_or_none()
            if user is None or user.digest_sent_on == today or not user.email:
                continue
            tasks = [(task.id, task.name, task.title) for capacity in capacities(db, username)
                     for task in open_tasks(capacity)]
            if tasks:
                try:
                    (send or smtp_sender(config))([mail.digest_message(
                        config.sender, config.base_url, user.email, tasks)])
                    sent += 1
                except Exception as error:  # logged; see below
                    log.warning("digest for user %s not sent: %s: %s", user_id,
                                type(error).__name__, error)
                    if _server_failed(error):
                        return sent  # not marked: everyone's digest waits for the next tick
            # sent, or this user's message cannot be (a bad address): done for today
            user.digest_sent_on = today
    return sent


def set_preferences(db: Database, username: str, email: str | None, notify: str) -> None:
    """Store a user's e-mail address and notification choice.

    Raises InvalidData naming the field that is wrong.
    """
    if notify not in PREFERENCES:
        raise InvalidData("invalid choice", {"notify": "välj ett av alternativen"})
    email = (email or "").strip() or None
    if email is not None and ("@" not in email or len(email) > 300 or any(c.isspace()
                                                                          for c in email)):
        raise InvalidData("invalid e-mail", {"email": "ange en e-postadress, t.ex. namn@kommun.se"})
    if notify != "none" and email is None:
        raise InvalidData("e-mail needed", {"email": "ange en e-postadress för att få e-post"})
    with db.write() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        user.email = email
        user.notify = notify


def preferences(db: Database, username: str) -> tuple[str | None, str]:
    """A user's e-mail address and notification choice."""
    with db.read() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        return user.email, user.notify
