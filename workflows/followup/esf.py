"""The ESF+ part of the follow-up report (000 §8, ANALYSIS.md §4.1), from SQL aggregates
(`queries`). docs/followup.md says what each figure counts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from ..catalogue import ESF_PROCESS, NEED_PROCESS
from . import queries as q
from .codes import ESF_FIGURES
from .numbers import as_int, counted, day, summed, whole


def esf_part(
    session: Session, scope: q.Scope
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The ESF+ part in total (with its lists) and the headline figures per förbund."""
    ideas = q.pivot(scope, ESF_PROCESS,
                    text=("overenskommelse", "projektagare", "fk_fallback", "skal",
                          "inskickad_datum", "esf_beslut", "beslut_datum", "utlysning"),
                    number=("beviljat_belopp",))
    c = ideas.c
    granted = c.esf_beslut == "beviljad"
    by_tenant = q.by_tenant(session, ideas, {
        "identifierade": q.count_if(c.id.is_not(None)),
        "ansokningar": q.count_if(c.inskickad_datum.is_not(None)),
        "beviljade": q.count_if(granted),
        "avslagna": q.count_if(c.esf_beslut == "avslag"),
        "ej_ansokan": q.count_if(c.outcome == "ej_ansokan"),
        "pagaende": q.count_if(c.status == "running"),
        "fk_fallback": q.count_if(c.fk_fallback == "true"),
        "beviljat_belopp": q.sum_if(granted, c.beviljat_belopp),
    })
    needs = q.pivot(scope, NEED_PROCESS, text=("finansieringsform", "skal"))
    outside = and_esf_need(needs)
    for tenant, row in q.by_tenant(session, needs, {"n": q.count_if(outside)}).items():
        by_tenant.setdefault(tenant, dict.fromkeys(ESF_FIGURES, 0))["behov_utanfor_rutinen"] = \
            row["n"]
    by_tenant = {t: whole(dict(dict.fromkeys(ESF_FIGURES, 0), **row))
                 for t, row in by_tenant.items()}
    total = summed(by_tenant.values(), ESF_FIGURES)

    agreed = c.overenskommelse == "overens"
    lists = q.list_values(session, scope, ESF_PROCESS, ("medfinansiarer",))
    steps = q.open_steps_by_instance(session, scope, (ESF_PROCESS,))
    rows = session.execute(select(ideas).order_by(c.created_at, c.id)).all()
    total["projekt"] = [
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
    total["projektagare"] = counted(session.execute(
        select(c.projektagare.label("kod"), func.count().label("antal"))
        .where(agreed).group_by(c.projektagare).order_by(func.count().desc(), c.projektagare)))
    total["medfinansiarer"] = [
        {"kod": row["kod"], "antal": int(row["antal"])}
        for row in sorted(q.list_breakdown(session, scope, ESF_PROCESS, ideas, "medfinansiarer",
                                            agreed),
                          key=lambda row: (-row["antal"], row["kod"]))
    ]
    total["ej_ansokan_skal"] = [
        {"instance_id": r.id, "forbund": r.tenant, "titel": r.titel, "steg": "overenskommelse",
         "skal": r.skal}
        for r in rows if r.outcome == "ej_ansokan"
    ]
    need_rows = session.execute(
        select(needs).where(outside).order_by(needs.c.created_at, needs.c.id)).all()
    total["ej_ansokan_skal"] += [
        {"instance_id": r.id, "forbund": r.tenant, "titel": r.titel, "steg": "behovsanalys",
         "skal": r.skal}
        for r in need_rows
    ]
    total["pagaende_steg"] = q.open_steps(session, scope, (ESF_PROCESS,))
    return total, by_tenant


def and_esf_need(needs: Any) -> Any:
    """A need for ESF+ (alone or with Finsam) that ended outside the routine."""
    return and_(needs.c.finansieringsform.in_(("esf_plus", "bada")),
                  needs.c.outcome == "utanfor_rutinen")

