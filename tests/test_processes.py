"""Every outcome of the three processes, every gateway branch and every refusal, walked by the demo
users through the system's public functions, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine import Forbidden, InvalidData, NotFound
from engine.store.models import Event, Instance
from workflows import Finsam

from .walk import Desk, report_every_year

FINSAM_PARTIES = ["angelholm", "klippan", "region-skane"]
ESF_PARTIES = ["af", "fk", "angelholm"]

DESIGN = {
    "insatstyp": "individinriktad",
    "preciserad_inriktning": "arbetslivsinriktad",
    "specifik_malgrupp": ["unga"],
    "syfte": "Samordnat stöd till unga hemmasittare",
    "mal": "Hälften når arbete eller studier",
    "sokt_belopp": 3_500_000,
    "processagare": "angelholm",
}
GRANTED = {
    "styrelsebeslut": "beviljas",
    "beviljat_belopp": 3_500_000,
    "period_start": "2025-03-01",
    "period_slut": "2026-02-28",
    "motesdatum": "2025-02-06",
    "protokoll_paragraf": "§ 7",
}
IDEA = {"projektide": "Knutpunkt i varje kommun", "syfte": "Samlat stöd", "mal": "Fler i arbete"}


@pytest.fixture
def desk(finsam: Finsam, database_url: str) -> Desk:
    return Desk(database_url)


def events_count(finsam: Finsam) -> int:
    with finsam.db.read() as session:
        return session.scalar(select(func.count()).select_from(Event)) or 0


# -- behovsanalys -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "routes"),
    [
        ({"finansieringsform": "finansiell_samordning"}, ["finansiell_samordning"]),
        ({"finansieringsform": "esf_plus"}, ["esf_plus"]),
        ({"finansieringsform": "bada"}, ["esf_plus", "finansiell_samordning"]),
    ],
)
def test_need_starts_its_routes(desk: Desk, extra: dict[str, str], routes: list[str]) -> None:
    result, started = desk.need(FINSAM_PARTIES, extra["finansieringsform"])
    assert result.instance.outcome == "routes_started"
    assert sorted(started) == routes
    for route in started.values():
        assert route.parent_id == result.instance.id
        assert route.data["behov_id"] == result.instance.id
        assert route.data["parter"] == FINSAM_PARTIES
        assert route.title == "Knutpunkt för hemmasittare"


@pytest.mark.parametrize(
    "extra",
    [
        {"finansieringsform": "utanfor_rutinen", "skal": "Annan finansiär: MUCF"},
        {"finansieringsform": "esf_plus", "inom_finsam_malgrupp": False,
         "skal": "Målgruppen är inte i behov av samordnad rehabilitering"},
    ],
)
def test_need_outside_the_routine_ends_without_routes(desk: Desk, extra: dict[str, object]) -> None:
    extra = dict(extra)
    form = str(extra.pop("finansieringsform"))
    result, started = desk.need(FINSAM_PARTIES, form, **extra)
    assert (result.instance.status, result.instance.outcome) == ("completed", "utanfor_rutinen")
    assert started == {}


def test_need_outside_the_routine_needs_a_reason(desk: Desk, finsam: Finsam) -> None:
    with pytest.raises(InvalidData) as error:
        desk.need(FINSAM_PARTIES, "utanfor_rutinen")
    assert "skal" in error.value.details


@pytest.mark.parametrize("party", ["nnv-skane", "kriminalvarden", "kansli", "styrelse"])
def test_a_forbund_or_outsider_is_never_a_party(desk: Desk, finsam: Finsam, party: str) -> None:
    start = desk.start_need("angelholm", {"titel": "x"})
    before = events_count(finsam)
    with pytest.raises(InvalidData) as error:
        desk.act("angelholm", start.instance.id, "identifiera_behov",
                 {"titel": "x", "malgrupp": "y", "inom_finsam_malgrupp": True,
                  "parter": ["af", party], "finansieringsform": "esf_plus"})
    assert "parter" in error.value.details
    assert events_count(finsam) == before


def test_only_the_beredningsgrupp_records_needs(desk: Desk) -> None:
    for user in ("styrelse", "designer"):
        with pytest.raises(Forbidden):
            desk.start_need(user, {"titel": "x"})
    with pytest.raises(Forbidden):
        desk.start_need("auditor", {"titel": "x"})
    assert desk.start_need("kansli", {"titel": "Från kansliet"}).instance.status == "running"


def test_routes_start_only_from_a_need(finsam: Finsam, as_user) -> None:  # type: ignore[no-untyped-def]
    for process in ("finansiell_samordning", "esf_plus"):
        with pytest.raises(Forbidden):
            finsam.start_instance(as_user("angelholm"), process, {"titel": "x"})


# -- finansiell_samordning ----------------------------------------------------------------------


def finsam_route(desk: Desk) -> int:
    _, started = desk.need(FINSAM_PARTIES, "finansiell_samordning")
    return started["finansiell_samordning"].id


def anchor_all(desk: Desk, instance_id: int, ok: bool = True) -> None:
    desk.each_party(instance_id, "forankra_insats",
                    {org: {"forankrad": True} if ok or org != "klippan" else
                     {"forankrad": False, "kommentar": "Klippan behöver se budgeten"}
                     for org in FINSAM_PARTIES})


def test_finsam_route_with_loops_to_insats_genomford(desk: Desk) -> None:
    iid = finsam_route(desk)
    desk.act("klippan", iid, "utforma_insats", DESIGN)
    anchor_all(desk, iid, ok=False)  # Klippan not anchored: back to the design
    desk.act("region-skane", iid, "utforma_insats", {**DESIGN, "sokt_belopp": 3_000_000})
    anchor_all(desk, iid)
    desk.act("angelholm", iid, "ansvarsfordelning", {"ansvarsfordelning": "Ängelholm leder"})
    desk.act("kansli", iid, "bereda_arende",
             {"tjansteutlatande": "Förslaget uppfyller 2 §", "forslag_till_beslut": "Bevilja"})
    desk.act("styrelse", iid, "styrelsebeslut",
             {"styrelsebeslut": "aterremitteras", "motivering": "Målen behöver preciseras",
              "motesdatum": "2025-01-20",
              "protokoll_paragraf": "§ 3"})
    desk.act("angelholm", iid, "utforma_insats", DESIGN)  # any participating party's representative
    anchor_all(desk, iid)
    desk.act("angelholm", iid, "ansvarsfordelning", {"ansvarsfordelning": "Ängelholm leder"})
    desk.act("kansli", iid, "bereda_arende",
             {"tjansteutlatande": "Kompletterat", "forslag_till_beslut": "Bevilja"})
    result = desk.act("styrelse", iid, "styrelsebeslut", GRANTED)
    # A5: the parties carry out the insats, each its part (000 Bilaga 1) ...
    assert sorted(t.assignee for t in result.open_tasks) == sorted(FINSAM_PARTIES)
    carry_out(desk, iid, FINSAM_PARTIES, "genomfora_insatsdel")
    # ... and the processägare reports the totals the follow-up counts
    assert [t.bpmn_id for t in desk.tasks("angelholm", iid)] == ["genomfora_insats"]
    result = desk.act("angelholm", iid, "genomfora_insats",
                      {"deltagare_kvinnor": 12, "deltagare_man": 9,
                       "genomford_datum": "2026-02-28"})
    # ... while the yearly participants of 2025 and 2026 are still to come (issue 17): the
    # instance runs until the processägare has sent the report of the period's last year.
    assert (result.instance.status, result.instance.outcome) == ("running", None)
    system = desk.system()
    try:
        result = report_every_year(desk, system, iid, 2025, [
            {"arets_kvinnor": 7, "arets_man": 5}, {"arets_kvinnor": 5, "arets_man": 4}])
    finally:
        system.close()
    assert (result.instance.status, result.instance.outcome) == ("completed", "insats_genomford")
    assert [e["ar"] for e in result.instance.data["deltagare_per_ar"]] == [2025, 2026]
    assert result.instance.data["beviljat_belopp"] == 3_500_000
    assert result.instance.data["deltagare_kvinnor"] == 12


def test_finsam_route_avslag(desk: Desk) -> None:
    iid = finsam_route(desk)
    desk.act("klippan", iid, "utforma_insats", DESIGN)
    anchor_all(desk, iid)
    desk.act("angelholm", iid, "ansvarsfordelning", {"ansvarsfordelning": "x"})
    desk.act("kansli", iid, "bereda_arende", {"tjansteutlatande": "x", "forslag_till_beslut": "y"})
    result = desk.act("styrelse", iid, "styrelsebeslut",
                      {"styrelsebeslut": "avslas", "motesdatum": "2025-02-06",
                       "protokoll_paragraf": "§ 8"})
    assert result.instance.outcome == "avslag"


def test_board_decision_needs_a_meeting_reference(desk: Desk) -> None:
    iid = finsam_route(desk)
    desk.act("klippan", iid, "utforma_insats", DESIGN)
    anchor_all(desk, iid)
    desk.act("angelholm", iid, "ansvarsfordelning", {"ansvarsfordelning": "x"})
    desk.act("kansli", iid, "bereda_arende", {"tjansteutlatande": "x", "forslag_till_beslut": "y"})
    with pytest.raises(InvalidData) as error:
        desk.act("styrelse", iid, "styrelsebeslut", {"styrelsebeslut": "beviljas"})
    assert {"motesdatum", "protokoll_paragraf", "beviljat_belopp"} <= set(error.value.details)


def test_processagare_must_be_a_party(desk: Desk) -> None:
    iid = finsam_route(desk)
    with pytest.raises(InvalidData) as error:
        desk.act("klippan", iid, "utforma_insats", {**DESIGN, "processagare": "fk"})
    assert "processagare" in error.value.details


# -- esf_plus -----------------------------------------------------------------------------------


def esf_route(desk: Desk, parties: list[str] = ESF_PARTIES) -> int:
    _, started = desk.need(parties, "esf_plus")
    return started["esf_plus"].id


def to_agreement(desk: Desk, iid: int, positions: dict[str, dict[str, bool]]) -> None:
    desk.act("af", iid, "utforma_projektide", IDEA)
    desk.each_party(iid, "forankra_projektide", {org: {"forankrad": True} for org in positions})
    positions_stated(desk, iid, positions)


def positions_stated(desk: Desk, iid: int, positions: dict[str, dict[str, bool]]) -> None:
    desk.each_party(iid, "mandat_projektagarskap", positions)


def position(
    volunteer: bool = False, cofinance: bool = True, mandate: bool = True
) -> dict[str, bool]:
    return {"mandat": mandate, "vill_vara_projektagare": volunteer, "medfinansierar": cofinance}


def agree(owner: str, cofinanciers: list[str]) -> dict[str, object]:
    return {"overenskommelse": "overens", "projektagare": owner, "medfinansiarer": cofinanciers}


def co_write(desk: Desk, iid: int, cofinanciers: list[str]) -> None:
    """B4: each medfinansiär gives its part of the application (000 §5.2)."""
    desk.each_party(iid, "medverka_ansokan",
                    {org: {"atagande": f"{org}: personal och medfinansiering"}
                     for org in cofinanciers})


def carry_out(desk: Desk, iid: int, parties: list[str], bpmn_id: str) -> None:
    """A5 (`genomfora_insatsdel`) or B8 (`genomfora_projektdel`): each party reports its part
    (000 Bilaga 1)."""
    desk.each_party(iid, bpmn_id, {org: {"genomfort": f"{org} genomförde sin del"}
                                   for org in parties})


def test_esf_full_route_to_projekt_avslutat(desk: Desk) -> None:
    iid = esf_route(desk)
    to_agreement(desk, iid, {"af": position(), "fk": position(), "angelholm": position(True)})
    result = desk.act("angelholm", iid, "overenskommelse", agree("angelholm", ["af", "fk"]))
    assert result.instance.data["fk_fallback"] is False
    assert result.instance.data["projektparter"] == ["angelholm", "af", "fk"]
    assert sorted((t.bpmn_id, t.assignee) for t in result.open_tasks) == [
        ("medverka_ansokan", "af"), ("medverka_ansokan", "fk")
    ]
    co_write(desk, iid, ["af", "fk"])
    desk.act("angelholm", iid, "formulera_ansokan",
             {"ansokan_sammanfattning": "Knutpunkt", "sokt_belopp": 6_000_000})
    desk.each_party(iid, "beslut_projektansokan", {
        org: {"beslut": "ja", "beslut_referens": f"{org}-2025-1"}
        for org in ["angelholm", "af", "fk"]
    })
    desk.act("angelholm", iid, "skicka_ansokan", {"inskickad_datum": "2025-10-01"})
    desk.act("angelholm", iid, "registrera_esf_beslut",
             {"esf_beslut": "beviljad", "esf_diarienummer": "2025/00123",
              "beslut_datum": "2025-12-15", "beviljat_belopp": 5_800_000,
              "projektperiod_start": "2026-02-01", "projektperiod_slut": "2029-01-31"})
    desk.act("angelholm", iid, "bilda_projektorganisation",
             {"projektorganisation": "Projektledare, controller och administratör"})
    carry_out(desk, iid, ["angelholm", "af", "fk"], "genomfora_projektdel")
    desk.act("angelholm", iid, "genomfora_projekt", {"genomford_datum": "2029-01-31"})
    result = desk.act("angelholm", iid, "slutrapportera", {"slutrapport_datum": "2029-03-31"})
    assert (result.instance.status, result.instance.outcome) == ("completed", "projekt_avslutat")


def test_esf_avbryts_ends_ej_ansokan_with_reason(desk: Desk) -> None:
    iid = esf_route(desk)
    to_agreement(desk, iid, {org: position() for org in ESF_PARTIES})
    with pytest.raises(InvalidData):
        desk.act("af", iid, "overenskommelse", {"overenskommelse": "avbryts"})
    result = desk.act("af", iid, "overenskommelse",
                      {"overenskommelse": "avbryts", "skal": "Ingen utlysning passar"})
    assert result.instance.outcome == "ej_ansokan"


def test_esf_ej_overens_goes_back_to_the_idea(desk: Desk) -> None:
    iid = esf_route(desk)
    to_agreement(desk, iid, {org: position() for org in ESF_PARTIES})
    result = desk.act("af", iid, "overenskommelse", {"overenskommelse": "ej_overens",
                                                     "skal": "Kretsen av parter ses över"})
    assert [t.bpmn_id for t in result.open_tasks] == ["utforma_projektide"]


def test_agreement_needs_every_mandate(desk: Desk, finsam: Finsam) -> None:
    iid = esf_route(desk)
    to_agreement(desk, iid, {"af": position(), "fk": position(mandate=False),
                             "angelholm": position(True)})
    before = events_count(finsam)
    with pytest.raises(InvalidData) as error:
        desk.act("af", iid, "overenskommelse", agree("angelholm", ["af", "fk"]))
    assert "fk" in error.value.details["overenskommelse"]
    assert events_count(finsam) == before


def test_fk_refused_while_another_party_volunteered(desk: Desk, finsam: Finsam) -> None:
    iid = esf_route(desk)
    to_agreement(desk, iid, {"af": position(), "fk": position(), "angelholm": position(True)})
    before = events_count(finsam)
    with pytest.raises(InvalidData) as error:
        desk.act("af", iid, "overenskommelse", agree("fk", ["af", "angelholm"]))
    message = error.value.details["projektagare"]
    assert "angelholm" in message and "ingen annan part vill vara det" in message
    assert events_count(finsam) == before


def test_fk_refused_while_a_participant_does_not_cofinance(desk: Desk, finsam: Finsam) -> None:
    iid = esf_route(desk)
    to_agreement(desk, iid, {"af": position(), "fk": position(),
                             "angelholm": position(cofinance=False)})
    before = events_count(finsam)
    with pytest.raises(InvalidData) as error:
        desk.act("af", iid, "overenskommelse", agree("fk", ["af", "angelholm"]))
    assert "angelholm" in error.value.details["projektagare"]
    with pytest.raises(InvalidData):
        desk.act("af", iid, "overenskommelse", agree("fk", ["af"]))
    assert events_count(finsam) == before


def test_a_forbund_is_never_projektagare(desk: Desk) -> None:
    iid = esf_route(desk)
    to_agreement(desk, iid, {org: position() for org in ESF_PARTIES})
    with pytest.raises(InvalidData) as error:
        desk.act("af", iid, "overenskommelse", agree("nnv-skane", ["af"]))
    assert "projektagare" in error.value.details


def test_fk_fallback_with_agreement_rejection_and_guard_again(desk: Desk) -> None:
    iid = esf_route(desk)
    to_agreement(desk, iid, {org: position() for org in ESF_PARTIES})
    result = desk.act("af", iid, "overenskommelse", agree("fk", ["af", "angelholm"]))
    assert result.instance.data["fk_fallback"] is True
    assert [(t.bpmn_id, t.assignee) for t in result.open_tasks] == [
        ("ansvarsoverenskommelse", "fk")
    ]
    desk.act("fk", iid, "ansvarsoverenskommelse", {"ansvarsoverenskommelse": "ÖK 2025-17",
                                                        "rehabilitering_utfors_av": ["angelholm"]})
    co_write(desk, iid, ["af", "angelholm"])
    desk.act("fk", iid, "formulera_ansokan",
             {"ansokan_sammanfattning": "x", "sokt_belopp": 9_000_000})
    result = desk.each_party(iid, "beslut_projektansokan", {
        "fk": {"beslut": "ja", "beslut_referens": "FK-1"},
        "af": {"beslut": "ja", "beslut_referens": "AF-1"},
        "angelholm": {"beslut": "nej", "beslut_referens": "KS § 12"},
    })
    # A medfinansiär said no: back to the mandate step, and the FK guard is evaluated again.
    assert sorted(t.assignee for t in result.open_tasks) == sorted(ESF_PARTIES)
    assert {t.bpmn_id for t in result.open_tasks} == {"mandat_projektagarskap"}
    positions_stated(desk, iid, {"af": position(True), "fk": position(),
                                 "angelholm": position(cofinance=False)})
    with pytest.raises(InvalidData):
        desk.act("af", iid, "overenskommelse", agree("fk", ["af"]))
    result = desk.act("af", iid, "overenskommelse", agree("af", ["fk"]))
    assert result.instance.data["fk_fallback"] is False
    assert [(t.bpmn_id, t.assignee) for t in result.open_tasks] == [("medverka_ansokan", "fk")]


def test_esf_ansokan_avslagen(desk: Desk) -> None:
    iid = esf_route(desk)
    to_agreement(desk, iid, {org: position(org == "af") for org in ESF_PARTIES})
    desk.act("af", iid, "overenskommelse", agree("af", ["fk", "angelholm"]))
    co_write(desk, iid, ["fk", "angelholm"])
    desk.act("af", iid, "formulera_ansokan",
             {"ansokan_sammanfattning": "x", "sokt_belopp": 9_000_000})
    desk.each_party(iid, "beslut_projektansokan",
                    {org: {"beslut": "ja", "beslut_referens": "r"}
                     for org in ["af", "fk", "angelholm"]})
    desk.act("af", iid, "skicka_ansokan", {"inskickad_datum": "2025-10-01"})
    result = desk.act("af", iid, "registrera_esf_beslut",
                      {"esf_beslut": "avslag", "esf_diarienummer": "2025/9",
                       "beslut_datum": "2025-12-01"})
    assert result.instance.outcome == "ansokan_avslagen"


def test_projektagare_no_goes_back_to_b3(desk: Desk) -> None:
    iid = esf_route(desk)
    to_agreement(desk, iid, {org: position(org == "af") for org in ESF_PARTIES})
    desk.act("af", iid, "overenskommelse", agree("af", ["fk", "angelholm"]))
    co_write(desk, iid, ["fk", "angelholm"])
    desk.act("af", iid, "formulera_ansokan",
             {"ansokan_sammanfattning": "x", "sokt_belopp": 9_000_000})
    result = desk.each_party(iid, "beslut_projektansokan", {
        "af": {"beslut": "nej", "beslut_referens": "AF-2"},
        "fk": {"beslut": "ja", "beslut_referens": "FK-2"},
        "angelholm": {"beslut": "ja", "beslut_referens": "KS-2"},
    })
    assert {t.bpmn_id for t in result.open_tasks} == {"mandat_projektagarskap"}


# -- ESF+ never reaches the styrelse (R-S2) -----------------------------------------------------


def test_styrelse_never_sees_an_esf_matter(desk: Desk, finsam: Finsam, as_user) -> None:  # type: ignore[no-untyped-def]
    _, started = desk.need(ESF_PARTIES, "bada")
    iid = started["esf_plus"].id
    to_agreement(desk, iid, {org: position(org == "af") for org in ESF_PARTIES})
    desk.act("af", iid, "overenskommelse", agree("af", ["fk"]))
    styrelse = as_user("styrelse")
    assert all(t.process_id == "finansiell_samordning" for t in finsam.task_list(styrelse))
    with pytest.raises(NotFound):
        finsam.instance(styrelse, iid)
    with pytest.raises(NotFound):
        finsam.instance(styrelse, started["esf_plus"].parent_id or 0)
    assert {i.process_id for i in finsam.instances(styrelse)} == {"finansiell_samordning"}
    finsam_instance = finsam.instance(styrelse, started["finansiell_samordning"].id)
    assert finsam.links(styrelse, finsam_instance) == []
    for task in finsam.engine.open_tasks_of(iid):
        with pytest.raises(NotFound):
            finsam.task(styrelse, task.id)


def test_an_esf_task_is_never_assigned_to_the_styrelse(finsam: Finsam) -> None:
    from engine import TaskContext

    ctx = TaskContext("nnv-skane", "esf_plus", 1, "x", "X", "Styrelse", None, {})
    with pytest.raises(Forbidden, match="ESF\\+-frågor lyfts aldrig till styrelsen"):
        finsam.engine.hooks.assign(ctx)


def test_an_esf_spec_with_a_styrelse_lane_is_not_deployed(finsam: Finsam, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from engine import SpecError
    from workflows.system import diagrams_dir

    shutil.copytree(diagrams_dir() / "forms", tmp_path / "forms")
    text = (diagrams_dir() / "esf_plus.bpmn").read_text(encoding="utf-8")
    lane_name = 'name="Projektägare"'
    assert lane_name in text
    (tmp_path / "esf_plus.bpmn").write_text(text.replace(lane_name, 'name="Styrelse"'),
                                            encoding="utf-8")
    with pytest.raises(SpecError, match="ESF\\+-frågor når aldrig styrelsen"):
        finsam.deploy_files([tmp_path / "esf_plus.bpmn"], "designer")
    with finsam.db.read() as session:
        versions = session.scalar(
            select(func.count()).select_from(Instance).where(Instance.process_id == "esf_plus"))
    assert versions == 0
    assert [v.version for v in finsam.engine.spec_versions("nnv-skane", "esf_plus")] == [1]
