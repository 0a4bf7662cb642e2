"""CSV that a spreadsheet opens as text, never as formulas: every CSV the product writes uses it.

OWASP's CSV injection advice: a cell starting with `=`, `+`, `-`, `@`, tab or carriage return
is prefixed with a single quote, and every text cell is quoted, so that a separator inside a
value (`,` here, `;` in a Swedish spreadsheet) cannot start a new cell. Line feeds and the
full-width forms of the four signs (which some spreadsheets read as formulas too) are treated
the same. A value that starts with the quote itself gets one too, so the neutralisation is
exactly reversible: `restore` gives back the value, and a hash over the value (the audit export)
still verifies from the file. Numbers are written as numbers: `-5` is a number, not a formula.

Hand-written rather than `defusedcsv`: that library leaves tab and carriage return alone,
rewrites `|` and does not escape the quote, so what it writes cannot be read back exactly.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any, Protocol

QUOTE = "'"
FORMULA_STARTS = frozenset("=+-@\t\r\n" + "\uff1d\uff0b\uff0d\uff20" + QUOTE)


class _Out(Protocol):
    def write(self, text: str, /) -> Any: ...


def neutralise(value: object) -> object:
    """The cell for `value`: numbers unchanged, None empty, any other value as text with a
    leading quote when it starts with a formula character (or the quote)."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    text = str(value)
    return QUOTE + text if text[:1] in FORMULA_STARTS else text


def restore(cell: str) -> str:
    """The text `neutralise` was given for a text cell (its one leading quote removed)."""
    return cell[1:] if cell.startswith(QUOTE) else cell


class Writer:
    """A CSV writer that neutralises every cell and quotes every text cell."""

    def __init__(self, out: _Out) -> None:
        self._csv = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)

    def writerow(self, values: Iterable[object]) -> None:
        """Write one row."""
        self._csv.writerow([neutralise(value) for value in values])


def rows(text: str) -> Iterator[list[str]]:
    """The rows of CSV text written by `Writer`, each text cell restored (values may hold line
    breaks of any kind: the text is read as CSV, never split into lines first)."""
    for row in csv.reader(io.StringIO(text, newline="")):
        yield [restore(cell) for cell in row]
