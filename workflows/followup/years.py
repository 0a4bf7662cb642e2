"""The Finsam insatser per calendar year, as 004 counts them (docs/followup.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..catalogue import FINSAM_PROCESS
from . import queries as q
from .numbers import as_int, iso_day

# Figures of one year (004 counts an insats in every year it is financed and running).
YEAR_FIGURES = ("insatser", "individinriktade", "strukturovergripande", "beviljat_belopp",
                "belopp_individinriktade", "belopp_strukturovergripande")


def finsam_years(
    session: Session, tenants: tuple[str, ...], first: date | None, last: date | None
) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """The granted insatser per calendar year, as 004 counts them: an insats counts in every
    year its granted period (`period_start` – `period_slut`, both included) runs, with the part
    of its grant that falls in the year by days (`split_by_year`), whenever its need was
    identified. Only the years that meet [first, last] are listed (all when both are open).
    Returns the years in total and per förbund."""
    granted = q.pivot(q.Scope(tenants), FINSAM_PROCESS,
                      text=("styrelsebeslut", "insatstyp", "period_start", "period_slut"),
                      number=("beviljat_belopp",))
    c = granted.c
    rows = session.execute(
        select(c.tenant, c.insatstyp, c.period_start, c.period_slut, c.beviljat_belopp)
        .where(c.styrelsebeslut == "beviljas")).all()
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
    totals: dict[int, dict[str, int]] = {}
    for years in per_tenant.values():
        for year, figures in years.items():
            into = totals.setdefault(year, dict.fromkeys(YEAR_FIGURES, 0))
            for name in YEAR_FIGURES:
                into[name] += figures[name]

    def listed(years: dict[int, dict[str, int]]) -> list[dict[str, Any]]:
        return [{"ar": year, **years[year]} for year in sorted(years)]

    return listed(totals), {tenant: listed(per_tenant.get(tenant, {})) for tenant in tenants}


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

