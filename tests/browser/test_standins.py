"""Naming a stand-in and handing a task over, in the browser: both pages pass axe at both
widths, the stand-in then finds the absent colleague's task among its own, and the case's
history says for whom it acted."""

from __future__ import annotations

from workflows.users import add_user, capacities

from ..test_processes import DESIGN
from ..walk import Desk
from .conftest import UI, LiveServer


def test_name_a_stand_in_who_then_completes_the_held_task(ui: UI,
                                                           live_server: LiveServer) -> None:
    system = live_server.system
    add_user(system.db, "af2", "nnv-skane", "af", "representant", "finsam-demo",
             display_name="Anna Andersson")
    desk = Desk(live_server.database_url)
    _, routes = desk.need(["af", "fk", "angelholm"], "finansiell_samordning", user="af")
    insats = routes["finansiell_samordning"].id
    task = desk.task("af", insats, "utforma_insats")
    page = ui.page

    ui.login("af")
    ui.visit(f"/tasks/{task.id}", "task-to-take")
    with page.expect_navigation():
        page.get_by_role("button", name="Ta uppgiften").click()
    ui.check("task-held")  # now with the hand-over form
    assert page.get_by_label("Lämna uppgiften till").count() == 1
    ui.visit("/standins", "standins")
    page.get_by_label("Sista dagen").fill(page.get_by_label("Första dagen").input_value())
    with page.expect_navigation():
        page.get_by_role("button", name="Utse", exact=True).click()
    assert "Anna Andersson står i för dig" in ui.flash()
    ui.check("standins-named")
    ui.logout()

    ui.login("af2")
    ui.visit("/?mine=1", "tasks-mine-as-stand-in")
    assert page.get_by_role("link", name=task.name).count() >= 1
    system.complete_task(capacities(system.db, "af2")[0], task.id,  # the form: test_forms
                         {**DESIGN, "processagare": "af"})
    ui.visit(f"/instances/{insats}", "history-for-whom")
    # by name and organisation, for whom (issue 19), not "af (representant) för af"
    assert "Anna Andersson (Arbetsförmedlingen) för Representant Arbetsförmedlingen" in (
        page.content())
