"""The two parts of the follow-up report, each built from SQL aggregates (`followup_queries`):
ESF+ project ideas (000 §8) and Finsam insatser (004). docs/followup.md says what each counts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from . import followup_queries as q
from .catalogue import ESF_PROCESS, FINSAM_PROCESS, NEED_PROCESS
from .models import Forbund, Organisation
from .parties import KIND_NAMES, PARTY_KINDS

STOCKHOLM = ZoneInfo("Europe/Stockholm")

ESF_FIGURES = ("identifierade", "ansokningar", "beviljade", "avslagna", "ej_ansokan",
               "pagaende", "fk_fallback", "beviljat_belopp", "behov_utanfor_rutinen")
FINSAM_FIGURES = ("insatser", "beviljade", "avslagna", "avbrutna", "pagaende", "genomforda",
                  "individinriktade", "strukturovergripande", "beviljat_belopp",
                  "belopp_individinriktade", "belopp_strukturovergripande",
                  "deltagare_kvinnor", "deltagare_man", "deltagare_ej_klassificerade")
# An insats whose recorded preciserad inriktning does not map to one of its insatstyp's
# (several recorded before 004's one-per-insats rule, or an unknown code): never recounted.
EJ_KLASSIFICERAD = "ej_klassificerad"

INSATSTYPER = {"individinriktad": "Individinriktade insatser",
               "strukturovergripande": "Strukturövergripande insatser"}
# Preciserad inriktning (004 §3.2, §3.3, Bilaga 2): code → (insatstyp, name).
INRIKTNINGAR = {
    "arbetslivsinriktad": ("individinriktad", "Arbetslivsinriktad insats"),
    "forberedande": ("individinriktad", "Förberedande insats"),
    "forebyggande": ("individinriktad", "Förebyggande insats"),
    "identifiera_individens_behov": ("individinriktad", "Identifiera individens behov"),
    "kompetenshojande": ("strukturovergripande", "Kompetenshöjande insats"),
    "behovsanalys": ("strukturovergripande", "Behovsanalys"),
    "utveckla_samverkan": ("strukturovergripande", "Utveckla samverkan"),
}
# Specifik målgrupp of individinriktade insatser (004 §4).
MALGRUPPER = {
    "enbart_kvinnor": "Enbart kvinnor",
    "enbart_man": "Enbart män",
    "unga": "Unga",
    "unga_med_funktionsnedsattning": "Unga med funktionsnedsättning",
    "unga_med_aktivitetsersattning": "Unga med aktivitetsersättning",
    "langtidssjukskrivna": "Långtidssjukskrivna",
    "ingen_specifik_malgrupp": "Ingen specifik målgrupp",
}


# -- ESF+ (000 §8, ANALYSIS.md §4.1) ------------------------------------------------------------


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
    by_tenant = {t: _whole(dict(dict.fromkeys(ESF_FIGURES, 0), **row))
                 for t, row in by_tenant.items()}
    total = _sum(by_tenant.values(), ESF_FIGURES)

    agreed = c.overenskommelse == "overens"
    lists = q.list_values(session, scope, ESF_PROCESS, ("medfinansiarer",))
    steps = q.open_steps_by_instance(session, scope, (ESF_PROCESS,))
    rows = session.execute(select(ideas).order_by(c.created_at, c.id)).all()
    total["projekt"] = [
        {
            "instance_id": r.id, "forbund": r.tenant, "titel": r.titel, "status": r.status,
            "outcome": r.outcome, "identifierad": _day(r.created_at),
            "utlysning": r.utlysning,
            "projektagare": r.projektagare if r.overenskommelse == "overens" else None,
            "medfinansiarer": (lists.get(r.id, {}).get("medfinansiarer", [])
                               if r.overenskommelse == "overens" else []),
            "fk_fallback": r.fk_fallback == "true",
            "inskickad_datum": r.inskickad_datum, "esf_beslut": r.esf_beslut,
            "beslut_datum": r.beslut_datum, "beviljat_belopp": _int(r.beviljat_belopp),
            "steg": steps.get(r.id, []),
        }
        for r in rows
    ]
    total["projektagare"] = _counted(session.execute(
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


# -- Finsam (004, ANALYSIS.md §4.2) -------------------------------------------------------------


def finsam_part(
    session: Session, scope: q.Scope
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The Finsam part in total (with its breakdowns and lists) and the figures per förbund."""
    insatser = q.pivot(scope, FINSAM_PROCESS,
                       text=("styrelsebeslut", "insatstyp", "processagare", "motesdatum",
                             "period_start", "period_slut"),
                       number=("beviljat_belopp", "sokt_belopp", "deltagare_kvinnor",
                               "deltagare_man"))
    c = insatser.c
    granted = c.styrelsebeslut == "beviljas"
    individ = and_(granted, c.insatstyp == "individinriktad")
    struktur = and_(granted, c.insatstyp == "strukturovergripande")
    by_tenant = q.by_tenant(session, insatser, {
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
        "deltagare_ej_klassificerade": q.sum_if(
            struktur, func.coalesce(c.deltagare_kvinnor, 0) + func.coalesce(c.deltagare_man, 0)),
    })
    by_tenant = {t: _whole(row) for t, row in by_tenant.items()}
    total = _sum(by_tenant.values(), FINSAM_FIGURES)
    total["andelar"] = _shares(total)

    malgrupper = q.list_breakdown(session, scope, FINSAM_PROCESS, insatser,
                                  "specifik_malgrupp", individ)
    total["specifik_malgrupp"] = [
        {"kod": row["kod"], "namn": MALGRUPPER.get(row["kod"], row["kod"]),
         "antal": int(row["antal"]), "andel": _percent(row["antal"], total["individinriktade"])}
        for row in sorted(malgrupper, key=_ordered(MALGRUPPER))
    ]
    lists = q.list_values(session, scope, FINSAM_PROCESS,
                          ("preciserad_inriktning", "specifik_malgrupp"))
    steps = q.open_steps_by_instance(session, scope, (FINSAM_PROCESS,))
    rows = session.execute(select(insatser).order_by(c.created_at, c.id)).all()
    total["preciserad_inriktning"] = _inriktningar(rows, lists, total)
    total["insatslista"] = [
        {
            "instance_id": r.id, "forbund": r.tenant, "titel": r.titel, "status": r.status,
            "outcome": r.outcome, "identifierad": _day(r.created_at),
            "styrelsebeslut": r.styrelsebeslut, "motesdatum": r.motesdatum,
            "insatstyp": r.insatstyp,
            "preciserad_inriktning": lists.get(r.id, {}).get("preciserad_inriktning", []),
            "specifik_malgrupp": lists.get(r.id, {}).get("specifik_malgrupp", []),
            "processagare": r.processagare, "sokt_belopp": _int(r.sokt_belopp),
            "beviljat_belopp": _int(r.beviljat_belopp) if r.styrelsebeslut == "beviljas" else None,
            "period_start": r.period_start, "period_slut": r.period_slut,
            "deltagare_kvinnor": _int(r.deltagare_kvinnor),
            "deltagare_man": _int(r.deltagare_man),
            "steg": steps.get(r.id, []),
        }
        for r in rows
    ]
    total["pagaende_steg"] = q.open_steps(session, scope, (FINSAM_PROCESS,))
    return total, by_tenant


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
        start, end = _iso_day(row.period_start), _iso_day(row.period_slut)
        if start is None or end is None or end < start:
            continue  # no period to cut (not a granted period the form allows)
        shares = split_by_year(_int(row.beviljat_belopp) or 0, start, end)
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


def _iso_day(text: Any) -> date | None:
    try:
        return date.fromisoformat(str(text)) if text else None
    except ValueError:
        return None


# -- parts (001 §2.1: several kommuner form one part, several regions one part) ----------------

# A projektägare, medfinansiär or processägare no longer among the förbund's members.
OKAND_PART = "okand"


def part_kinds(session: Session, tenants: tuple[str, ...]) -> dict[tuple[str, str], str]:
    """{(förbund, member slug): its part (af, fk, kommun, region)} for the förbund's members."""
    rows = session.execute(
        select(Forbund.slug, Organisation.slug, Organisation.kind)
        .join(Forbund, Forbund.id == Organisation.forbund_id)
        .where(Forbund.slug.in_(tenants), Organisation.kind.in_(PARTY_KINDS)))
    return {(forbund, org): kind for forbund, org, kind in rows}


def by_part(part: dict[str, Any], kinds: dict[tuple[str, str], str],
            tenant: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """The results of one report part by part, not by member: each figure's rows add up to its
    total. ESF+: the agreed ideas by their projektägare's part (add up to the agreed ideas),
    and per part the agreed ideas it co-finances (a part with two kommuner as medfinansiärer
    counts the idea once). Finsam: the granted insatser and their amounts by the processägare's
    part (add up to `beviljade` and `beviljat_belopp`; `ingen` without a processägare)."""
    def kind(forbund: str, org: str | None) -> str:
        return kinds.get((forbund, org), OKAND_PART) if org else "ingen"

    def zeros(*extra: str) -> dict[str, dict[str, int]]:
        return {k: {"antal": 0, "belopp": 0} for k in (*PARTY_KINDS, *extra)}

    def listed(counted: dict[str, dict[str, int]], money: bool) -> list[dict[str, Any]]:
        return [{"part": k, "namn": PART_NAMES[k], "antal": v["antal"],
                 **({"belopp": v["belopp"]} if money else {})}
                for k, v in counted.items() if k in PARTY_KINDS or v["antal"]]

    if "projekt" in part:
        owners, cofinanciers = zeros(OKAND_PART), zeros(OKAND_PART)
        for row in part["projekt"]:
            if (tenant and row["forbund"] != tenant) or not row["projektagare"]:
                continue
            owners[kind(row["forbund"], row["projektagare"])]["antal"] += 1
            for k in {kind(row["forbund"], org) for org in row["medfinansiarer"]}:
                cofinanciers[k]["antal"] += 1
        return {"projektagare_per_part": listed(owners, False),
                "medfinansiarer_per_part": listed(cofinanciers, False)}
    owners = zeros(OKAND_PART, "ingen")
    for row in part["insatslista"]:
        if (tenant and row["forbund"] != tenant) or row["styrelsebeslut"] != "beviljas":
            continue
        figures = owners[kind(row["forbund"], row["processagare"])]
        figures["antal"] += 1
        figures["belopp"] += row["beviljat_belopp"] or 0
    return {"processagare_per_part": listed(owners, True)}


PART_NAMES = {**KIND_NAMES, OKAND_PART: "Inte längre medlem", "ingen": "Ingen processägare"}


def classify(insatstyp: str | None, recorded: list[str]) -> str:
    """The one preciserad inriktning 004 counts an insats under (004 §2.1.1: an insats
    covering several steps has one main inriktning): the recorded code when exactly one was
    recorded and it belongs to the insatstyp, else `ej_klassificerad` (recorded values are
    never silently recounted or guessed)."""
    if len(recorded) == 1 and INRIKTNINGAR.get(recorded[0], ("",))[0] == insatstyp:
        return recorded[0]
    return EJ_KLASSIFICERAD


def _inriktningar(rows: Any, lists: dict[int, dict[str, list[str]]],
                  total: dict[str, Any]) -> list[dict[str, Any]]:
    """Per insatstyp and preciserad inriktning: the granted insatser (each under exactly one,
    so the shares of an insatstyp add up to 100 %), their participants (individinriktade), and
    the share of the granted insatser of the insatstyp (as 004's tables give it)."""
    counted: dict[tuple[str, str], dict[str, int]] = {}
    for r in rows:
        if r.styrelsebeslut != "beviljas" or r.insatstyp not in INSATSTYPER:
            continue
        kod = classify(r.insatstyp, lists.get(r.id, {}).get("preciserad_inriktning", []))
        figures = counted.setdefault((r.insatstyp, kod), dict.fromkeys(
            ("antal", "deltagare_kvinnor", "deltagare_man"), 0))
        figures["antal"] += 1
        if r.insatstyp == "individinriktad":
            figures["deltagare_kvinnor"] += _int(r.deltagare_kvinnor) or 0
            figures["deltagare_man"] += _int(r.deltagare_man) or 0
    order = [*INRIKTNINGAR, EJ_KLASSIFICERAD]
    result = []
    for typ, kod in sorted(counted, key=lambda key: (list(INSATSTYPER).index(key[0]),
                                                      order.index(key[1]))):
        figures = counted[(typ, kod)]
        of_type = total["individinriktade" if typ == "individinriktad" else "strukturovergripande"]
        result.append({
            "kod": kod, "namn": INRIKTNINGAR[kod][1] if kod in INRIKTNINGAR else "Ej klassificerad",
            "insatstyp": typ, "antal": figures["antal"],
            "andel": _percent(figures["antal"], of_type),
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
            "antal": _percent(total[plural], total["beviljade"]),
            "belopp": _percent(total[f"belopp_{plural}"], total["beviljat_belopp"]),
        }
        for typ, plural in (("individinriktad", "individinriktade"),
                            ("strukturovergripande", "strukturovergripande"))
    }


# -- helpers ------------------------------------------------------------------------------------


def _percent(part: Any, whole: Any) -> float | None:
    return round(100 * float(part) / float(whole), 1) if whole else None


def _int(value: Any) -> int | None:
    return None if value is None else int(round(float(value)))


def _whole(row: dict[str, Any]) -> dict[str, int]:
    """Counts and kronor as integers (SUM over a float column returns a float)."""
    return {k: int(round(float(v or 0))) for k, v in row.items()}


def _sum(rows: Any, figures: tuple[str, ...]) -> dict[str, Any]:
    total = dict.fromkeys(figures, 0)
    for row in rows:
        for name in figures:
            total[name] += int(row.get(name) or 0)
    return total


def _counted(rows: Any) -> list[dict[str, Any]]:
    return [{"kod": row.kod, "antal": int(row.antal)} for row in rows]


def _day(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=STOCKHOLM)
    return moment.astimezone(STOCKHOLM).date().isoformat()
