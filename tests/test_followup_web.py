"""The follow-up report where people and scripts get it: the page, the API (JSON and CSV), the
command line, `finsam demo --history`, and the cost of a report in SQL statements."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import event as sa_event
from sqlalchemy import update as sa_update

from engine.store.models import Instance
from webui.cli import main
from workflows import Finsam
from workflows.followup import Period, build_report
from workflows.users import new_token

from .conftest import Browser
from .test_followup import (
    ESF,
    FS,
    OLD_DESIGN,
    Clock,
    ClockDesk,
    add_sodra,
    esf_route,
    esf_to_agreement,
    finsam_route,
    finsam_to_board,
    forms_before_004,
)
from .test_processes import DESIGN, GRANTED, agree, position


def granted_insats(desk: ClockDesk, when: str) -> int:
    """Granted on the forms of before 004's model, with two inriktningar (OLD_DESIGN)."""
    with forms_before_004(desk.system(), "nnv-skane"):
        iid = finsam_route(desk, when)
    finsam_to_board(desk, iid, OLD_DESIGN, FS)
    desk.act("styrelse", iid, "styrelsebeslut", GRANTED)
    return iid


def stopped_idea(desk: ClockDesk, when: str) -> int:
    iid = esf_route(desk, when)
    esf_to_agreement(desk, iid, {org: position() for org in ESF})
    desk.act("af", iid, "overenskommelse", {"overenskommelse": "avbryts",
                                            "skal": "Ingen utlysning passar"})
    return iid


def agreed_idea(desk: ClockDesk, when: str) -> int:
    iid = esf_route(desk, when)
    esf_to_agreement(desk, iid, {"af": position(), "fk": position(),
                                 "angelholm": position(True)})
    desk.act("af", iid, "overenskommelse", agree("angelholm", ["af", "fk"]))
    return iid


@pytest.fixture
def desk(finsam: Finsam, database_url: str) -> ClockDesk:
    return ClockDesk(database_url, Clock())


@pytest.fixture
def world(desk: ClockDesk) -> dict[str, int]:
    """One granted insats, one stopped idea and one agreed idea with Ängelholm as owner."""
    return {"insats": granted_insats(desk, "2025-03-10T10:00"),
            "stopped": stopped_idea(desk, "2025-04-01T10:00"),
            "agreed": agreed_idea(desk, "2025-09-01T10:00")}


# -- the API ------------------------------------------------------------------------------------


def test_api_json_for_the_kansli(client, browser: Browser, world: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    browser.login("kansli")
    response = client.get("/api/reports/uppfoljning?from=2025-01-01&to=2025-12-31")
    assert response.status_code == 200
    body = response.get_json()
    assert body["forbund"] == ["nnv-skane"]
    assert body["period"] == {"from": "2025-01-01", "to": "2025-12-31"}
    esf = body["esf_plus"]
    assert {k: esf[k] for k in ("identifierade", "ansokningar", "beviljade", "avslagna",
                                "ej_ansokan", "pagaende", "fk_fallback")} == {
        "identifierade": 2, "ansokningar": 0, "beviljade": 0, "avslagna": 0, "ej_ansokan": 1,
        "pagaende": 1, "fk_fallback": 0}
    assert {"instance_id", "titel", "status", "outcome", "projektagare",
            "medfinansiarer"} <= set(esf["projekt"][0])
    fs = body["finansiell_samordning"]
    assert (fs["insatser"], fs["beviljade"], fs["individinriktade"], fs["strukturovergripande"],
            fs["beviljat_belopp"], fs["deltagare_kvinnor"], fs["deltagare_man"]) == (
        1, 1, 1, 0, 3_500_000, 0, 0)
    later = client.get("/api/reports/uppfoljning?from=2025-06-01").get_json()
    assert later["esf_plus"]["identifierade"] == 1 and later["finansiell_samordning"][
        "insatser"] == 0


def test_api_csv(client, browser: Browser, world: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    browser.login("auditor")
    response = client.get("/api/reports/uppfoljning?format=csv-data")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["forbund", "avsnitt", "uppgift", "kategori", "varde"]
    values = {(r[1], r[2], r[3]): r[4] for r in rows[1:]}
    assert values[("esf_plus", "ej_ansokan", "")] == "1"
    assert values[("esf_plus", "projektagare", "angelholm")] == "1"
    assert values[("finansiell_samordning", "beviljat_belopp", "")] == "3500000"
    # OLD_DESIGN recorded two inriktningar: counted once, as not classified (004 §2.1.1)
    assert values[("finansiell_samordning.preciserad_inriktning", "antal",
                   "ej_klassificerad_individinriktad")] == "1"
    assert values[("finansiell_samordning.preciserad_inriktning", "andel",
                   "ej_klassificerad_individinriktad")] == "100.0"
    assert values[("esf_plus.ej_ansokan", "overenskommelse", str(world["stopped"]))] == \
        "Ingen utlysning passar"


def test_api_csv_for_swedish_excel(client, browser: Browser,  # type: ignore[no-untyped-def]
                                   world: dict[str, int]) -> None:
    browser.login("auditor")
    response = client.get("/api/reports/uppfoljning?format=csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="uppfoljning-nnv-skane.csv"' in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte order mark
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0] == ["Förbund", "Avsnitt", "Uppgift", "Kategori", "Värde"]
    values = {tuple(r[:4]): r[4] for r in rows[1:]}
    forbund = "Samordningsförbundet NNV Skåne"
    assert values[(forbund, "Finsam nyckeltal", "Beviljat belopp (kr)", "")] == "3500000"
    assert values[(forbund, "Finsam inriktning", "Andel (%)",
                   "Ej klassificerad (individinriktad)")] == "100,0"
    assert values[(forbund, "ESF+ ej ansökan", "Avbröts vid överenskommelsen",
                   f"Ärende {world['stopped']}")] == "Ingen utlysning passar"
    data = client.get("/api/reports/uppfoljning?format=csv-data")
    assert 'filename="uppfoljning-nnv-skane-data.csv"' in data.headers["Content-Disposition"]
    assert client.get("/api/reports/uppfoljning?format=excel").status_code == 400


def test_api_with_a_token(client, finsam: Finsam, world: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    token = new_token(finsam.db, "fk")
    response = client.get("/api/reports/uppfoljning",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.get_json()["esf_plus"]["identifierade"] == 2


def test_api_errors(client, browser: Browser, finsam: Finsam) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/reports/uppfoljning").status_code == 401
    browser.login("kansli")
    bad = client.get("/api/reports/uppfoljning?from=2025-02-30")
    assert bad.status_code == 422 and "from" in bad.get_json()["details"]
    assert client.get("/api/reports/uppfoljning?format=xml").status_code == 400
    add_sodra(finsam)
    other = client.get("/api/reports/uppfoljning?forbund=sodra")
    assert other.status_code == 403 and other.get_json()["error"] == "forbidden"
    assert client.get("/api/reports/uppfoljning?forbund=nnv-skane").status_code == 200
    browser.logout()
    for user in ("designer", "admin"):
        browser.login(user)
        assert client.get("/api/reports/uppfoljning").status_code == 403
        browser.logout()


def test_openapi_describes_the_report(client) -> None:  # type: ignore[no-untyped-def]
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert "/api/reports/uppfoljning" in paths


# -- the styrelse (R-S2) ------------------------------------------------------------------------


def test_the_styrelses_report_has_no_esf_anywhere(client, browser: Browser,  # type: ignore[no-untyped-def]
                                                  world: dict[str, int]) -> None:
    browser.login("styrelse")
    body = client.get("/api/reports/uppfoljning").get_json()
    assert "esf_plus" not in body
    assert body["finansiell_samordning"]["beviljade"] == 1
    assert all(set(part) == {"finansiell_samordning"} for part in body["per_forbund"].values())
    for fmt in ("csv", "csv-data"):
        csv_text = client.get(f"/api/reports/uppfoljning?format={fmt}").get_data(as_text=True)
        assert "esf" not in csv_text.lower()
    page = browser.get("/reports/uppfoljning")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Finansiell samordning" in html
    assert "esf" not in html.lower()
    assert "Ingen utlysning passar" not in html  # not even an ESF+ reason
    assert f'href="/instances/{world["stopped"]}"' not in html


# -- the page -----------------------------------------------------------------------------------


def test_the_page_shows_tables_charts_and_downloads(browser: Browser,
                                                    world: dict[str, int]) -> None:
    browser.login("kansli")
    home = browser.get("/").get_data(as_text=True)
    assert 'href="/reports/uppfoljning"' in home
    response = browser.get("/reports/uppfoljning?from=2025-01-01")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "ESF+-projektidéer" in html and "Finansiell samordning" in html
    assert html.count('role="img"') == 4  # three Finsam charts and one ESF+ chart
    assert '<title id="chart-belopp-title">Beviljat belopp per insatstyp</title>' in html
    assert "Individinriktade: 3\u00a0500\u00a0000\u00a0kr" in html  # the chart's description
    assert "3\u00a0500\u00a0000\u00a0kr" in html  # and the same number in the table
    assert "Ingen utlysning passar" in html
    assert f'href="/instances/{world["stopped"]}"' in html
    assert "Ängelholms kommun" in html  # the projektägare by name
    assert "/api/reports/uppfoljning?format=csv&amp;from=2025-01-01" in html
    assert "style=" not in html.split("<main", 1)[1]  # the CSP allows no inline style


def test_a_representative_sees_the_figures_without_links(browser: Browser,
                                                        world: dict[str, int]) -> None:
    browser.login("bastad")  # takes part in none of the instances
    html = browser.get("/reports/uppfoljning").get_data(as_text=True)
    # The förbund's figures, but not the reason another party's idea stopped (issue 14).
    assert "ESF+-projektidéer" in html and "Ingen utlysning passar" not in html
    assert f"#{world['stopped']}" not in html
    assert 'href="/instances/' not in html


def test_the_page_refuses_a_bad_period(browser: Browser, finsam: Finsam) -> None:
    browser.login("fk")
    response = browser.get("/reports/uppfoljning?from=2025-13-01")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'class="error-summary"' in html and 'href="#period-from"' in html


@pytest.mark.parametrize("user", ["designer", "admin"])
def test_the_page_is_not_for_designer_or_admin(browser: Browser, finsam: Finsam,
                                               user: str) -> None:
    browser.login(user)
    assert 'href="/reports/uppfoljning"' not in browser.get("/").get_data(as_text=True) or \
        user == "admin"
    assert browser.get("/reports/uppfoljning").status_code == 403


def test_the_page_in_english(browser: Browser, world: dict[str, int]) -> None:
    browser.login("auditor")
    html = browser.get("/reports/uppfoljning?lang=en").get_data(as_text=True)
    assert "Follow-up" in html and "Uppföljning</h1>" not in html


# -- the command line ---------------------------------------------------------------------------


@pytest.fixture
def run(database_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("FINSAM_DATABASE_URL", database_url)
    runner = CliRunner()

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(main, list(args), catch_exceptions=False)

    return invoke


def test_cli_report_formats(run, finsam: Finsam, world: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    result = run("report", "uppfoljning", "--forbund", "nnv-skane", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == build_report(finsam.db, ("nnv-skane",), Period())
    table = run("report", "uppfoljning", "--forbund", "nnv-skane")
    assert table.exit_code == 0
    assert "identifierade" in table.output and "Ängelholms kommun" in table.output
    rows = run("report", "uppfoljning", "--format", "csv-data", "--from", "2025-06-01").output
    assert '"nnv-skane","esf_plus","identifierade","",1' in rows.splitlines()
    swedish = run("report", "uppfoljning", "--format", "csv", "--from", "2025-06-01").output
    assert swedish.startswith("\ufeff")
    assert ('"Samordningsförbundet NNV Skåne";"ESF+ nyckeltal";'
            '"Projektidéer identifierade i beredningsgruppen";"";1') in swedish.splitlines()


def test_cli_report_in_total_and_per_forbund(run, finsam: Finsam, database_url: str,  # type: ignore[no-untyped-def]
                                             world: dict[str, int]) -> None:
    add_sodra(finsam)
    sodra = ClockDesk(database_url, Clock(), prefix="s-")
    esf_route(sodra, "2025-05-05T10:00", ["af", "fk", "trelleborg"])
    rows = run("report", "uppfoljning", "--format", "csv-data").output.splitlines()
    assert '"totalt","esf_plus","identifierade","",3' in rows
    assert '"nnv-skane","esf_plus","identifierade","",2' in rows
    assert '"sodra","esf_plus","identifierade","",1' in rows
    assert '"sodra","finansiell_samordning","insatser","",0' in rows


def test_cli_report_errors_in_one_line(run, finsam: Finsam) -> None:  # type: ignore[no-untyped-def]
    unknown = run("report", "uppfoljning", "--forbund", "nowhere")
    assert unknown.exit_code == 1 and "no förbund 'nowhere'" in unknown.output
    bad = run("report", "uppfoljning", "--to", "igår")
    assert bad.exit_code == 1 and "Traceback" not in bad.output and "to:" in bad.output


def test_demo_history_runs_once_through_the_engine(run) -> None:  # type: ignore[no-untyped-def]
    first = run("demo", "--history")
    assert first.exit_code == 0, first.output
    assert "History: 25 instances run through the engine" in first.output
    again = run("demo", "--history")
    assert "History: already loaded" in again.output
    report = json.loads(run("report", "uppfoljning", "--forbund", "nnv-skane", "--format",
                            "json", "--from", "2025-01-01", "--to", "2025-12-31").output)
    fs, esf = report["finansiell_samordning"], report["esf_plus"]
    assert (fs["insatser"], fs["beviljade"], fs["avslagna"], fs["beviljat_belopp"]) == (
        6, 3, 1, 3_586_000)
    implementering = next(i for i in fs["insatslista"]
                          if i["titel"] == "Implementeringsår – En väg in")
    assert (implementering["motesdatum"], implementering["period_start"],
            implementering["period_slut"], implementering["beviljat_belopp"]) == (
        "2025-02-06", "2025-03-01", "2026-02-28", 3_500_000)
    outcomes = {p["outcome"] for p in esf["projekt"]}
    assert {"ej_ansokan", "ansokan_avslagen", None} <= outcomes
    # two granted since the project ideas were re-dated under the 2025 routine (issue 16)
    assert (esf["beviljade"], esf["avslagna"], esf["ej_ansokan"], esf["fk_fallback"]) == (
        2, 1, 1, 1)
    everything = json.loads(run("report", "uppfoljning", "--format", "json").output)
    assert "projekt_avslutat" in {p["outcome"] for p in everything["esf_plus"]["projekt"]}
    # Every ESF+ idea is identified under the 2025 routine (FK's report of May 2025, 000).
    identified = [p["identifierad"] for p in everything["esf_plus"]["projekt"]]
    assert identified and min(identified) >= "2025-05-13", identified
    assert run("replay", "--all").exit_code == 0  # the history verifies


# -- cost ---------------------------------------------------------------------------------------


def test_statements_per_report_do_not_grow_with_instances(finsam: Finsam, desk: ClockDesk,
                                                         world: dict[str, int]) -> None:
    def statements() -> int:
        count = 0

        def counter(*_args: object) -> None:
            nonlocal count
            count += 1

        sa_event.listen(finsam.db.sa_engine, "before_cursor_execute", counter)
        try:
            build_report(finsam.db, ("nnv-skane",), Period())
        finally:
            sa_event.remove(finsam.db.sa_engine, "before_cursor_execute", counter)
        return count

    few = statements()
    for day in ("2025-05-01", "2025-05-02", "2025-05-03"):
        granted_insats(desk, f"{day}T10:00")
        stopped_idea(desk, f"{day}T11:00")
        agreed_idea(desk, f"{day}T12:00")
    many = statements()
    assert build_report(finsam.db, ("nnv-skane",), Period())["esf_plus"]["identifierade"] == 8
    assert many == few


def test_the_years_on_the_page_in_the_api_and_in_the_csv(client, browser: Browser,  # type: ignore[no-untyped-def]
                                                         world: dict[str, int]) -> None:
    # The insats: 3 500 000 kr for 2025-03-01 – 2026-02-28, 306 days in 2025 and 59 in 2026.
    browser.login("kansli")
    later = client.get("/api/reports/uppfoljning?from=2026-01-01").get_json()
    assert later["finansiell_samordning"]["insatser"] == 0  # identified in 2025
    assert [(y["ar"], y["insatser"], y["beviljat_belopp"])
            for y in later["finansiell_samordning"]["per_ar"]] == [(2026, 1, 565_753)]
    rows = list(csv.reader(io.StringIO(client.get(
        "/api/reports/uppfoljning?format=csv-data").get_data(as_text=True))))
    values = {(r[1], r[2], r[3]): r[4] for r in rows[1:]}
    assert values[("finansiell_samordning.per_ar", "beviljat_belopp", "2025")] == "2934247"
    assert values[("finansiell_samordning.per_ar", "beviljat_belopp", "2026")] == "565753"
    html = browser.get("/reports/uppfoljning").get_data(as_text=True)
    assert "Per år, beviljade insatser som pågår" in html
    assert "2\u00a0934\u00a0247\u00a0kr" in html and "565\u00a0753\u00a0kr" in html


def test_parts_on_the_page_and_in_the_csv(client, browser: Browser,  # type: ignore[no-untyped-def]
                                          world: dict[str, int]) -> None:
    browser.login("kansli")
    rows = list(csv.reader(io.StringIO(client.get(
        "/api/reports/uppfoljning?format=csv-data").get_data(as_text=True))))
    values = {(r[1], r[2], r[3]): r[4] for r in rows[1:]}
    # The insats's processägare is Ängelholm, a kommun; the agreed idea's owner too.
    assert values[("finansiell_samordning.processagare_per_part", "antal", "kommun")] == "1"
    assert values[("finansiell_samordning.processagare_per_part", "belopp", "kommun")] == \
        "3500000"
    assert values[("esf_plus.projektagare_per_part", "antal", "kommun")] == "1"
    assert values[("esf_plus.medfinansiarer_per_part", "antal", "af")] == "1"
    html = browser.get("/reports/uppfoljning").get_data(as_text=True)
    assert "Beviljade insatser per part" in html and "Region" in html


def test_api_xlsx_one_sheet_per_table_formulas_neutralised(  # type: ignore[no-untyped-def]
        client, browser: Browser, finsam: Finsam, desk: ClockDesk, world: dict[str, int],
        tmp_path: Path) -> None:
    hostile = finsam_route(desk, "2025-10-01T10:00")
    finsam_to_board(desk, hostile, DESIGN, FS)
    with finsam.db.write() as session:  # a title a spreadsheet would run as a formula
        session.execute(sa_update(Instance).where(Instance.id == hostile).values(
            title='=HYPERLINK("http://evil.example","x")'))
    browser.login("kansli")
    response = client.get("/api/reports/uppfoljning?format=xlsx")
    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert 'filename="uppfoljning-nnv-skane.xlsx"' in response.headers["Content-Disposition"]
    path = tmp_path / "u.xlsx"
    path.write_bytes(response.get_data())
    book = load_workbook(path)
    assert {"ESF+ nyckeltal", "Finsam nyckeltal", "Finsam per år", "Finsam per part",
            "Finsam insatser"} <= set(book.sheetnames)
    figures = {(r[1], r[2]): r[3] for r in book["Finsam nyckeltal"].iter_rows(
        min_row=2, values_only=True)}
    assert figures[("beviljat_belopp", None)] == 3_500_000  # a number, not a text
    assert [c.value for c in book["Finsam per år"][1]] == ["Förbund", "Uppgift", "Kategori",
                                                         "Värde"]
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]  # no formula anywhere
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in {c.value for c in cells}
    html = browser.get("/reports/uppfoljning?from=2025-01-01").get_data(as_text=True)
    assert "/api/reports/uppfoljning?format=xlsx&amp;from=2025-01-01" in html


@pytest.mark.skipif(shutil.which("soffice") is None,
                    reason="LibreOffice (soffice, Debian package libreoffice-calc-nogui) "
                           "is not installed")
def test_libreoffice_opens_the_xlsx_and_the_csv(  # type: ignore[no-untyped-def]
        client, browser: Browser, world: dict[str, int], tmp_path: Path) -> None:
    browser.login("kansli")
    # how LibreOffice reads each: 44 a comma, 59 a semicolon; the Swedish CSV as in Swedish
    # (language 1053, sv-SE: a decimal comma), written back in US English (1033)
    for fmt, separator in (("xlsx", "44,34,76"), ("csv-data", "44,34,76"),
                           ("csv", "59,34,76,1,,1053")):
        source = tmp_path / f"u-{fmt}.{fmt.split('-')[0]}"
        source.write_bytes(client.get(f"/api/reports/uppfoljning?format={fmt}").get_data())
        out = tmp_path / fmt
        # Read and written as UTF-8 (filter options 44,34,76: comma, quote, UTF-8), every sheet
        # of the workbook to a file of its own (the last option, -1).
        subprocess.run(["soffice", "--headless", f"--infilter=CSV:{separator}",
                        "--convert-to",
                        "csv:Text - txt - csv (StarCalc):44,34,76,1,,1033,false,true,false,false,"
                        "false,-1",
                        "--outdir", str(out), str(source)],
                       check=True, timeout=120, capture_output=True,
                       env={**os.environ, "HOME": str(tmp_path)})
        sheets = sorted(out.glob("*.csv"))
        if fmt == "xlsx":
            assert len(sheets) > 1  # one sheet per table
        converted = "".join(sheet.read_text(encoding="utf-8-sig") for sheet in sheets)
        if fmt == "csv":
            # read as numbers: the share 100,0 % a number (written back as 100), names kept
            table = list(csv.reader(io.StringIO(converted)))
            assert table[0] == ["Förbund", "Avsnitt", "Uppgift", "Kategori", "Värde"]
            values = {tuple(r[:4]): r[4] for r in table[1:]}
            forbund = "Samordningsförbundet NNV Skåne"
            assert values[(forbund, "Finsam nyckeltal", "Beviljat belopp (kr)", "")] == "3500000"
            assert values[(forbund, "Finsam inriktning", "Andel (%)",
                           "Ej klassificerad (individinriktad)")] == "100"
        else:
            assert "beviljat_belopp" in converted and "3500000" in converted


def test_cli_xlsx_needs_a_file(run, finsam: Finsam, world: dict[str, int],  # type: ignore[no-untyped-def]
                               tmp_path: Path) -> None:
    target = tmp_path / "r.xlsx"
    result = run("report", "uppfoljning", "--forbund", "nnv-skane", "--format", "xlsx")
    assert result.exit_code == 1 and "-o FILE" in result.output
    result = run("report", "uppfoljning", "--forbund", "nnv-skane", "--format", "xlsx",
                 "-o", str(target))
    assert result.exit_code == 0, result.output
    assert "Finsam nyckeltal" in load_workbook(target).sheetnames
