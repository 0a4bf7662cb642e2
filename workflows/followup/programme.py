"""The ESF+ figures per programme period (000 §8, R-S7): the ideas identified in the configured
ESF+ programme period (`FINSAM_ESF_PROGRAMPERIOD`, default 2021–2027) apart from those
identified before or after it, by the Swedish day the need was identified."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

PERIOD_FIGURES = ("identifierade", "ansokningar", "beviljade", "avslagna", "ej_ansokan",
                  "pagaende", "fk_fallback", "beviljat_belopp")
PROGRAMPERIOD, FORE, EFTER = "programperiod", "fore", "efter"
PERIOD_NAMES = {PROGRAMPERIOD: "Programperioden", FORE: "Före programperioden",
                EFTER: "Efter programperioden"}


def esf_per_period(projects: list[dict[str, Any]], first: date, last: date,
                   tenant: str | None = None) -> list[dict[str, Any]]:
    """The ideas of `projects` (the report's `projekt` rows; one förbund's with `tenant`) per
    period: the programme period [first, last] always, before and after it when an idea falls
    there. Each with the figures of 000 §8 and the agreed projektägare by member."""
    bounds: dict[str, tuple[date | None, date | None]] = {
        FORE: (None, first - timedelta(days=1)), PROGRAMPERIOD: (first, last),
        EFTER: (last + timedelta(days=1), None)}
    counted: dict[str, dict[str, Any]] = {}
    for row in projects:
        if tenant is not None and row["forbund"] != tenant:
            continue
        identified = date.fromisoformat(row["identifierad"])
        key = FORE if identified < first else EFTER if identified > last else PROGRAMPERIOD
        figures = counted.setdefault(key, _zeros())
        granted = row["esf_beslut"] == "beviljad"
        figures["identifierade"] += 1
        figures["ansokningar"] += row["inskickad_datum"] is not None
        figures["beviljade"] += granted
        figures["avslagna"] += row["esf_beslut"] == "avslag"
        figures["ej_ansokan"] += row["outcome"] == "ej_ansokan"
        figures["pagaende"] += row["status"] == "running"
        figures["fk_fallback"] += row["fk_fallback"] is True
        figures["beviljat_belopp"] += (row["beviljat_belopp"] or 0) if granted else 0
        if row["projektagare"]:
            owners = figures["projektagare"]
            owners[row["projektagare"]] = owners.get(row["projektagare"], 0) + 1
    counted.setdefault(PROGRAMPERIOD, _zeros())
    return [
        {"period": key, "namn": PERIOD_NAMES[key],
         "forsta": _iso(bounds[key][0]), "sista": _iso(bounds[key][1]),
         **{name: int(counted[key][name]) for name in PERIOD_FIGURES},
         "projektagare": [{"kod": kod, "antal": antal} for kod, antal in sorted(
             counted[key]["projektagare"].items(), key=lambda item: (-item[1], item[0]))]}
        for key in (FORE, PROGRAMPERIOD, EFTER) if key in counted
    ]


def _zeros() -> dict[str, Any]:
    return {**dict.fromkeys(PERIOD_FIGURES, 0), "projektagare": {}}


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()
