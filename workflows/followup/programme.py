"""The ESF+ figures per programme period (000 §8, R-S7): the ideas identified in the configured
ESF+ programme period (`FINSAM_ESF_PROGRAMPERIOD`, default 2021–2027) apart from those
identified before or after it, by the Swedish day the need was identified."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case

from .numbers import midnight

PERIOD_FIGURES = ("identifierade", "ansokningar", "beviljade", "avslagna", "ej_ansokan",
                  "pagaende", "fk_fallback", "beviljat_belopp")
PROGRAMPERIOD, FORE, EFTER = "programperiod", "fore", "efter"
PERIOD_NAMES = {PROGRAMPERIOD: "Programperioden", FORE: "Före programperioden",
                EFTER: "Efter programperioden"}


def period_of(created_at: ColumnElement[Any], first: date, last: date) -> ColumnElement[str]:
    """The period an idea falls in by the Swedish day its need was identified (created)."""
    return case((created_at < midnight(first), FORE),
                (created_at >= midnight(last + timedelta(days=1)), EFTER), else_=PROGRAMPERIOD)


def esf_per_period(groups: Iterable[dict[str, Any]], first: date,
                   last: date) -> list[dict[str, Any]]:
    """The ideas per period from the ESF+ part's groups (`period`, `owner`, `overens` and the
    figures of `PERIOD_FIGURES` per group, `esf.esf_part`): the programme period [first, last]
    always, before and after it when an idea falls there. Each with the figures of 000 §8 and
    the agreed projektägare by member."""
    bounds: dict[str, tuple[date | None, date | None]] = {
        FORE: (None, first - timedelta(days=1)), PROGRAMPERIOD: (first, last),
        EFTER: (last + timedelta(days=1), None)}
    counted: dict[str, dict[str, Any]] = {}
    for group in groups:
        figures = counted.setdefault(group["period"], _zeros())
        for name in PERIOD_FIGURES:
            figures[name] += group[name]
        if group["owner"]:
            owners = figures["projektagare"]
            owners[group["owner"]] = owners.get(group["owner"], 0) + group["overens"]
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
