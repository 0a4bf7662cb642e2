"""E-mail notifications: the outbox the engine fills, sent by `finsam worker` after the fact.

A notification row is written in the transaction that made a task ready (or fired a reminder), so
a rollback never sends mail. The worker hands each row to the mail server at most once (`outbox`:
claimed in a short transaction, sent with no transaction open, then marked) to the users who act
for the task's assignee and chose `each`; users who chose `digest` get one message a day with
their open tasks, also at most once. The messages are built in `mail` (no value adds a line or a
header) and carry a stable Message-ID. A row that cannot be built or sent is logged, keeps its
failures on the row and is tried again later, at most MAX_ATTEMPTS times; the rest of the outbox
goes on. Who hears of a task is the policy's `hears_of`: exactly those who may act on it. SMTP is
configured by environment and off when FINSAM_SMTP_HOST is unset.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from engine import Database, InvalidData, TaskView

from . import mail
from .models import User
from .outbox import MAX_ATTEMPTS, OUTBOX_BATCH, send_outbox
from .parties import Capacity
from .smtp import Send, SmtpConfig, server_failed, smtp_sender
from .users import capacities

__all__ = ["MAX_ATTEMPTS", "OUTBOX_BATCH", "PREFERENCES", "Send", "SmtpConfig", "preferences",
           "send_digests", "send_outbox", "set_preferences", "smtp_sender"]

PREFERENCES = ("none", "each", "digest")
log = logging.getLogger(__name__)


def send_digests(db: Database, clock: Callable[[], datetime],
                 open_tasks: Callable[[Capacity], list[TaskView]],
                 config: SmtpConfig | None, send: Send | None = None) -> int:
    """Send each `digest` user one message a day with their open tasks, at most once; return
    how many.

    The day is claimed in a short transaction (`digest_sent_on`) before the message is built and
    sent with no transaction open; only when the mail server itself fails is the claim given back
    for the next tick (a bad address is done for the day). A worker killed in between does not
    send that day's digest again."""
    if config is None:
        return 0
    today = clock().date()
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
            before, email = user.digest_sent_on, user.email
            user.digest_sent_on = today
        tasks = [(task.id, task.name, task.title) for capacity in capacities(db, username)
                 for task in open_tasks(capacity)]
        if not tasks:
            continue
        try:
            (send or smtp_sender(config))([mail.digest_message(
                config.sender, config.base_url, email, tasks, today)])
        except Exception as error:  # logged; see below
            log.warning("digest for user %s not sent: %s: %s", user_id, type(error).__name__,
                        error)
            if server_failed(error):
                _give_back(db, user_id, today, before)
                return sent  # everyone's digest waits for the next tick
        else:
            sent += 1
    return sent


def _give_back(db: Database, user_id: int, today: object, before: object) -> None:
    """Release a claimed digest day whose message did not reach the mail server."""
    with db.write() as session:
        user = session.get(User, user_id)
        if user is not None and user.digest_sent_on == today:
            user.digest_sent_on = before  # type: ignore[assignment]


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
