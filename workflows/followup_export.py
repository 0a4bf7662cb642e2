"""The follow-up report as CSV (one tidy table, cells neutralised against formulas by the
engine's `csvsafe`) and as plain-text tables for the command line."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from openpyxl import Workbook

from engine import CsvWriter, neutralise_cell

from .followup import ESF_FIGURES, FINSAM_FIGURES
from .followup_sections import EJ_KLASSIFICERAD, YEAR_FIGURES

CSV_COLUMNS = ("forbund", "avsnitt", "uppgift", "kategori", "varde")
SECTIONS = (("esf_plus", ESF_FIGURES), ("finansiell_samordning", FINSAM_FIGURES))
PROJECT_FIELDS = ("titel", "identifierad", "status", "outcome", "utlysning", "projektagare",
                  "medfinansiarer", "fk_fallback", "inskickad_datum", "esf_beslut",
                  "beslut_datum", "beviljat_belopp", "steg")
INSATS_FIELDS = ("titel", "identifierad", "status", "outcome", "styrelsebeslut", "motesdatum",
                 "insatstyp", "preciserad_inriktning", "specifik_malgrupp", "processagare",
                 "sokt_belopp", "beviljat_belopp", "period_start", "period_slut",
                 "deltagare_kvinnor", "deltagare_man", "steg")


def rows(report: dict[str, Any]) -> Iterator[tuple[str, str, str, str, Any]]:
    """Every figure of the report as (förbund, section, figure, category, value).

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
        for row in part["ej_ansokan_skal"]:
            yield (row["forbund"], f"{section}.ej_ansokan", row["steg"],
                   str(row["instance_id"]), row["skal"])
        for item in part["projekt"]:
            for field in PROJECT_FIELDS:
                yield (item["forbund"], f"{section}.projekt", field, str(item["instance_id"]),
                       _cell(item[field]))
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
                       _cell(item[field]))
    for name in ("projektagare_per_part", "medfinansiarer_per_part", "processagare_per_part"):
        for row in part.get(name, []):
            yield (label, f"{section}.{name}", "antal", row["part"], row["antal"])
            if "belopp" in row:
                yield (label, f"{section}.{name}", "belopp", row["part"], row["belopp"])
    for row in part["pagaende_steg"]:
        yield (label, f"{section}.pagaende", row["steg"], row["namn"], row["antal"])


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def to_csv(report: dict[str, Any]) -> str:
    """The report as one CSV table: forbund, avsnitt, uppgift, kategori, varde."""
    buffer = io.StringIO()
    writer = CsvWriter(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in rows(report):
        writer.writerow(row)
    return buffer.getvalue()


# Sheet names for the report's sections (Excel: at most 31 characters, none of []:*?/\).
SHEET_TITLES = {
    "esf_plus": "ESF+ nyckeltal",
    "esf_plus.projekt": "ESF+ projekt",
    "esf_plus.ej_ansokan": "ESF+ ej ansökan",
    "esf_plus.pagaende": "ESF+ pågående",
    "esf_plus.projektagare_per_part": "ESF+ projektägare per part",
    "esf_plus.medfinansiarer_per_part": "ESF+ medfinansiärer per part",
    "finansiell_samordning": "Finsam nyckeltal",
    "finansiell_samordning.per_ar": "Finsam per år",
    "finansiell_samordning.processagare_per_part": "Finsam per part",
    "finansiell_samordning.preciserad_inriktning": "Finsam inriktning",
    "finansiell_samordning.specifik_malgrupp": "Finsam målgrupp",
    "finansiell_samordning.insats": "Finsam insatser",
    "finansiell_samordning.pagaende": "Finsam pågående",
}
XLSX_COLUMNS = ("Förbund", "Uppgift", "Kategori", "Värde")


def to_xlsx(report: dict[str, Any]) -> bytes:
    """The report as an .xlsx workbook (openpyxl): one sheet per table of the CSV, columns
    Förbund, Uppgift, Kategori, Värde; numbers as numbers, every text stored as text (never a
    formula: a title like `=HYPERLINK(...)` opens as the text it is)."""
    workbook = Workbook()
    default = workbook.active
    sheets: dict[str, Any] = {}
    for forbund, section, figure, category, value in rows(report):
        sheet = sheets.get(section)
        if sheet is None:
            sheet = sheets[section] = workbook.create_sheet(
                SHEET_TITLES.get(section, section)[:31])
            sheet.append(XLSX_COLUMNS)
        sheet.append([_xlsx_cell(v) for v in (forbund, figure, category, value)])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
    if default is not None and sheets:
        workbook.remove(default)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(value: Any) -> Any:
    """A number as a number, None as an empty cell, any other value as text neutralised as in
    the CSV (`engine.neutralise_cell`: a leading quote before a formula character)."""
    return None if value is None else neutralise_cell(_cell(value))


def to_table(report: dict[str, Any], names: dict[str, str] | None = None) -> str:
    """The report as plain-text tables for a terminal."""
    names = names or {}
    tenants = report["forbund"]
    period = report["period"]
    lines = [f"Uppföljning: {', '.join(tenants)}; behov identifierade "
             f"{period['from'] or 'från början'} – {period['to'] or 'i dag'}", ""]
    titles = {"esf_plus": "ESF+ (000 §8)", "finansiell_samordning": "Finansiell samordning (004)"}
    for section, figures in SECTIONS:
        part = report.get(section)
        if part is None:
            continue
        lines.append(titles[section])
        header = f"  {'uppgift':<30}" + "".join(f"{t:>16}" for t in _columns(tenants))
        lines.append(header)
        for figure in figures:
            values = [part[figure]] + ([report["per_forbund"][t][section][figure] for t in tenants]
                                       if len(tenants) > 1 else [])
            lines.append(f"  {figure:<30}" + "".join(f"{v:>16}" for v in values))
        lines += _table_breakdowns(section, part, names)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _columns(tenants: list[str]) -> list[str]:
    return [tenants[0]] if len(tenants) == 1 else ["totalt", *tenants]


def _table_breakdowns(section: str, part: dict[str, Any], names: dict[str, str]) -> list[str]:
    lines: list[str] = []
    if section == "finansiell_samordning":
        lines.append(f"  {'andel av beviljade':<30}{'antal %':>16}{'belopp %':>16}")
        for typ, shares in part["andelar"].items():
            lines.append(f"  {typ:<30}{_pct(shares['antal']):>16}{_pct(shares['belopp']):>16}")
        lines.append(f"  {'per år (pågående)':<30}{'insatser':>10}{'individ':>10}"
                     f"{'struktur':>10}{'belopp':>14}")
        for year in part["per_ar"]:
            lines.append(f"  {year['ar']:<30}{year['insatser']:>10}"
                         f"{year['individinriktade']:>10}{year['strukturovergripande']:>10}"
                         f"{year['beviljat_belopp']:>14}")
        lines.append(f"  {'preciserad inriktning':<30}{'antal':>8}{'andel':>8}{'kvinnor':>9}"
                     f"{'män':>6}")
        for row in part["preciserad_inriktning"]:
            lines.append(f"  {row['namn']:<30}{row['antal']:>8}{_pct(row['andel']):>8}"
                         f"{row['deltagare_kvinnor']:>9}{row['deltagare_man']:>6}")
        lines.append(f"  {'specifik målgrupp':<30}{'antal':>8}{'andel':>8}")
        for row in part["specifik_malgrupp"]:
            lines.append(f"  {row['namn']:<30}{row['antal']:>8}{_pct(row['andel']):>8}")
        lines.append("  insatser")
        for item in part["insatslista"]:
            granted = item["beviljat_belopp"]
            lines.append(f"    #{item['instance_id']:<6} {item['titel'][:40]:<40} "
                         f"{item['styrelsebeslut'] or item['status']:<14} "
                         f"{'' if granted is None else granted:>10}"
                         f"  {'; '.join(item['steg'])}")
    else:
        for name in ("projektagare", "medfinansiarer"):
            lines.append(f"  {name}: " + ", ".join(
                f"{names.get(row['kod'], row['kod'])} {row['antal']}" for row in part[name]))
        lines.append("  projekt")
        for item in part["projekt"]:
            owner = names.get(item["projektagare"] or "", item["projektagare"] or "")
            lines.append(f"    #{item['instance_id']:<6} {item['titel'][:40]:<40} "
                         f"{item['outcome'] or item['status']:<18} {owner:<20} "
                         f"{', '.join(item['medfinansiarer'])}"
                         f"{'  (FK som reserv)' if item['fk_fallback'] else ''}")
        lines.append("  ingen ansökan, med skäl")
        for row in part["ej_ansokan_skal"]:
            lines.append(f"    #{row['instance_id']:<6} {row['titel'][:40]:<40} {row['skal']}")
    for name, title in (("projektagare_per_part", "projektägare per part"),
                        ("medfinansiarer_per_part", "medfinansiärer per part"),
                        ("processagare_per_part", "processägare per part")):
        if name in part:
            lines.append(f"  {title}: " + ", ".join(
                f"{row['namn']} {row['antal']}" for row in part[name]))
    lines.append("  pågående, öppet steg")
    for row in part["pagaende_steg"]:
        lines.append(f"    {row['namn'][:60]:<60}{row['antal']:>6}")
    return lines


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} %"
