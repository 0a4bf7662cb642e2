"""Due dates and timers on a controllable clock: the B3 agreement is due in 30 days and reminds
after 14, the reminder fires exactly once (also with two workers at once), and replay reproduces
the instances whose timers fired."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from engine import Problem, SpecError, read_source
from engine.runtime.timers import ROWS_KEY
from engine.specs.schedule import due_in_valid, parse_duration
from engine.store.models import Event, Instance, Notification, Timer
from workflows import Finsam
from workflows.users import capacities

from .test_processes import agree, esf_route, position, to_agreement
from .walk import Desk

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


class ClockDesk(Desk):
    """The demo users' desks, on the test's clock."""

    def __init__(self, database_url: str, clock: Clock) -> None:
        super().__init__(database_url)
        self.clock = clock

    def system(self) -> Finsam:
        return Finsam(self.url, clock=self.clock)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def desk(finsam: Finsam, database_url: str, clock: Clock) -> ClockDesk:
    return ClockDesk(database_url, clock)


def at_agreement(desk: ClockDesk) -> int:
    iid = esf_route(desk)
    to_agreement(desk, iid, {"af": position(), "fk": position(), "angelholm": position(True)})
    return iid


def events_of(desk: ClockDesk, iid: int, kind: str) -> list[Event]:
    system = desk.system()
    try:
        with system.db.read() as session:
            return list(session.scalars(select(Event).where(
                Event.instance_id == iid, Event.kind == kind).order_by(Event.seq)))
    finally:
        system.close()


def fire(desk: ClockDesk) -> int:
    system = desk.system()
    try:
        return system.engine.fire_due_timers()
    finally:
        system.close()


def verify(desk: ClockDesk, iid: int) -> list[Any]:
    system = desk.system()
    try:
        with system.db.read() as session:
            tenant = session.get_one(Instance, iid).tenant
        results, others = system.engine.verify(tenant, [iid])
        return [f for r in results for f in r.findings] + list(others)
    finally:
        system.close()


# -- due dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "days"), [("P30D", 30), ("P2W", 14), ("PT12H", 0.5),
                                            ("P1DT12H", 1.5), ("p60d", 60)])
def test_durations_parse(text: str, days: float) -> None:
    assert parse_duration(text) == timedelta(days=days)


@pytest.mark.parametrize("text", ["30D", "P", "PT", "P1M", "P1Y", "P1.5D", "P3DT", "tomorrow", ""])
def test_malformed_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_a_malformed_due_in_is_refused_at_deploy(finsam: Finsam, tmp_path: Path) -> None:
    source = Path(__file__).resolve().parent.parent / "diagrams" / "esf_plus.bpmn"
    bad = tmp_path / "esf_plus.bpmn"
    # Only the B3 agreement's due date is broken (every user task has one).
    text = source.read_text(encoding="utf-8")
    start = text.index('<bpmn:userTask id="overenskommelse"')
    end = text.index("</bpmn:userTask>", start)
    block = text[start:end].replace('value="P30D"', 'value="30 dagar"')
    bad.write_text(text[:start] + block + text[end:], encoding="utf-8")
    for form in (source.parent / "forms").iterdir():
        (tmp_path / "forms").mkdir(exist_ok=True)
        (tmp_path / "forms" / form.name).write_bytes(form.read_bytes())
    with pytest.raises(SpecError) as error:
        finsam.engine.lint(read_source(bad))
    problems: list[Problem] = error.value.problems
    assert [(p.element_id, p.message.startswith("dueIn")) for p in problems] == [
        ("overenskommelse", True)]
    assert due_in_valid(finsam.engine.lint(read_source(source))) == []


def test_the_agreement_is_due_in_30_days_and_then_overdue(desk: ClockDesk, clock: Clock) -> None:
    iid = at_agreement(desk)
    task = desk.task("af", iid, "overenskommelse")
    assert task.due_at == T0 + timedelta(days=30)
    system = desk.system()
    try:
        me = capacities(system.db, "af")[0]
        assert not system.is_overdue(task)
        clock.advance(days=31)
        assert system.is_overdue(task)
        ordered = system.task_list(me, sort="due")
        dated = [t.due_at for t in ordered if t.due_at is not None]
        assert dated == sorted(dated) and ordered[0].bpmn_id == "overenskommelse"
    finally:
        system.close()


# -- timers -------------------------------------------------------------------------------------


def test_the_reminder_waits_for_its_time_and_fires_once(desk: ClockDesk, clock: Clock) -> None:
    iid = at_agreement(desk)
    system = desk.system()
    with system.db.read() as session:
        timers = session.scalars(select(Timer).where(Timer.instance_id == iid)).all()
    system.close()
    assert [(t.bpmn_id, t.fire_at, t.fired_at) for t in timers] == [
        ("paminnelse_overenskommelse", T0 + timedelta(days=14), None)]
    clock.advance(days=13)
    assert fire(desk) == 0
    assert events_of(desk, iid, "timer_fired") == []
    clock.advance(days=2)
    assert fire(desk) == 1
    assert fire(desk) == 0
    fired = events_of(desk, iid, "timer_fired")
    assert [e.data["timers"] for e in fired] == [["paminnelse_overenskommelse"]]
    assert fired[0].data["at_clock"] == clock.now.isoformat()
    # the task is still open: the reminder does not interrupt it
    desk.task("af", iid, "overenskommelse")
    system = desk.system()
    with system.db.read() as session:
        reminders = session.scalars(select(Notification).where(
            Notification.instance_id == iid, Notification.kind == "reminder")).all()
    system.close()
    # B3 is the parties' own decision (issue 16): the reminder goes to their representatives
    assert [n.assignee for n in reminders] == ["parternas_foretradare"]
    result = desk.act("af", iid, "overenskommelse", agree("angelholm", ["af", "fk"]))
    assert [t.bpmn_id for t in result.open_tasks] == ["medverka_ansokan"] * 2
    assert verify(desk, iid) == []


def test_completing_in_time_cancels_the_reminder(desk: ClockDesk, clock: Clock) -> None:
    iid = at_agreement(desk)
    desk.act("af", iid, "overenskommelse", agree("angelholm", ["af", "fk"]))
    clock.advance(days=20)
    assert fire(desk) == 0
    system = desk.system()
    with system.db.read() as session:
        open_timers = session.scalars(select(Timer).where(
            Timer.instance_id == iid, Timer.fired_at.is_(None))).all()
    system.close()
    assert open_timers == []


def test_a_state_stored_before_timers_were_remembered_matches_the_rows(
        desk: ClockDesk, clock: Clock) -> None:
    iid = at_agreement(desk)
    system = desk.system()
    with system.db.write() as session:  # as a state stored by an earlier release looks
        instance = session.get_one(Instance, iid)
        state = json.loads(instance.state)
        root = state["tasks"][state["root"]]
        assert root["internal_data"].pop(ROWS_KEY) != []
        instance.state = json.dumps(state)
    system.close()
    desk.act("af", iid, "overenskommelse", agree("angelholm", ["af", "fk"]))
    clock.advance(days=20)
    assert fire(desk) == 0
    system = desk.system()
    with system.db.read() as session:
        assert session.scalars(select(Timer).where(
            Timer.instance_id == iid, Timer.fired_at.is_(None))).all() == []
    system.close()


def test_two_workers_fire_each_timer_once(desk: ClockDesk, clock: Clock) -> None:
    instances = [at_agreement(desk) for _ in range(3)]
    clock.advance(days=15)
    systems = [desk.system(), desk.system()]
    counts: list[int] = []
    barrier = threading.Barrier(2)

    def work(system: Finsam) -> None:
        barrier.wait()
        counts.append(system.engine.fire_due_timers())

    threads = [threading.Thread(target=work, args=(s,)) for s in systems]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for system in systems:
        system.close()
    assert sum(counts) == 3
    for iid in instances:
        assert len(events_of(desk, iid, "timer_fired")) == 1
        assert verify(desk, iid) == []


def test_the_decision_reminder_on_every_party(desk: ClockDesk, clock: Clock) -> None:
    iid = at_agreement(desk)
    desk.act("angelholm", iid, "overenskommelse", agree("angelholm", ["af", "fk"]))
    desk.each_party(iid, "medverka_ansokan", {org: {"atagande": "x"} for org in ["af", "fk"]})
    desk.act("angelholm", iid, "formulera_ansokan",
             {"ansokan_sammanfattning": "Knutpunkt", "sokt_belopp": 6_000_000})
    decision = desk.task("af", iid, "beslut_projektansokan", item="af")
    assert decision.due_at == clock.now + timedelta(days=60)
    desk.act("af", iid, "beslut_projektansokan",
             {"beslut": "ja", "beslut_referens": "af-1"}, item="af")
    clock.advance(days=31)
    assert fire(desk) == 1
    system = desk.system()
    with system.db.read() as session:
        reminders = sorted(n.assignee for n in session.scalars(select(Notification).where(
            Notification.instance_id == iid, Notification.kind == "reminder")))
    system.close()
    assert reminders == ["angelholm", "fk"]
    for org in ("angelholm", "fk"):
        desk.act(org, iid, "beslut_projektansokan",
                 {"beslut": "ja", "beslut_referens": f"{org}-1"}, item=org)
    assert [t.bpmn_id for t in desk.tasks("angelholm", iid)] == ["skicka_ansokan"]
    assert verify(desk, iid) == []


def test_the_task_list_marks_overdue_and_sorts_by_due(
        finsam: Finsam, desk: ClockDesk, clock: Clock) -> None:
    from webui import create_app

    from .conftest import Browser

    iid = at_agreement(desk)
    clock.advance(days=31)
    late = Finsam(finsam.db.url, clock=clock)
    app = create_app({"DATABASE_URL": "unused://", "SYSTEM": late, "TESTING": True,
                      "SECRET_KEY": "test-secret", "SESSION_COOKIE_SECURE": False})
    browser = Browser(app.test_client())
    browser.login("af")
    page = browser.get("/?sort=due").get_data(as_text=True)
    late.close()
    assert "Försenad" in page and 'class="task-card overdue"' in page
    first = page.index('class="task-card')
    assert page[first:].startswith('class="task-card overdue"')  # the earliest due comes first
    link = f"/tasks/{desk.task('af', iid, 'overenskommelse').id}"
    following = page.find('class="task-card', first + 1)
    assert first < page.index(link) < (following if following > 0 else len(page))


def _own_postgres_url() -> str:
    """A database of these tests' own on the server of FINSAM_TEST_POSTGRES_URL (others drop the
    shared `test` database's schema at any time), with a fresh schema."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from .conftest import POSTGRES_URL

    if not POSTGRES_URL:
        pytest.skip("FINSAM_TEST_POSTGRES_URL is not set")
    server = make_url(POSTGRES_URL)
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = 'finsam_timers'"))
        if not exists:
            connection.execute(text("CREATE DATABASE finsam_timers"))
    admin.dispose()
    url = server.set(database="finsam_timers").render_as_string(hide_password=False)
    own = create_engine(url)
    with own.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    own.dispose()
    return url


def test_two_workers_on_postgresql_skip_locked(clock: Clock) -> None:
    from workflows.demo import load_demo

    url = _own_postgres_url()
    system = Finsam(url, clock=clock)
    system.init()
    load_demo(system.db)
    system.close()
    desk = ClockDesk(url, clock)
    instances = [at_agreement(desk) for _ in range(4)]
    clock.advance(days=15)
    systems = [desk.system() for _ in range(3)]
    counts: list[int] = []
    barrier = threading.Barrier(len(systems))

    def work(worker: Finsam) -> None:
        barrier.wait()
        counts.append(worker.engine.fire_due_timers())

    threads = [threading.Thread(target=work, args=(s,)) for s in systems]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for worker in systems:
        worker.close()
    assert sum(counts) == len(instances)
    for iid in instances:
        assert len(events_of(desk, iid, "timer_fired")) == 1
        assert verify(desk, iid) == []


def test_the_models_match_migration_0005(db: Any) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from engine.store.models import Base

    with db.sa_engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    mine = [d for d in differences if any(
        word in repr(d) for word in ("'timer'", "notification", "email", "notify", "digest"))]
    assert mine == []
