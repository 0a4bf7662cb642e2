"""Uppföljning: the follow-up report of ESF+ project ideas (000 §8) and of Finsam insatser (004).

Every figure is an SQL aggregate over the indexed instance attributes (`queries`);
docs/followup.md says what each one counts and where it comes from. Who sees what is decided
here: the styrelse gets the Finsam part only, never an `esf_plus` key (R-S2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from engine import Database, Forbidden, InvalidData

from .. import policy
from ..catalogue import ESF_PROCESS
from ..parties import Capacity
from ..system import Finsam
from ..users import capacities
from . import queries as q
from .esf import esf_part
from .finsam import finsam_part
from .numbers import midnight
from .years import finsam_years

# Days a period may name: any need's, with room; beyond them the day after the last day, or a
# midnight in UTC, falls outside what dates and the database hold.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


@dataclass(frozen=True)
class Period:
    """The days (Swedish local dates, both included) on which the needs were identified."""

    start: date | None = None
    end: date | None = None

    @classmethod
    def parse(cls, start: str | None, end: str | None) -> Period:
        """A period from ISO dates (empty = open); InvalidData names the bad field."""
        errors: dict[str, str] = {}
        days: dict[str, date | None] = {}
        for name, text in (("from", start), ("to", end)):
            try:
                days[name] = date.fromisoformat(text) if text else None
            except ValueError:
                errors[name] = "ange ett datum som ÅÅÅÅ-MM-DD"
                continue
            day = days[name]
            if day is not None and not FIRST_DAY <= day <= LAST_DAY:
                errors[name] = (f"ange ett datum mellan {FIRST_DAY.isoformat()} och "
                                f"{LAST_DAY.isoformat()}")
        if errors:
            raise InvalidData("ogiltig period", errors)
        period = cls(days["from"], days["to"])
        if period.start and period.end and period.start > period.end:
            raise InvalidData("ogiltig period", {"to": "slutdatumet är före startdatumet"})
        return period

    def scope(self, tenants: tuple[str, ...]) -> q.Scope:
        """The instances created from the first day's midnight to the day after the last."""
        return q.Scope(
            tenants,
            midnight(self.start) if self.start else None,
            midnight(self.end + timedelta(days=1)) if self.end else None,
        )

    def to_json(self) -> dict[str, str | None]:
        return {"from": self.start.isoformat() if self.start else None,
                "to": self.end.isoformat() if self.end else None}


def sees_esf(capacity: Capacity) -> bool:
    """Whether a capacity may see the ESF+ part of the report (`policy.report_sections`)."""
    return ESF_PROCESS in policy.report_sections(capacity)


def opens_every_instance(capacity: Capacity) -> bool:
    """Whether every instance of the report is one the capacity may open."""
    return policy.opens_report_instances(capacity)


def report_for(
    finsam: Finsam, capacity: Capacity, period: Period, forbund: str | None = None
) -> dict[str, Any]:
    """The report as `capacity` may see it: the förbund the policy gives it (its own; for the
    national role every förbund where the person holds it, `forbund` narrowing to one of
    them), the parts the policy allows, the case lists only to roles that see cases.

    Raises Forbidden for a role without the report, and for a förbund not given to it.
    """
    policy.require(capacity, policy.REPORT)
    given = policy.report_forbunds(capacity, capacities(finsam.db, capacity.username))
    if forbund is not None and forbund not in given:
        raise Forbidden("du ser bara ditt eget förbunds uppföljning" if len(given) == 1
                        else "du ser bara uppföljningen av de förbund du har fått")
    lists_cases = policy.report_lists_cases(capacity)
    report = build_report(finsam.db, (forbund,) if forbund else given, period,
                          include_esf=sees_esf(capacity), list_cases=lists_cases)
    if lists_cases:
        _only_visible_rows(finsam, capacity, report)
    return report


# The report's lists of single cases: a row is shown only to those who may see its case (the
# figures are the förbund's aggregates and count every case).
CASE_LISTS = ("projekt", "ej_ansokan_skal", "insatslista")


def _only_visible_rows(finsam: Finsam, capacity: Capacity, report: dict[str, Any]) -> None:
    parts = [report[key] for key in ("esf_plus", "finansiell_samordning") if key in report]
    ids = {row["instance_id"] for part in parts for key in CASE_LISTS
           for row in part.get(key) or []}
    if not ids:
        return
    seen = {i.id for i in finsam.engine.list_instances(capacity.forbund, ids=sorted(ids),
                                                       limit=len(ids))
            if policy.sees_instance(capacity, i)}
    for part in parts:
        for key in CASE_LISTS:
            if key in part:
                part[key] = [row for row in part[key] if row["instance_id"] in seen]


def build_report(
    db: Database, tenants: tuple[str, ...], period: Period, include_esf: bool = True,
    list_cases: bool = True,
) -> dict[str, Any]:
    """The follow-up report of `tenants` in total and per förbund, for needs identified in
    `period`; the Finsam part's `per_ar` counts the granted insatser in every year of the
    period they run (004), whenever identified. Without `include_esf` the report has no
    `esf_plus` key at all; without `list_cases` its lists of single cases (`CASE_LISTS`) are
    empty and no case of them is read: every figure is an SQL aggregate either way."""
    scope = period.scope(tenants)
    report: dict[str, Any] = {"forbund": list(tenants), "period": period.to_json()}
    per_forbund: dict[str, dict[str, Any]] = {t: {} for t in tenants}
    with db.read() as session:
        if include_esf:
            report["esf_plus"], esf_by_tenant = esf_part(session, scope, list_cases)
            for tenant in tenants:
                per_forbund[tenant]["esf_plus"] = esf_by_tenant[tenant]
        finsam, finsam_by_tenant = finsam_part(session, scope, list_cases)
        report["finansiell_samordning"] = finsam
        years, years_by_tenant = finsam_years(session, tenants, period.start, period.end)
        finsam["per_ar"] = years
        for tenant in tenants:
            per_forbund[tenant]["finansiell_samordning"] = {
                **finsam_by_tenant[tenant], "per_ar": years_by_tenant[tenant]}
    report["per_forbund"] = per_forbund
    return report
