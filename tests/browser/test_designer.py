"""The designer's diagrams in a real browser: readable without JavaScript, zoomable with it."""

from __future__ import annotations

from typing import Any

from .conftest import UI, LiveServer, new_context

VERSION = "/designer/processes/esf_plus/versions/1"


def test_a_diagram_zooms_and_pans_and_reads_without_javascript(
        ui: UI, live_server: LiveServer, chromium: Any) -> None:
    ui.login("designer")
    ui.visit(VERSION, "designer-version-zoom")
    image, frame = ui.page.locator("img.diagram"), ui.page.locator(".diagram-frame")
    natural = image.evaluate("img => img.naturalWidth")
    assert natural > 0 and image.evaluate("img => img.clientWidth") == natural
    ui.page.get_by_role("button", name="Zooma in").click()
    assert image.evaluate("img => img.clientWidth") > natural
    assert "125 %" in ui.page.locator(".diagram-zoom").inner_text()
    frame.focus()
    ui.page.keyboard.press("-")
    ui.page.keyboard.press("-")
    assert image.evaluate("img => img.clientWidth") < natural
    ui.page.get_by_role("button", name="Hela diagrammet").click()
    assert image.evaluate("img => img.clientWidth") <= frame.evaluate("f => f.clientWidth")
    ui.page.get_by_role("button", name="Verklig storlek").click()
    before = frame.evaluate("f => f.scrollLeft")
    box = frame.bounding_box()
    assert box is not None
    ui.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 100)
    ui.page.mouse.down()
    ui.page.mouse.move(box["x"] + box["width"] / 2 - 300, box["y"] + 100, steps=5)
    ui.page.mouse.up()
    assert frame.evaluate("f => f.scrollLeft") > before

    # Without JavaScript: the same page at the diagram's own size in a frame that scrolls, no
    # zoom buttons.
    cookies = ui.page.context.cookies()
    context = new_context(chromium, java_script_enabled=False)
    try:
        context.add_cookies(cookies)
        plain = context.new_page()
        plain.goto(ui.url(VERSION))
        still = plain.locator("img.diagram")
        assert still.evaluate("img => img.naturalWidth") == natural
        assert still.bounding_box()["width"] == natural  # type: ignore[index]
        assert not plain.get_by_role("button", name="Zooma in").is_visible()
        assert plain.locator(".diagram-frame").evaluate("f => getComputedStyle(f).overflow") \
            == "auto"
    finally:
        context.close()
