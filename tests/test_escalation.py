"""Overdue tasks (issue 19): when a task passes the due date its diagram gives it (`dueIn`), those
who must act get a reminder, once; when it is still open a further period later, the förbund's
kansli hears of it, once, with whom it waits for and a link to the case; a task done in time is
never mentioned; the styrelse never hears of ESF+ this way; the period is a setting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from engine.store.models import Notification
from workflows import Finsam
from workflows.escalation import ESCALATED, OVERDUE, escalation_period
from workflows.notify import set_preferences

from .test_notifications import Inbox, body, run
from .test_notifications import smtp as smtp  # the fixture
from .test_processes import agree
from .test_timers import Clock, ClockDesk, at_agreement

STEP = "overenskommelse"  # dueIn P30D in diagrams/esf_plus.bpmn


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def desk(finsam: Finsam, database_url: str, clock: Clock) -> ClockDesk:
    return ClockDesk(database_url, clock)


def _prefs(finsam: Finsam) -> None:
    for user, choice in [("af", "each"), ("fk", "each"), ("angelholm", "each"),
                         ("kansli", "digest"), ("styrelse", "each")]:
        set_preferences(finsam.db, user, f"{user}@example.se", choice)


def _subjects(inbox: Inbox, to: str) -> list[str]:
    return [str(m["Subject"]) for m in inbox.to(to)]


def _noted(finsam: Finsam, task_id: int) -> list[str]:
    """The overdue and escalation notes of one task (the demo's own tasks fall due meanwhile)."""
    with finsam.db.read() as session:
        return sorted(n.kind for n in session.scalars(
            select(Notification).where(Notification.human_task_id == task_id,
                                       Notification.kind.in_((OVERDUE, ESCALATED)))))


def test_a_reminder_when_due_and_the_kansli_after_the_period(
        desk: ClockDesk, clock: Clock, smtp, finsam: Finsam) -> None:  # type: ignore[no-untyped-def]
    inbox, config = smtp
    _prefs(finsam)
    run(desk, config)  # the demo's old news (and its overdue tasks) go out now
    iid = at_agreement(desk)
    task = desk.task("af", iid, STEP)
    assert task.due_at is not None and task.due_at - clock.now == timedelta(days=30)
    run(desk, config)
    inbox.messages.clear()

    clock.advance(days=29)
    run(desk, config)
    assert _noted(finsam, task.id) == []  # not yet due
    clock.advance(days=2)
    assert run(desk, config).overdue >= 1
    assert _noted(finsam, task.id) == [OVERDUE]
    overdue = [m for _, m in inbox.messages if m["Subject"] == "Försenad: " + task.name]
    assert sorted(str(m["To"]) for m in overdue) == [
        "af@example.se", "angelholm@example.se", "fk@example.se"]  # the parties, once each
    assert "Skulle vara klar: " + task.due_at.date().isoformat() in body(overdue[0])
    assert f"https://finsam.test/tasks/{task.id}" in body(overdue[0])
    assert "Försenad sedan länge: " + task.name not in _subjects(inbox, "kansli@example.se")
    inbox.messages.clear()
    run(desk, config)
    assert _noted(finsam, task.id) == [OVERDUE]  # each task once
    assert not any(m["Subject"] == "Försenad: " + task.name for _, m in inbox.messages)

    clock.advance(days=14)
    assert run(desk, config).escalated >= 1
    escalated = [m for m in inbox.to("kansli@example.se")
                 if m["Subject"] == "Försenad sedan länge: " + task.name]
    assert len(escalated) == 1  # the kansli, though it chose a digest: an escalation is news
    text = body(escalated[0])
    assert "Väntar på: Parternas företrädare" in text
    assert f"https://finsam.test/instances/{iid}" in text
    assert not any(str(m["Subject"]).startswith("Försenad sedan länge")
                   for u in ("af", "fk", "angelholm", "styrelse")
                   for m in inbox.to(f"{u}@example.se"))  # only the kansli; never the styrelse
    inbox.messages.clear()
    run(desk, config)
    assert _noted(finsam, task.id) == [ESCALATED, OVERDUE]  # each once
    assert inbox.to("kansli@example.se") == [] or not any(
        m["Subject"] == "Försenad sedan länge: " + task.name for m in inbox.to("kansli@example.se"))


def test_a_task_done_in_time_is_never_mentioned(
        desk: ClockDesk, clock: Clock, smtp, finsam: Finsam) -> None:  # type: ignore[no-untyped-def]
    inbox, config = smtp
    _prefs(finsam)
    run(desk, config)
    iid = at_agreement(desk)
    task = desk.task("af", iid, STEP)
    clock.advance(days=10)
    desk.act("af", iid, STEP, agree("angelholm", ["af", "fk"]))
    inbox.messages.clear()
    clock.advance(days=60)
    run(desk, config)
    assert not any(str(m["Subject"]).startswith("Försenad") and task.name in str(m["Subject"])
                   for _, m in inbox.messages)
    assert _noted(finsam, task.id) == []


def test_the_period_is_a_setting() -> None:
    assert escalation_period({}) == timedelta(days=14)
    assert escalation_period({"FINSAM_ESCALATION_DAYS": "30"}) == timedelta(days=30)
    for bad in ("0", "-3", "två veckor", "400"):
        with pytest.raises(ValueError, match="FINSAM_ESCALATION_DAYS"):
            escalation_period({"FINSAM_ESCALATION_DAYS": bad})


def test_the_worker_refuses_a_bad_period_in_one_line(
        finsam: Finsam, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from webui.cli import main

    monkeypatch.setenv("FINSAM_DATABASE_URL", database_url)
    monkeypatch.setenv("FINSAM_ESCALATION_DAYS", "never")
    result = CliRunner().invoke(main, ["worker", "--once"])
    assert result.exit_code != 0
    assert "FINSAM_ESCALATION_DAYS" in result.output and "Traceback" not in result.output
