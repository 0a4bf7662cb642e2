"""The Finsam insatser per calendar year, as 004 counts them (docs/followup.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..catalogue import FINSAM_PROCESS
from ..deltagare_ar import InsatsDeltagareAr
from . import queries as q
from .numbers import as_int, iso_day

# Figures of one year (004 counts an insats in every year it is financed and running).
YEAR_FIGURES = ("insatser", "individinriktade", "strukturovergripande", "beviljat_belopp",
                "belopp_individinriktade", "belopp_strukturovergripande",
                "deltagare_kvinnor", "deltagare_man", "personal_strukturovergripande",
                "personal_foljs_inte_upp", "ej_klassificerade")
# One insats's yearly report: (women, men, staff, staff followed up) as reported.
Reported = tuple[int | None, int | None, int | None, bool | None]


def finsam_years(
    session: Session, tenants: tuple[str, ...], first: date | None, last: date | None
) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """The granted insatser per calendar year, as 004 counts them: an insats counts in every
    year its granted period (`period_start` – `period_slut`, both included) runs, with the part
    of its grant that falls in the year by days (`split_by_year`), whenever its need was
    identified. Only the years that meet [first, last] are listed (all when both are open).
    Its participants of the year are those of the yearly report (`insats_deltagare_ar`): women
    and men of an individinriktad insats, the staff of a strukturövergripande one whose staff
    is followed up (`personal_foljs_inte_upp` counts those where it is not); an insats running
    in a year without its report for that year (an instance of before the yearly report, or
    one not reported yet) counts in `ej_klassificerade`, never estimated.
    Returns the years in total and per förbund."""
    granted = q.pivot(q.Scope(tenants), FINSAM_PROCESS,
                      text=("styrelsebeslut", "insatstyp", "period_start", "period_slut"),
                      number=("beviljat_belopp",))
    c = granted.c
    rows = session.execute(
        select(c.id, c.tenant, c.insatstyp, c.period_start, c.period_slut, c.beviljat_belopp)
        .where(c.styrelsebeslut == "beviljas")).all()
    reported = _reported(session, tenants)
    per_tenant: dict[str, dict[int, dict[str, int]]] = {}
    for row in rows:
        start, end = iso_day(row.period_start), iso_day(row.period_slut)
        if start is None or end is None or end < start:
            continue  # no period to cut (not a granted period the form allows)
        shares = split_by_year(as_int(row.beviljat_belopp) or 0, start, end)
        for year, amount in shares.items():
            if (first is not None and year < first.year) or (last is not None
                                                             and year > last.year):
                continue
            figures = per_tenant.setdefault(row.tenant, {}).setdefault(
                year, dict.fromkeys(YEAR_FIGURES, 0))
            figures["insatser"] += 1
            figures["beviljat_belopp"] += amount
            if row.insatstyp in ("individinriktad", "strukturovergripande"):
                plural = ("individinriktade" if row.insatstyp == "individinriktad"
                          else "strukturovergripande")
                figures[plural] += 1
                figures[f"belopp_{plural}"] += amount
            _add_participants(figures, row.insatstyp, reported.get((row.id, year)))
    totals: dict[int, dict[str, int]] = {}
    for years in per_tenant.values():
        for year, figures in years.items():
            into = totals.setdefault(year, dict.fromkeys(YEAR_FIGURES, 0))
            for name in YEAR_FIGURES:
                into[name] += figures[name]

    def listed(years: dict[int, dict[str, int]]) -> list[dict[str, Any]]:
        return [{"ar": year, **years[year]} for year in sorted(years)]

    return listed(totals), {tenant: listed(per_tenant.get(tenant, {})) for tenant in tenants}


def _reported(session: Session, tenants: tuple[str, ...]) -> dict[tuple[int, int], Reported]:
    """The yearly reports of the förbund's insatser by (instance id, year): one statement."""
    t = InsatsDeltagareAr
    return {(r.instance_id, r.ar): (r.kvinnor, r.man, r.personal, r.personal_foljs_upp)
            for r in session.execute(select(t.instance_id, t.ar, t.kvinnor, t.man, t.personal,
                                            t.personal_foljs_upp)
                                     .where(t.tenant.in_(tenants)))}


def _add_participants(figures: dict[str, int], insatstyp: str | None,
                      report: Reported | None) -> None:
    if report is None:
        figures["ej_klassificerade"] += 1
        return
    kvinnor, man, personal, followed = report
    if insatstyp == "individinriktad":
        figures["deltagare_kvinnor"] += kvinnor or 0
        figures["deltagare_man"] += man or 0
    elif insatstyp == "strukturovergripande":
        if followed:
            figures["personal_strukturovergripande"] += personal or 0
        elif followed is False:
            figures["personal_foljs_inte_upp"] += 1


def split_by_year(amount: int, start: date, end: date) -> dict[int, int]:
    """A grant over [start, end] (both included) split on the calendar years by days, in whole
    kronor that add up to the grant: each year gets the rounded cumulative share minus what the
    years before got."""
    days = (end - start).days + 1
    shares: dict[int, int] = {}
    counted, given = 0, 0
    for year in range(start.year, end.year + 1):
        year_end = min(end, date(year, 12, 31))
        year_start = max(start, date(year, 1, 1))
        counted += (year_end - year_start).days + 1
        cumulative = (2 * amount * counted + days) // (2 * days)  # round half up, exactly
        shares[year] = cumulative - given
        given = cumulative
    return shares

