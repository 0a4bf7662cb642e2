"""004's model of an insats in the forms and their rules (issue 17): one preciserad inriktning
(A2), a specifik målgrupp only for individinriktade insatser with "Enbart kvinnor" and "Enbart
män" exclusive, participants by sex only for individinriktade insatser and for
strukturövergripande an optional total of the parties' staff with "följs inte upp" distinct
from zero (A5). An instance on the forms of before the model keeps them, and the follow-up counts
both. Walked by the demo users, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from workflows import Finsam
from workflows.followup import Period, build_report
from workflows.users import capacities

from .test_followup import OLD_DESIGN, forms_before_004
from .test_process_rules import refused
from .test_processes import DESIGN, FINSAM_PARTIES, GRANTED, anchor_all, carry_out, finsam_route
from .walk import Desk, report_every_year

STRUKTUR = {**{k: v for k, v in DESIGN.items() if k != "specifik_malgrupp"},
            "insatstyp": "strukturovergripande", "preciserad_inriktning": "utveckla_samverkan"}
DONE = {"genomford_datum": "2026-02-28"}


@pytest.fixture
def desk(finsam: Finsam, database_url: str) -> Desk:
    return Desk(database_url)


def granted(desk: Desk, design: dict[str, Any]) -> int:
    """An insats designed as `design`, granted and carried out by the parties: at the
    processägare's report of A5."""
    iid = finsam_route(desk)
    desk.act("klippan", iid, "utforma_insats", {**design, "sokt_belopp": 1_000_000})
    anchor_all(desk, iid)
    desk.act("angelholm", iid, "ansvarsfordelning", {"ansvarsfordelning": "x"})
    desk.act("kansli", iid, "bereda_arende", {"tjansteutlatande": "x", "forslag_till_beslut": "y"})
    desk.act("styrelse", iid, "styrelsebeslut", {**GRANTED, "beviljat_belopp": 1_000_000})
    carry_out(desk, iid, FINSAM_PARTIES, "genomfora_insatsdel")  # the parties' part of A5
    return iid


def form_fields(finsam: Finsam, desk: Desk, user: str, iid: int, bpmn_id: str) -> set[str]:
    """The fields of the form the task's page shows."""
    task = desk.task(user, iid, bpmn_id)
    detail = finsam.task(capacities(finsam.db, user)[0], task.id)
    assert detail.form_schema is not None
    return set(detail.form_schema["properties"])


# -- A2 -----------------------------------------------------------------------------------------


def test_a2_takes_one_preciserad_inriktning(desk: Desk, finsam: Finsam) -> None:
    iid = finsam_route(desk)
    refused(finsam, desk, "klippan", iid, "utforma_insats", OLD_DESIGN, "preciserad_inriktning")
    desk.act("klippan", iid, "utforma_insats", DESIGN)  # the main one (004 §2.1.1)


def test_a2_the_inriktning_belongs_to_the_insatstyp(desk: Desk, finsam: Finsam) -> None:
    iid = finsam_route(desk)
    refused(finsam, desk, "klippan", iid, "utforma_insats",
            {**DESIGN, "preciserad_inriktning": "behovsanalys"}, "preciserad_inriktning")


def test_a2_specifik_malgrupp_only_for_individinriktade(desk: Desk, finsam: Finsam) -> None:
    iid = finsam_route(desk)
    message = refused(finsam, desk, "klippan", iid, "utforma_insats",
                      {**STRUKTUR, "specifik_malgrupp": ["unga"]}, "specifik_malgrupp")
    assert "individinriktade" in message
    desk.act("klippan", iid, "utforma_insats", STRUKTUR)


def test_a2_enbart_kvinnor_and_enbart_man_exclude_each_other(desk: Desk, finsam: Finsam) -> None:
    iid = finsam_route(desk)
    message = refused(finsam, desk, "klippan", iid, "utforma_insats",
                      {**DESIGN, "specifik_malgrupp": ["enbart_kvinnor", "enbart_man", "unga"]},
                      "specifik_malgrupp")
    assert "Enbart kvinnor" in message and "Enbart män" in message
    desk.act("klippan", iid, "utforma_insats",
             {**DESIGN, "specifik_malgrupp": ["enbart_man", "unga"]})


# -- A5 -----------------------------------------------------------------------------------------


def test_a5_individinriktad_reports_participants_by_sex(desk: Desk, finsam: Finsam) -> None:
    iid = granted(desk, DESIGN)
    assert form_fields(finsam, desk, "angelholm", iid, "genomfora_insats") == {
        "deltagare_kvinnor", "deltagare_man", "genomford_datum"}
    refused(finsam, desk, "angelholm", iid, "genomfora_insats",
            {**DONE, "deltagare_kvinnor": 3}, "deltagare_man")
    refused(finsam, desk, "angelholm", iid, "genomfora_insats",
            {**DONE, "deltagare_kvinnor": 3, "deltagare_man": 2, "personal_antal": 4},
            "personal_antal")
    done = desk.act("angelholm", iid, "genomfora_insats",
                    {**DONE, "deltagare_kvinnor": 3, "deltagare_man": 2})
    assert (done.instance.status, done.instance.outcome) == ("running", None)  # the years remain
    done = report_every_year(desk, finsam, iid, 2025, [{"arets_kvinnor": 2, "arets_man": 1},
                                                       {"arets_kvinnor": 1, "arets_man": 1}])
    assert done.instance.outcome == "insats_genomford"


def test_the_yearly_report_asks_what_a5_asks_of_its_insatstyp(desk: Desk, finsam: Finsam) -> None:
    individ, struktur = granted(desk, DESIGN), granted(desk, STRUKTUR)
    assert finsam.engine.fire_due_timers(datetime(2026, 2, 1, tzinfo=UTC)) == 2
    assert form_fields(finsam, desk, "angelholm", individ, "rapportera_deltagare") == {
        "arets_kvinnor", "arets_man"}
    assert form_fields(finsam, desk, "angelholm", struktur, "rapportera_deltagare") == {
        "arets_personal_uppfoljning", "arets_personal_antal"}
    refused(finsam, desk, "angelholm", individ, "rapportera_deltagare", {"arets_kvinnor": 3},
            "arets_man")
    refused(finsam, desk, "angelholm", struktur, "rapportera_deltagare", {},
            "arets_personal_uppfoljning")
    refused(finsam, desk, "angelholm", struktur, "rapportera_deltagare",
            {"arets_personal_uppfoljning": "foljs_upp"}, "arets_personal_antal")
    refused(finsam, desk, "angelholm", struktur, "rapportera_deltagare",
            {"arets_personal_uppfoljning": "foljs_inte_upp", "arets_personal_antal": 0},
            "arets_personal_antal")
    done = desk.act("angelholm", struktur, "rapportera_deltagare",
                    {"arets_personal_uppfoljning": "foljs_inte_upp"})
    assert done.instance.data["deltagare_per_ar"] == [
        {"ar": 2025, "personal_uppfoljning": "foljs_inte_upp", "personal": None}]


def test_a5_strukturovergripande_reports_staff_or_not_followed_up(
        desk: Desk, finsam: Finsam) -> None:
    counted, not_followed, zero = (granted(desk, STRUKTUR) for _ in range(3))
    assert form_fields(finsam, desk, "angelholm", counted, "genomfora_insats") == {
        "personal_uppfoljning", "personal_antal", "genomford_datum"}
    # never participants by sex: staff are not individuals of the target group
    refused(finsam, desk, "angelholm", counted, "genomfora_insats",
            {**DONE, "deltagare_kvinnor": 4, "deltagare_man": 3}, "deltagare_kvinnor")
    refused(finsam, desk, "angelholm", counted, "genomfora_insats", DONE, "personal_uppfoljning")
    refused(finsam, desk, "angelholm", counted, "genomfora_insats",
            {**DONE, "personal_uppfoljning": "foljs_upp"}, "personal_antal")
    refused(finsam, desk, "angelholm", not_followed, "genomfora_insats",
            {**DONE, "personal_uppfoljning": "foljs_inte_upp", "personal_antal": 0},
            "personal_antal")
    desk.act("angelholm", counted, "genomfora_insats",
             {**DONE, "personal_uppfoljning": "foljs_upp", "personal_antal": 25})
    desk.act("angelholm", not_followed, "genomfora_insats",
             {**DONE, "personal_uppfoljning": "foljs_inte_upp"})
    desk.act("angelholm", zero, "genomfora_insats",
             {**DONE, "personal_uppfoljning": "foljs_upp", "personal_antal": 0})
    fs = build_report(finsam.db, ("nnv-skane",), Period())["finansiell_samordning"]
    # 25 + 0 staff in two insatser that follow it up; one that does not is not a zero
    assert (fs["personal_strukturovergripande"], fs["personal_foljs_upp"],
            fs["personal_foljs_inte_upp"]) == (25, 2, 1)
    assert (fs["deltagare_kvinnor"], fs["deltagare_man"], fs["deltagare_ej_klassificerade"]) == (
        0, 0, 0)


# -- old instances keep their forms; the follow-up counts both ----------------------------------


def test_an_instance_on_the_old_forms_keeps_them_and_is_counted(
        desk: Desk, finsam: Finsam) -> None:
    with forms_before_004(finsam, "nnv-skane"):
        old = finsam_route(desk)
    desk.act("klippan", old, "utforma_insats",
             {**OLD_DESIGN, "insatstyp": "strukturovergripande", "specifik_malgrupp": ["unga"],
              "preciserad_inriktning": ["utveckla_samverkan", "kompetenshojande"]})
    anchor_all(desk, old)
    desk.act("angelholm", old, "ansvarsfordelning", {"ansvarsfordelning": "x"})
    desk.act("kansli", old, "bereda_arende", {"tjansteutlatande": "x", "forslag_till_beslut": "y"})
    desk.act("styrelse", old, "styrelsebeslut", {**GRANTED, "beviljat_belopp": 1_000_000})
    carry_out(desk, old, FINSAM_PARTIES, "genomfora_insatsdel")
    assert "personal_uppfoljning" not in form_fields(finsam, desk, "angelholm", old,
                                                     "genomfora_insats")
    # the old A5 asked participants by sex of every insats: still completed as it says
    desk.act("angelholm", old, "genomfora_insats",
             {**DONE, "deltagare_kvinnor": 4, "deltagare_man": 3})
    new = granted(desk, STRUKTUR)
    desk.act("angelholm", new, "genomfora_insats",
             {**DONE, "personal_uppfoljning": "foljs_upp", "personal_antal": 10})
    fs = build_report(finsam.db, ("nnv-skane",), Period())["finansiell_samordning"]
    assert fs["strukturovergripande"] == 2
    assert (fs["deltagare_ej_klassificerade"], fs["personal_strukturovergripande"]) == (7, 10)
    assert [(r["kod"], r["antal"], r["andel"]) for r in fs["preciserad_inriktning"]] == [
        ("utveckla_samverkan", 1, 50.0), ("ej_klassificerad", 1, 50.0)]
