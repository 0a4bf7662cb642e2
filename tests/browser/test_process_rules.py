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
