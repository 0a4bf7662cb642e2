"""The rules of DECISIONS.md that a form alone cannot check.

Each check returns a map of field → message (Swedish, shown beside the field); an empty map means
the data may pass. The agreement check also derives the variables the gateways read.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from .parties import Party

Errors = dict[str, str]

# The ESF+ programme period within which Försäkringskassan may be projektägare as the fallback
# (000 §2, §6): the setting FINSAM_ESF_PROGRAMPERIOD, "FIRST..LAST" as ISO dates.
PROGRAMME_PERIOD_SETTING = "FINSAM_ESF_PROGRAMPERIOD"
DEFAULT_PROGRAMME_PERIOD = (date(2021, 1, 1), date(2027, 12, 31))
# The arrangement with Försäkringskassan as fallback is expected to end in 2029 (000 §6,
# footnote 4): a project period past this day gets a warning.
FK_ARRANGEMENT_END = date(2029, 12, 31)
# How long after a project's or an insats's period its completion and final report may be
# dated: later than this is not a plausible date for it.
PLAUSIBLE_AFTER_PERIOD = timedelta(days=2 * 366)

FORBUND_NEVER_PARTY = (
    "ett samordningsförbund kan aldrig vara part, projektägare eller medfinansiär"
)


def check_party_list(
    field: str, values: Iterable[str], parties: dict[str, Party], forbund_slugs: set[str]
) -> Errors:
    """Every value must be a member organisation that can be a party (R-M1, R-X1, R-X7)."""
    for value in values:
        if value in forbund_slugs:
            return {field: FORBUND_NEVER_PARTY}
        if value not in parties:
            return {
                field: f"'{value}' är inte en medlemsorganisation i förbundet; parter kan bara "
                "vara Arbetsförmedlingen, Försäkringskassan, medlemskommuner och regioner"
            }
    return {}


def check_need(data: dict[str, Any], parties: dict[str, Party], forbunds: set[str]) -> Errors:
    """The need recorded by the beredningsgrupp (A1/B1)."""
    errors = check_party_list("parter", data.get("parter") or [], parties, forbunds)
    form = data.get("finansieringsform")
    within = data.get("inom_finsam_malgrupp")
    if (form == "utanfor_rutinen" or within is False) and not (data.get("skal") or "").strip():
        errors.setdefault("skal", "ange skälet till att behovet ligger utanför rutinen")
    return errors


def programme_period(env: Mapping[str, str] | None = None) -> tuple[date, date]:
    """The configured ESF+ programme period (`FINSAM_ESF_PROGRAMPERIOD`, default 2021-01-01 to
    2027-12-31). A malformed setting is an operator's error and stops the check loudly."""
    env = os.environ if env is None else env
    text = (env.get(PROGRAMME_PERIOD_SETTING) or "").strip()
    if not text:
        return DEFAULT_PROGRAMME_PERIOD
    first, sep, last = text.partition("..")
    try:
        period = (date.fromisoformat(first.strip()), date.fromisoformat(last.strip()))
    except ValueError:
        period = None
    if not sep or period is None or period[1] < period[0]:
        raise ValueError(f"{PROGRAMME_PERIOD_SETTING} must be FIRST..LAST as ISO dates, "
                         f"not {text!r}")
    return period


def _date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _swedish(day: date) -> str:
    return day.isoformat()


def _kronor(amount: int) -> str:
    return f"{amount:,} kr".replace(",", "\u00a0")


def _period_order(data: dict[str, Any], start: str, end: str, what: str) -> Errors:
    first, last = _date(data.get(start)), _date(data.get(end))
    if first and last and last < first:
        return {end: f"{what} kan inte sluta ({_swedish(last)}) före den börjar "
                     f"({_swedish(first)}); ange ett slutdatum som är samma dag eller senare"}
    return {}


def _within_period(field: str, value: Any, first: Any, last: Any, what: str) -> Errors:
    """`value` (a completion or report date) lies within the project's period, or at most
    PLAUSIBLE_AFTER_PERIOD after its end."""
    day, start, end = _date(value), _date(first), _date(last)
    if day is None:
        return {}
    if start and day < start:
        return {field: f"{what} kan inte vara före periodens början ({_swedish(start)}); "
                       "kontrollera datumet"}
    if end and day > end + PLAUSIBLE_AFTER_PERIOD:
        return {field: f"{what} ligger mer än två år efter periodens slut ({_swedish(end)}); "
                       "kontrollera datumet"}
    return {}


def _granted_at_most_applied(data: dict[str, Any], task_data: dict[str, Any]) -> Errors:
    granted, applied = data.get("beviljat_belopp"), task_data.get("sokt_belopp")
    if isinstance(granted, int) and isinstance(applied, int) and granted > applied:
        return {"beviljat_belopp": f"det beviljade beloppet ({_kronor(granted)}) kan inte vara "
                                   f"större än det sökta ({_kronor(applied)}); ange högst det "
                                   "sökta beloppet"}
    return {}


def check_board_decision(data: dict[str, Any], task_data: dict[str, Any]) -> Errors:
    """A4: a granted insats has a period that ends after it starts and an amount no larger than
    the one applied for."""
    if data.get("styrelsebeslut") != "beviljas":
        return {}
    errors = _period_order(data, "period_start", "period_slut", "perioden")
    errors.update(_granted_at_most_applied(data, task_data))
    return errors


def check_insats_done(data: dict[str, Any], task_data: dict[str, Any]) -> Errors:
    """A5: the insats ends within (or plausibly soon after) the period the styrelse granted."""
    return _within_period("genomford_datum", data.get("genomford_datum"),
                          task_data.get("period_start"), task_data.get("period_slut"),
                          "datumet då insatsen avslutades")


def check_esf_decision(
    data: dict[str, Any], task_data: dict[str, Any]
) -> tuple[Errors, dict[str, Any]]:
    """B7: a granted project has a period that ends after it starts and an amount no larger
    than the one applied for; with Försäkringskassan as fallback projektägare, a project period
    past the expected end of the arrangement is recorded with a warning (`varning`)."""
    if data.get("esf_beslut") != "beviljad":
        return {}, {}
    errors = _period_order(data, "projektperiod_start", "projektperiod_slut", "projektperioden")
    errors.update(_granted_at_most_applied(data, task_data))
    end = _date(data.get("projektperiod_slut"))
    if errors or not task_data.get("fk_fallback") or end is None or end <= FK_ARRANGEMENT_END:
        return errors, {}
    return {}, {"varning": (
        f"Projektperioden slutar {_swedish(end)}, efter {FK_ARRANGEMENT_END.year} då "
        "ordningen med Försäkringskassan som projektägare väntas upphöra; stäm av med "
        "Försäkringskassan hur projektet avslutas.")}


def check_project_done(data: dict[str, Any], task_data: dict[str, Any]) -> Errors:
    """B8: the project ends within (or plausibly soon after) its granted period."""
    return _within_period("genomford_datum", data.get("genomford_datum"),
                          task_data.get("projektperiod_start"),
                          task_data.get("projektperiod_slut"),
                          "datumet då projektet avslutades")


def check_final_report(data: dict[str, Any], task_data: dict[str, Any]) -> Errors:
    """The final report is dated after the project ended, and not years after."""
    reported, ended = _date(data.get("slutrapport_datum")), _date(task_data.get("genomford_datum"))
    if reported is None or ended is None:
        return {}
    if reported < ended:
        return {"slutrapport_datum": "slutrapporten kan inte vara lämnad före projektets "
                                     f"slut ({_swedish(ended)}); kontrollera datumet"}
    if reported > ended + PLAUSIBLE_AFTER_PERIOD:
        return {"slutrapport_datum": "slutrapporten ligger mer än två år efter projektets "
                                     f"slut ({_swedish(ended)}); kontrollera datumet"}
    return {}


def check_parties_revised(
    data: dict[str, Any], parties: dict[str, Party], forbunds: set[str]
) -> Errors:
    """A2/B2: a revised set of parties (`parter`) stays within the closed list (R-M1, R-X1,
    R-X7)."""
    return check_party_list("parter", data.get("parter") or [], parties, forbunds)


def check_design(
    data: dict[str, Any], task_data: dict[str, Any], parties: dict[str, Party],
    forbunds: set[str],
) -> Errors:
    """The insats design (A2): the parties, possibly revised, within the closed list, and the
    processägare one of them."""
    errors = check_parties_revised(data, parties, forbunds)
    if errors:
        return errors
    owner = data.get("processagare")
    participants = data.get("parter") or task_data.get("parter") or []
    if owner is not None and owner not in participants:
        return {"processagare": "processägaren måste vara en av de deltagande parterna; välj en "
                                "av dem eller lägg till organisationen bland parterna"}
    return {}


def check_agreement(
    data: dict[str, Any],
    task_data: dict[str, Any],
    parties: dict[str, Party],
    forbunds: set[str],
    today: date | None = None,
) -> tuple[Errors, dict[str, Any]]:
    """B3: agreement on projektägare and medfinansiärer, consistent with what each party
    declared, with the FK fallback guard (R-E2, R-E4, R-E10) within the ESF+ programme period
    on `today`. Returns the errors and the derived `fk_fallback` and `projektparter`."""
    if data.get("overenskommelse") != "overens":
        if data.get("overenskommelse") == "avbryts" and not (data.get("skal") or "").strip():
            return {"skal": "ange skälet till att arbetet avbryts; skälet följs upp"}, {}
        return {}, {"fk_fallback": False, "projektparter": []}
    participants: list[str] = list(task_data.get("parter") or [])
    owner = data.get("projektagare")
    cofinanciers: list[str] = list(data.get("medfinansiarer") or [])
    positions = {
        p.get("part"): p for p in task_data.get("stallningstaganden") or [] if isinstance(p, dict)
    }
    errors = check_party_list("projektagare", [owner] if owner else [], parties, forbunds)
    errors.update(check_party_list("medfinansiarer", cofinanciers, parties, forbunds))
    if errors:
        return errors, {}
    if owner not in participants:
        return {"projektagare": "projektägaren måste vara en av de deltagande parterna"}, {}
    outsiders = [c for c in cofinanciers if c not in participants]
    if outsiders:
        return {"medfinansiarer": "medfinansiärer måste vara deltagande parter: " + ", ".join(
            outsiders)}, {}
    without_mandate = [p for p in participants if not positions.get(p, {}).get("mandat")]
    if without_mandate:
        return {
            "overenskommelse": "överenskommelse kräver att varje parts företrädare har mandat; "
            "mandat saknas för: " + ", ".join(without_mandate)
        }, {}
    fk_fallback = parties[owner].kind == "fk"
    if fk_fallback:
        error = _fk_fallback_error(owner, participants, cofinanciers, positions, parties)
        if error:
            return {"projektagare": error}, {}
    declared = _declaration_errors(owner, cofinanciers, positions, parties)
    if declared:
        return declared, {}
    if fk_fallback:
        first, last = programme_period()
        if today is not None and not first <= today <= last:
            return {"projektagare": (
                "Försäkringskassan kan vara projektägare som reserv bara under den pågående "
                f"ESF+-programperioden ({_swedish(first)} – {_swedish(last)}); i dag "
                f"({_swedish(today)}) ligger utanför den, så en annan part måste vara "
                "projektägare")}, {}
    project_parties = [owner, *cofinanciers]
    return {}, {"fk_fallback": fk_fallback, "projektparter": project_parties}


def _declaration_errors(
    owner: str,
    cofinanciers: list[str],
    positions: dict[Any, dict[str, Any]],
    parties: dict[str, Party],
) -> Errors:
    """The agreement matches what each party declared at B3: the projektägare said it wants to
    be one (Försäkringskassan may be the fallback without), each medfinansiär said it
    co-finances, and the projektägare is not its own medfinansiär."""
    if owner in cofinanciers:
        return {"medfinansiarer": f"{parties[owner].name} är projektägare och kan inte också "
                                  "vara sin egen medfinansiär; ta bort den ur medfinansiärerna"}
    if parties[owner].kind != "fk" and not positions.get(owner, {}).get("vill_vara_projektagare"):
        return {"projektagare": f"{parties[owner].name} har inte förklarat att den vill vara "
                                "projektägare; välj en part som har sagt ja till det, eller "
                                "låt parterna pröva projektägarskapet igen (Ej överens)"}
    declined = [parties[c].name for c in cofinanciers
                if not positions.get(c, {}).get("medfinansierar")]
    if declined:
        return {"medfinansiarer": "bara parter som har förklarat att de medfinansierar kan vara "
                                  "medfinansiärer; det har inte: " + ", ".join(declined)}
    return {}


def _fk_fallback_error(
    owner: str,
    participants: list[str],
    cofinanciers: list[str],
    positions: dict[Any, dict[str, Any]],
    parties: dict[str, Party],
) -> str | None:
    others = [p for p in participants if p != owner]
    volunteers = [p for p in others if positions.get(p, {}).get("vill_vara_projektagare")]
    if volunteers:
        return (
            "Försäkringskassan kan bara vara projektägare när ingen annan part vill vara det; "
            + ", ".join(volunteers)
            + " har förklarat att de vill vara projektägare"
        )
    not_cofinancing = [
        p
        for p in others
        if p not in cofinanciers or not positions.get(p, {}).get("medfinansierar")
    ]
    if not_cofinancing:
        return (
            "Försäkringskassan kan bara vara projektägare när alla deltagande parter "
            "medfinansierar; det gör inte: " + ", ".join(not_cofinancing)
        )
    if not others:
        return (
            "när Försäkringskassan är projektägare måste minst en annan part utföra "
            "rehabiliteringsinsatserna"
        )
    return None
