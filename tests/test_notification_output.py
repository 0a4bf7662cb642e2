"""Mail built from data cannot gain a line or a header, and the worker goes on past a message it
cannot build or send: it logs it, keeps the row with its failures, retries it a bounded number of
times, and sends everything else (other messages, other förbund) in the same tick."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from engine.store.models import Notification
from workflows import Finsam
from workflows.mail import one_line
from workflows.notify import MAX_ATTEMPTS, SmtpConfig, set_preferences
from workflows.system import diagrams_dir

from .test_followup import add_sodra
from .test_notifications import Inbox, _free_port, body, run
from .test_processes import esf_route
from .test_timers import Clock, ClockDesk
from .walk import NEED

FORGED_TITLE = "Knutpunkt\r\n\r\nÖppna uppgiften: https://angripare.example/"
REFUSED = "refused@example.se"


class RefusingInbox(Inbox):
    """An inbox whose server refuses one address, as a server does a mailbox it does not have."""

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        if address == REFUSED:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def _config(port: int) -> SmtpConfig:
    config = SmtpConfig.from_env({"FINSAM_SMTP_HOST": "127.0.0.1", "FINSAM_SMTP_PORT": str(port),
                                  "FINSAM_SMTP_FROM": "noreply@finsam.test",
                                  "FINSAM_BASE_URL": "https://finsam.test"})
    assert config is not None
    return config


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, SmtpConfig]]:
    inbox = RefusingInbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, _config(port)
    controller.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def desk(finsam: Finsam, database_url: str, clock: Clock) -> ClockDesk:
    return ClockDesk(database_url, clock)


def unsent(finsam: Finsam, tenant: str = "nnv-skane") -> list[Notification]:
    with finsam.db.read() as session:
        return list(session.scalars(select(Notification).where(
            Notification.tenant == tenant, Notification.sent_at.is_(None))
            .order_by(Notification.id)))


def deploy_with_step_name(finsam: Finsam, tmp_path: Path, name: str) -> None:
    import shutil

    shutil.copytree(diagrams_dir() / "forms", tmp_path / "forms", dirs_exist_ok=True)
    text = (diagrams_dir() / "esf_plus.bpmn").read_text(encoding="utf-8")
    old = 'name="Parterna utformar projektidé"'
    assert old in text
    (tmp_path / "esf_plus.bpmn").write_text(text.replace(old, f'name="{name}"'),
                                            encoding="utf-8")
    finsam.deploy_files([tmp_path / "esf_plus.bpmn"], "designer")


def test_one_line_turns_every_line_break_and_control_into_a_space() -> None:
    breaks = "a\rb\nc\r\nd\u2028e\u2029f\x85g\x0bh\x0ci\x1cj\tk\x00l\u202em"
    assert one_line(breaks) == "a b c d e f g h i j k l m"
    assert one_line("  lång   \n\n  text ") == "lång text"
    capped = one_line("x" * 500, 100)
    assert len(capped) == 100 and capped.endswith("…")


def test_a_multi_line_step_name_and_a_forged_title_stay_on_their_lines(
        desk: ClockDesk, smtp: tuple[Inbox, SmtpConfig], finsam: Finsam,
        tmp_path: Path) -> None:
    inbox, config = smtp
    set_preferences(finsam.db, "af", "af@example.se", "each")
    run(desk, config)
    inbox.messages.clear()
    deploy_with_step_name(finsam, tmp_path, "Parterna utformar&#13;&#10;Bcc: angripare@example.se")
    start = desk.start_need("angelholm", {"titel": FORGED_TITLE})
    desk.act("angelholm", start.instance.id, "identifiera_behov", {
        **NEED, "titel": FORGED_TITLE, "parter": ["af", "fk", "angelholm"],
        "finansieringsform": "esf_plus"})
    done = run(desk, config)  # before: ValueError from the Subject header, every tick
    assert done.sent == 1
    [(recipients, message)] = inbox.messages
    assert recipients == ["af@example.se"] and message["Bcc"] is None
    assert str(message["Subject"]) == "Ny uppgift: Parterna utformar Bcc: angripare@example.se"
    lines = body(message).splitlines()
    assert [line for line in lines if line.startswith("Öppna uppgiften:")] == [
        line for line in lines if line.startswith("Öppna uppgiften: https://finsam.test/tasks/")]
    assert "Ärende: Knutpunkt Öppna uppgiften: https://angripare.example/" in lines
    inbox.messages.clear()
    set_preferences(finsam.db, "af", "af@example.se", "digest")
    run(desk, config)
    [(_, digest)] = inbox.messages
    digest_lines = body(digest).splitlines()
    assert not any(line.startswith(("Öppna", "Bcc", "https://angripare")) for line in digest_lines)
    assert any("Bcc: angripare@example.se – Knutpunkt Öppna uppgiften: https://angripare"
               in line for line in digest_lines)


def test_an_address_that_is_two_addresses_is_not_sent_to_either(
        desk: ClockDesk, smtp: tuple[Inbox, SmtpConfig], finsam: Finsam) -> None:
    inbox, config = smtp
    set_preferences(finsam.db, "af", "af@example.se,angripare@example.se", "each")
    run(desk, config)
    inbox.messages.clear()
    esf_route(desk)
    run(desk, config)
    assert inbox.to("angripare@example.se") == []
    failed = unsent(finsam)  # af's new tasks: nobody else acts for them
    assert failed and all(r.attempts == 1 and "e-postadress" in (r.last_error or "")
                          for r in failed)


def test_a_refused_message_is_kept_retried_a_bounded_number_of_times_and_others_go_out(
        desk: ClockDesk, clock: Clock, smtp: tuple[Inbox, SmtpConfig], finsam: Finsam) -> None:
    inbox, config = smtp
    add_sodra(finsam)
    set_preferences(finsam.db, "af", REFUSED, "each")
    set_preferences(finsam.db, "s-af", "s-af@example.se", "each")
    run(desk, config)
    inbox.messages.clear()
    esf_route(desk)  # af of nnv-skane: refused by the server
    desk.need(["af", "fk", "trelleborg"], "esf_plus", user="s-kansli")  # s-af of sodra
    done = run(desk, config)
    assert [str(m["Subject"]) for m in inbox.to("s-af@example.se")] == [
        "Ny uppgift: Parterna utformar projektidé"]
    assert done.sent == 1
    failed = unsent(finsam)
    assert failed and all(r.attempts == 1 and "550" in (r.last_error or "") and r.retry_at
                          for r in failed)
    assert unsent(finsam, "sodra") == []
    run(desk, config)  # too soon: not tried again
    assert [r.attempts for r in unsent(finsam)] == [1] * len(failed)
    for _ in range(MAX_ATTEMPTS + 2):
        clock.advance(hours=5)
        run(desk, config)
    kept = unsent(finsam)  # given up after MAX_ATTEMPTS, and still there to see
    assert [(r.id, r.attempts) for r in kept] == [(r.id, MAX_ATTEMPTS) for r in failed]
    assert all("550" in (r.last_error or "") for r in kept)


def test_a_server_that_is_down_leaves_the_rows_for_the_next_tick(
        desk: ClockDesk, clock: Clock, finsam: Finsam) -> None:
    port = _free_port()
    config = _config(port)
    set_preferences(finsam.db, "af", "af@example.se", "each")
    run(desk, config)  # nothing listens: the demo's rows fail, the tick does not
    esf_route(desk)
    run(desk, config)
    failed = unsent(finsam)
    assert failed and any(r.last_error for r in failed)
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        clock.advance(hours=1)
        run(desk, config)
    finally:
        controller.stop()
    assert "Ny uppgift: Parterna utformar projektidé" in [
        str(m["Subject"]) for m in inbox.to("af@example.se")]
    assert unsent(finsam) == []
