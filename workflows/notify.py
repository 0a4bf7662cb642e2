"""E-mail notifications: the outbox the engine fills, sent by `finsam worker` after the fact.

A notification row is written in the transaction that made a task ready (or fired a reminder), so
a rollback never sends mail. The worker sends each row once (`FOR UPDATE SKIP LOCKED` on
PostgreSQL) to the users who act for the task's assignee and chose `each`; users who chose
`digest` get one message a day with their open tasks. Messages are in Swedish and carry the step
name, the case's title and a link, nothing else of the case. Who hears of a task is the
policy's `hears_of`: exactly those who may act on it (never the styrelse of ESF+, never a
non-party). SMTP is configured by environment and off when FINSAM_SMTP_HOST is unset.
"""

from __future__ import annotations

import os
import smtplib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select

from engine import Database, InvalidData, TaskView
from engine.models import HumanTask, Instance
from engine.queries import task_view
from engine.timer_models import Notification

from . import policy
from .models import Forbund, Membership, User
from .parties import Capacity
from .users import capacities

PREFERENCES = ("none", "each", "digest")
OUTBOX_BATCH = 100


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


def _message(config: SmtpConfig, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    return message


def _task_message(config: SmtpConfig, to: str, kind: str, task: HumanTask) -> EmailMessage:
    link = f"{config.base_url}/tasks/{task.id}"
    if kind == "reminder":
        subject = f"Påminnelse: {task.name}"
        lead = "Påminnelse: din organisation har en uppgift som väntar på er."
    else:
        subject = f"Ny uppgift: {task.name}"
        lead = "Din organisation har fått en ny uppgift i finsam-flow."
    body = (f"{lead}\n\nSteg: {task.name}\nÄrende: {task.title or '(utan titel)'}\n\n"
            f"Öppna uppgiften: {link}\n\n"
            "Du får det här meddelandet för att du har valt e-post om uppgifter i din profil.\n")
    return _message(config, to, subject, body)


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


def send_outbox(db: Database, now: datetime, config: SmtpConfig | None,
                send: Send | None = None) -> int:
    """Send every unsent notification once; return how many messages went out.

    With mail off (no configuration) the rows are marked handled without sending, so turning
    mail on later does not deliver old news.
    """
    sent = 0
    while True:
        with db.write() as session:
            rows = session.scalars(
                select(Notification).where(Notification.sent_at.is_(None))
                .order_by(Notification.id).limit(OUTBOX_BATCH)
                .with_for_update(skip_locked=True)
            ).all()
            if not rows:
                return sent
            messages: list[EmailMessage] = []
            for row in rows:
                row.sent_at = now
                task = session.get(HumanTask, row.human_task_id) if row.human_task_id else None
                if config is None or task is None or task.state != "open":
                    continue
                data = session.get_one(Instance, task.instance_id).data
                for email, _ in _recipients(db, task_view(task), row.tenant, data, "each"):
                    messages.append(_task_message(config, email, row.kind, task))
            if messages and config is not None:
                (send or smtp_sender(config))(messages)
            sent += len(messages)


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
            lines = []
            for capacity in capacities(db, username):
                for task in open_tasks(capacity):
                    lines.append(f"- {task.name} – {task.title or '(utan titel)'}\n  "
                                 f"{config.base_url}/tasks/{task.id}")
            user.digest_sent_on = today
            if not lines:
                continue
            body = ("Det här väntar på din organisation i finsam-flow:\n\n" + "\n".join(lines)
                    + "\n\nDu får en sammanfattning om dagen för att du har valt det i din "
                      "profil.\n")
            subject = f"Dagens uppgifter i finsam-flow ({len(lines)})"
            (send or smtp_sender(config))([_message(config, user.email, subject, body)])
            sent += 1
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
