"""The demo users at work on given days, on a clock the demo history sets
(`workflows.demo_history`): each need, decision and report goes through `Finsam.start_need` and
`Finsam.complete_task` as the förbund's own work would."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .parties import Capacity
from .system import Finsam
from .users import capacities

STOCKHOLM = ZoneInfo("Europe/Stockholm")


class HistoryClock:
    """The engine's clock during the history: set to a day, it ticks a second per reading."""

    def __init__(self) -> None:
        self.now = datetime(2025, 1, 1, 9, tzinfo=UTC)

    def set(self, day: str, hour: int = 9) -> None:
        """Stand at `hour` o'clock, Swedish time, on `day` (ISO); within that day the clock
        only moves forward, so the steps of one day keep their order."""
        moment = datetime.combine(date.fromisoformat(day), time(hour), STOCKHOLM).astimezone(UTC)
        if moment.date() != self.now.date() or moment > self.now:
            self.now = moment

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


class Desk:
    """The demo users at work on given days."""

    def __init__(self, finsam: Finsam, clock: HistoryClock) -> None:
        self.finsam = finsam
        self.clock = clock
        self.caps: dict[str, Capacity] = {}
        self.created = 0

    def cap(self, user: str) -> Capacity:
        if user not in self.caps:
            self.caps[user] = capacities(self.finsam.db, user)[0]
        return self.caps[user]

    def need(self, day: str, user: str, titel: str, malgrupp: str, parter: list[str],
             form: str, **extra: Any) -> dict[str, int]:
        """Record and identify a need; return the route instances it started."""
        self.clock.set(day)
        start = self.finsam.start_need(self.cap(user), {"titel": titel})
        result = self.act(day, user, start.instance.id, "identifiera_behov", {
            "titel": titel, "malgrupp": malgrupp, "inom_finsam_malgrupp": True,
            "parter": parter, "finansieringsform": form, **extra})
        self.created += 1 + len(result.started)
        return {i.process_id: i.id for i in result.started}

    def act(self, day: str, user: str, iid: int, bpmn_id: str, data: dict[str, Any],
            item: str | None = None) -> Any:
        self.clock.set(day, 10)
        task = next(t for t in self.finsam.engine.open_tasks_of(iid)
                    if t.bpmn_id == bpmn_id and (item is None or t.item == item))
        return self.finsam.complete_task(self.cap(user), task.id, data)

    def each(self, day: str, iid: int, bpmn_id: str, answers: dict[str, dict[str, Any]]) -> None:
        for org, data in answers.items():
            self.act(day, org, iid, bpmn_id, data, item=org)

    # -- finansiell samordning (A2–A5) -------------------------------------------------------

    def design(self, days: tuple[str, str, str, str], iid: int, parter: list[str],
               design: dict[str, Any], user: str | None = None) -> None:
        """A2 design, every party's förankring, A3 (recorded by a party's representative, the
        processägare unless `user` says otherwise) and the kansli's beredning."""
        user = user or str(design["processagare"])
        self.act(days[0], user, iid, "utforma_insats", design)
        self.each(days[1], iid, "forankra_insats", {p: {"forankrad": True} for p in parter})
        self.act(days[2], user, iid, "ansvarsfordelning", {
            "ansvarsfordelning": "Processägaren leder insatsen och redovisar till styrgruppen; "
                                 "parterna bidrar med personal enligt bilaga."})
        self.act(days[3], "kansli", iid, "bereda_arende", {
            "tjansteutlatande": "Insatsen avser samordnad rehabilitering enligt 2 § lagen om "
                                "finansiell samordning.", "forslag_till_beslut": "Bevilja"})

    def carry_out(self, day: str, iid: int, bpmn_id: str, parties: list[str]) -> None:
        """A5 or B8: each party reports its part (000 Bilaga 1)."""
        self.each(day, iid, bpmn_id, {p: {"genomfort": "Personal och insatser enligt "
                                                       "överenskommen ansvarsfördelning"}
                                      for p in parties})

    def board(self, day: str, iid: int, decision: str, paragraph: str, **granted: Any) -> None:
        self.act(day, "styrelse", iid, "styrelsebeslut", {
            "styrelsebeslut": decision, "motesdatum": day, "protokoll_paragraf": paragraph,
            **granted})

    # -- ESF+ (B2–B8) ------------------------------------------------------------------------

    def idea(self, days: tuple[str, str, str], iid: int, parter: list[str], idea: str,
             owner: str | None, user: str | None = None) -> None:
        """B2 idea and förankring, B3 every party's position (`owner` volunteers)."""
        user = user or owner or parter[0]  # a party's representative records the idea
        self.act(days[0], user, iid, "utforma_projektide",
                 {"projektide": idea, "syfte": idea, "mal": "Fler i arbete eller studier"})
        self.each(days[1], iid, "forankra_projektide", {p: {"forankrad": True} for p in parter})
        self.each(days[2], iid, "mandat_projektagarskap", {p: {
            "mandat": True, "vill_vara_projektagare": p == owner, "medfinansierar": True}
            for p in parter})

    def apply(self, days: tuple[str, str, str, str], iid: int, owner: str,
              cofinanciers: list[str], amount: int) -> None:
        """B3 agreement, B4 application (each medfinansiär gives its part, the projektägare
        writes it), B5 each party's decision, B6 submission."""
        self.act(days[0], owner, iid, "overenskommelse", {
            "overenskommelse": "overens", "projektagare": owner, "medfinansiarer": cofinanciers})
        if owner == "fk":
            self.act(days[0], "fk", iid, "ansvarsoverenskommelse",
                     {"ansvarsoverenskommelse": "Överenskommelse om ansvar FK/parterna",
                      "rehabilitering_utfors_av": [c for c in cofinanciers if c != "af"]
                      or cofinanciers})
        self.each(days[1], iid, "medverka_ansokan", {
            c: {"atagande": "Personal i projektets team och medfinansiering enligt budget"}
            for c in cofinanciers})
        self.act(days[1], owner, iid, "formulera_ansokan",
                 {"ansokan_sammanfattning": "Ansökan enligt projektidén", "sokt_belopp": amount})
        self.each(days[2], iid, "beslut_projektansokan", {
            p: {"beslut": "ja", "beslut_referens": f"{p}-beslut"}
            for p in [owner, *cofinanciers]})
        self.act(days[3], owner, iid, "skicka_ansokan", {"inskickad_datum": days[3]})
