"""Participants per year while an insats runs (issue 17, 004 §3.2, §3.3.1): after *Beviljas*
the route splits, and on 31 January after each year of the granted period the worker makes the
processägare's yearly report ready (`rapportera_deltagare`, due in 30 days); each report is a
row of `insats_deltagare_ar`, and the follow-up's `per_ar` sums them. An insats on the version
of before the yearly report is "ej klassificerad" in its years, never recounted. On a test
clock, hand-computed, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from engine import read_source
from workflows import Finsam, worker
from workflows.deltagare_ar import InsatsDeltagareAr
from workflows.followup import Period, build_report
from workflows.system import diagrams_dir
from workflows.users import capacities

from .conftest import BACKENDS, DATA
from .test_followup import Clock, ClockDesk, finsam_route, finsam_to_board, two_forbund
from .test_processes import DESIGN, GRANTED

FS = ["angelholm", "klippan", "region-skane"]
STRUKTUR = {**{k: v for k, v in DESIGN.items() if k != "specifik_malgrupp"},
            "insatstyp": "strukturovergripande", "preciserad_inriktning": "utveckla_samverkan"}
# The diagram as deployed before the yearly report (A5 straight after the grant).
BEFORE_YEARLY = DATA / "finansiell_samordning_before_yearly.bpmn"


def grant(desk: ClockDesk, when: str, design: dict[str, Any], amount: int, start: str,
          end: str) -> int:
    iid = finsam_route(desk, when, FS)
    finsam_to_board(desk, iid, {**design, "sokt_belopp": amount}, FS)
    desk.act("styrelse", iid, "styrelsebeslut", {**GRANTED, "beviljat_belopp": amount,
                                                 "period_start": start, "period_slut": end})
    return iid


def tick(desk: ClockDesk, local: str) -> int:
    """`finsam worker` ticks at a Swedish local time; returns how many timers fired."""
    desk.on(local)
    return worker.tick(desk.system(), None).fired


def yearly(desk: ClockDesk, iid: int) -> list[Any]:
    return [t for t in desk.tasks("angelholm", iid) if t.bpmn_id == "rapportera_deltagare"]


def carry_out(desk: ClockDesk, iid: int, done: dict[str, Any]) -> Any:
    desk.parties(iid, "genomfora_insatsdel", {org: {"genomfort": "x"} for org in FS})
    return desk.act("angelholm", iid, "genomfora_insats", done)


def rows(finsam: Finsam) -> set[tuple[int, int, Any, Any, Any, Any]]:
    t = InsatsDeltagareAr
    with finsam.db.read() as session:
        return {tuple(r) for r in session.execute(  # type: ignore[misc]
            select(t.instance_id, t.ar, t.kvinnor, t.man, t.personal, t.personal_foljs_upp))}


def per_ar(finsam: Finsam, *figures: str) -> dict[int, tuple[int, ...]]:
    fs = build_report(finsam.db, ("nnv-skane",), Period())["finansiell_samordning"]
    return {r["ar"]: tuple(r[f] for f in figures) for r in fs["per_ar"]}


PARTICIPANTS = ("insatser", "deltagare_kvinnor", "deltagare_man",
                "personal_strukturovergripande", "personal_foljs_inte_upp", "ej_klassificerade")


@pytest.fixture(scope="module", params=BACKENDS)
def world(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Finsam, ClockDesk,
                                                                      dict[str, int]]]:
    finsam, url = two_forbund(request, tmp_path_factory, "deltagare_ar")
    desk = ClockDesk(url, Clock())
    ids: dict[str, int] = {}
    # O: on the version before the yearly report, granted 2025-03-01 – 2026-02-28; its A5
    # reports 20 women and 10 men once, for the whole insats.
    current = read_source(diagrams_dir() / "finansiell_samordning.bpmn")
    old = replace(current, bpmn=BEFORE_YEARLY.read_bytes())
    finsam.engine.deploy("nnv-skane", old, "test")
    ids["O"] = grant(desk, "2025-01-10T10:00", DESIGN, 1_000_000, "2025-03-01", "2026-02-28")
    finsam.engine.deploy("nnv-skane", replace(
        current, bpmn=current.bpmn + b"<!-- the yearly report again -->"), "test")
    # P: individinriktad, granted 2 400 000 kr for 2025-03-01 – 2027-02-28: three years.
    ids["P"] = grant(desk, "2025-01-20T10:00", DESIGN, 2_400_000, "2025-03-01", "2027-02-28")
    # S: strukturövergripande, granted 400 000 kr for 2025-06-01 – 2026-05-31: two years.
    ids["S"] = grant(desk, "2025-01-21T10:00", STRUKTUR, 400_000, "2025-06-01", "2026-05-31")
    yield finsam, desk, ids
    desk.system().close()
    finsam.close()


def test_the_worker_asks_for_each_year_and_the_report_sums_the_years(
        world: tuple[Finsam, ClockDesk, dict[str, int]]) -> None:
    finsam, desk, ids = world
    p, s, o = ids["P"], ids["S"], ids["O"]
    # Granted: the parties' A5 steps are open, and the yearly loop waits on its timer.
    assert not yearly(desk, p) and not yearly(desk, s)
    # The first report is due on 31 January 2026, Swedish time (23:00 UTC the day before).
    assert tick(desk, "2026-01-30T23:30") == 0
    assert not yearly(desk, p)
    assert tick(desk, "2026-01-31T00:30") == 2  # P's and S's; O's version has no yearly timer
    task = desk.task("angelholm", p, "rapportera_deltagare")
    assert task.due_at is not None and task.created_at is not None
    assert task.due_at - task.created_at == timedelta(days=30)
    detail = finsam.task(capacities(finsam.db, "angelholm")[0], task.id)
    assert detail.form_schema is not None
    assert detail.form_schema["title"] == "Deltagare under 2025"
    assert set(detail.form_schema["properties"]) == {"arets_kvinnor", "arets_man"}
    struktur = finsam.task(capacities(finsam.db, "angelholm")[0],
                           desk.task("angelholm", s, "rapportera_deltagare").id)
    assert struktur.form_schema is not None
    assert set(struktur.form_schema["properties"]) == {"arets_personal_uppfoljning",
                                                        "arets_personal_antal"}
    desk.on("2026-02-10T10:00")
    desk.act("angelholm", p, "rapportera_deltagare", {"arets_kvinnor": 7, "arets_man": 5})
    desk.act("angelholm", s, "rapportera_deltagare",
             {"arets_personal_uppfoljning": "foljs_upp", "arets_personal_antal": 12})
    # O ends as it always did; its A5 figures count once, as before.
    desk.on("2026-03-10T10:00")
    assert carry_out(desk, o, {"deltagare_kvinnor": 20, "deltagare_man": 10,
                               "genomford_datum": "2026-02-28"}).instance.outcome == (
        "insats_genomford")
    assert tick(desk, "2027-01-31T08:00") == 2
    desk.on("2027-02-03T10:00")
    desk.act("angelholm", p, "rapportera_deltagare", {"arets_kvinnor": 11, "arets_man": 9})
    desk.act("angelholm", s, "rapportera_deltagare",
             {"arets_personal_uppfoljning": "foljs_inte_upp"})
    # S's period ended in 2026: its loop is done and waits for its A5 at the join.
    assert not yearly(desk, s)
    assert carry_out(desk, s, {"personal_uppfoljning": "foljs_upp", "personal_antal": 15,
                               "genomford_datum": "2026-05-31"}).instance.outcome == (
        "insats_genomford")
    # P is carried out and reported (A5) in March 2027; it still owes the report of 2027.
    desk.on("2027-03-10T10:00")
    done = carry_out(desk, p, {"deltagare_kvinnor": 25, "deltagare_man": 18,
                               "genomford_datum": "2027-02-28"})
    assert (done.instance.status, done.instance.outcome) == ("running", None)
    # The A5 figures of P stand in the report while its other branch waits.
    fs = build_report(finsam.db, ("nnv-skane",), Period())["finansiell_samordning"]
    assert (fs["deltagare_kvinnor"], fs["deltagare_man"], fs["genomforda"],
            fs["personal_strukturovergripande"]) == (45, 28, 2, 15)
    assert tick(desk, "2028-01-31T09:00") == 1
    # The yearly branch moved last; the instance's data still holds what A5 recorded in the
    # other branch (each branch of a parallel split has its own copy until the join).
    fs = build_report(finsam.db, ("nnv-skane",), Period())["finansiell_samordning"]
    assert (fs["deltagare_kvinnor"], fs["deltagare_man"]) == (45, 28)
    assert desk.instance("angelholm", p).data["genomford_datum"] == "2027-02-28"
    desk.on("2028-02-01T10:00")
    last = desk.act("angelholm", p, "rapportera_deltagare", {"arets_kvinnor": 3, "arets_man": 2})
    assert (last.instance.status, last.instance.outcome) == ("completed", "insats_genomford")
    assert tick(desk, "2029-02-01T09:00") == 0  # no year after the period
    assert rows(finsam) == {
        (p, 2025, 7, 5, None, None), (p, 2026, 11, 9, None, None), (p, 2027, 3, 2, None, None),
        (s, 2025, None, None, 12, True), (s, 2026, None, None, None, False)}
    # Hand-computed: 2025 runs P, S and O (O has no yearly report: ej klassificerad); 2026 the
    # same three; 2027 only P. Women and men from P's reports, staff from S's of 2025.
    assert per_ar(finsam, *PARTICIPANTS) == {
        2025: (3, 7, 5, 12, 0, 1),
        2026: (3, 11, 9, 0, 1, 1),
        2027: (1, 3, 2, 0, 0, 0),
    }
    # The grants by days, as before: P 2 400 000 kr over 730 days (306, 365, 59).
    assert per_ar(finsam, "beviljat_belopp") == {
        # P 1 006 027 + O 838 356 (1 000 000 × 306/365) + S 234 521 (400 000 × 214/365)
        2025: (2_078_904,),
        # P 1 200 000 + O 161 644 + S 165 479
        2026: (1_527_123,),
        2027: (193_973,),
    }
    # Replay re-runs each instance from its history: the fired timers, both branches and the
    # merged data come out the same.
    verified, findings = finsam.engine.verify("nnv-skane", [p, s, o])
    assert not findings and all(v.ok for v in verified), [v.findings for v in verified]
    assert all(v.steps_replayed > 0 for v in verified)
    # The end-of-insats figures are as A5 reported them, never recounted from the years.
    fs = build_report(finsam.db, ("nnv-skane",), Period())["finansiell_samordning"]
    assert (fs["deltagare_kvinnor"], fs["deltagare_man"], fs["genomforda"]) == (45, 28, 3)
