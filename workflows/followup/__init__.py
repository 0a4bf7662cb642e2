"""Uppföljning: the follow-up report of ESF+ project ideas (000 §8) and of Finsam insatser
(004), per förbund and period, and its exports (docs/followup.md).

Modules: `report` (the period, who sees what, the report), `queries` (the SQL aggregates),
`esf`, `finsam`, `years` and `parts` (the report's sections), `codes` (figures and 004's
codes and names), `labels` (Swedish names for the CSV), `rows`, `export` and `table` (CSV,
.xlsx and text tables).
"""

from __future__ import annotations

from .codes import ESF_FIGURES, FINSAM_FIGURES
from .export import to_csv, to_data_csv, to_xlsx
from .finsam import classify
from .labels import Names, names_of
from .report import CASE_LISTS, Period, build_report, opens_every_instance, report_for, sees_esf
from .table import to_table

__all__ = ["CASE_LISTS", "ESF_FIGURES", "FINSAM_FIGURES", "Names", "Period", "build_report",
           "classify", "names_of", "opens_every_instance", "report_for", "sees_esf", "to_csv",
           "to_data_csv", "to_table", "to_xlsx"]
