"""The year as Uppföljning Finsam (004) counts it: a granted insats counts in every calendar
year its granted period runs, with the part of its grant that falls in the year by days, however
long ago its need was identified. Hand-computed over three years and two förbund."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from workflows import Finsam
from workflows.followup import Period, build_report, classify

from .conftest import BACKENDS
from .test_followup import (
    FS,
    Clock,
    ClockDesk,
    esf_route,
    esf_to_agreement,
    finsam_route,
    finsam_to_board,
    forms_before_004,
    two_forbund,
)
from .test_processes import DESIGN, GRANTED, agree, position

STRUKTUR = {**{k: v for k, v in DESIGN.items() if k != "specifik_malgrupp"},
            "insatstyp": "strukturovergripande",
            "preciserad_inriktning": "kompetenshojande", "sokt_belopp": 300_000}


def grant(desk: ClockDesk, when: str, design: dict[str, Any], parter: list[str],
          amount: int, start: str, end: str) -> int:
    iid = finsam_route(desk, when, parter)
    finsam_to_board(desk, iid, {**design, "sokt_belopp": amount}, parter)
    desk.act(desk.user("styrelse"), iid, "styrelsebeslut",
             {**GRANTED, "beviljat_belopp": amount, "period_start": start, "period_slut": end})
    return iid


@pytest.fixture(scope="module", params=BACKENDS)
def world(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Finsam]:
    finsam, url = two_forbund(request, tmp_path_factory, "years")
    clock = Clock()
    nnv = ClockDesk(url, clock)
    # X: individinriktad, identified in 2025, granted 1 460 000 kr for 2025-07-01 – 2027-06-30:
    # 730 days, 2 000 kr a day: 184 days in 2025, 365 in 2026, 181 in 2027.
    grant(nnv, "2025-05-10T10:00", DESIGN, FS, 1_460_000, "2025-07-01", "2027-06-30")
    # Y: strukturövergripande, identified in 2025, granted 300 000 kr for the year 2026, on the
    # forms of before 004's model.
    with forms_before_004(finsam, "nnv-skane"):
        y = grant(nnv, "2025-11-03T10:00", {**STRUKTUR, "preciserad_inriktning": [
            "kompetenshojande"]}, FS, 300_000, "2026-01-01", "2026-12-31")
    # Y's A5 recorded "participants" by sex, as the form before 004's model asked: staff or
    # unknown, never individuals.
    nnv.parties(y, "genomfora_insatsdel", {org: {"genomfort": "x"} for org in FS})
    nnv.act("angelholm", y, "genomfora_insats", {"deltagare_kvinnor": 4, "deltagare_man": 3,
                                                 "genomford_datum": "2026-12-31"})
    # Refused: never counted in any year.
    iid = finsam_route(nnv, "2025-06-01T10:00")
    finsam_to_board(nnv, iid, DESIGN, FS)
    nnv.act("styrelse", iid, "styrelsebeslut", {"styrelsebeslut": "avslas",
                                                "motesdatum": "2025-09-01",
                                                "protokoll_paragraf": "§ 9"})
    # An ESF+ idea agreed with AF as projektägare and two kommuner as medfinansiärer.
    iid = esf_route(nnv, "2025-08-01T10:00", ["af", "angelholm", "klippan"])
    esf_to_agreement(nnv, iid, {"af": position(True), "angelholm": position(),
                                "klippan": position()})
    nnv.act("af", iid, "overenskommelse", agree("af", ["angelholm", "klippan"]))
    # Z in Södra: 3 500 000 kr for 2025-03-01 – 2026-02-28 (365 days: 306 in 2025, 59 in 2026):
    # 3 500 000 × 306 / 365 = 2 934 246.58 → 2 934 247 kr, and the rest, 565 753 kr, in 2026.
    sodra = ClockDesk(url, clock, prefix="s-")
    grant(sodra, "2025-01-20T10:00", {**DESIGN, "processagare": "trelleborg"},
          ["af", "fk", "trelleborg"], 3_500_000, "2025-03-01", "2026-02-28")
    yield finsam
    finsam.close()


def years(rows: list[dict[str, Any]]) -> dict[int, tuple[int, int, int, int, int, int]]:
    return {r["ar"]: (r["insatser"], r["individinriktade"], r["strukturovergripande"],
                      r["beviljat_belopp"], r["belopp_individinriktade"],
                      r["belopp_strukturovergripande"]) for r in rows}


def test_an_insats_counts_in_every_year_it_runs_with_that_years_amount(world: Finsam) -> None:
    fs = build_report(world.db, ("nnv-skane",), Period())["finansiell_samordning"]
    assert years(fs["per_ar"]) == {
        2025: (1, 1, 0, 368_000, 368_000, 0),
        2026: (2, 1, 1, 1_030_000, 730_000, 300_000),
        2027: (1, 1, 0, 362_000, 362_000, 0),
    }
    # The whole grants, once each, as before.
    assert fs["beviljat_belopp"] == 1_760_000
    assert sum(r["beviljat_belopp"] for r in fs["per_ar"]) == 1_760_000


def test_a_year_counts_the_insatser_identified_before_it(world: Finsam) -> None:
    # Both insatser were identified in 2025; the report of 2026 still counts them in 2026.
    report = build_report(world.db, ("nnv-skane",), Period.parse("2026-01-01", "2026-12-31"))
    fs = report["finansiell_samordning"]
    assert fs["insatser"] == 0  # no need identified in 2026
    assert years(fs["per_ar"]) == {2026: (2, 1, 1, 1_030_000, 730_000, 300_000)}


def test_years_per_forbund_add_up_to_the_total_over_a_year_boundary(world: Finsam) -> None:
    report = build_report(world.db, ("nnv-skane", "sodra"), Period())
    total = years(report["finansiell_samordning"]["per_ar"])
    per = {t: years(report["per_forbund"][t]["finansiell_samordning"]["per_ar"])
           for t in ("nnv-skane", "sodra")}
    assert per["sodra"] == {2025: (1, 1, 0, 2_934_247, 2_934_247, 0),
                            2026: (1, 1, 0, 565_753, 565_753, 0)}
    assert total == {
        2025: (2, 2, 0, 3_302_247, 3_302_247, 0),
        2026: (3, 2, 1, 1_595_753, 1_295_753, 300_000),
        2027: (1, 1, 0, 362_000, 362_000, 0),
    }
    for year, figures in total.items():
        assert figures == tuple(sum(values) for values in zip(
            *(per[t].get(year, (0,) * 6) for t in per), strict=True))


# -- 004's model: one preciserad inriktning per insats, participants of individinriktade only --


def test_each_insats_counts_under_one_inriktning_and_shares_add_up(world: Finsam) -> None:
    fs = build_report(world.db, ("nnv-skane", "sodra"), Period())["finansiell_samordning"]
    # X and Z recorded their one inriktning (DESIGN), Y one in the old form's list.
    assert [(r["kod"], r["insatstyp"], r["antal"], r["andel"]) for r in
            fs["preciserad_inriktning"]] == [
        ("arbetslivsinriktad", "individinriktad", 2, 100.0),
        ("kompetenshojande", "strukturovergripande", 1, 100.0)]
    for typ in ("individinriktad", "strukturovergripande"):
        assert sum(r["andel"] for r in fs["preciserad_inriktning"]
                   if r["insatstyp"] == typ) == 100.0


def test_participants_of_strukturovergripande_are_never_individuals(world: Finsam) -> None:
    fs = build_report(world.db, ("nnv-skane",), Period())["finansiell_samordning"]
    assert (fs["deltagare_kvinnor"], fs["deltagare_man"], fs["deltagare_ej_klassificerade"]) == (
        0, 0, 7)  # X has not reported; Y's 4 + 3 stand apart
    struktur = [r for r in fs["preciserad_inriktning"] if r["insatstyp"] == "strukturovergripande"]
    assert [(r["deltagare_kvinnor"], r["deltagare_man"]) for r in struktur] == [(0, 0)]


@pytest.mark.parametrize(("insatstyp", "recorded", "kod"), [
    ("individinriktad", ["forberedande"], "forberedande"),
    ("strukturovergripande", ["behovsanalys"], "behovsanalys"),
    ("individinriktad", ["forberedande", "arbetslivsinriktad"], "ej_klassificerad"),
    ("individinriktad", ["behovsanalys"], "ej_klassificerad"),  # another insatstyp's
    ("strukturovergripande", ["okand_kod"], "ej_klassificerad"),
    ("individinriktad", [], "ej_klassificerad"),
])
def test_recorded_values_are_mapped_or_not_classified(insatstyp: str, recorded: list[str],
                                                       kod: str) -> None:
    assert classify(insatstyp, recorded) == kod


# -- parts, not only members (001 §2.1) ---------------------------------------------------------


def parts(rows: list[dict[str, Any]], *figures: str) -> dict[str, tuple[int, ...]]:
    return {r["part"]: tuple(r[f] for f in figures) for r in rows}


def test_results_by_part_add_up_to_the_totals(world: Finsam) -> None:
    report = build_report(world.db, ("nnv-skane", "sodra"), Period())
    fs = report["finansiell_samordning"]
    # X, Y (Ängelholm, nnv-skane) and Z (Trelleborg, Södra): two förbund's kommuner, one part.
    assert parts(fs["processagare_per_part"], "antal", "belopp") == {
        "af": (0, 0), "fk": (0, 0), "kommun": (3, 5_260_000), "region": (0, 0)}
    assert sum(r["antal"] for r in fs["processagare_per_part"]) == fs["beviljade"] == 3
    assert sum(r["belopp"] for r in fs["processagare_per_part"]) == fs["beviljat_belopp"]
    per = {t: parts(report["per_forbund"][t]["finansiell_samordning"]["processagare_per_part"],
                    "antal", "belopp") for t in ("nnv-skane", "sodra")}
    assert per["nnv-skane"]["kommun"] == (2, 1_760_000)
    assert per["sodra"]["kommun"] == (1, 3_500_000)
    esf = report["esf_plus"]
    assert parts(esf["projektagare_per_part"], "antal") == {
        "af": (1,), "fk": (0,), "kommun": (0,), "region": (0,)}
    # Ängelholm and Klippan co-finance the idea: the part kommun counts it once.
    assert parts(esf["medfinansiarer_per_part"], "antal") == {
        "af": (0,), "fk": (0,), "kommun": (1,), "region": (0,)}
    assert esf["medfinansiarer"] == [{"kod": "angelholm", "antal": 1},
                                     {"kod": "klippan", "antal": 1}]
