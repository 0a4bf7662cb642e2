"""The follow-up report as one tidy table: every figure as (förbund, section, figure,
category, value), the rows the CSV and the .xlsx are written from."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .codes import EJ_KLASSIFICERAD, ESF_FIGURES, FINSAM_FIGURES
from .programme import PERIOD_FIGURES
from .years import YEAR_FIGURES

CSV_COLUMNS = ("forbund", "avsnitt", "uppgift", "kategori", "varde")
SECTIONS = (("esf_plus", ESF_FIGURES), ("finansiell_samordning", FINSAM_FIGURES))
PROJECT_FIELDS = ("titel", "identifierad", "status", "outcome", "utlysning", "projektagare",
                  "medfinansiarer", "fk_fallback", "inskickad_datum", "esf_beslut",
                  "beslut_datum", "beviljat_belopp", "steg")
INSATS_FIELDS = ("titel", "identifierad", "status", "outcome", "styrelsebeslut", "motesdatum",
                 "insatstyp", "preciserad_inriktning", "specifik_malgrupp", "processagare",
                 "sokt_belopp", "beviljat_belopp", "period_start", "period_slut",
                 "deltagare_kvinnor", "deltagare_man", "personal_uppfoljning", "personal_antal",
                 "steg")


def rows(report: dict[str, Any]) -> Iterator[tuple[str, str, str, str, Any]]:
    """Every figure of the report as (förbund, section, figure, category, value); a value is a
    number, a text, None, a truth value or a list (`cell` writes the last two as text).

    The total is labelled with the förbund's slug when the report covers one förbund, else
    `totalt`, followed by each förbund's own figures. Sections the report lacks (the styrelse's
    report has no ESF+) yield nothing.
    """
    tenants = report["forbund"]
    label = tenants[0] if len(tenants) == 1 else "totalt"
    for section, figures in SECTIONS:
        part = report.get(section)
        if part is None:
            continue
        for figure in figures:
            yield (label, section, figure, "", part[figure])
        if len(tenants) > 1:
            for tenant in tenants:
                for figure in figures:
                    yield (tenant, section, figure, "", report["per_forbund"][tenant][section][
                        figure])
        yield from _breakdowns(label, section, part)


def _breakdowns(label: str, section: str, part: dict[str, Any]) -> Iterator[tuple[
        str, str, str, str, Any]]:
    if section == "esf_plus":
        for name in ("projektagare", "medfinansiarer"):
            for row in part[name]:
                yield (label, section, name, row["kod"], row["antal"])
        for period in part.get("per_programperiod", []):
            for figure in PERIOD_FIGURES:
                yield (label, f"{section}.per_programperiod", figure, period["period"],
                       period[figure])
            for owner in period["projektagare"]:
                yield (label, f"{section}.per_programperiod", f"projektagare.{owner['kod']}",
                       period["period"], owner["antal"])
        for row in part["ej_ansokan_skal"]:
            yield (row["forbund"], f"{section}.ej_ansokan", row["steg"],
                   str(row["instance_id"]), row["skal"])
        for item in part["projekt"]:
            for field in PROJECT_FIELDS:
                yield (item["forbund"], f"{section}.projekt", field, str(item["instance_id"]),
                       item[field])
    else:
        for typ, shares in part["andelar"].items():
            yield (label, section, "andel_antal", typ, shares["antal"])
            yield (label, section, "andel_belopp", typ, shares["belopp"])
        for year in part["per_ar"]:
            for figure in YEAR_FIGURES:
                yield (label, f"{section}.per_ar", figure, str(year["ar"]), year[figure])
        for row in part["preciserad_inriktning"]:
            # "ej klassificerad" may stand under both insatstyper: the category names which
            kod = (f"{row['kod']}_{row['insatstyp']}" if row["kod"] == EJ_KLASSIFICERAD
                   else row["kod"])
            for figure in ("antal", "andel", "deltagare_kvinnor", "deltagare_man"):
                yield (label, f"{section}.preciserad_inriktning", figure, kod, row[figure])
        for row in part["specifik_malgrupp"]:
            for figure in ("antal", "andel"):
                yield (label, f"{section}.specifik_malgrupp", figure, row["kod"], row[figure])
        for item in part["insatslista"]:
            for field in INSATS_FIELDS:
                yield (item["forbund"], f"{section}.insats", field, str(item["instance_id"]),
                       item[field])
    for name in ("projektagare_per_part", "medfinansiarer_per_part", "processagare_per_part"):
        for row in part.get(name, []):
            yield (label, f"{section}.{name}", "antal", row["part"], row["antal"])
            if "belopp" in row:
                yield (label, f"{section}.{name}", "belopp", row["part"], row["belopp"])
    for row in part["pagaende_steg"]:
        yield (label, f"{section}.pagaende", row["steg"], row["namn"], row["antal"])


def cell(value: Any) -> Any:
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value

