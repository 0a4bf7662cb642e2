"""Försäkringskassan nationellt (issue 17): a role that reads the follow-up of every förbund
where the person holds it, per förbund and in total, and never a case, a title, a name, a task
or an instance page. Given with `finsam user add --role nationell`."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from engine import Forbidden, InvalidData
from webui.cli import main
from workflows import Finsam, policy
from workflows.followup import Period, report_for
from workflows.memberships import add_member, set_active
from workflows.system import bundled_diagrams
from workflows.tenants import Member, add_forbund
from workflows.users import add_user, capacities

from .conftest import Browser
from .test_followup import FS, Clock, ClockDesk, add_sodra, finsam_route, finsam_to_board
from .test_processes import DESIGN, GRANTED

NNV_TITLE = "NNV-SYFTE-HEMLIS"  # the insats's syfte in NNV Skåne: figures only, never this
SODRA_TITLE = "SODRA-SYFTE-HEMLIS"
MARKERS = (NNV_TITLE, SODRA_TITLE)


def _granted(desk: ClockDesk, when: str, parter: list[str], syfte: str, amount: int) -> int:
    iid = finsam_route(desk, when, parter)
    finsam_to_board(desk, iid, {**DESIGN, "syfte": syfte, "processagare": parter[0],
                                "sokt_belopp": amount}, parter)
    desk.act(desk.user("styrelse"), iid, "styrelsebeslut",
             {**GRANTED, "beviljat_belopp": amount})
    return iid


def _cli_add(database_url: str, forbund: str, org: str = "fk") -> Any:
    return CliRunner().invoke(
        main, ["user", "add", "fk-nat", "--forbund", forbund, "--org", org,
               "--role", "nationell", "--password-stdin"],
        input="finsam-demo-nationell\n", env={"FINSAM_DATABASE_URL": database_url})


@pytest.fixture
def world(finsam: Finsam, database_url: str) -> dict[str, int]:
    """NNV Skåne and Södra with a granted insats each, and fk-nat holding the national role
    in both (given by the CLI); in a third förbund (Annat) the same person is only a
    representative, which gives no national figures of it."""
    add_sodra(finsam)
    clock = Clock()
    ids = {"nnv": _granted(ClockDesk(database_url, clock), "2025-02-01T10:00", FS, NNV_TITLE,
                           1_000_000),
           "sodra": _granted(ClockDesk(database_url, clock, prefix="s-"), "2025-02-02T10:00",
                             ["af", "fk", "trelleborg"], SODRA_TITLE, 400_000)}
    for forbund in ("nnv-skane", "sodra"):
        result = _cli_add(database_url, forbund)
        assert result.exit_code == 0, result.output
        assert "as nationell" in result.output
    add_forbund(finsam.engine, "annat", "Samordningsförbundet Annat",
                [Member("fk", "fk", "Försäkringskassan")], bundled_diagrams(), "test")
    add_user(finsam.db, "fk-nat", "annat", "fk", "representant", "finsam-demo-nationell")
    return ids


def test_the_cli_gives_the_role_for_forsakringskassan_only(finsam: Finsam,
                                                           database_url: str) -> None:
    refused = _cli_add(database_url, "nnv-skane", org="af")
    assert refused.exit_code != 0
    assert "Försäkringskassa" in refused.output
    assert capacities(finsam.db, "fk-nat") == []
    with pytest.raises(InvalidData):
        add_member(finsam.db, "nnv-skane", "fk-nat", "kansli", "nationell", "x" * 16,
                   by_operator=True)
    added = _cli_add(database_url, "nnv-skane")
    assert added.exit_code == 0, added.output
    (held,) = capacities(finsam.db, "fk-nat")
    assert (held.forbund, held.org, held.role) == ("nnv-skane", "fk", "nationell")


def test_the_policy_gives_figures_of_every_forbund_held_and_no_case(
        finsam: Finsam, world: dict[str, int]) -> None:
    held = capacities(finsam.db, "fk-nat")
    me = held[0]
    assert [(c.forbund, c.role) for c in held] == [
        ("nnv-skane", "nationell"), ("sodra", "nationell"), ("annat", "representant")]
    assert policy.report_forbunds(me, held) == ("nnv-skane", "sodra")
    assert policy.report_forbunds(held[2], held) == ("annat",)
    assert not policy.report_lists_cases(me)
    for ability in (policy.WORK, policy.CASES, policy.LINKS, policy.REPORT_CASES,
                    policy.READ_ALL, policy.AUDIT, policy.WAITING, policy.START_NEED):
        assert not policy.may(me, ability), ability
    assert policy.grants(me) == ()
    assert not policy.actor(me).can_write
    for instance in finsam.engine.list_instances("nnv-skane"):
        assert not policy.sees_instance(me, instance)
    # Every other role still reads its own förbund only.
    kansli = capacities(finsam.db, "kansli")[0]
    assert policy.report_forbunds(kansli, held + [kansli]) == ("nnv-skane",)


def test_the_report_sums_the_forbund_and_lists_no_case(finsam: Finsam,
                                                        world: dict[str, int]) -> None:
    me = capacities(finsam.db, "fk-nat")[0]
    report = report_for(finsam, me, Period())
    assert report["forbund"] == ["nnv-skane", "sodra"]
    fs = report["finansiell_samordning"]
    per = report["per_forbund"]
    assert per["nnv-skane"]["finansiell_samordning"]["beviljade"] == 1
    assert per["sodra"]["finansiell_samordning"]["beviljade"] == 1
    assert fs["beviljade"] == 2
    assert fs["beviljat_belopp"] == 1_400_000
    assert "esf_plus" in report
    for part in (report["finansiell_samordning"], report["esf_plus"]):
        for key in ("projekt", "ej_ansokan_skal", "insatslista"):
            assert part.get(key, []) == []
    text = json.dumps(report, ensure_ascii=False)
    assert not [m for m in MARKERS if m in text]
    one = report_for(finsam, me, Period(), forbund="sodra")
    assert one["forbund"] == ["sodra"]
    assert one["finansiell_samordning"]["beviljat_belopp"] == 400_000
    with pytest.raises(Forbidden):
        report_for(finsam, me, Period(), forbund="annat")
    # Södra switches the membership off: its figures are gone at once.
    set_active(finsam.db, "sodra", "fk-nat", False)
    assert report_for(finsam, me, Period())["forbund"] == ["nnv-skane"]
    with pytest.raises(Forbidden):
        report_for(finsam, me, Period(), forbund="sodra")
    # The kansli of NNV Skåne still lists its cases, and only its own förbund.
    kansli = report_for(finsam, capacities(finsam.db, "kansli")[0], Period())
    assert kansli["forbund"] == ["nnv-skane"]
    assert [r["instance_id"] for r in kansli["finansiell_samordning"]["insatslista"]] == [
        world["nnv"]]


def test_the_page_and_exports_show_both_forbund_and_no_case(client: Any, finsam: Finsam,
                                                             world: dict[str, int]) -> None:
    browser = Browser(client, password="finsam-demo-nationell")
    landing = browser.login("fk-nat")
    assert landing.status_code == 302
    assert landing.headers["Location"].endswith("/reports/uppfoljning")
    page = browser.get("/reports/uppfoljning")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Per förbund" in body
    assert "Samordningsförbundet Södra" in body and "Försäkringskassan nationellt" in body
    assert "/instances/" not in body and "/tasks" not in body
    assert not [m for m in MARKERS if m in body]
    api = browser.get("/api/reports/uppfoljning")
    assert api.status_code == 200
    assert api.get_json()["forbund"] == ["nnv-skane", "sodra"]
    assert api.get_json()["finansiell_samordning"]["beviljat_belopp"] == 1_400_000
    csv = browser.get("/api/reports/uppfoljning?format=csv")
    assert csv.status_code == 200
    assert "flera-forbund" in csv.headers["Content-Disposition"]
    text = csv.get_data().decode("utf-8-sig")
    assert "Samordningsförbundet Södra" in text
    assert not [m for m in MARKERS if m in text]
    xlsx = browser.get("/api/reports/uppfoljning?format=xlsx")
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.get_data()), read_only=True)
    cells = " ".join(str(v) for sheet in book.worksheets for row in sheet.iter_rows(
        values_only=True) for v in row if v is not None)
    assert "sodra" in cells and "nnv-skane" in cells
    assert not [m for m in MARKERS if m in cells]
    assert browser.get("/api/reports/uppfoljning?forbund=annat").status_code == 403
    sodra = browser.get("/api/reports/uppfoljning?forbund=sodra").get_json()
    assert sodra["forbund"] == ["sodra"]
    # No case, task or instance anywhere: the lists are empty, the cases do not exist.
    for url in ("/", "/instances", "/api/tasks", "/api/instances"):
        response = browser.get(url)
        shown = response.get_data(as_text=True)
        assert response.status_code < 500, url
        assert not [m for m in MARKERS if m in shown], url
        assert f"/instances/{world['nnv']}" not in shown, url
    for url in (f"/instances/{world['nnv']}", f"/instances/{world['sodra']}",
                f"/api/instances/{world['nnv']}"):
        response = browser.get(url)
        assert response.status_code in (403, 404), url
        assert not [m for m in MARKERS if m in response.get_data(as_text=True)], url
    assert browser.get("/api/instances").get_json() == []
    assert browser.get("/api/tasks").get_json() in ([], {"tasks": []})


def test_the_forbunds_admin_gives_the_role_on_the_admin_page(client: Any, finsam: Finsam) -> None:
    admin = Browser(client)
    assert admin.login("admin").status_code == 302
    assert "Försäkringskassan nationellt" in admin.get("/admin/users").get_data(as_text=True)
    refused = admin.post("/admin/users", {"username": "fk-nat2", "org": "kansli",
                                          "role": "nationell", "password": "ett-langt-losen"})
    assert refused.status_code == 422
    assert "Försäkringskassa" in refused.get_data(as_text=True)
    assert capacities(finsam.db, "fk-nat2") == []
    given = admin.post("/admin/users", {"username": "fk-nat2", "org": "fk", "role": "nationell",
                                        "password": "ett-langt-losen"})
    assert given.status_code == 302
    (held,) = capacities(finsam.db, "fk-nat2")
    assert (held.forbund, held.org, held.role) == ("nnv-skane", "fk", "nationell")
    assert policy.report_forbunds(held, [held]) == ("nnv-skane",)
