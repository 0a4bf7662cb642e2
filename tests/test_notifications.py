"""E-mail notifications through a local SMTP server: a ready task, a reminder and the daily
digest reach the right people, in Swedish, with a link and the title and nothing else of the
case; a rolled-back step sends nothing; the styrelse never hears of ESF+."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from engine import InvalidData
from engine.store.models import Notification
from workflows import Finsam
from workflows.notify import SmtpConfig, preferences, set_preferences
from workflows.worker import tick

from .test_processes import agree, esf_route, position, to_agreement
from .test_timers import Clock, ClockDesk


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for rcpt, m in self.messages if address in rcpt]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, SmtpConfig]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    config = SmtpConfig.from_env({"FINSAM_SMTP_HOST": "127.0.0.1", "FINSAM_SMTP_PORT": str(port),
                                  "FINSAM_SMTP_FROM": "noreply@finsam.test",
                                  "FINSAM_BASE_URL": "https://finsam.test/"})
    assert config is not None
    yield inbox, config
    controller.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def desk(finsam: Finsam, database_url: str, clock: Clock) -> ClockDesk:
    return ClockDesk(database_url, clock)


def run(desk: ClockDesk, config: SmtpConfig | None) -> Any:
    system = desk.system()
    try:
        return tick(system, config)
    finally:
        system.close()


def body(message: Message) -> str:
    return str(message.get_content())  # type: ignore[attr-defined]


def test_mail_is_off_without_a_host() -> None:
    assert SmtpConfig.from_env({}) is None


def test_preferences_are_checked(finsam: Finsam) -> None:
    set_preferences(finsam.db, "af", "af@example.se", "each")
    assert preferences(finsam.db, "af") == ("af@example.se", "each")
    for email, notify in [("af@example.se", "sometimes"), ("not an address", "each"),
                          (None, "digest")]:
        with pytest.raises(InvalidData):
            set_preferences(finsam.db, "af", email, notify)


def test_a_ready_task_and_a_reminder_reach_the_organisation(
        desk: ClockDesk, clock: Clock, smtp: tuple[Inbox, SmtpConfig], finsam: Finsam) -> None:
    inbox, config = smtp
    set_preferences(finsam.db, "af", "af@example.se", "each")
    set_preferences(finsam.db, "fk", "fk@example.se", "none")
    set_preferences(finsam.db, "angelholm", "angelholm@example.se", "each")
    run(desk, config)  # the demo's old news goes out (or not) now
    inbox.messages.clear()
    iid = esf_route(desk)
    run(desk, config)
    ready = inbox.to("af@example.se")
    assert [str(m["Subject"]) for m in ready] == ["Ny uppgift: Parterna utformar projektidé"]
    assert ready and inbox.to("fk@example.se") == []
    link = desk.task("af", iid, "utforma_projektide").id
    assert f"https://finsam.test/tasks/{link}" in body(ready[0])
    assert "Knutpunkt för hemmasittare" in body(ready[0])
    assert "Unga vuxna" not in body(ready[0])  # the need's other data stays out
    assert ready[0]["From"] == "noreply@finsam.test"
    to_agreement(desk, iid, {"af": position(), "fk": position(), "angelholm": position(True)})
    run(desk, config)
    inbox.messages.clear()
    clock.advance(days=15)
    done = run(desk, config)
    assert done.fired == 1
    reminders = [m for _, m in inbox.messages if m["Subject"].startswith("Påminnelse: ")]
    assert sorted(r["To"] for r in reminders) == ["af@example.se", "angelholm@example.se"]
    assert all("överens om projektägare" in r["Subject"] for r in reminders)
    inbox.messages.clear()
    assert run(desk, config).sent == 0  # each row once


def test_a_rolled_back_step_sends_nothing(
        desk: ClockDesk, smtp: tuple[Inbox, SmtpConfig], finsam: Finsam) -> None:
    inbox, config = smtp
    set_preferences(finsam.db, "af", "af@example.se", "each")
    iid = esf_route(desk)
    to_agreement(desk, iid, {"af": position(), "fk": position(), "angelholm": position(True)})
    run(desk, config)
    with finsam.db.read() as session:
        before = len(session.scalars(select(Notification)).all())
    with pytest.raises(Exception):  # noqa: B017 - the domain refuses the agreement
        desk.act("af", iid, "overenskommelse", agree("nnv-skane", ["af"]))
    with finsam.db.read() as session:
        assert len(session.scalars(select(Notification)).all()) == before
    inbox.messages.clear()
    assert run(desk, config).sent == 0


def test_the_daily_digest(desk: ClockDesk, clock: Clock, smtp: tuple[Inbox, SmtpConfig],
                          finsam: Finsam) -> None:
    inbox, config = smtp
    set_preferences(finsam.db, "af", "af@example.se", "digest")
    esf_route(desk)
    run(desk, config)
    digests = inbox.to("af@example.se")
    assert len(digests) == 1 and digests[0]["Subject"].startswith("Dagens uppgifter")
    assert "https://finsam.test/tasks/" in body(digests[0])
    assert not any(m["Subject"].startswith("Ny uppgift") for m in digests)
    run(desk, config)
    assert len(inbox.to("af@example.se")) == 1  # one a day
    clock.advance(days=1)
    run(desk, config)
    assert len(inbox.to("af@example.se")) == 2


def test_the_styrelse_never_hears_of_esf(desk: ClockDesk, smtp: tuple[Inbox, SmtpConfig],
                                         finsam: Finsam) -> None:
    inbox, config = smtp
    from workflows.users import capacities

    styrelse = [c for u in ("styrelse", "ordforande") for c in capacities(finsam.db, u)]
    for capacity in styrelse:
        set_preferences(finsam.db, capacity.username, f"{capacity.username}@example.se",
                        "digest")
    esf_route(desk)
    run(desk, config)
    for capacity in styrelse:
        for message in inbox.to(f"{capacity.username}@example.se"):
            assert "ESF" not in body(message)
    with finsam.db.read() as session:
        assignees = {n.assignee for n in session.scalars(select(Notification))}
    assert "styrelse" not in assignees or not any(
        "ESF" in body(m) for _, m in inbox.messages)


def test_profile_page_sets_the_choice(browser, finsam: Finsam) -> None:  # type: ignore[no-untyped-def]
    browser.login("fk")
    page = browser.get("/profile").get_data(as_text=True)
    assert "Min profil" in page and 'name="notify"' in page
    bad = browser.post("/profile", {"email": "", "notify": "each"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'aria-describedby="p-email-error"' in html
    assert preferences(finsam.db, "fk") == (None, "none")
    ok = browser.post("/profile", {"email": "fk@example.se", "notify": "digest"},
                      follow_redirects=True)
    assert "Dina val är sparade" in ok.get_data(as_text=True)
    assert preferences(finsam.db, "fk") == ("fk@example.se", "digest")
    assert browser.client.post("/profile", data={"email": "x@y.se", "notify": "each"}
                               ).status_code == 400  # no CSRF token
