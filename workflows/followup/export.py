"""The follow-up report as CSV and as an .xlsx workbook (openpyxl), every cell neutralised
against formulas (the engine's `csvsafe`).

Two CSV forms of the same rows: `to_csv`, the one people open (Swedish Excel: semicolons, UTF-8
with a byte order mark, decimal comma, Swedish column names and names instead of codes), and
`to_data_csv`, the tidy table of codes for programs (commas, decimal point, no mark).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook

from engine import CsvWriter, neutralise_cell

from . import labels
from .labels import Names
from .rows import CSV_COLUMNS, cell, rows

BOM = "\ufeff"


def to_data_csv(report: dict[str, Any]) -> str:
    """The report as one CSV table of codes: forbund, avsnitt, uppgift, kategori, varde."""
    buffer = io.StringIO()
    writer = CsvWriter(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in rows(report):
        writer.writerow([cell(value) for value in row])
    return buffer.getvalue()


class _Comma(float):
    """A number the csv module writes unquoted with a decimal comma (Swedish Excel)."""

    def __repr__(self) -> str:
        return repr(float(self)).replace(".", ",")

    __str__ = __repr__


def to_csv(report: dict[str, Any], names: Names | None = None) -> str:
    """The report as the CSV Swedish Excel opens: a byte order mark, then Förbund; Avsnitt;
    Uppgift; Kategori; Värde separated by semicolons, with the names of förbund, sections,
    figures, members and codes (`labels`), numbers unquoted with a decimal comma, every text
    quoted and neutralised against formulas."""
    names = names or Names()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_NONNUMERIC,
                        lineterminator="\r\n")
    writer.writerow(labels.COLUMNS)
    for forbund, section, figure, category, value in rows(report):
        writer.writerow([_swedish(v) for v in _named(names, forbund, section, figure, category,
                                                      value)])
    return BOM + buffer.getvalue()


def _named(names: Names, forbund: str, section: str, figure: str, category: str,
           value: Any) -> tuple[Any, ...]:
    """One row of `rows` with names for its codes."""
    place = (labels.TOTAL if forbund == "totalt"
             else names.forbund.get(forbund, forbund))
    if section.endswith(".pagaende"):  # (step id, step name): the step by its name
        figure, category = category, ""
    elif figure.startswith("projektagare."):  # an owner's ideas in a programme period
        owner = figure.removeprefix("projektagare.")
        figure = f"Projektägare: {names.members.get(owner, owner)}"
        category = labels.VALUES.get(category, category)
    elif section.endswith((".projekt", ".insats", ".ej_ansokan")):
        category = f"Ärende {category}"
    elif figure in labels.MEMBERS or section.endswith((".projektagare", ".medfinansiarer")):
        category = names.members.get(category, category)
    else:
        category = labels.VALUES.get(category, category)
    if figure in labels.CODED:
        value = _each(value, labels.VALUES)
    elif figure in labels.MEMBERS:
        value = _each(value, names.members)
    section_name = labels.SECTIONS.get(section, section)
    return (place, section_name, labels.FIGURES.get(figure, figure), category, value)


def _each(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, list):
        return [names.get(str(v), str(v)) for v in value]
    return names.get(value, value) if isinstance(value, str) else value


def _swedish(value: Any) -> Any:
    """A cell of the Swedish CSV: whole numbers as they are, other numbers with a decimal
    comma, Ja/Nej, lists joined by "; ", texts neutralised (`engine.neutralise_cell`)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Ja" if value else "Nej"
    if isinstance(value, float):
        return _Comma(value)
    if isinstance(value, int):
        return value
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    return neutralise_cell(str(value))


# Sheet names for the report's sections (Excel: at most 31 characters, none of []:*?/\).
SHEET_TITLES = labels.SECTIONS
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

