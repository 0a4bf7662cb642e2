"""The ESF+ part of the follow-up report (000 §8, ANALYSIS.md §4.1), from SQL aggregates
(`queries`). docs/followup.md says what each figure counts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from .. import rules
from ..catalogue import ESF_PROCESS, NEED_PROCESS
from . import queries as q
from .codes import ESF_FIGURES
from .numbers import as_int, day, summed, whole
from .parts import listed, part_of
from .programme import PERIOD_FIGURES, esf_per_period, period_of

GROUP_FIGURES = (*PERIOD_FIGURES, "overens")
# The variables the figures read; the lists read more (`_lists`).
FIGURE_KEYS = ("overenskommelse", "projektagare", "fk_fallback", "inskickad_datum", "esf_beslut")


def esf_part(
    session: Session, scope: q.Scope, list_cases: bool = True
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The ESF+ part in total and per förbund of the scope (every one, with zeros when it has
    no idea): the figures, per programme period and by part, from SQL aggregates over the
    pivot of the ideas; the lists of single ideas (`projekt`, `ej_ansokan_skal`) only with
    `list_cases`, else empty and never read."""
    ideas = q.pivot(scope, ESF_PROCESS, text=FIGURE_KEYS, number=("beviljat_belopp",))
    c = ideas.c
    granted = c.esf_beslut == "beviljad"
    agreed = c.overenskommelse == "overens"
    owner = case((agreed, c.projektagare))  # the projektägare of an agreed idea only
    first, last = rules.programme_period()
    # One statement for the headline figures, the periods and the projektägare: grouped by
    # förbund, period and agreed projektägare (with its part), then added up here.
    rows = q.grouped(
        session, ideas,
        {"tenant": c.tenant, "period": period_of(c.created_at, first, last), "owner": owner,
         "part": part_of(c.tenant, owner)},
        {
            "identifierade": q.count_if(c.id.is_not(None)),
            "ansokningar": q.count_if(c.inskickad_datum.is_not(None)),
            "beviljade": q.count_if(granted),
            "avslagna": q.count_if(c.esf_beslut == "avslag"),
            "ej_ansokan": q.count_if(c.outcome == "ej_ansokan"),
            "pagaende": q.count_if(c.status == "running"),
            "fk_fallback": q.count_if(c.fk_fallback == "true"),
            "beviljat_belopp": q.sum_if(granted, c.beviljat_belopp),
            "overens": q.count_if(agreed),
        })
    groups = [{**row, **whole({name: row[name] for name in GROUP_FIGURES})} for row in rows]
    # `skal` is not counted, but with a single key SQLite's planner read every need of the
    # förbund once per need (32 ms instead of 1 for one förbund at national scale).
    needs = q.pivot(scope, NEED_PROCESS, text=("finansieringsform", "skal"))
    outside = and_esf_need(needs)
    needs_by_tenant = q.by_tenant(session, needs, {"n": q.count_if(outside)})
    # The agreed ideas with a projektägare each part co-finances, per förbund: a part with two
    # kommuner as medfinansiärer counts the idea once.
    owned = and_(agreed, func.coalesce(c.projektagare, "") != "")
    a = q.A
    cofinanced = q.grouped(
        session, a.__table__,
        {"tenant": a.tenant, "part": part_of(a.tenant, a.value_text)},
        {"antal": func.count(func.distinct(a.instance_id))},
        where=[*scope.attributes(ESF_PROCESS, "medfinansiarer"),
               a.instance_id.in_(q.met(ideas, owned))])

    def of(mine: list[dict[str, Any]], parts: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "per_programperiod": esf_per_period(mine, first, last),
            "projektagare_per_part": listed(
                ({"part": g["part"], "antal": g["overens"]} for g in mine if g["owner"]),
                money=False),
            "medfinansiarer_per_part": listed(parts, money=False),
        }

    by_tenant: dict[str, dict[str, Any]] = {}
    tenants_groups, tenants_parts = q.of_tenants(groups), q.of_tenants(cofinanced)
    for tenant in scope.tenants:
        mine = tenants_groups.get(tenant, [])
        figures = summed(mine, PERIOD_FIGURES)
        figures["behov_utanfor_rutinen"] = int(needs_by_tenant.get(tenant, {}).get("n") or 0)
        by_tenant[tenant] = {**figures, **of(mine, tenants_parts.get(tenant, []))}
    total = summed(by_tenant.values(), ESF_FIGURES)
    owners: dict[str | None, int] = {}
    for g in groups:
        if g["overens"]:
            owners[g["owner"]] = owners.get(g["owner"], 0) + g["overens"]
    total["projektagare"] = [{"kod": kod, "antal": antal} for kod, antal in sorted(
        owners.items(), key=lambda item: (-item[1], item[0] is None, item[0] or ""))]
    total["medfinansiarer"] = [
        {"kod": row["kod"], "antal": int(row["antal"])}
        for row in sorted(q.list_breakdown(session, scope, ESF_PROCESS, ideas, "medfinansiarer",
                                            agreed),
                          key=lambda row: (-row["antal"], row["kod"]))
    ]
    total["projekt"], total["ej_ansokan_skal"] = (
        _lists(session, scope) if list_cases else ([], []))
    total["pagaende_steg"] = q.open_steps(session, scope, (ESF_PROCESS,))
    total.update(of(groups, cofinanced))
    return total, by_tenant


def _lists(session: Session,
           scope: q.Scope) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The single ideas (`projekt`) and those that ended without an application, with their
    reason (`ej_ansokan_skal`), in the order their needs were identified."""
    ideas = q.pivot(scope, ESF_PROCESS,
                    text=(*FIGURE_KEYS, "skal", "beslut_datum", "utlysning"),
                    number=("beviljat_belopp",))
    needs = q.pivot(scope, NEED_PROCESS, text=("finansieringsform", "skal"))
    c = ideas.c
    lists = q.list_values(session, scope, ESF_PROCESS, ("medfinansiarer",))
    steps = q.open_steps_by_instance(session, scope, (ESF_PROCESS,))
    rows = session.execute(select(ideas).order_by(c.created_at, c.id)).all()
    projekt = [
        {
            "instance_id": r.id, "forbund": r.tenant, "titel": r.titel, "status": r.status,
            "outcome": r.outcome, "identifierad": day(r.created_at),
            "utlysning": r.utlysning,
            "projektagare": r.projektagare if r.overenskommelse == "overens" else None,
            "medfinansiarer": (lists.get(r.id, {}).get("medfinansiarer", [])
                               if r.overenskommelse == "overens" else []),
            "fk_fallback": r.fk_fallback == "true",
            "inskickad_datum": r.inskickad_datum, "esf_beslut": r.esf_beslut,
            "beslut_datum": r.beslut_datum, "beviljat_belopp": as_int(r.beviljat_belopp),
            "steg": steps.get(r.id, []),
        }
        for r in rows
    ]
    skal = [
        {"instance_id": r.id, "forbund": r.tenant, "titel": r.titel, "steg": "overenskommelse",
         "skal": r.skal}
        for r in rows if r.outcome == "ej_ansokan"
    ]
    need_rows = session.execute(
        select(needs).where(and_esf_need(needs)).order_by(needs.c.created_at, needs.c.id)).all()
    skal += [
        {"instance_id": r.id, "forbund": r.tenant, "titel": r.titel, "steg": "behovsanalys",
         "skal": r.skal}
        for r in need_rows
    ]
    return projekt, skal


def and_esf_need(needs: Any) -> Any:
    """A need for ESF+ (alone or with Finsam) that ended outside the routine."""
    return and_(needs.c.finansieringsform.in_(("esf_plus", "bada")),
                  needs.c.outcome == "utanfor_rutinen")
