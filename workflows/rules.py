"""The rules of DECISIONS.md that a form alone cannot check.

Each check returns a map of field → message (Swedish, shown beside the field); an empty map means
the data may pass. The agreement check also derives the variables the gateways read.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .parties import Party

Errors = dict[str, str]

FORBUND_NEVER_PARTY = (
    "ett samordningsförbund kan aldrig vara part, projektägare eller medfinansiär (R-X1)"
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
                "vara Arbetsförmedlingen, Försäkringskassan, medlemskommuner och regioner (R-X7)"
            }
    return {}


def check_need(data: dict[str, Any], parties: dict[str, Party], forbunds: set[str]) -> Errors:
    """The need recorded by the beredningsgrupp (A1/B1)."""
    errors = check_party_list("parter", data.get("parter") or [], parties, forbunds)
    form = data.get("finansieringsform")
    within = data.get("inom_finsam_malgrupp")
    if (form == "utanfor_rutinen" or within is False) and not (data.get("skal") or "").strip():
        errors.setdefault("skal", "ange skälet till att behovet ligger utanför rutinen (R-S5)")
    return errors


def check_design(data: dict[str, Any], task_data: dict[str, Any]) -> Errors:
    """The insats design (A2): the processägare is one of the parties."""
    owner = data.get("processagare")
    if owner is not None and owner not in (task_data.get("parter") or []):
        return {"processagare": "processägaren måste vara en av parterna"}
    return {}


def check_agreement(
    data: dict[str, Any],
    task_data: dict[str, Any],
    parties: dict[str, Party],
    forbunds: set[str],
) -> tuple[Errors, dict[str, Any]]:
    """B3: agreement on projektägare and medfinansiärer, with the FK fallback guard (R-E2, R-E4,
    R-E10). Returns the errors and the derived `fk_fallback` and `projektparter`."""
    if data.get("overenskommelse") != "overens":
        if data.get("overenskommelse") == "avbryts" and not (data.get("skal") or "").strip():
            return {"skal": "ange skälet till att arbetet avbryts (följs upp, U-E6)"}, {}
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
            "mandat saknas för: " + ", ".join(without_mandate) + " (R-E2)"
        }, {}
    fk_fallback = parties[owner].kind == "fk"
    if fk_fallback:
        error = _fk_fallback_error(owner, participants, cofinanciers, positions, parties)
        if error:
            return {"projektagare": error}, {}
    project_parties = [owner, *[c for c in cofinanciers if c != owner]]
    return {}, {"fk_fallback": fk_fallback, "projektparter": project_parties}


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
            + " har förklarat att de vill vara projektägare (R-E4)"
        )
    not_cofinancing = [
        p
        for p in others
        if p not in cofinanciers or not positions.get(p, {}).get("medfinansierar")
    ]
    if not_cofinancing:
        return (
            "Försäkringskassan kan bara vara projektägare när alla deltagande parter "
            "medfinansierar; det gör inte: " + ", ".join(not_cofinancing) + " (R-E4)"
        )
    if not others:
        return (
            "när Försäkringskassan är projektägare måste minst en annan part utföra "
            "rehabiliteringsinsatserna (R-E10)"
        )
    return None
