"""The beredningsgrupp's bevakning of Svenska ESF-rådet's utlysningsplan (R-S8): the worker keeps
exactly one running per förbund (also with several workers at once), the task comes back a
quarter after each check, stopping ends it for good unless restarted, and the styrelse never
sees any of it."""

from __future__ import annotations

import threading
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text

from engine import Forbidden, InvalidData, NotFound, SpecError, read_source
from engine.operations.singleton import lock_key
from engine.store.models import Event, Instance, Notification, SpecVersion, Timer
from workflows import Finsam, tenants, utlysningsplan
from workflows.notify import SmtpConfig, set_preferences
from workflows.system import bundled_diagrams, diagrams_dir
from workflows.users import capacities
from workflows.worker import tick

from .conftest import Browser
from .test_timers import T0, Clock, ClockDesk, events_of, verify

PROCESS = "utlysningsplan"
TASK = "bevaka_utlysningsplan"
QUARTER = timedelta(weeks=13)
CHECKED = {
    "utlysningsplan_kontrollerad": True,
    "planerade_utlysningar": "Insatser för unga utanför arbetsmarknaden, öppnar i mars",
    "nytt_behov": True,
    "utlysning": "Unga utanför arbetsmarknaden 2026",
    "fortsatt_bevakning": True,
}
STOP = {"utlysningsplan_kontrollerad": True, "nytt_behov": False, "fortsatt_bevakning": False}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def desk(finsam: Finsam, database_url: str, clock: Clock) -> ClockDesk:
    return ClockDesk(database_url, clock)


def work(desk: ClockDesk, config: SmtpConfig | None = None,
         send: Any = None) -> Any:
    """One tick of `finsam worker` on the test's clock."""
    system = desk.system()
    try:
        return tick(system, config, send)
    finally:
        system.close()


def bevakningar(finsam: Finsam, forbund: str | None = None) -> list[Instance]:
    with finsam.db.read() as session:
        query = select(Instance).where(Instance.process_id == PROCESS).order_by(Instance.id)
        if forbund is not None:
            query = query.where(Instance.tenant == forbund)
        return list(session.scalars(query))


def running(finsam: Finsam) -> dict[str, int]:
    """The number of running bevakningar per förbund."""
    with finsam.db.read() as session:
        rows = session.execute(
            select(Instance.tenant, func.count()).where(
                Instance.process_id == PROCESS, Instance.status == "running")
            .group_by(Instance.tenant)).all()
    return {tenant: count for tenant, count in rows}


def add_forbund(finsam: Finsam, slug: str = "sodra") -> None:
    tenants.add_forbund(finsam.engine, slug, "Samordningsförbundet Södra",
                        ["af:af:Arbetsförmedlingen"], bundled_diagrams(), "test")


def events_count(finsam: Finsam) -> int:
    with finsam.db.read() as session:
        return session.scalar(select(func.count()).select_from(Event)) or 0


def renamed_copy(tmp_path: Path, old: str, new: str) -> Path:
    """The bundled diagram with `old` replaced by `new`, next to a copy of the forms."""
    source = diagrams_dir() / "utlysningsplan.bpmn"
    text_ = source.read_text(encoding="utf-8")
    assert old in text_
    (tmp_path / "forms").mkdir(exist_ok=True)
    for form in (diagrams_dir() / "forms").iterdir():
        (tmp_path / "forms" / form.name).write_bytes(form.read_bytes())
    target = tmp_path / "utlysningsplan.bpmn"
    target.write_text(text_.replace(old, new), encoding="utf-8")
    return target


# -- the worker starts it ----------------------------------------------------------------------


def test_the_worker_starts_one_per_forbund_on_the_newest_version(
        desk: ClockDesk, finsam: Finsam, tmp_path: Path) -> None:
    add_forbund(finsam)
    newer = renamed_copy(tmp_path, 'name="Bevakning startad"', 'name="Bevakningen startad"')
    assert [r.version for r in finsam.deploy_files([newer], "designer")] == [2, 2]
    assert work(desk).started == 2
    started = bevakningar(finsam)
    assert sorted(i.tenant for i in started) == ["nnv-skane", "sodra"]
    with finsam.db.read() as session:
        versions = {session.get_one(SpecVersion, i.spec_version_id).version for i in started}
    assert versions == {2}
    for instance in started:
        assert (instance.status, instance.created_by, instance.title) == (
            "running", "system", "Svenska ESF-rådets utlysningsplan")
        first = events_of(desk, instance.id, "started")[0]
        assert (first.actor, first.acting_as) == ("system", "system")
    assert work(desk).started == 0
    assert len(bevakningar(finsam)) == 2
    assert running(finsam) == {"nnv-skane": 1, "sodra": 1}


def test_nothing_starts_while_the_process_is_not_deployed(
        database_url: str, clock: Clock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from workflows.demo import load_demo

    for name in ("behovsanalys.bpmn", "forms"):
        source = diagrams_dir() / name
        if source.is_dir():
            (tmp_path / name).mkdir()
            for form in source.iterdir():
                (tmp_path / name / form.name).write_bytes(form.read_bytes())
        else:
            (tmp_path / name).write_bytes(source.read_bytes())
    monkeypatch.setenv("FINSAM_DIAGRAMS_DIR", str(tmp_path))
    system = Finsam(database_url, clock=clock)
    try:
        system.init()
        load_demo(system.db)
        assert tick(system, None).started == 0
        with pytest.raises(NotFound):
            utlysningsplan.restart(system, "nnv-skane")
    finally:
        system.close()


@pytest.mark.parametrize("workers", [2, 4])
def test_several_workers_at_once_start_exactly_one(
        desk: ClockDesk, finsam: Finsam, workers: int) -> None:
    add_forbund(finsam)
    systems = [desk.system() for _ in range(workers)]
    counts: list[int] = []
    errors: list[Exception] = []
    barrier = threading.Barrier(workers)

    def run(system: Finsam) -> None:
        barrier.wait()
        try:
            counts.append(tick(system, None).started)
        except Exception as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(s,)) for s in systems]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for system in systems:
        system.close()
    assert errors == []
    assert sum(counts) == 2
    assert running(finsam) == {"nnv-skane": 1, "sodra": 1}
    assert len(bevakningar(finsam)) == 2
    for instance in bevakningar(finsam):
        assert verify(desk, instance.id) == []


def test_on_postgresql_a_worker_skips_a_forbund_another_holds(
        desk: ClockDesk, finsam: Finsam) -> None:
    if finsam.db.is_sqlite:
        pytest.skip("the advisory lock is PostgreSQL's; SQLite's writers queue instead")
    with finsam.db.sa_engine.connect() as other:
        with other.begin():
            other.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                          {"key": lock_key("nnv-skane", PROCESS)})
            assert work(desk).started == 0  # another worker is deciding for this förbund
            assert bevakningar(finsam) == []
    assert work(desk).started == 1
    assert running(finsam) == {"nnv-skane": 1}


def test_nobody_else_starts_one(finsam: Finsam, as_user, browser: Browser) -> None:  # type: ignore[no-untyped-def]
    for user in ("kansli", "angelholm"):
        with pytest.raises(Forbidden):
            finsam.start_instance(as_user(user), PROCESS, {})
    browser.login("angelholm")
    response = browser.client.post("/api/instances", json={"process_id": PROCESS, "data": {}},
                                   headers={"X-CSRF-Token": browser.csrf()})
    assert response.status_code == 403
    assert bevakningar(finsam) == []


# -- who sees it --------------------------------------------------------------------------------


def test_the_beredningsgrupp_has_the_task_due_in_two_weeks(desk: ClockDesk,
                                                           finsam: Finsam) -> None:
    work(desk)
    iid = bevakningar(finsam)[0].id
    for user in ("af", "bastad", "kansli"):
        task = desk.task(user, iid, TASK)
        assert (task.assignee, task.due_at) == ("beredningsgrupp", T0 + timedelta(days=14))
        capacity = capacities(finsam.db, user)[0]
        assert finsam.task(capacity, task.id).task.bpmn_id == TASK
        assert finsam.instance(capacity, iid).process_id == PROCESS


def test_the_styrelse_never_sees_it(desk: ClockDesk, finsam: Finsam, browser: Browser) -> None:
    work(desk)
    iid = bevakningar(finsam)[0].id
    task_id = desk.task("kansli", iid, TASK).id
    styrelse = capacities(finsam.db, "styrelse")[0]
    assert finsam.task_list(styrelse) == []
    assert all(i.process_id != PROCESS for i in finsam.instances(styrelse))
    with pytest.raises(NotFound):
        finsam.instance(styrelse, iid)
    with pytest.raises(NotFound):
        finsam.task(styrelse, task_id)
    with pytest.raises(NotFound):
        finsam.events(styrelse, iid)
    browser.login("styrelse")
    for url in (f"/instances/{iid}", f"/api/instances/{iid}", f"/api/instances/{iid}/events",
                f"/tasks/{task_id}", f"/api/tasks/{task_id}"):
        assert browser.get(url).status_code == 404, url
    assert all(i["process_id"] != PROCESS for i in browser.get("/api/instances").get_json())
    assert all(t["process_id"] != PROCESS for t in browser.get("/api/tasks").get_json())
    for url in ("/", "/instances"):
        page = browser.get(url).get_data(as_text=True)
        assert "utlysningsplan" not in page.lower(), url
    browser.logout()
    browser.login("bastad")
    assert "Bevaka Svenska ESF-rådets utlysningsplan" in browser.get("/").get_data(as_text=True)
    assert browser.get(f"/tasks/{task_id}").status_code == 200
    assert browser.get(f"/instances/{iid}").status_code == 200


def test_a_styrelse_lane_is_refused_at_deploy(finsam: Finsam, tmp_path: Path) -> None:
    bad = renamed_copy(tmp_path, 'name="Beredningsgrupp"', 'name="Styrelse"')
    with pytest.raises(SpecError) as error:
        finsam.engine.lint(read_source(bad))
    assert any(
        "når aldrig styrelsen" in p.message and p.element_id == TASK for p in error.value.problems
    )


# -- the loop -----------------------------------------------------------------------------------


def test_continuing_waits_a_quarter_and_the_task_comes_back(
        desk: ClockDesk, clock: Clock, finsam: Finsam) -> None:
    work(desk)
    iid = bevakningar(finsam)[0].id
    first = desk.task("af", iid, TASK)
    result = desk.act("af", iid, TASK, CHECKED)
    assert (result.instance.status, result.open_tasks) == ("running", [])
    assert result.instance.data["utlysning"] == "Unga utanför arbetsmarknaden 2026"
    with finsam.db.read() as session:
        timers = session.scalars(select(Timer).where(Timer.instance_id == iid)).all()
    assert [(t.bpmn_id, t.fire_at, t.fired_at) for t in timers] == [
        ("nasta_kvartal", T0 + QUARTER, None)]
    clock.advance(weeks=13, seconds=-1)
    done = work(desk)
    assert (done.started, done.fired) == (0, 0)  # waiting is running: no second instance
    assert desk.tasks("af", iid) == []
    clock.advance(seconds=1)
    assert work(desk).fired == 1
    assert work(desk).fired == 0
    fired = events_of(desk, iid, "timer_fired")
    assert [(e.data["timers"], e.data["at_clock"]) for e in fired] == [
        (["nasta_kvartal"], (T0 + QUARTER).isoformat())]
    again = desk.task("af", iid, TASK)
    assert again.id != first.id and again.due_at == T0 + QUARTER + timedelta(days=14)
    with finsam.db.read() as session:
        ready = session.scalars(select(Notification).where(
            Notification.instance_id == iid, Notification.kind == "task_ready")).all()
    assert [(n.human_task_id, n.assignee) for n in ready] == [
        (first.id, "beredningsgrupp"), (again.id, "beredningsgrupp")]
    desk.act("kansli", iid, TASK, {**CHECKED, "nytt_behov": False, "utlysning": ""})
    assert verify(desk, iid) == []


def test_the_task_reaches_the_beredningsgrupp_by_mail_and_never_the_styrelse(
        desk: ClockDesk, clock: Clock, finsam: Finsam) -> None:
    sent: list[EmailMessage] = []
    config = SmtpConfig(host="smtp.invalid", base_url="https://finsam.test")
    for user in ("af", "bastad", "styrelse"):
        set_preferences(finsam.db, user, f"{user}@example.se", "each")
    work(desk, config, sent.extend)
    subjects = {(m["To"], m["Subject"]) for m in sent}
    assert subjects == {(f"{u}@example.se", "Ny uppgift: Bevaka Svenska ESF-rådets utlysningsplan")
                        for u in ("af", "bastad")}
    iid = bevakningar(finsam)[0].id
    desk.act("af", iid, TASK, CHECKED)
    sent.clear()
    clock.advance(weeks=13)
    work(desk, config, sent.extend)
    assert sorted(m["To"] for m in sent) == ["af@example.se", "bastad@example.se"]
    assert all("utlysningsplan" in m["Subject"] for m in sent)


def test_stopping_ends_it_and_the_worker_does_not_restart_it(
        desk: ClockDesk, clock: Clock, finsam: Finsam) -> None:
    work(desk)
    iid = bevakningar(finsam)[0].id
    result = desk.act("angelholm", iid, TASK, STOP)
    assert (result.instance.status, result.instance.outcome) == ("completed",
                                                                  "bevakning_avslutad")
    with finsam.db.read() as session:
        assert session.scalars(select(Timer).where(Timer.instance_id == iid)).all() == []
    clock.advance(weeks=30)
    assert work(desk).started == 0
    assert [i.id for i in bevakningar(finsam)] == [iid]
    assert verify(desk, iid) == []
    restarted = utlysningsplan.restart(finsam, "nnv-skane")
    assert restarted is not None and restarted.instance.id != iid
    assert [t.bpmn_id for t in restarted.open_tasks] == [TASK]
    assert utlysningsplan.restart(finsam, "nnv-skane") is None
    assert work(desk).started == 0
    assert running(finsam) == {"nnv-skane": 1}
    with pytest.raises(NotFound):
        utlysningsplan.restart(finsam, "no-such-forbund")


# -- the form -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "field"), [
    ({"nytt_behov": False, "fortsatt_bevakning": True}, "utlysningsplan_kontrollerad"),
    ({**CHECKED, "fortsatt_bevakning": "ja"}, "fortsatt_bevakning"),
    ({**CHECKED, "utlysning": None}, "utlysning"),
    ({k: v for k, v in CHECKED.items() if k != "utlysning"}, "utlysning"),
    ({**CHECKED, "utlysning": ""}, "utlysning"),
    ({**CHECKED, "utlysning": "x" * 201}, "utlysning"),
    ({**CHECKED, "planerade_utlysningar": "x" * 1001}, "planerade_utlysningar"),
    ({**CHECKED, "planerade_utlysningar": "mars\x00"}, "planerade_utlysningar"),
    ({**CHECKED, "personnummer": "19121212-1212"}, "personnummer"),
])
def test_the_form_refuses_bad_input(desk: ClockDesk, finsam: Finsam, data: dict[str, Any],
                                    field: str) -> None:
    work(desk)
    iid = bevakningar(finsam)[0].id
    before = events_count(finsam)
    with pytest.raises(InvalidData) as error:
        desk.act("af", iid, TASK, data)
    assert field in error.value.details
    assert events_count(finsam) == before
    assert desk.task("af", iid, TASK)


def test_the_web_form_completes_the_check(desk: ClockDesk, finsam: Finsam,
                                          browser: Browser) -> None:
    work(desk)
    iid = bevakningar(finsam)[0].id
    task_id = desk.task("af", iid, TASK).id
    browser.login("af")
    page = browser.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Fortsätta bevaka utlysningsplanen?" in page and "Utlysning att sikta mot" in page
    refused = browser.post(f"/tasks/{task_id}", {"utlysningsplan_kontrollerad": "true",
                                                 "nytt_behov": "true",
                                                 "fortsatt_bevakning": "true"})
    assert refused.status_code == 422
    done = browser.post(f"/tasks/{task_id}", {"utlysningsplan_kontrollerad": "true",
                                              "nytt_behov": "false",
                                              "fortsatt_bevakning": "false"})
    assert done.status_code == 302
    assert bevakningar(finsam)[0].outcome == "bevakning_avslutad"


# -- the command line ---------------------------------------------------------------------------


def test_worker_once_and_restart_on_the_command_line(
        finsam: Finsam, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from webui.cli import main

    monkeypatch.setenv("FINSAM_DATABASE_URL", database_url)
    monkeypatch.delenv("FINSAM_SMTP_HOST", raising=False)
    runner = CliRunner()
    first = runner.invoke(main, ["worker", "--once"], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert "bevakningar started: 1," in first.output
    second = runner.invoke(main, ["worker", "--once"], catch_exceptions=False)
    assert "bevakningar started: 0," in second.output
    busy = runner.invoke(main, ["utlysningsplan", "restart", "--forbund", "nnv-skane"],
                         catch_exceptions=False)
    assert busy.exit_code == 0 and "already running" in busy.output
    unknown = runner.invoke(main, ["utlysningsplan", "restart", "--forbund", "nowhere"],
                            catch_exceptions=False)
    assert unknown.exit_code == 1 and "no förbund 'nowhere'" in unknown.output
    assert len(bevakningar(finsam)) == 1
