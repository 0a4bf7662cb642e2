"""The processes as seed 000 states them (issue 16): each rule a form or a gateway must hold, walked
by the demo users through the system's public functions, on SQLite and on PostgreSQL. Every
refusal names the rule in plain Swedish and records nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest

from engine import InvalidData
from workflows import Finsam

from .test_processes import (
    DESIGN,
    ESF_PARTIES,
    FINSAM_PARTIES,
    GRANTED,
    agree,
    anchor_all,
    carry_out,
    co_write,
    esf_route,
    events_count,
    finsam_route,
    position,
    to_agreement,
)
from .walk import Desk, report_every_year

IDEA_B2 = {"projektide": "Knutpunkt", "syfte": "Samlat stöd", "mal": "Fler i arbete"}
INTERNAL_CODE = re.compile(r"\b[RUQ]-[A-Z]*\d+\b")


@pytest.fixture
def desk(finsam: Finsam, database_url: str) -> Desk:
    return Desk(database_url)


def refused(finsam: Finsam, desk: Desk, user: str, iid: int, bpmn_id: str,
            data: dict[str, Any], field: str, item: str | None = None) -> str:
    """Completing the task is refused on `field`, with a message free of internal codes, and
    nothing is recorded; return the message."""
    before = events_count(finsam)
    with pytest.raises(InvalidData) as error:
        desk.act(user, iid, bpmn_id, data, item=item)
    assert field in error.value.details, error.value.details
    message = error.value.details[field]
    assert not INTERNAL_CODE.search(message), message
    assert events_count(finsam) == before
    return message


# -- finding 5: impossible values -----------------------------------------------------------------


def to_board(desk: Desk) -> int:
    iid = finsam_route(desk)
    desk.act("klippan", iid, "utforma_insats", {**DESIGN, "sokt_belopp": 1_000_000})
    anchor_all(desk, iid)
    desk.act("angelholm", iid, "ansvarsfordelning", {"ansvarsfordelning": "x"})
    desk.act("kansli", iid, "bereda_arende", {"tjansteutlatande": "x", "forslag_till_beslut": "y"})
    return iid


def test_board_cannot_grant_more_than_applied_for(desk: Desk, finsam: Finsam) -> None:
    iid = to_board(desk)
    message = refused(finsam, desk, "styrelse", iid, "styrelsebeslut",
                      {**GRANTED, "beviljat_belopp": 5_000_000}, "beviljat_belopp")
    assert "sökta" in message
    result = desk.act("styrelse", iid, "styrelsebeslut", {**GRANTED, "beviljat_belopp": 1_000_000})
    assert {t.bpmn_id for t in result.open_tasks} == {"genomfora_insatsdel"}


def test_board_period_cannot_end_before_it_starts(desk: Desk, finsam: Finsam) -> None:
    iid = to_board(desk)
    message = refused(finsam, desk, "styrelse", iid, "styrelsebeslut",
                      {**GRANTED, "beviljat_belopp": 900_000, "period_start": "2025-03-01",
                       "period_slut": "2025-02-01"}, "period_slut")
    assert "2025-03-01" in message


def test_insats_completion_within_its_period(desk: Desk, finsam: Finsam) -> None:
    iid = to_board(desk)
    desk.act("styrelse", iid, "styrelsebeslut", {**GRANTED, "beviljat_belopp": 1_000_000})
    carry_out(desk, iid, FINSAM_PARTIES, "genomfora_insatsdel")
    done = {"deltagare_kvinnor": 1, "deltagare_man": 1}
    for day in ("2019-06-30", "2025-02-28", "2030-01-01"):  # years back, before it began, years on
        refused(finsam, desk, "angelholm", iid, "genomfora_insats",
                {**done, "genomford_datum": day}, "genomford_datum")
    result = desk.act("angelholm", iid, "genomfora_insats",
                      {**done, "genomford_datum": "2026-02-28"})
    assert result.instance.status == "running"  # the yearly participants remain (issue 17)
    result = report_every_year(desk, finsam, iid, 2025, [{"arets_kvinnor": 1, "arets_man": 0},
                                                         {"arets_kvinnor": 0, "arets_man": 1}])
    assert result.instance.outcome == "insats_genomford"


def to_esf_decision(desk: Desk, owner: str = "angelholm", applied: int = 1_000_000) -> int:
    iid = esf_route(desk)
    to_agreement(desk, iid, {org: position(org == owner) for org in ESF_PARTIES})
    cofinanciers = [p for p in ESF_PARTIES if p != owner]
    desk.act("af", iid, "overenskommelse", agree(owner, cofinanciers))
    if owner == "fk":
        desk.act("fk", iid, "ansvarsoverenskommelse", {"ansvarsoverenskommelse": "ÖK 1",
                                                          "rehabilitering_utfors_av": ["af"]})
    co_write(desk, iid, cofinanciers)
    desk.act(owner, iid, "formulera_ansokan", {"ansokan_sammanfattning": "x",
                                               "sokt_belopp": applied})
    desk.each_party(iid, "beslut_projektansokan",
                    {org: {"beslut": "ja", "beslut_referens": "r"} for org in ESF_PARTIES})
    desk.act(owner, iid, "skicka_ansokan", {"inskickad_datum": "2025-10-01"})
    return iid


ESF_GRANTED = {"esf_beslut": "beviljad", "esf_diarienummer": "2025/1", "beslut_datum": "2025-12-01",
               "beviljat_belopp": 1_000_000, "projektperiod_start": "2026-01-01",
               "projektperiod_slut": "2027-12-31"}


def test_esf_decision_amount_and_period(desk: Desk, finsam: Finsam) -> None:
    iid = to_esf_decision(desk)
    refused(finsam, desk, "angelholm", iid, "registrera_esf_beslut",
            {**ESF_GRANTED, "beviljat_belopp": 5_000_000}, "beviljat_belopp")
    refused(finsam, desk, "angelholm", iid, "registrera_esf_beslut",
            {**ESF_GRANTED, "projektperiod_slut": "2025-12-31"}, "projektperiod_slut")
    desk.act("angelholm", iid, "registrera_esf_beslut", ESF_GRANTED)
    desk.act("angelholm", iid, "bilda_projektorganisation", {"projektorganisation": "x"})
    carry_out(desk, iid, ESF_PARTIES, "genomfora_projektdel")
    refused(finsam, desk, "angelholm", iid, "genomfora_projekt",
            {"genomford_datum": "2021-05-01"}, "genomford_datum")
    desk.act("angelholm", iid, "genomfora_projekt", {"genomford_datum": "2027-12-31"})
    message = refused(finsam, desk, "angelholm", iid, "slutrapportera",
                      {"slutrapport_datum": "2027-06-30"}, "slutrapport_datum")
    assert "2027-12-31" in message
    refused(finsam, desk, "angelholm", iid, "slutrapportera",
            {"slutrapport_datum": "2034-01-01"}, "slutrapport_datum")
    result = desk.act("angelholm", iid, "slutrapportera", {"slutrapport_datum": "2028-02-28"})
    assert result.instance.outcome == "projekt_avslutat"


# -- finding 2: the agreement matches each party's declaration -------------------------------


def test_projektagare_must_have_declared_it(desk: Desk, finsam: Finsam) -> None:
    iid = esf_route(desk)
    to_agreement(desk, iid, {"af": position(), "fk": position(), "angelholm": position(True)})
    message = refused(finsam, desk, "af", iid, "overenskommelse", agree("af", ["fk", "angelholm"]),
                      "projektagare")
    assert "Arbetsförmedlingen" in message


def test_medfinansiar_must_have_declared_it(desk: Desk, finsam: Finsam) -> None:
    iid = esf_route(desk)
    to_agreement(desk, iid, {"af": position(), "fk": position(cofinance=False),
                             "angelholm": position(True)})
    message = refused(finsam, desk, "af", iid, "overenskommelse",
                      agree("angelholm", ["af", "fk"]), "medfinansiarer")
    assert "Försäkringskassan" in message
    result = desk.act("af", iid, "overenskommelse", agree("angelholm", ["af"]))
    assert result.instance.data["projektparter"] == ["angelholm", "af"]


def test_projektagare_is_not_its_own_medfinansiar(desk: Desk, finsam: Finsam) -> None:
    iid = esf_route(desk)
    to_agreement(desk, iid, {"af": position(), "fk": position(), "angelholm": position(True)})
    message = refused(finsam, desk, "af", iid, "overenskommelse",
                      agree("angelholm", ["angelholm", "af"]), "medfinansiarer")
    assert "egen medfinansiär" in message


# -- finding 3: the FK fallback within the ESF+ programme period -----------------------------------


def test_fk_fallback_only_within_the_programme_period(
    desk: Desk, finsam: Finsam, monkeypatch: pytest.MonkeyPatch
) -> None:
    iid = esf_route(desk)
    to_agreement(desk, iid, {org: position() for org in ESF_PARTIES})
    monkeypatch.setenv("FINSAM_ESF_PROGRAMPERIOD", "2014-01-01..2020-12-31")
    message = refused(finsam, desk, "af", iid, "overenskommelse", agree("fk", ["af", "angelholm"]),
                      "projektagare")
    assert "2014-01-01" in message and "2020-12-31" in message
    monkeypatch.delenv("FINSAM_ESF_PROGRAMPERIOD")  # the default, 2021–2027, holds today
    result = desk.act("af", iid, "overenskommelse", agree("fk", ["af", "angelholm"]))
    assert result.instance.data["fk_fallback"] is True


def test_programme_period_setting() -> None:
    from workflows.rules import programme_period

    assert str(programme_period({})[0]) == "2021-01-01"
    assert str(programme_period({})[1]) == "2027-12-31"
    assert str(programme_period({"FINSAM_ESF_PROGRAMPERIOD": "2028-01-01..2034-12-31"})[1]) \
        == "2034-12-31"
    for bad in ("2027", "2027-12-31..2021-01-01", "x..y"):
        with pytest.raises(ValueError, match="FINSAM_ESF_PROGRAMPERIOD"):
            programme_period({"FINSAM_ESF_PROGRAMPERIOD": bad})


def test_fk_project_past_2029_is_recorded_with_a_warning(desk: Desk) -> None:
    iid = to_esf_decision(desk, owner="fk")
    result = desk.act("fk", iid, "registrera_esf_beslut",
                      {**ESF_GRANTED, "projektperiod_slut": "2030-06-30"})
    warning = result.instance.data["varning"]
    assert "2029" in warning and "Försäkringskassan" in warning
    iid = to_esf_decision(desk, owner="angelholm")
    result = desk.act("angelholm", iid, "registrera_esf_beslut",
                      {**ESF_GRANTED, "projektperiod_slut": "2030-06-30"})
    assert "varning" not in result.instance.data


# -- finding 6: a need outside Finsam's target group leads visibly to "utanför rutinen" -----------


def test_need_outside_the_target_group_says_so_on_the_page(client, finsam: Finsam) -> None:  # type: ignore[no-untyped-def]
    from .webwalk import PageDesk

    desk = PageDesk(client, finsam)
    need = desk.start_need("angelholm", "Arbetsintegrerande sociala företag")
    desk.act("angelholm", need, "identifiera_behov", {
        "titel": "Arbetsintegrerande sociala företag", "malgrupp": "Långt från arbete",
        "inom_finsam_malgrupp": False, "parter": ["af", "angelholm"],
        "finansieringsform": "esf_plus", "skal": "Hänvisas till arbetsmarknadsenheten"})
    page = desk.browser.get("/").get_data(as_text=True)
    assert "Klart. Ärendet är avslutat: Utanför rutinen." in page
    assert "Behovet gäller inte Finsams målgrupp" in page
    assert "vald finansieringsform (ESF+-projekt) används inte och inget ärende startades" in page
    assert "Hänvisas till arbetsmarknadsenheten" in page
    instance = finsam.engine.get_instance("nnv-skane", need)
    assert (instance.outcome, finsam.engine.list_instances("nnv-skane", parent_id=need)) == (
        "utanfor_rutinen", [])


# -- finding 7: reasons that travel ---------------------------------------------------------------


def task_page(client, finsam: Finsam, user: str, iid: int, bpmn_id: str) -> str:  # type: ignore[no-untyped-def]
    from .conftest import Browser

    (task,) = [t for t in finsam.engine.open_tasks_of(iid) if t.bpmn_id == bpmn_id
               and (t.item is None or t.item == user)]
    browser = Browser(client)
    browser.login(user)
    response = browser.get(f"/tasks/{task.id}")
    assert response.status_code == 200
    return str(response.get_data(as_text=True))


def test_the_boards_aterremiss_is_shown_on_the_design_that_comes_back(
    desk: Desk, finsam: Finsam, client  # type: ignore[no-untyped-def]
) -> None:
    iid = to_board(desk)
    refused(finsam, desk, "styrelse", iid, "styrelsebeslut",
            {"styrelsebeslut": "aterremitteras", "motesdatum": "2025-02-06",
             "protokoll_paragraf": "§ 9"}, "motivering")
    desk.act("styrelse", iid, "styrelsebeslut", {
        "styrelsebeslut": "aterremitteras", "motesdatum": "2025-02-06", "protokoll_paragraf": "§ 9",
        "motivering": "Målgruppen är för bred", "anvisningar": "Avgränsa till unga 16–24 år"})
    page = task_page(client, finsam, "klippan", iid, "utforma_insats")
    assert "Styrelsen har återremitterat ärendet" in page
    assert "Målgruppen är för bred" in page and "Avgränsa till unga 16–24 år" in page
    assert "2025-02-06, § 9" in page


def test_a_no_at_forankring_is_shown_with_its_comment(desk: Desk, finsam: Finsam, client) -> None:  # type: ignore[no-untyped-def]
    iid = finsam_route(desk)
    desk.act("klippan", iid, "utforma_insats", DESIGN)
    refused(finsam, desk, "klippan", iid, "forankra_insats", {"forankrad": False}, "kommentar",
            item="klippan")
    anchor_all(desk, iid, ok=False)
    page = task_page(client, finsam, "klippan", iid, "utforma_insats")
    assert "inte förankrat hos alla parter" in page
    assert "Klippans kommun" in page and "Klippan behöver se budgeten" in page


def test_ej_overens_needs_a_reason_shown_on_the_idea_that_comes_back(
    desk: Desk, finsam: Finsam, client  # type: ignore[no-untyped-def]
) -> None:
    iid = esf_route(desk)
    to_agreement(desk, iid, {org: position() for org in ESF_PARTIES})
    refused(finsam, desk, "af", iid, "overenskommelse", {"overenskommelse": "ej_overens"}, "skal")
    desk.act("af", iid, "overenskommelse", {"overenskommelse": "ej_overens",
                                            "skal": "Region Skåne behöver vara med"})
    page = task_page(client, finsam, "af", iid, "utforma_projektide")
    assert "Parterna kom inte överens" in page and "Region Skåne behöver vara med" in page


def test_a_first_round_has_no_banner(desk: Desk, finsam: Finsam, client) -> None:  # type: ignore[no-untyped-def]
    iid = finsam_route(desk)
    page = task_page(client, finsam, "klippan", iid, "utforma_insats")
    assert 'class="notice returned"' not in page


# -- finding 4: the set of parties can be reworked at B2 and A2 -----------------------------------


def test_after_ej_overens_a_party_can_be_dropped_and_fk_becomes_the_fallback(
    desk: Desk, finsam: Finsam
) -> None:
    iid = esf_route(desk)
    to_agreement(desk, iid, {"af": position(), "fk": position(),
                             "angelholm": position(cofinance=False)})
    refused(finsam, desk, "af", iid, "overenskommelse", agree("fk", ["af"]), "projektagare")
    desk.act("af", iid, "overenskommelse", {"overenskommelse": "ej_overens",
                                            "skal": "Ängelholm medfinansierar inte"})
    refused(finsam, desk, "af", iid, "utforma_projektide",
            {**IDEA_B2, "parter": ["af", "fk", "nnv-skane"]}, "parter")
    result = desk.act("af", iid, "utforma_projektide", {**IDEA_B2, "parter": ["af", "fk"]})
    assert result.instance.data["parter"] == ["af", "fk"]
    assert sorted(t.assignee for t in result.open_tasks) == ["af", "fk"]  # förankring
    desk.each_party(iid, "forankra_projektide", {org: {"forankrad": True} for org in ("af", "fk")})
    desk.each_party(iid, "mandat_projektagarskap", {"af": position(), "fk": position()})
    result = desk.act("af", iid, "overenskommelse", agree("fk", ["af"]))
    assert (result.instance.data["fk_fallback"], result.instance.data["projektparter"]) == (
        True, ["fk", "af"])


def test_the_insats_parties_can_be_revised_with_a_processagare_among_them(
    desk: Desk, finsam: Finsam
) -> None:
    iid = finsam_route(desk)
    refused(finsam, desk, "klippan", iid, "utforma_insats",
            {**DESIGN, "parter": ["klippan", "region-skane"], "processagare": "angelholm"},
            "processagare")
    result = desk.act("klippan", iid, "utforma_insats",
                      {**DESIGN, "parter": ["angelholm", "region-skane", "af"],
                       "processagare": "angelholm"})
    assert result.instance.data["parter"] == ["angelholm", "region-skane", "af"]
    assert sorted(t.assignee for t in finsam.engine.open_tasks_of(iid)) == [
        "af", "angelholm", "region-skane"]


# -- finding 8: the beredningsgrupp may stop a Finsam need before A4 ------------------------------


def test_the_beredningsgrupp_stops_a_finsam_need_before_the_board(
    desk: Desk, finsam: Finsam
) -> None:
    iid = finsam_route(desk)
    refused(finsam, desk, "klippan", iid, "utforma_insats", {"avbryt": True}, "skal")
    with pytest.raises(InvalidData) as error:  # without stopping, the design is still required
        desk.act("klippan", iid, "utforma_insats", {"avbryt": False})
    assert {"insatstyp", "syfte", "processagare"} <= set(error.value.details)
    result = desk.act("klippan", iid, "utforma_insats",
                      {"avbryt": True, "skal": "Behovet möts redan av kommunens insats"})
    assert (result.instance.status, result.instance.outcome) == ("completed", "insats_avbruten")
    assert result.instance.data["skal"] == "Behovet möts redan av kommunens insats"
    from workflows.users import capacities

    styrelse = capacities(finsam.db, "styrelse")[0].actor_id  # the history records the id
    assert not any(e.actor == styrelse for e in finsam.engine.events("nnv-skane", iid))


def test_a_design_without_stopping_goes_on_to_forankring(desk: Desk, finsam: Finsam) -> None:
    iid = finsam_route(desk)
    result = desk.act("klippan", iid, "utforma_insats", DESIGN)
    assert result.instance.data["avbryt"] is False
    assert {t.bpmn_id for t in finsam.engine.open_tasks_of(iid)} == {"forankra_insats"}


def test_a_stopped_insats_is_counted_in_the_follow_up(desk: Desk, finsam: Finsam) -> None:
    from workflows.followup import Period, build_report

    iid = finsam_route(desk)
    desk.act("klippan", iid, "utforma_insats", {"avbryt": True, "skal": "Ingen part kan delta"})
    finsam_route(desk)  # another, still running
    figures = build_report(finsam.db, ("nnv-skane",), Period())["finansiell_samordning"]
    assert (figures["insatser"], figures["avbrutna"], figures["pagaende"]) == (2, 1, 1)
    (stopped,) = [r for r in figures["insatslista"] if r["instance_id"] == iid]
    assert stopped["outcome"] == "insats_avbruten"


# -- every new path replays clean -----------------------------------------------------------------


def test_the_new_paths_replay_clean(desk: Desk, finsam: Finsam, client) -> None:  # type: ignore[no-untyped-def]
    test_the_beredningsgrupp_stops_a_finsam_need_before_the_board(desk, finsam)
    test_after_ej_overens_a_party_can_be_dropped_and_fk_becomes_the_fallback(desk, finsam)
    test_the_insats_parties_can_be_revised_with_a_processagare_among_them(desk, finsam)
    test_fk_project_past_2029_is_recorded_with_a_warning(desk)
    test_esf_decision_amount_and_period(desk, finsam)
    test_insats_completion_within_its_period(desk, finsam)
    test_the_boards_aterremiss_is_shown_on_the_design_that_comes_back(desk, finsam, client)
    results, other = finsam.engine.verify("nnv-skane")
    assert other == []
    assert all(r.ok for r in results), [str(f) for r in results for f in r.findings]
    outcomes = {i.outcome for i in finsam.engine.list_instances("nnv-skane")}
    assert {"insats_avbruten", "insats_genomford", "projekt_avslutat"} <= outcomes


# -- finding 1: the parties decide, the kansli supports --------------------------------------------


@pytest.mark.parametrize(("route", "bpmn_id"), [
    ("finansiell_samordning", "utforma_insats"), ("esf_plus", "utforma_projektide")])
def test_the_kansli_does_not_record_the_parties_decisions(
    desk: Desk, finsam: Finsam, route: str, bpmn_id: str
) -> None:
    from engine import Forbidden

    _, started = desk.need(["af", "fk", "angelholm"], route)
    iid = started[route].id
    (task,) = finsam.engine.open_tasks_of(iid)
    assert task.bpmn_id == bpmn_id and task.assignee == "parternas_foretradare"
    assert desk.tasks("kansli", iid) == []  # not in the kansli's list
    system = desk.system()
    try:
        from workflows.users import capacities

        with pytest.raises(Forbidden):
            system.complete_task(capacities(system.db, "kansli")[0], task.id,
                                 DESIGN if route == "finansiell_samordning" else IDEA_B2)
        assert desk.tasks("klippan", iid) == []  # no party to this case
        assert [t.id for t in desk.tasks("fk", iid)] == [task.id]  # each party's representative
    finally:
        system.close()
    assert desk.instance("kansli", iid).id == iid  # the kansli still follows the case


def test_b3_is_recorded_by_a_party_not_the_kansli(desk: Desk, finsam: Finsam) -> None:
    from engine import Forbidden

    iid = esf_route(desk)
    to_agreement(desk, iid, {org: position(org == "af") for org in ESF_PARTIES})
    (task,) = [t for t in finsam.engine.open_tasks_of(iid) if t.bpmn_id == "overenskommelse"]
    system = desk.system()
    try:
        from workflows.users import capacities

        with pytest.raises(Forbidden):
            system.complete_task(capacities(system.db, "kansli")[0], task.id,
                                 agree("af", ["fk", "angelholm"]))
    finally:
        system.close()
    result = desk.act("angelholm", iid, "overenskommelse", agree("af", ["fk", "angelholm"]))
    assert result.instance.data["projektagare"] == "af"


# -- finding 9: who carries out the rehabilitation when FK owns the project -----------------------


def test_fk_as_owner_records_who_carries_out_the_rehabilitation(desk: Desk, finsam: Finsam) -> None:
    iid = esf_route(desk)
    to_agreement(desk, iid, {org: position() for org in ESF_PARTIES})
    desk.act("af", iid, "overenskommelse", agree("fk", ["af", "angelholm"]))
    refused(finsam, desk, "fk", iid, "ansvarsoverenskommelse", {"ansvarsoverenskommelse": "ÖK 7"},
            "rehabilitering_utfors_av")
    refused(finsam, desk, "fk", iid, "ansvarsoverenskommelse",
            {"ansvarsoverenskommelse": "ÖK 7", "rehabilitering_utfors_av": ["fk"]},
            "rehabilitering_utfors_av")
    result = desk.act("fk", iid, "ansvarsoverenskommelse",
                      {"ansvarsoverenskommelse": "ÖK 7", "rehabilitering_utfors_av": ["angelholm"]})
    assert result.instance.data["rehabilitering_utfors_av"] == ["angelholm"]


# -- finding 9: the medfinansiärer co-write the application, the parties carry out A5 and B8 ------


def open_steps(finsam: Finsam, iid: int) -> list[tuple[str, str | None]]:
    return sorted((t.bpmn_id, t.item) for t in finsam.engine.open_tasks_of(iid))


def test_each_medfinansiar_takes_part_in_the_application(desk: Desk, finsam: Finsam) -> None:
    iid = esf_route(desk)
    to_agreement(desk, iid, {org: position(org == "angelholm") for org in ESF_PARTIES})
    desk.act("af", iid, "overenskommelse", agree("angelholm", ["af", "fk"]))
    # 000 §5.2: the medfinansiärer take part before the projektägare writes the application
    assert open_steps(finsam, iid) == [("medverka_ansokan", "af"), ("medverka_ansokan", "fk")]
    for user, mine in (("af", ["af"]), ("fk", ["fk"]), ("angelholm", []), ("kansli", [])):
        assert [t.item for t in desk.tasks(user, iid) if t.bpmn_id == "medverka_ansokan"] == mine
    with pytest.raises(InvalidData):  # a part of the application must be described
        desk.act("af", iid, "medverka_ansokan", {"atagande": ""}, item="af")
    co_write(desk, iid, ["af"])
    assert open_steps(finsam, iid) == [("medverka_ansokan", "fk")]  # the projektägare waits
    co_write(desk, iid, ["fk"])
    assert open_steps(finsam, iid) == [("formulera_ansokan", None)]
    assert [t.bpmn_id for t in desk.tasks("angelholm", iid)] == ["formulera_ansokan"]
    data = desk.instance("angelholm", iid).data
    assert sorted(b["part"] for b in data["ansokansbidrag"]) == ["af", "fk"]


def test_when_fk_owns_the_project_every_other_party_takes_part(desk: Desk, finsam: Finsam) -> None:
    iid = esf_route(desk)
    to_agreement(desk, iid, {org: position() for org in ESF_PARTIES})
    desk.act("af", iid, "overenskommelse", agree("fk", ["af", "angelholm"]))
    desk.act("fk", iid, "ansvarsoverenskommelse",
             {"ansvarsoverenskommelse": "ÖK 7", "rehabilitering_utfors_av": ["angelholm"]})
    assert open_steps(finsam, iid) == [("medverka_ansokan", "af"),
                                       ("medverka_ansokan", "angelholm")]


def test_the_parties_carry_out_the_project(desk: Desk, finsam: Finsam) -> None:
    iid = to_esf_decision(desk)  # angelholm owns it, af and fk co-finance
    desk.act("angelholm", iid, "registrera_esf_beslut", ESF_GRANTED)
    desk.act("angelholm", iid, "bilda_projektorganisation", {"projektorganisation": "x"})
    assert open_steps(finsam, iid) == [("genomfora_projektdel", org)
                                       for org in sorted(["angelholm", "af", "fk"])]
    assert desk.tasks("kansli", iid) == []
    with pytest.raises(InvalidData):
        desk.act("fk", iid, "genomfora_projektdel", {}, item="fk")
    carry_out(desk, iid, ["af", "fk"], "genomfora_projektdel")
    assert open_steps(finsam, iid) == [("genomfora_projektdel", "angelholm")]
    carry_out(desk, iid, ["angelholm"], "genomfora_projektdel")
    assert open_steps(finsam, iid) == [("genomfora_projekt", None)]
    data = desk.instance("angelholm", iid).data
    assert sorted(g["part"] for g in data["genomforanden"]) == ["af", "angelholm", "fk"]


def test_the_parties_carry_out_the_insats(desk: Desk, finsam: Finsam) -> None:
    iid = to_board(desk)
    result = desk.act("styrelse", iid, "styrelsebeslut", {**GRANTED, "beviljat_belopp": 1_000_000})
    assert sorted((t.bpmn_id, t.item) for t in result.open_tasks) == [
        ("genomfora_insatsdel", org) for org in sorted(FINSAM_PARTIES)]
    assert desk.tasks("kansli", iid) == [] and desk.tasks("styrelse", iid) == []
    assert [t.item for t in desk.tasks("klippan", iid)] == ["klippan"]
    carry_out(desk, iid, FINSAM_PARTIES, "genomfora_insatsdel")
    assert open_steps(finsam, iid) == [("genomfora_insats", None)]
    assert [t.bpmn_id for t in desk.tasks("angelholm", iid)] == ["genomfora_insats"]
    assert desk.tasks("klippan", iid) == []  # the processägare reports the totals
