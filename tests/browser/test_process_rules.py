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
