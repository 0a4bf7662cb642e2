"""The follow-up report as CSV (one tidy table, cells neutralised against formulas by the
engine's `csvsafe`) and as an .xlsx workbook (openpyxl)."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook

from engine import CsvWriter, neutralise_cell

from .rows import CSV_COLUMNS, cell, rows


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
        for written in sheet[sheet.max_row]:
            if isinstance(written.value, str):
                written.data_type = "s"  # never a formula, whatever the text starts with
    if default is not None and sheets:
        workbook.remove(default)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(value: Any) -> Any:
    """A number as a number, None as an empty cell, any other value as text neutralised as in
    the CSV (`engine.neutralise_cell`: a leading quote before a formula character)."""
    return None if value is None else neutralise_cell(cell(value))

