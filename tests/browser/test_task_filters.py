"""The task list's search and filters with the keyboard alone in Chromium: every Tab stop shows
its focus, the date fields' own stops included (their date parts and the calendar button), and a
date typed into a date field filters the list."""

from __future__ import annotations

from typing import Any

from .conftest import UI, LiveServer
from .steps import assert_focus_visible, tab_to
from .test_forms import finsam_route_at_design, keyboard_login

TAB_LIMIT = 12


def tab_through(ui: UI, selector: str) -> list[dict[str, Any]]:
    """Press Tab until `selector` has focus; each stop must show its focus. The stops."""
    stops = []
    for _ in range(TAB_LIMIT):
        ui.page.keyboard.press("Tab")
        stops.append(assert_focus_visible(ui))
        if ui.page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return stops
    raise AssertionError(f"{TAB_LIMIT} presses of Tab never reached {selector}: {stops}")


def type_date(ui: UI, year: str, month: str, day: str) -> None:
    """Type a date into the focused date field, part by part (each part moves on when it is
    full). Chromium lays the parts out in its own interface language, not the page's (en-US:
    month, day, year; sv: year, month, day): the first order that gives the date is kept; from
    the last part, Shift+Tab twice returns to the first."""
    wanted = f"{year}-{month}-{day}"
    for order in ((month, day, year), (year, month, day)):
        ui.page.keyboard.type("".join(order))
        if ui.page.evaluate("() => document.activeElement.value") == wanted:
            return
        ui.page.keyboard.press("Shift+Tab")
        ui.page.keyboard.press("Shift+Tab")
    raise AssertionError(f"the date field never took {wanted}")


def test_the_task_filters_with_the_keyboard(ui: UI, live_server: LiveServer) -> None:
    _, task = finsam_route_at_design(live_server)
    page = ui.page
    keyboard_login(ui, "angelholm")
    tab_to(ui, "details.task-search > summary")
    page.keyboard.press("Enter")  # the folded search opens
    assert page.locator("details.task-search").get_attribute("open") is not None
    tab_to(ui, "#task-from")
    assert assert_focus_visible(ui)["ownPart"] is False  # a date part: :focus-visible itself
    type_date(ui, "2020", "01", "01")
    assert page.locator("#task-from").input_value() == "2020-01-01"
    stops = tab_through(ui, "#task-to")
    # The rest of the date parts, then the calendar button inside the field (only
    # :focus-within: the field's own ring shows, app.css), then the next field.
    on_from = [s for s in stops if s["name"] == "from"]
    assert on_from and on_from[-1]["ownPart"], stops
    ui.check("filters-open")
    tab_to(ui, "form.filters button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "from=2020-01-01" in page.url
    assert page.locator("#task-from").input_value() == "2020-01-01"  # kept in the open search
    assert page.locator(f'a[href="/tasks/{task.id}"]').count() == 1  # ready after 2020-01-01
    ui.check("filtered")
