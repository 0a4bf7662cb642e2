"""Both routes end to end in Chromium, user by user, as tests/test_web_routes.py walks them with
the test client: every step found in its user's task list, filled in and sent from the page."""

from __future__ import annotations

from ..test_web_routes import walk_both_routes
from .conftest import UI, LiveServer
from .steps import BrowserDesk


def test_both_routes_in_the_browser(ui: UI, live_server: LiveServer) -> None:
    system = live_server.system
    desk = BrowserDesk(ui, system)
    fs, esf = walk_both_routes(desk, system)
    assert system.engine.get_instance("nnv-skane", fs).outcome == "insats_genomford"
    assert system.engine.get_instance("nnv-skane", esf).outcome == "projekt_avslutat"
    # the history records pseudonymous ids (issue 18); the directory names their accounts
    actors = system.usernames({e.actor for e in system.engine.events("nnv-skane", esf)})
    assert {"af", "fk", "klippan", "angelholm", "region-skane"} <= set(actors.values())
    assert "styrelse" in system.usernames(
        {e.actor for e in system.engine.events("nnv-skane", fs)}).values()
    # The finished cases as their parties follow them.
    for instance_id, outcome in ((fs, "insats_genomford"), (esf, "projekt_avslutat")):
        ui.visit(f"/instances/{instance_id}", f"instance-{outcome}")
        assert "Avslutat" in ui.page.locator("dl.facts").inner_text()
    ui.visit("/instances", "instances")
