"""Both routes end to end, user by user, through the pages and through the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from workflows import Finsam
from workflows.users import capacities

from .test_processes import DESIGN, GRANTED, IDEA, agree, position
from .walk import report_every_year
from .webwalk import ApiDesk, PageDesk

NEED = {"malgrupp": "Unga vuxna hemmasittare", "inom_finsam_malgrupp": True}


@dataclass(frozen=True)
class Parts:
    """Who takes part in the walk, by organisation slug: the demo förbund's by default; another
    förbund (one taken from the register) names its own."""

    tenant: str = "nnv-skane"
    lead: str = "angelholm"  # a kommun in both routes: leads the insats
    owner: str = "klippan"  # a kommun of the insats that becomes the ESF+ project's owner
    region: str = "region-skane"

    @property
    def finsam(self) -> list[str]:
        return [self.lead, self.owner, self.region]

    @property
    def esf(self) -> list[str]:
        return ["af", "fk", self.lead]


def walk_both_routes(desk: Any, finsam: Finsam, parts: Parts | None = None) -> tuple[int, int]:
    """A need to both routes, and both walked to their end, each step by the organisation's
    (or body's) user as `desk.act` finds it; the two route instances' ids."""
    p = parts or Parts()
    need = desk.start_need("kansli", "Knutpunkt för hemmasittare")
    everyone = sorted(set(p.finsam) | set(p.esf))
    desk.act(p.owner, need, "identifiera_behov", {
        **NEED, "titel": "Knutpunkt för hemmasittare", "parter": everyone,
        "finansieringsform": "bada"})
    routes = {i.process_id: i.id for i in finsam.engine.list_instances(p.tenant, parent_id=need)}
    fs, esf = routes["finansiell_samordning"], routes["esf_plus"]

    desk.act(p.lead, fs, "utforma_insats", {**DESIGN, "processagare": p.lead})
    desk.each_party(fs, "forankra_insats", {org: {"forankrad": True} for org in everyone})
    desk.act(p.region, fs, "ansvarsfordelning", {"ansvarsfordelning": "Kommunen leder"})
    desk.act("kansli", fs, "bereda_arende",
             {"tjansteutlatande": "Ok", "forslag_till_beslut": "Bevilja"})
    desk.act("styrelse", fs, "styrelsebeslut", GRANTED)
    desk.each_party(fs, "genomfora_insatsdel",
                    {org: {"genomfort": f"{org} bidrog med personal"} for org in everyone})
    desk.act(p.lead, fs, "genomfora_insats",
             {"deltagare_kvinnor": 11, "deltagare_man": 8, "genomford_datum": "2026-02-28"})
    # the processägare's yearly participants while the insats ran (issue 17): 2025 and 2026
    report_every_year(desk, finsam, fs, 2025, [{"arets_kvinnor": 6, "arets_man": 4},
                                               {"arets_kvinnor": 5, "arets_man": 4}],
                      user=p.lead)

    desk.act("fk", esf, "utforma_projektide", IDEA)
    desk.each_party(esf, "forankra_projektide", {org: {"forankrad": True} for org in everyone})
    desk.each_party(esf, "mandat_projektagarskap",
                    {org: position(volunteer=org == p.owner) for org in everyone})
    others = [o for o in everyone if o != p.owner]
    desk.act("af", esf, "overenskommelse", agree(p.owner, others))
    desk.each_party(esf, "medverka_ansokan",
                    {org: {"atagande": f"{org} bidrar med personal"} for org in others})
    desk.act(p.owner, esf, "formulera_ansokan",
             {"ansokan_sammanfattning": "x", "sokt_belopp": 5_000_000})
    desk.each_party(esf, "beslut_projektansokan",
                    {org: {"beslut": "ja", "beslut_referens": f"{org}-1"}
                     for org in [p.owner, *others]})
    desk.act(p.owner, esf, "skicka_ansokan", {"inskickad_datum": "2025-10-01"})
    desk.act(p.owner, esf, "registrera_esf_beslut", {
        "esf_beslut": "beviljad", "esf_diarienummer": "2025/1", "beslut_datum": "2025-12-01",
        "beviljat_belopp": 4_000_000, "projektperiod_start": "2026-01-01",
        "projektperiod_slut": "2028-12-31"})
    desk.act(p.owner, esf, "bilda_projektorganisation", {"projektorganisation": "Projektkansli"})
    desk.each_party(esf, "genomfora_projektdel",
                    {org: {"genomfort": f"{org} genomförde sin del"}
                     for org in [p.owner, *others]})
    desk.act(p.owner, esf, "genomfora_projekt", {"genomford_datum": "2028-12-31"})
    desk.act(p.owner, esf, "slutrapportera", {"slutrapport_datum": "2029-02-28"})
    return fs, esf


@pytest.mark.parametrize("channel", ["pages", "api"])
def test_both_routes_end_to_end(client, finsam: Finsam, channel: str) -> None:  # type: ignore[no-untyped-def]
    desk = PageDesk(client, finsam) if channel == "pages" else ApiDesk(client, finsam)
    fs, esf = walk_both_routes(desk, finsam)
    assert finsam.engine.get_instance("nnv-skane", fs).outcome == "insats_genomford"
    assert finsam.engine.get_instance("nnv-skane", esf).outcome == "projekt_avslutat"
    actors = {e.actor for e in finsam.engine.events("nnv-skane", esf)}
    # The history records each person by the pseudonymous id of the directory.
    assert {capacities(finsam.db, u)[0].actor_id
            for u in ("af", "fk", "klippan", "angelholm")} <= actors
