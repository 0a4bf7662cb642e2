"""Mail at most once, visibly, and never under a lock: a row is claimed in a short transaction,
handed to the mail server with no transaction open and marked sent with the time of sending; a
`finsam worker` killed between hand-over and marking does not send it again, and the row says
so; every message has a stable Message-ID."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, select, text

from engine.store.models import Notification
from workflows import Finsam, mail
from workflows.models import User
from workflows.notify import SmtpConfig, send_digests, send_outbox, set_preferences
from workflows.outbox import INTERRUPTED
from workflows.worker import tick

from .test_notifications import Inbox, _free_port
from .test_processes import esf_route
from .walk import Desk

FINSAM = Path(sys.executable).parent / "finsam"


class HoldingInbox(Inbox):
    """An inbox that, once `hold` is set, keeps the first message it receives without answering
    until `release` is set: the sender has handed it over and waits for the 250."""

    def __init__(self) -> None:
        super().__init__()
        self.hold = threading.Event()
        self.received = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        if self.hold.is_set() and not self.received.is_set():
            self.received.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        return answer


@pytest.fixture
def holding() -> Iterator[tuple[HoldingInbox, int]]:
    inbox = HoldingInbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    inbox.release.set()
    controller.stop()


def config_for(port: int) -> SmtpConfig:
    config = SmtpConfig.from_env({"FINSAM_SMTP_HOST": "127.0.0.1", "FINSAM_SMTP_PORT": str(port),
                                  "FINSAM_SMTP_FROM": "noreply@finsam.test",
                                  "FINSAM_BASE_URL": "https://finsam.test"})
    assert config is not None
    return config


def worker_env(database_url: str, port: int) -> dict[str, str]:
    return {**os.environ, "FINSAM_DATABASE_URL": database_url, "FINSAM_SMTP_HOST": "127.0.0.1",
            "FINSAM_SMTP_PORT": str(port), "FINSAM_SMTP_FROM": "noreply@finsam.test",
            "FINSAM_BASE_URL": "https://finsam.test"}


def rows(finsam: Finsam) -> list[Notification]:
    with finsam.db.read() as session:
        return list(session.scalars(select(Notification).order_by(Notification.id)))


def ids(inbox: Inbox) -> list[str]:
    return [str(message["Message-ID"]) for _, message in inbox.messages]


def test_a_worker_killed_between_hand_over_and_marking_does_not_send_again(
        finsam: Finsam, database_url: str, holding: tuple[HoldingInbox, int]) -> None:
    inbox, port = holding
    set_preferences(finsam.db, "af", "af@example.se", "each")
    tick(finsam, None)  # the demo's news: handled without mail
    esf_route(Desk(database_url))  # af's new task: a row to send
    waiting = [r.id for r in rows(finsam) if r.sent_at is None]
    assert waiting
    inbox.hold.set()
    worker = subprocess.Popen([str(FINSAM), "worker", "--interval", "0.2"],
                              env=worker_env(database_url, port), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        assert inbox.received.wait(60), "the worker never handed a message over"
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(30)
    inbox.release.set()
    [handed_over] = ids(inbox)
    [claimed] = [r for r in rows(finsam) if r.claimed_at is not None and r.sent_at is None]
    assert claimed.id in waiting
    assert handed_over == mail.message_id("noreply@finsam.test", "af@example.se",
                                          claimed.kind, claimed.id)

    again = subprocess.run([str(FINSAM), "worker", "--once"], env=worker_env(database_url, port),
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert len(ids(inbox)) == len(set(ids(inbox))), "a message went out twice"
    assert ids(inbox).count(handed_over) == 1
    after = {r.id: r for r in rows(finsam)}
    assert after[claimed.id].sent_at is None  # not sent again, and not claimed to be sent
    assert all(after[i].sent_at is not None for i in waiting if i != claimed.id)

    later = finsam.engine.clock() + timedelta(minutes=16)
    send_outbox(finsam.db, lambda: later, config_for(port))
    lost = {r.id: r for r in rows(finsam)}[claimed.id]
    assert lost.sent_at is None and lost.last_error == INTERRUPTED  # seen, not sent
    assert ids(inbox).count(handed_over) == 1


def test_sent_at_is_the_time_of_sending_and_the_message_id_stays(
        finsam: Finsam, database_url: str) -> None:
    set_preferences(finsam.db, "af", "af@example.se", "each")
    tick(finsam, None)
    esf_route(Desk(database_url))
    base = finsam.engine.clock()
    times = iter(base + timedelta(minutes=minutes) for minutes in range(0, 1000, 5))
    now = [base]

    def clock() -> Any:
        return now[0]

    sent: list[EmailMessage] = []

    def send(messages: list[EmailMessage]) -> None:
        now[0] = next(times) + timedelta(seconds=1)  # sending takes time
        sent.extend(messages)

    before = {r.id for r in rows(finsam) if r.sent_at is None}
    assert send_outbox(finsam.db, clock, config_for(25), send) == len(sent) > 0
    handed = [r for r in rows(finsam) if r.id in before and r.claimed_at is not None]
    assert handed
    for row in handed:  # stamped after sending, not with the time the sending began
        assert row.sent_at is not None
        assert row.sent_at >= row.created_at and row.sent_at > row.claimed_at
    [first, *_] = sent
    rebuilt = [str(m["Message-ID"]) for m in sent]
    assert len(set(rebuilt)) == len(rebuilt)
    assert str(first["Message-ID"]).startswith("<finsam.") and \
        str(first["Message-ID"]).endswith("@finsam.test>")


def test_no_transaction_is_open_while_the_mail_server_is_talked_to(
        finsam: Finsam, database_url: str) -> None:
    set_preferences(finsam.db, "af", "af@example.se", "each")
    tick(finsam, None)
    esf_route(Desk(database_url))
    other = create_engine(database_url, connect_args={"timeout": 0.2}
                          if database_url.startswith("sqlite") else {})
    written: list[int] = []

    def send(messages: list[EmailMessage]) -> None:
        # Another writer, at the moment of sending, changes the very rows being sent: it would
        # wait for (and here fail on) a lock the sender held.
        with other.connect() as connection:
            if database_url.startswith("sqlite"):
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                connection.execute(text("SET LOCAL lock_timeout = '200ms'"))
            written.append(connection.execute(text(
                "UPDATE notification SET attempts = attempts WHERE sent_at IS NULL")).rowcount)
            connection.commit()

    try:
        assert send_outbox(finsam.db, finsam.engine.clock, config_for(25), send) > 0
    finally:
        other.dispose()
    assert written and all(count > 0 for count in written)


def test_a_digest_is_claimed_for_the_day_and_given_back_only_when_the_server_fails(
        finsam: Finsam, database_url: str) -> None:
    set_preferences(finsam.db, "af", "af@example.se", "digest")
    tick(finsam, None)
    esf_route(Desk(database_url))  # af has open tasks
    tasks = lambda capacity: finsam.task_list(capacity)  # noqa: E731
    clock = finsam.engine.clock

    def down(messages: list[EmailMessage]) -> None:
        raise ConnectionRefusedError("the mail server is down")

    assert send_digests(finsam.db, clock, tasks, config_for(25), down) == 0
    sent: list[EmailMessage] = []
    assert send_digests(finsam.db, clock, tasks, config_for(25), sent.extend) == 1
    [digest] = sent  # given back after the server failed, sent on the next tick
    assert str(digest["Message-ID"]) == mail.message_id(
        "noreply@finsam.test", "af@example.se", "digest", clock().date())

    def seen_while_sending(messages: list[EmailMessage]) -> None:
        with finsam.db.read() as session:  # claimed before it goes out, in its own commit
            user = session.scalars(select(User).where(User.username == "af")).one()
            claimed.append(user.digest_sent_on)
        sent.extend(messages)

    claimed: list[Any] = []
    with finsam.db.write() as session:
        session.scalars(select(User).where(User.username == "af")).one().digest_sent_on = None
    assert send_digests(finsam.db, clock, tasks, config_for(25), seen_while_sending) == 1
    assert claimed == [clock().date()]
    assert send_digests(finsam.db, clock, tasks, config_for(25), sent.extend) == 0  # once a day
