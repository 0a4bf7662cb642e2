"""The follow-up report (uppföljning): every figure of both parts against a hand count, over
instances walked through the engine on chosen days, with period and förbund boundaries."""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from engine import Forbidden, InvalidData, read_source
from engine.store.models import InstanceAttribute
from workflows import Finsam, policy
from workflows.demo import load_demo
from workflows.followup import (
    CASE_LISTS,
    Period,
    build_report,
    names_of,
    report_for,
    to_csv,
    to_data_csv,
)
from workflows.system import bundled_diagrams, diagrams_dir
from workflows.tenants import Member, add_forbund
from workflows.users import add_user, capacities

from .conftest import BACKENDS, DATA, POSTGRES_URL, _fresh_postgres_schema
from .test_processes import DESIGN, GRANTED, IDEA, agree, position, positions_stated
from .walk import Desk, report_every_year

STOCKHOLM = ZoneInfo("Europe/Stockholm")
ESF = ["af", "fk", "angelholm"]
FS = ["angelholm", "klippan", "region-skane"]
SODRA = (("af", "Arbetsförmedlingen", "af"), ("fk", "Försäkringskassan", "fk"),
         ("region-skane", "Region Skåne", "region"), ("trelleborg", "Trelleborgs kommun", "kommun"))


class Clock:
    """The engine's clock in a test: set to a Swedish local time, it ticks a second per read."""

    def __init__(self) -> None:
        self.now = datetime(2025, 1, 1, tzinfo=UTC)

    def at(self, local: str) -> None:
        self.now = datetime.fromisoformat(local).replace(tzinfo=STOCKHOLM).astimezone(UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


class ClockDesk(Desk):
    """The demo users' desk, on one system whose clock the test sets."""

    def __init__(self, database_url: str, clock: Clock, prefix: str = "") -> None:
        super().__init__(database_url)
        self.clock = clock
        self.prefix = prefix  # users of the second förbund are named s-<org>
        self._system = Finsam(database_url, clock=clock)

    def system(self) -> Finsam:
        return self._system  # closing it only releases connections; it is reused

    def user(self, org: str) -> str:
        return self.prefix + org

    def parties(self, iid: int, bpmn_id: str, answers: dict[str, dict[str, Any]]) -> None:
        for org, data in answers.items():
            self.act(self.user(org), iid, bpmn_id, data, item=org)

    def on(self, local: str) -> ClockDesk:
        self.clock.at(local)
        return self


# -- the forms of before 004's model ------------------------------------------------------------

# The A2 form that asked for one or more preciserade inriktningar and the A5 form that asked
# for participants by sex of every insats, as deployed before 004's model (issue 17).
BEFORE_004 = DATA / "forms_before_004"
OLD_DESIGN = {**DESIGN, "preciserad_inriktning": ["arbetslivsinriktad", "forberedande"]}
_TURNS = itertools.count(1)


@contextmanager
def forms_before_004(finsam: Finsam, tenant: str) -> Iterator[None]:
    """Instances of finansiell_samordning started inside run on a version with the old A2 and
    A5 forms, and keep it; after, the bundled diagram and forms are the newest version again
    (each deployed with a comment of its own: the same content again is no new version)."""
    current = read_source(diagrams_dir() / "finansiell_samordning.bpmn")
    old = {f"forms/{path.name}": json.loads(path.read_text(encoding="utf-8"))
           for path in BEFORE_004.glob("*.schema.json")}
    assert set(old) <= set(current.forms)
    # each deployment a new version: the same content again would be the old one, not the newest
    turn = next(_TURNS)
    before = current.bpmn + f"<!-- forms of before 004, {turn} -->".encode()
    finsam.engine.deploy(tenant, replace(current, bpmn=before, forms={**current.forms, **old}),
                         "test")
    try:
        yield
    finally:
        again = current.bpmn + f"<!-- after the forms of before 004, {turn} -->".encode()
        finsam.engine.deploy(tenant, replace(current, bpmn=again), "test")


# -- the walks ----------------------------------------------------------------------------------


def finsam_to_board(desk: ClockDesk, iid: int, design: dict[str, Any], parter: list[str]) -> None:
    party = desk.user(parter[0])  # the parties decide (issue 16); the kansli prepares the matter
    desk.act(party, iid, "utforma_insats", design)
    desk.parties(iid, "forankra_insats", {org: {"forankrad": True} for org in parter})
    desk.act(party, iid, "ansvarsfordelning", {"ansvarsfordelning": "Processägaren leder"})
    desk.act(desk.user("kansli"), iid, "bereda_arende",
             {"tjansteutlatande": "x", "forslag_till_beslut": "y"})


def finsam_route(desk: ClockDesk, when: str, parter: list[str] = FS) -> int:
    desk.on(when)
    _, started = desk.need(parter, "finansiell_samordning", user=desk.user("kansli"))
    return started["finansiell_samordning"].id


def esf_route(desk: ClockDesk, when: str, parter: list[str] = ESF) -> int:
    desk.on(when)
    _, started = desk.need(parter, "esf_plus", user=desk.user("kansli"))
    return started["esf_plus"].id


def esf_to_agreement(desk: ClockDesk, iid: int, positions: dict[str, dict[str, bool]]) -> None:
    desk.act(desk.user(next(iter(positions))), iid, "utforma_projektide", IDEA)
    desk.parties(iid, "forankra_projektide", {org: {"forankrad": True} for org in positions})
    desk.parties(iid, "mandat_projektagarskap", positions)


def esf_co_write(desk: ClockDesk, iid: int, cofinanciers: list[str]) -> None:
    desk.parties(iid, "medverka_ansokan", {org: {"atagande": "x"} for org in cofinanciers})


def esf_carry_out(desk: ClockDesk, iid: int, parties: list[str], bpmn_id: str) -> None:
    desk.parties(iid, bpmn_id, {org: {"genomfort": "x"} for org in parties})


def esf_submit(desk: ClockDesk, iid: int, owner: str, cofinanciers: list[str]) -> None:
    esf_co_write(desk, iid, cofinanciers)
    desk.act(desk.user(owner), iid, "formulera_ansokan",
             {"ansokan_sammanfattning": "x", "sokt_belopp": 9_000_000})
    desk.parties(iid, "beslut_projektansokan", {
        org: {"beslut": "ja", "beslut_referens": "r"} for org in [owner, *cofinanciers]})
    desk.act(desk.user(owner), iid, "skicka_ansokan", {"inskickad_datum": "2025-10-01"})


def build_nnv(desk: ClockDesk) -> dict[str, int]:
    """The hand-counted instances of nnv-skane; returns their ids by name."""
    ids: dict[str, int] = {}
    everyone = {org: position() for org in ESF}
    af_owns = {org: position(org == "af") for org in ESF}  # AF declared it will be projektägare

    # E_a: granted and finished, Ängelholm owner, AF and FK co-finance.
    ids["E_a"] = iid = esf_route(desk, "2025-02-01T10:00")
    esf_to_agreement(desk, iid, {"af": position(), "fk": position(), "angelholm": position(True)})
    desk.act("af", iid, "overenskommelse", agree("angelholm", ["af", "fk"]))
    esf_submit(desk, iid, "angelholm", ["af", "fk"])
    desk.act("angelholm", iid, "registrera_esf_beslut", {
        "esf_beslut": "beviljad", "esf_diarienummer": "1", "beslut_datum": "2025-12-15",
        "beviljat_belopp": 5_800_000, "projektperiod_start": "2026-02-01",
        "projektperiod_slut": "2029-01-31"})
    desk.act("angelholm", iid, "bilda_projektorganisation", {"projektorganisation": "x"})
    esf_carry_out(desk, iid, ["angelholm", "af", "fk"], "genomfora_projektdel")
    desk.act("angelholm", iid, "genomfora_projekt", {"genomford_datum": "2029-01-31"})
    desk.act("angelholm", iid, "slutrapportera", {"slutrapport_datum": "2029-03-31"})

    # E_b: the parties stop (ej ansökan) with a reason.
    ids["E_b"] = iid = esf_route(desk, "2025-04-01T10:00")
    esf_to_agreement(desk, iid, everyone)
    desk.act("af", iid, "overenskommelse", {"overenskommelse": "avbryts",
                                            "skal": "Ingen utlysning passar"})

    # E_f: agreed (AF owner), AF then says no, and the parties stop: no stale projektägare.
    ids["E_f"] = iid = esf_route(desk, "2025-05-01T10:00")
    esf_to_agreement(desk, iid, af_owns)
    desk.act("af", iid, "overenskommelse", agree("af", ["fk"]))
    esf_co_write(desk, iid, ["fk"])
    desk.act("af", iid, "formulera_ansokan",
             {"ansokan_sammanfattning": "x", "sokt_belopp": 9_000_000})
    desk.parties(iid, "beslut_projektansokan", {"af": {"beslut": "nej", "beslut_referens": "r"},
                                                "fk": {"beslut": "ja", "beslut_referens": "r"}})
    positions_stated(desk, iid, everyone)
    desk.act("af", iid, "overenskommelse", {"overenskommelse": "avbryts",
                                            "skal": "AF:s mandat räcker inte"})

    # E_c: submitted and rejected; identified just after midnight on 1 July, Swedish time.
    ids["E_c"] = iid = esf_route(desk, "2025-07-01T00:30")
    esf_to_agreement(desk, iid, af_owns)
    desk.act("af", iid, "overenskommelse", agree("af", ["fk", "angelholm"]))
    esf_submit(desk, iid, "af", ["fk", "angelholm"])
    desk.act("af", iid, "registrera_esf_beslut", {"esf_beslut": "avslag",
                                                  "esf_diarienummer": "2", "beslut_datum":
                                                  "2025-12-01"})

    # E_d: Försäkringskassan as the fallback owner; waiting for its application.
    ids["E_d"] = iid = esf_route(desk, "2025-08-01T10:00")
    esf_to_agreement(desk, iid, everyone)
    desk.act("af", iid, "overenskommelse", agree("fk", ["af", "angelholm"]))
    desk.act("fk", iid, "ansvarsoverenskommelse", {"ansvarsoverenskommelse": "ÖK 1",
                                                      "rehabilitering_utfors_av": ["angelholm"]})
    esf_co_write(desk, iid, ["af", "angelholm"])

    # E_e: a new idea in 2026, at its first step.
    ids["E_e"] = esf_route(desk, "2026-01-10T10:00")

    # An ESF+ need outside the routine (not Finsam's target group), and a non-ESF+ one.
    desk.on("2025-03-01T10:00")
    result, _ = desk.need(ESF, "esf_plus", user="kansli", inom_finsam_malgrupp=False,
                          skal="Inte Finsams målgrupp")
    ids["N_esf"] = result.instance.id
    desk.need(ESF, "utanfor_rutinen", user="kansli", skal="Annan finansiär")

    # F_a: granted individinriktad, finished with participants.
    # It runs on the forms of before 004's model, which asked for several inriktningar.
    with forms_before_004(desk.system(), "nnv-skane"):
        ids["F_a"] = iid = finsam_route(desk, "2025-03-10T10:00")
    finsam_to_board(desk, iid, OLD_DESIGN, FS)
    desk.act("styrelse", iid, "styrelsebeslut", GRANTED)
    esf_carry_out(desk, iid, FS, "genomfora_insatsdel")
    desk.act("angelholm", iid, "genomfora_insats", {"deltagare_kvinnor": 12, "deltagare_man": 9,
                                                    "genomford_datum": "2026-02-28"})
    # ... and its yearly participants of 2025 and 2026 (issue 17): then it has ended.
    report_every_year(desk, desk.system(), iid, 2025, [{"arets_kvinnor": 8, "arets_man": 6},
                                                       {"arets_kvinnor": 2, "arets_man": 1}])
    # F_b: granted strukturövergripande, under way; identified late on 30 June.
    ids["F_b"] = iid = finsam_route(desk, "2025-06-30T23:30")
    struktur = {k: v for k, v in DESIGN.items() if k != "specifik_malgrupp"}
    finsam_to_board(desk, iid, {**struktur, "insatstyp": "strukturovergripande",
                                "preciserad_inriktning": "kompetenshojande",
                                "sokt_belopp": 200_000}, FS)
    desk.act("styrelse", iid, "styrelsebeslut", {**GRANTED, "beviljat_belopp": 200_000})
    # F_c: refused by the board; identified just after midnight on 1 July.
    ids["F_c"] = iid = finsam_route(desk, "2025-07-01T00:30")
    finsam_to_board(desk, iid, {**DESIGN, "preciserad_inriktning": "forebyggande",
                                "specifik_malgrupp": ["langtidssjukskrivna"]}, FS)
    desk.act("styrelse", iid, "styrelsebeslut", {"styrelsebeslut": "avslas",
                                                 "motesdatum": "2025-09-01",
                                                 "protokoll_paragraf": "§ 9"})
    # F_d: identified on New Year's Eve 2024, not designed yet.
    ids["F_d"] = finsam_route(desk, "2024-12-31T12:00")
    # F_e: sent back once, then granted; carried out and reported at A5, but still running:
    # its yearly report of 2025 is asked on 31 January 2026 (issue 17).
    ids["F_e"] = iid = finsam_route(desk, "2025-09-01T10:00")
    design_e = {**DESIGN, "preciserad_inriktning": "identifiera_individens_behov",
                "specifik_malgrupp": ["enbart_kvinnor", "unga"], "sokt_belopp": 1_000_000}
    finsam_to_board(desk, iid, design_e, FS)
    desk.act("styrelse", iid, "styrelsebeslut", {"styrelsebeslut": "aterremitteras",
                                                 "motivering": "Kompletteras",
                                                 "motesdatum": "2025-10-01",
                                                 "protokoll_paragraf": "§ 3"})
    finsam_to_board(desk, iid, design_e, FS)
    desk.act("styrelse", iid, "styrelsebeslut", {**GRANTED, "beviljat_belopp": 1_000_000})
    esf_carry_out(desk, iid, FS, "genomfora_insatsdel")
    desk.act("angelholm", iid, "genomfora_insats", {"deltagare_kvinnor": 5, "deltagare_man": 0,
                                                    "genomford_datum": "2026-02-28"})
    return ids


def add_sodra(finsam: Finsam) -> None:
    """A second förbund with its members and users (s-kansli, s-af, ..., s-styrelse)."""
    add_forbund(finsam.engine, "sodra", "Samordningsförbundet Södra",
                [Member(slug, kind, name) for slug, name, kind in SODRA], bundled_diagrams(),
                "test")
    for slug, _, _ in SODRA:
        add_user(finsam.db, f"s-{slug}", "sodra", slug, "representant", "finsam-demo")
    for role in ("kansli", "styrelse"):
        add_user(finsam.db, f"s-{role}", "sodra", role, role, "finsam-demo")


def build_sodra(desk: ClockDesk) -> dict[str, int]:
    parter = ["af", "fk", "trelleborg"]
    ids = {"S_esf": (iid := esf_route(desk, "2025-05-05T10:00", parter))}
    esf_to_agreement(desk, iid, {"af": position(), "fk": position(),
                                 "trelleborg": position(True)})
    desk.act("s-af", iid, "overenskommelse", agree("trelleborg", ["af"]))
    esf_submit(desk, iid, "trelleborg", ["af"])
    desk.act("s-trelleborg", iid, "registrera_esf_beslut", {
        "esf_beslut": "beviljad", "esf_diarienummer": "3", "beslut_datum": "2025-11-01",
        "beviljat_belopp": 2_000_000, "projektperiod_start": "2026-01-01",
        "projektperiod_slut": "2027-12-31"})
    ids["S_fs"] = iid = finsam_route(desk, "2025-05-05T11:00", parter)
    finsam_to_board(desk, iid, {**DESIGN, "processagare": "trelleborg",
                                "sokt_belopp": 500_000}, parter)
    desk.act("s-styrelse", iid, "styrelsebeslut", {**GRANTED, "beviljat_belopp": 500_000})
    return ids


def two_forbund(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                name: str) -> tuple[Finsam, str]:
    """The follow-up tests' world before its history: a fresh database on the backend of
    `request.param` (a module fixture's) with the demo förbund NNV Skåne and Södra; returns the
    system and its URL."""
    if request.param == "postgresql":
        if not POSTGRES_URL:
            pytest.skip("FINSAM_TEST_POSTGRES_URL is not set")
        _fresh_postgres_schema(POSTGRES_URL)
        url = POSTGRES_URL
    else:
        url = f"sqlite:///{Path(tmp_path_factory.mktemp(name)) / f'{name}.sqlite3'}"
    finsam = Finsam(url)
    finsam.init()
    load_demo(finsam.db)
    add_sodra(finsam)
    return finsam, url


@pytest.fixture(scope="module", params=BACKENDS)
def world(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Finsam, dict[str, int]]]:
    """Both förbund with every outcome, built once per backend for this module."""
    finsam, url = two_forbund(request, tmp_path_factory, "followup")
    clock = Clock()
    ids = build_nnv(ClockDesk(url, clock))
    ids.update(build_sodra(ClockDesk(url, clock, prefix="s-")))
    yield finsam, ids
    finsam.close()


def nnv(finsam: Finsam, start: str | None = None, end: str | None = None) -> dict[str, Any]:
    return build_report(finsam.db, ("nnv-skane",), Period.parse(start, end))


# -- ESF+ (000 §8) ------------------------------------------------------------------------------


def test_esf_figures_match_the_hand_count(world: tuple[Finsam, dict[str, int]]) -> None:
    finsam, ids = world
    esf = nnv(finsam)["esf_plus"]
    assert {k: esf[k] for k in ("identifierade", "ansokningar", "beviljade", "avslagna",
                                "ej_ansokan", "pagaende", "fk_fallback", "beviljat_belopp",
                                "behov_utanfor_rutinen")} == {
        "identifierade": 6,  # E_a..E_f
        "ansokningar": 2,  # E_a, E_c reached inskickad_datum
        "beviljade": 1, "avslagna": 1,  # E_a; E_c
        "ej_ansokan": 2,  # E_b, E_f
        "pagaende": 2,  # E_d, E_e
        "fk_fallback": 1,  # E_d
        "beviljat_belopp": 5_800_000,
        "behov_utanfor_rutinen": 1,  # the ESF+ need outside Finsam's target group
    }
    # The owner and co-financiers of the current agreements only (E_f's was dropped).
    assert esf["projektagare"] == [{"kod": "af", "antal": 1}, {"kod": "angelholm", "antal": 1},
                                   {"kod": "fk", "antal": 1}]
    assert esf["medfinansiarer"] == [{"kod": "af", "antal": 2}, {"kod": "angelholm", "antal": 2},
                                     {"kod": "fk", "antal": 2}]
    projects = {p["instance_id"]: p for p in esf["projekt"]}
    assert [p["instance_id"] for p in esf["projekt"]] == [
        ids[n] for n in ("E_a", "E_b", "E_f", "E_c", "E_d", "E_e")]  # by day identified
    assert projects[ids["E_a"]] | {"steg": []} == {
        "instance_id": ids["E_a"], "forbund": "nnv-skane", "titel": "Knutpunkt för hemmasittare",
        "status": "completed", "outcome": "projekt_avslutat", "identifierad": "2025-02-01",
        "utlysning": None, "projektagare": "angelholm", "medfinansiarer": ["af", "fk"],
        "fk_fallback": False, "inskickad_datum": "2025-10-01", "esf_beslut": "beviljad",
        "beslut_datum": "2025-12-15", "beviljat_belopp": 5_800_000, "steg": []}
    assert (projects[ids["E_f"]]["projektagare"], projects[ids["E_f"]]["medfinansiarer"]) == (
        None, [])
    assert projects[ids["E_d"]]["fk_fallback"] is True
    assert projects[ids["E_d"]]["steg"] == ["Projektägare formulerar ansökan"]
    assert projects[ids["E_c"]]["identifierad"] == "2025-07-01"  # Swedish date, not UTC
    assert [(r["instance_id"], r["steg"], r["skal"]) for r in esf["ej_ansokan_skal"]] == [
        (ids["E_b"], "overenskommelse", "Ingen utlysning passar"),
        (ids["E_f"], "overenskommelse", "AF:s mandat räcker inte"),
        (ids["N_esf"], "behovsanalys", "Inte Finsams målgrupp")]
    assert esf["pagaende_steg"] == [
        {"process_id": "esf_plus", "steg": "formulera_ansokan",
         "namn": "Projektägare formulerar ansökan", "antal": 1},
        {"process_id": "esf_plus", "steg": "utforma_projektide",
         "namn": "Parterna utformar projektidé", "antal": 1}]


# -- Finsam (004) -------------------------------------------------------------------------------


def test_finsam_figures_match_the_hand_count(world: tuple[Finsam, dict[str, int]]) -> None:
    finsam, ids = world
    fs = nnv(finsam)["finansiell_samordning"]
    assert {k: fs[k] for k in ("insatser", "beviljade", "avslagna", "pagaende", "genomforda",
                               "individinriktade", "strukturovergripande", "beviljat_belopp",
                               "belopp_individinriktade", "belopp_strukturovergripande",
                               "deltagare_kvinnor", "deltagare_man")} == {
        "insatser": 5, "beviljade": 3,  # F_a, F_b, F_e
        "avslagna": 1, "pagaende": 3, "genomforda": 1,  # F_c; F_b, F_d, F_e; F_a
        "individinriktade": 2, "strukturovergripande": 1,
        "beviljat_belopp": 4_700_000, "belopp_individinriktade": 4_500_000,
        "belopp_strukturovergripande": 200_000,
        "deltagare_kvinnor": 17, "deltagare_man": 9,
    }
    assert fs["andelar"] == {
        "individinriktad": {"antal": 66.7, "belopp": 95.7},
        "strukturovergripande": {"antal": 33.3, "belopp": 4.3}}
    # One inriktning per insats (004 §2.1.1): F_a recorded two, so it is not classified (never
    # counted under both); the shares of each insatstyp add up to 100 %.
    assert [(r["kod"], r["insatstyp"], r["antal"], r["andel"], r["deltagare_kvinnor"],
             r["deltagare_man"]) for r in fs["preciserad_inriktning"]] == [
        ("identifiera_individens_behov", "individinriktad", 1, 50.0, 5, 0),
        ("ej_klassificerad", "individinriktad", 1, 50.0, 12, 9),
        ("kompetenshojande", "strukturovergripande", 1, 100.0, 0, 0)]
    assert [(r["kod"], r["antal"], r["andel"]) for r in fs["specifik_malgrupp"]] == [
        ("enbart_kvinnor", 1, 50.0), ("unga", 2, 100.0)]
    rows = {r["instance_id"]: r for r in fs["insatslista"]}
    assert rows[ids["F_e"]]["styrelsebeslut"] == "beviljas"  # the last decision counts
    assert rows[ids["F_e"]]["specifik_malgrupp"] == ["enbart_kvinnor", "unga"]
    assert rows[ids["F_c"]]["beviljat_belopp"] is None
    assert rows[ids["F_b"]]["steg"] == ["Parterna genomför insatsen"]
    assert fs["pagaende_steg"] == [
        {"process_id": "finansiell_samordning", "steg": "genomfora_insatsdel",
         "namn": "Parterna genomför insatsen", "antal": 1},
        {"process_id": "finansiell_samordning", "steg": "utforma_insats",
         "namn": "Parterna utformar insats", "antal": 1}]


# -- ESF+ per programme period (000 §8, R-S7) ---------------------------------------------------


def test_esf_per_programme_period(world: tuple[Finsam, dict[str, int]],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    finsam, _ = world
    [whole] = nnv(finsam)["esf_plus"]["per_programperiod"]  # 2021–2027: every idea
    assert (whole["period"], whole["forsta"], whole["sista"], whole["identifierade"]) == (
        "programperiod", "2021-01-01", "2027-12-31", 6)
    # A programme period of 2025 only: E_e (identified 10 January 2026) falls after it.
    monkeypatch.setenv("FINSAM_ESF_PROGRAMPERIOD", "2025-01-01..2025-12-31")
    report = build_report(finsam.db, ("nnv-skane", "sodra"), Period())
    figures = ("identifierade", "ansokningar", "beviljade", "avslagna", "ej_ansokan",
               "pagaende", "fk_fallback", "beviljat_belopp")
    periods = {p["period"]: p for p in report["esf_plus"]["per_programperiod"]}
    assert list(periods) == ["programperiod", "efter"]
    # E_a..E_d, E_f and Södra's idea; E_a and E_c applied, E_a granted, E_c rejected, E_b and
    # E_f stopped, E_d waits (FK the fallback owner), Södra's granted 2 000 000 kr and runs
    assert [periods["programperiod"][f] for f in figures] == [6, 3, 2, 1, 2, 2, 1, 7_800_000]
    assert periods["programperiod"]["projektagare"] == [
        {"kod": "af", "antal": 1}, {"kod": "angelholm", "antal": 1}, {"kod": "fk", "antal": 1},
        {"kod": "trelleborg", "antal": 1}]
    assert [periods["efter"][f] for f in figures] == [1, 0, 0, 0, 0, 1, 0, 0]
    assert (periods["efter"]["forsta"], periods["efter"]["sista"]) == ("2026-01-01", None)
    # per förbund, adding up to the total
    per = [report["per_forbund"][t]["esf_plus"]["per_programperiod"] for t in ("nnv-skane",
                                                                            "sodra")]
    assert [p["identifierade"] for p in per[0]] == [5, 1] and [
        p["identifierade"] for p in per[1]] == [1]
    rows = list(csv.reader(io.StringIO(to_csv(report, names_of(finsam.db, report["forbund"]))[
        1:], newline=""), delimiter=";"))
    values = {tuple(row[:4]): row[4] for row in rows[1:] if row}
    assert values[("Totalt", "ESF+ per programperiod",
                   "Projektidéer identifierade i beredningsgruppen",
                   "Efter programperioden")] == "1"
    assert values[("Totalt", "ESF+ per programperiod", "Projektägare: Trelleborgs kommun",
                   "Programperioden")] == "1"


# -- the CSV people open in Swedish Excel -------------------------------------------------------


def test_the_csv_for_swedish_excel(world: tuple[Finsam, dict[str, int]]) -> None:
    """Semicolons, UTF-8 with a byte order mark, decimal comma, Swedish column names and names
    instead of codes (issue 17); a text that would start a formula is neutralised."""
    finsam, ids = world
    report = build_report(finsam.db, ("nnv-skane", "sodra"), Period())
    text = to_csv(report, names_of(finsam.db, report["forbund"]))
    assert text.startswith("\ufeff") and text.encode("utf-8").startswith(b"\xef\xbb\xbf")
    lines = text[1:].split("\r\n")
    assert lines[0] == '"Förbund";"Avsnitt";"Uppgift";"Kategori";"Värde"'
    rows = list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))
    assert all(len(row) == 5 for row in rows if row)
    values = {tuple(row[:4]): row[4] for row in rows[1:] if row}
    finsam_key = "Finsam nyckeltal"
    assert values[("Totalt", finsam_key, "Beviljat belopp (kr)", "")] == "5200000"
    assert values[("Samordningsförbundet NNV Skåne", finsam_key, "Beviljat belopp (kr)",
                   "")] == "4700000"
    assert values[("Samordningsförbundet Södra", finsam_key, "Beviljat belopp (kr)",
                   "")] == "500000"
    # shares with a decimal comma, unquoted (a number to Excel)
    assert values[("Totalt", finsam_key, "Andel av beviljade insatser (%)",
                   "Strukturövergripande insatser")] == "25,0"
    assert ';"Strukturövergripande insatser";25,0\r\n' in text
    # F_a (before 004's model, two inriktningar) of three individinriktade
    assert values[("Totalt", "Finsam inriktning", "Andel (%)",
                   "Ej klassificerad (individinriktad)")] == "33,3"
    assert values[("Totalt", "Finsam målgrupp", "Antal", "Enbart kvinnor")] == "1"
    # F_a, F_b, F_e (Ängelholm) and Södra's (Trelleborg): four granted, kommun processägare
    assert values[("Totalt", "Finsam per part", "Antal", "Kommun")] == "4"
    # members, codes and truth values by their names
    assert values[("Totalt", "ESF+ nyckeltal", "Projektägare", "Ängelholms kommun")] == "1"
    e_a = ("Samordningsförbundet NNV Skåne", "ESF+ projekt")
    case = f"Ärende {ids['E_a']}"
    assert values[(*e_a, "Projektägare", case)] == "Ängelholms kommun"
    assert values[(*e_a, "Medfinansiärer", case)] == "Arbetsförmedlingen; Försäkringskassan"
    assert values[(*e_a, "Status", case)] == "Avslutad"
    assert values[(*e_a, "Utfall", case)] == "Projekt avslutat"
    assert values[(*e_a, "ESF-rådets beslut", case)] == "Beviljad"
    assert values[(*e_a, "Försäkringskassan projektägare som reserv", case)] == "Nej"
    f_e = ("Samordningsförbundet NNV Skåne", "Finsam insatser", "Specifik målgrupp",
           f"Ärende {ids['F_e']}")
    assert values[f_e] == "Enbart kvinnor; Unga"
    # the open step by its name: F_b and Södra's insats run
    assert values[("Totalt", "Finsam pågående", "Parterna genomför insatsen", "")] == "2"
    # no code where a name is known
    codes = {"running", "completed", "beviljas", "individinriktad", "enbart_kvinnor",
             "angelholm", "nnv-skane", "totalt", "ej_klassificerad_individinriktad"}
    assert not codes & {cell for row in rows for cell in row}
    # the machine-readable form keeps the codes
    assert to_data_csv(report).startswith('"forbund","avsnitt","uppgift","kategori","varde"\n')


# -- periods and förbund ------------------------------------------------------------------------


@pytest.mark.parametrize(("start", "end", "esf", "fs"), [
    # (identifierade, ansokningar, ej_ansokan, pagaende), (insatser, beviljade, belopp)
    (None, None, (6, 2, 2, 2), (5, 3, 4_700_000)),
    ("2025-01-01", "2025-12-31", (5, 2, 2, 1), (4, 3, 4_700_000)),  # not E_e, not F_d
    (None, "2025-06-30", (3, 1, 2, 0), (3, 2, 3_700_000)),  # F_b at 23:30 on 30 June is in
    ("2025-07-01", None, (3, 1, 0, 2), (2, 1, 1_000_000)),  # E_c, F_c at 00:30 on 1 July
    ("2025-07-01", "2025-07-01", (1, 1, 0, 0), (1, 0, 0)),
    ("2024-12-31", "2024-12-31", (0, 0, 0, 0), (1, 0, 0)),
])
def test_periods_count_by_the_swedish_day_a_need_was_identified(
    world: tuple[Finsam, dict[str, int]], start: str | None, end: str | None,
    esf: tuple[int, ...], fs: tuple[int, ...],
) -> None:
    report = nnv(world[0], start, end)
    e, f = report["esf_plus"], report["finansiell_samordning"]
    assert (e["identifierade"], e["ansokningar"], e["ej_ansokan"], e["pagaende"]) == esf
    assert (f["insatser"], f["beviljade"], f["beviljat_belopp"]) == fs
    assert report["period"] == {"from": start, "to": end}


def test_forbund_boundaries(world: tuple[Finsam, dict[str, int]]) -> None:
    finsam, ids = world
    mine = nnv(finsam)
    assert ids["S_esf"] not in {p["instance_id"] for p in mine["esf_plus"]["projekt"]}
    theirs = build_report(finsam.db, ("sodra",), Period())
    assert (theirs["esf_plus"]["identifierade"], theirs["esf_plus"]["beviljade"],
            theirs["esf_plus"]["beviljat_belopp"]) == (1, 1, 2_000_000)
    assert theirs["esf_plus"]["projektagare"] == [{"kod": "trelleborg", "antal": 1}]
    assert (theirs["finansiell_samordning"]["insatser"],
            theirs["finansiell_samordning"]["beviljat_belopp"]) == (1, 500_000)
    both = build_report(finsam.db, ("nnv-skane", "sodra"), Period())
    assert both["esf_plus"]["identifierade"] == 7
    assert both["finansiell_samordning"]["beviljat_belopp"] == 5_200_000
    assert both["per_forbund"]["sodra"]["esf_plus"]["identifierade"] == 1
    assert both["per_forbund"]["nnv-skane"]["finansiell_samordning"]["beviljade"] == 3
    assert {p["forbund"] for p in both["esf_plus"]["projekt"]} == {"nnv-skane", "sodra"}
    assert both["esf_plus"]["projektagare"][0] == {"kod": "af", "antal": 1} and \
        {"kod": "trelleborg", "antal": 1} in both["esf_plus"]["projektagare"]


def test_a_forbund_without_instances_has_zeros(world: tuple[Finsam, dict[str, int]]) -> None:
    report = build_report(world[0].db, ("nobody",), Period())
    assert report["esf_plus"]["identifierade"] == 0
    assert report["finansiell_samordning"]["andelar"]["individinriktad"] == {
        "antal": None, "belopp": None}
    assert report["per_forbund"]["nobody"]["finansiell_samordning"]["insatser"] == 0


# -- who sees what ------------------------------------------------------------------------------


def capacity(finsam: Finsam, user: str):  # type: ignore[no-untyped-def]
    return capacities(finsam.db, user)[0]


@pytest.mark.parametrize("user", ["kansli", "auditor", "fk", "angelholm"])
def test_kansli_auditor_and_representatives_see_their_forbund(
    world: tuple[Finsam, dict[str, int]], user: str
) -> None:
    finsam, _ = world
    me = capacity(finsam, user)
    report = report_for(finsam, me, Period())
    assert report["forbund"] == ["nnv-skane"]
    assert report["esf_plus"]["identifierade"] == 6
    whole = nnv(finsam)
    if user in ("kansli", "auditor"):
        assert report == whole
        return
    # A representative gets the förbund's figures, and of the lists of single cases only the
    # cases its organisation takes part in (issue 14: no field of a case it may not see).
    for part in ("esf_plus", "finansiell_samordning"):
        for key, value in whole[part].items():
            if key in CASE_LISTS:
                rows = report[part][key]
                assert all(row in value for row in rows)
                for row in value:
                    seen = policy.sees_instance(me, finsam.engine.get_instance(
                        "nnv-skane", row["instance_id"]))
                    assert (row in rows) == seen
            else:
                assert report[part][key] == value, (part, key)


def test_the_styrelse_sees_no_esf_figure(world: tuple[Finsam, dict[str, int]]) -> None:
    finsam, _ = world
    report = report_for(finsam, capacity(finsam, "styrelse"), Period())
    assert "esf_plus" not in report
    assert all("esf_plus" not in part for part in report["per_forbund"].values())
    assert report["finansiell_samordning"] == nnv(finsam)["finansiell_samordning"]
    text = repr(report) + to_csv(report, names_of(finsam.db, ["nnv-skane"])) + to_data_csv(report)
    assert "esf" not in text.lower()


@pytest.mark.parametrize("user", ["designer", "admin"])
def test_designer_and_admin_get_no_report(world: tuple[Finsam, dict[str, int]],
                                          user: str) -> None:
    finsam, _ = world
    with pytest.raises(Forbidden):
        report_for(finsam, capacity(finsam, user), Period())


def test_no_one_sees_another_forbunds_report(world: tuple[Finsam, dict[str, int]]) -> None:
    finsam, _ = world
    with pytest.raises(Forbidden):
        report_for(finsam, capacity(finsam, "kansli"), Period(), forbund="sodra")
    assert report_for(finsam, capacity(finsam, "s-kansli"), Period())["forbund"] == ["sodra"]


@pytest.mark.parametrize(("start", "end", "field"), [
    ("2025-02-30", None, "from"), (None, "31/12/2025", "to"), ("2025-12-31", "2025-01-01", "to")])
def test_a_bad_period_names_its_field(start: str | None, end: str | None, field: str) -> None:
    with pytest.raises(InvalidData) as error:
        Period.parse(start, end)
    assert field in error.value.details


# -- the attributes behind the figures ----------------------------------------------------------


def test_attributes_mirror_the_data_after_every_step(world: tuple[Finsam, dict[str, int]]) -> None:
    finsam, ids = world
    with finsam.db.read() as session:
        rows = session.execute(
            select(InstanceAttribute.key, InstanceAttribute.position,
                   InstanceAttribute.value_text, InstanceAttribute.value_number,
                   InstanceAttribute.value_date)
            .where(InstanceAttribute.instance_id == ids["F_e"])
            .order_by(InstanceAttribute.key, InstanceAttribute.position)).all()
    found = {(r[0], r[1]): tuple(r[2:]) for r in rows}
    assert found[("styrelsebeslut", 0)] == ("beviljas", None, None)
    assert found[("beviljat_belopp", 0)] == (None, 1_000_000.0, None)
    assert found[("specifik_malgrupp", 1)] == ("unga", None, None)
    assert found[("period_start", 0)][2].isoformat() == "2025-03-01"
    assert ("syfte", 0) not in found  # only the declared variables are indexed
