"""What the user sees when a need ends outside the routine (issue 16, finding 6) and when a step
comes back with its reason (finding 7)."""

from __future__ import annotations

from .conftest import UI, LiveServer
from .steps import fill_form, submit


def test_a_need_outside_the_target_group_says_why_nothing_started(
    ui: UI, live_server: LiveServer
) -> None:
    from .steps import BrowserDesk

    desk = BrowserDesk(ui, live_server.system)
    need = desk.start_need("angelholm", "Arbetsintegrerande sociala företag")
    fill_form(ui, {
        "malgrupp": "Personer långt från arbetsmarknaden", "inom_finsam_malgrupp": False,
        "parter": ["af", "angelholm"], "finansieringsform": "esf_plus",
        "skal": "Hänvisas till kommunens arbetsmarknadsenhet"})
    submit(ui)
    message = ui.flash()
    assert "Klart. Ärendet är avslutat: Utanför rutinen." in message
    assert "Behovet gäller inte Finsams målgrupp" in message
    assert "inget ärende startades" in message
    assert "Hänvisas till kommunens arbetsmarknadsenhet" in message
    ui.check("need-outside-routine")
    assert live_server.system.engine.get_instance("nnv-skane", need).outcome == "utanfor_rutinen"


def test_the_design_that_comes_back_shows_the_boards_reasons(
    ui: UI, live_server: LiveServer
) -> None:
    from ..test_processes import DESIGN, FINSAM_PARTIES
    from ..walk import Desk

    desk = Desk(live_server.database_url)
    _, started = desk.need(FINSAM_PARTIES, "finansiell_samordning")
    iid = started["finansiell_samordning"].id
    desk.act("klippan", iid, "utforma_insats", DESIGN)
    desk.each_party(iid, "forankra_insats", {org: {"forankrad": True} for org in FINSAM_PARTIES})
    desk.act("angelholm", iid, "ansvarsfordelning", {"ansvarsfordelning": "x"})
    desk.act("kansli", iid, "bereda_arende", {"tjansteutlatande": "x", "forslag_till_beslut": "y"})
    desk.act("styrelse", iid, "styrelsebeslut", {
        "styrelsebeslut": "aterremitteras", "motesdatum": "2025-02-06", "protokoll_paragraf": "§ 9",
        "motivering": "Målgruppen är för bred", "anvisningar": "Avgränsa till unga 16–24 år"})
    (task,) = live_server.system.engine.open_tasks_of(iid)
    ui.login("klippan")
    ui.visit(f"/tasks/{task.id}", "task-returned")
    banner = ui.page.locator(".returned")
    assert banner.is_visible()
    text = banner.inner_text()
    assert "Styrelsen har återremitterat ärendet" in text
    assert "Målgruppen är för bred" in text and "Avgränsa till unga 16–24 år" in text
    assert "2025-02-06, § 9" in text
    # The banner comes before the form, so a keyboard or screen-reader user meets it first.
    assert ui.page.evaluate("""() => {
        const banner = document.querySelector('.returned');
        const form = document.querySelector('main form[novalidate]');
        return !!(banner.compareDocumentPosition(form) & Node.DOCUMENT_POSITION_FOLLOWING);
    }""")


def returned_banner(ui: UI) -> str:
    """The banner above the form of the task that came back: visible, and met before the form."""
    banner = ui.page.locator(".returned")
    assert banner.is_visible()
    assert ui.page.evaluate("""() => {
        const banner = document.querySelector('.returned');
        const form = document.querySelector('main form[novalidate]');
        return !!(banner.compareDocumentPosition(form) & Node.DOCUMENT_POSITION_FOLLOWING);
    }""")
    return str(banner.inner_text())


def test_the_design_that_comes_back_after_a_no_at_forankring_says_who_and_why(
    ui: UI, live_server: LiveServer
) -> None:
    from ..test_processes import DESIGN, FINSAM_PARTIES
    from ..walk import Desk
    from .steps import BrowserDesk

    desk = Desk(live_server.database_url)
    _, started = desk.need(FINSAM_PARTIES, "finansiell_samordning")
    iid = started["finansiell_samordning"].id
    desk.act("klippan", iid, "utforma_insats", DESIGN)
    desk.each_party(iid, "forankra_insats",
                    {org: {"forankrad": True} for org in FINSAM_PARTIES if org != "klippan"})
    # Klippan's representative says no in the browser, with the comment the form asks for.
    browser = BrowserDesk(ui, live_server.system)
    browser.act("klippan", iid, "forankra_insats",
                {"forankrad": False, "kommentar": "Klippan behöver se budgeten först"},
                item="klippan")
    (task,) = live_server.system.engine.open_tasks_of(iid)
    assert task.bpmn_id == "utforma_insats"
    browser.as_user("angelholm")  # another party's representative meets the design again
    browser.open_task(iid, "utforma_insats", None)
    text = returned_banner(ui)
    assert "inte förankrat hos alla parter" in text
    assert "Klippans kommun" in text and "Klippan behöver se budgeten först" in text


def test_the_idea_that_comes_back_after_ej_overens_shows_the_reason(
    ui: UI, live_server: LiveServer
) -> None:
    from ..test_processes import ESF_PARTIES, IDEA, position
    from ..walk import Desk
    from .steps import BrowserDesk

    desk = Desk(live_server.database_url)
    _, started = desk.need(ESF_PARTIES, "esf_plus")
    iid = started["esf_plus"].id
    desk.act("af", iid, "utforma_projektide", IDEA)
    desk.each_party(iid, "forankra_projektide", {org: {"forankrad": True} for org in ESF_PARTIES})
    desk.each_party(iid, "mandat_projektagarskap", {org: position() for org in ESF_PARTIES})
    browser = BrowserDesk(ui, live_server.system)
    browser.act("af", iid, "overenskommelse", {
        "overenskommelse": "ej_overens", "skal": "Region Skåne behöver vara med som part"})
    browser.as_user("fk")
    browser.open_task(iid, "utforma_projektide", None)
    text = returned_banner(ui)
    assert "Parterna kom inte överens" in text
    assert "Region Skåne behöver vara med som part" in text
