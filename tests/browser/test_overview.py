"""Issue 19 in the browser: the case overview and its search, a conflict that keeps the input,
and each role's start page; every page passes axe at 1280 and 375 px."""

from __future__ import annotations

from ..test_processes import ESF_PARTIES, FINSAM_PARTIES, IDEA
from ..walk import Desk
from .conftest import START_PAGES, UI, LiveServer


def test_the_overview_and_its_search(ui: UI, live_server: LiveServer) -> None:
    desk = Desk(live_server.database_url)
    parties = sorted(set(FINSAM_PARTIES) | set(ESF_PARTIES))
    desk.need(parties, "bada", titel="Knutpunkt för hemmasittare")
    page = ui.page
    ui.login("kansli")
    ui.visit("/instances", "overview")
    assert page.locator("tbody.case-group").count() >= 1
    page.get_by_label("Sök i rubriker").fill("knutpunkt")
    with page.expect_navigation():
        page.get_by_role("button", name="Visa").click()
    ui.check("overview-search")
    assert "q=knutpunkt" in page.url
    assert page.get_by_text("Parternas företrädare").count() >= 1
    ui.visit("/instances?q=finnsinte", "overview-empty")
    assert page.get_by_role("link", name="Visa alla ärenden").count() == 1


def test_a_conflict_keeps_the_input(ui: UI, live_server: LiveServer) -> None:
    desk = Desk(live_server.database_url)
    _, routes = desk.need(ESF_PARTIES, "esf_plus", user="af")
    esf = routes["esf_plus"].id
    task = desk.task("af", esf, "utforma_projektide")
    page = ui.page
    ui.login("af")
    ui.visit(f"/tasks/{task.id}", "task-before-conflict")
    desk.act("af", esf, "utforma_projektide", IDEA)  # done meanwhile, in another browser
    page.get_by_label("Projektidé").fill("Det jag skrev i det här fönstret")
    with page.expect_navigation():
        page.get_by_role("button", name="Klar – skicka").click()
    ui.check("conflict")
    assert "Det jag skrev i det här fönstret" in page.content()
    assert page.get_by_role("link", name="Se ärendet och vad som väntar nu").count() == 1


def test_each_role_lands_on_its_own_start_page(ui: UI) -> None:
    for username, start in {**START_PAGES, "kansli": "/"}.items():
        ui.login(username)
        assert ui.page.url == ui.url(start)
        ui.check(f"start-{username}")
        ui.logout()


def test_where_cases_wait(ui: UI, live_server: LiveServer) -> None:
    desk = Desk(live_server.database_url)
    desk.need(ESF_PARTIES, "esf_plus", user="af")
    page = ui.page
    for user in ("kansli", "designer"):
        ui.login(user)
        with page.expect_navigation():
            page.get_by_role("link", name="Väntetider").click()
        ui.check(f"waiting-{user}")
        assert page.get_by_role("heading", name="Var ärenden väntar").count() == 1
        page.get_by_label("Process").select_option(label="ESF+")
        with page.expect_navigation():
            page.get_by_role("button", name="Visa").click()
        ui.check(f"waiting-esf-{user}")
        assert page.get_by_role("table").get_by_text("Parterna utformar projektidé").count() == 1
        image = page.locator("img.diagram")
        assert image.evaluate("img => img.complete && img.naturalWidth > 0")
        page.get_by_label("Startade från").fill("2099-01-01")
        with page.expect_navigation():
            page.get_by_role("button", name="Visa").click()
        ui.check(f"waiting-empty-{user}")
        assert page.get_by_role("link", name="Visa alla perioder").count() == 1
        ui.logout()
