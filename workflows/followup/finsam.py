"""The Finsam part of the follow-up report (004, ANALYSIS.md §4.2), from SQL aggregates
(`queries`). docs/followup.md says what each figure counts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from ..catalogue import FINSAM_PROCESS
from . import queries as q
from .codes import EJ_KLASSIFICERAD, FINSAM_FIGURES, INRIKTNINGAR, INSATSTYPER, MALGRUPPER
from .numbers import as_int, day, percent, summed, whole
from .parts import listed, part_of

# The variables the figures read; the list reads more (`_insatslista`).
FIGURE_TEXT = ("styrelsebeslut", "insatstyp", "processagare", "personal_uppfoljning")
FIGURE_NUMBERS = ("beviljat_belopp", "deltagare_kvinnor", "deltagare_man", "personal_antal")


def finsam_part(
    session: Session, scope: q.Scope, list_cases: bool = True
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The Finsam part in total and per förbund of the scope (every one, with zeros when it has
    no insats): the figures, by preciserad inriktning and by part, from SQL aggregates over
    the pivot of the insatser; the list of single insatser (`insatslista`) only with
    `list_cases`, else empty and never read."""
    insatser = q.pivot(scope, FINSAM_PROCESS, text=FIGURE_TEXT, number=FIGURE_NUMBERS,
                       lists=("preciserad_inriktning",))
    c = insatser.c
    granted = c.styrelsebeslut == "beviljas"
    individ = and_(granted, c.insatstyp == "individinriktad")
    struktur = and_(granted, c.insatstyp == "strukturovergripande")
    # One statement for the headline figures, the preciserade inriktningar and the parts:
    # grouped by förbund, processägare's part, insatstyp and the one recorded inriktning.
    rows = q.grouped(
        session, insatser,
        {"tenant": c.tenant, "part": part_of(c.tenant, c.processagare),
         "insatstyp": c.insatstyp, "inriktning": c.preciserad_inriktning},
        {
            "insatser": q.count_if(c.id.is_not(None)),
            "beviljade": q.count_if(granted),
            "avslagna": q.count_if(c.outcome == "avslag"),
            # stopped by the beredningsgrupp before A4, with a reason (like ESF+'s ej ansökan)
            "avbrutna": q.count_if(c.outcome == "insats_avbruten"),
            "pagaende": q.count_if(c.status == "running"),
            "genomforda": q.count_if(c.outcome == "insats_genomford"),
            "individinriktade": q.count_if(individ),
            "strukturovergripande": q.count_if(struktur),
            "beviljat_belopp": q.sum_if(granted, c.beviljat_belopp),
            "belopp_individinriktade": q.sum_if(individ, c.beviljat_belopp),
            "belopp_strukturovergripande": q.sum_if(struktur, c.beviljat_belopp),
            # participants by sex of individinriktade insatser only (004 §3.2); what was recorded
            # as participants of a strukturövergripande insats is staff or unknown: kept apart
            "deltagare_kvinnor": q.sum_if(individ, c.deltagare_kvinnor),
            "deltagare_man": q.sum_if(individ, c.deltagare_man),
            "deltagare_ej_klassificerade": q.sum_if(struktur, func.coalesce(
                c.deltagare_kvinnor, 0) + func.coalesce(c.deltagare_man, 0)),
            # the parties' staff in strukturövergripande insatser (004 §3.3.1): optional, and
            # "följs inte upp" is not zero; never added to the individuals
            "personal_strukturovergripande": q.sum_if(
                and_(struktur, c.personal_uppfoljning == "foljs_upp"), c.personal_antal),
            "personal_foljs_upp": q.count_if(and_(struktur, c.personal_uppfoljning == "foljs_upp")),
            "personal_foljs_inte_upp": q.count_if(
                and_(struktur, c.personal_uppfoljning == "foljs_inte_upp")),
        })
    groups = [{**row, **whole({name: row[name] for name in FINSAM_FIGURES})} for row in rows]
    by_tenant: dict[str, dict[str, Any]] = {}
    of_tenants = q.of_tenants(groups)
    for tenant in scope.tenants:
        mine = of_tenants.get(tenant, [])
        by_tenant[tenant] = {**summed(mine, FINSAM_FIGURES),
                             "processagare_per_part": _by_part(mine)}
    total = summed(by_tenant.values(), FINSAM_FIGURES)
    total["andelar"] = _shares(total)

    malgrupper = q.list_breakdown(session, scope, FINSAM_PROCESS, insatser,
                                  "specifik_malgrupp", individ)
    total["specifik_malgrupp"] = [
        {"kod": row["kod"], "namn": MALGRUPPER.get(row["kod"], row["kod"]),
         "antal": int(row["antal"]), "andel": percent(row["antal"], total["individinriktade"])}
        for row in sorted(malgrupper, key=_ordered(MALGRUPPER))
    ]
    total["preciserad_inriktning"] = _inriktningar(groups, total)
    total["insatslista"] = _insatslista(session, scope) if list_cases else []
    total["pagaende_steg"] = q.open_steps(session, scope, (FINSAM_PROCESS,))
    total["processagare_per_part"] = _by_part(groups)
    return total, by_tenant


def _by_part(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The granted insatser and their amounts by the processägare's part (001 §2.1): they add
    up to `beviljade` and `beviljat_belopp` (`ingen` without a processägare)."""
    return listed(({"part": g["part"], "antal": g["beviljade"], "belopp": g["beviljat_belopp"]}
                   for g in groups), money=True)


def _insatslista(session: Session, scope: q.Scope) -> list[dict[str, Any]]:
    """The single insatser, in the order their needs were identified."""
    insatser = q.pivot(scope, FINSAM_PROCESS,
                       text=(*FIGURE_TEXT, "motesdatum", "period_start", "period_slut"),
                       number=(*FIGURE_NUMBERS, "sokt_belopp"))
    c = insatser.c
    lists = q.list_values(session, scope, FINSAM_PROCESS,
                          ("preciserad_inriktning", "specifik_malgrupp"))
    steps = q.open_steps_by_instance(session, scope, (FINSAM_PROCESS,))
    rows = session.execute(select(insatser).order_by(c.created_at, c.id)).all()
    return [
        {
            "instance_id": r.id, "forbund": r.tenant, "titel": r.titel, "status": r.status,
            "outcome": r.outcome, "identifierad": day(r.created_at),
            "styrelsebeslut": r.styrelsebeslut, "motesdatum": r.motesdatum,
            "insatstyp": r.insatstyp,
            "preciserad_inriktning": lists.get(r.id, {}).get("preciserad_inriktning", []),
            "specifik_malgrupp": lists.get(r.id, {}).get("specifik_malgrupp", []),
            "processagare": r.processagare, "sokt_belopp": as_int(r.sokt_belopp),
            "beviljat_belopp": (as_int(r.beviljat_belopp) if r.styrelsebeslut == "beviljas"
                                else None),
            "period_start": r.period_start, "period_slut": r.period_slut,
            "deltagare_kvinnor": as_int(r.deltagare_kvinnor),
            "deltagare_man": as_int(r.deltagare_man),
            "personal_uppfoljning": r.personal_uppfoljning,
            "personal_antal": as_int(r.personal_antal),
            "steg": steps.get(r.id, []),
        }
        for r in rows
    ]


def classify(insatstyp: str | None, recorded: list[str]) -> str:
    """The one preciserad inriktning 004 counts an insats under (004 §2.1.1: an insats
    covering several steps has one main inriktning): the recorded code when exactly one was
    recorded and it belongs to the insatstyp, else `ej_klassificerad` (recorded values are
    never silently recounted or guessed)."""
    if len(recorded) == 1 and INRIKTNINGAR.get(recorded[0], ("",))[0] == insatstyp:
        return recorded[0]
    return EJ_KLASSIFICERAD


def _inriktningar(groups: list[dict[str, Any]], total: dict[str, Any]) -> list[dict[str, Any]]:
    """Per insatstyp and preciserad inriktning: the granted insatser (each under exactly one,
    so the shares of an insatstyp add up to 100 %), their participants (individinriktade), and
    the share of the granted insatser of the insatstyp (as 004's tables give it). `groups`
    carry the one inriktning recorded (NULL when none or several were: `classify`)."""
    counted: dict[tuple[str, str], dict[str, int]] = {}
    for g in groups:
        if not g["beviljade"] or g["insatstyp"] not in INSATSTYPER:
            continue
        recorded = [] if g["inriktning"] is None else [g["inriktning"]]
        kod = classify(g["insatstyp"], recorded)
        figures = counted.setdefault((g["insatstyp"], kod), dict.fromkeys(
            ("antal", "deltagare_kvinnor", "deltagare_man"), 0))
        figures["antal"] += g["beviljade"]
        # the figures count women and men of granted individinriktade insatser only
        figures["deltagare_kvinnor"] += g["deltagare_kvinnor"]
        figures["deltagare_man"] += g["deltagare_man"]
    order = [*INRIKTNINGAR, EJ_KLASSIFICERAD]
    result = []
    for typ, kod in sorted(counted, key=lambda key: (list(INSATSTYPER).index(key[0]),
                                                      order.index(key[1]))):
        figures = counted[(typ, kod)]
        of_type = total["individinriktade" if typ == "individinriktad" else "strukturovergripande"]
        result.append({
            "kod": kod, "namn": INRIKTNINGAR[kod][1] if kod in INRIKTNINGAR else "Ej klassificerad",
            "insatstyp": typ, "antal": figures["antal"],
            "andel": percent(figures["antal"], of_type),
            "deltagare_kvinnor": figures["deltagare_kvinnor"],
            "deltagare_man": figures["deltagare_man"],
        })
    return result


def _ordered(codes: dict[str, Any]) -> Any:
    """Sort key: the order of the codes in 004 (unknown codes last)."""
    order = list(codes)
    return lambda row: (order.index(row["kod"]) if row["kod"] in order else len(order),
                        str(row["kod"]))


def _shares(total: dict[str, Any]) -> dict[str, dict[str, float | None]]:
    """Individinriktade and strukturövergripande as shares (percent) of the granted insatser,
    in count and in money, as 004 §3.1 and §5.2 report them."""
    return {
        typ: {
            "antal": percent(total[plural], total["beviljade"]),
            "belopp": percent(total[f"belopp_{plural}"], total["beviljat_belopp"]),
        }
        for typ, plural in (("individinriktad", "individinriktade"),
                            ("strukturovergripande", "strukturovergripande"))
    }

