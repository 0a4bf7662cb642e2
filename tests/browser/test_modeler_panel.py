"""The modeler's properties panel in Chromium: selecting elements one after another, by a click on
the canvas (on a shape, a lane or a flow's label) and from the text alternative (the element
list, by keyboard), always shows the selected element's properties; what is edited there (name,
lane, form file, dueIn, a condition) is in the saved XML."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from workflows.catalogue import KNOWN_LANES
from workflows.models import ModelerDraft

from .conftest import UI, LiveServer
from .test_modeler import MODELER

PANEL = "#modeler-panel"


def click_on_canvas(page: Any, element_id: str, on_header: bool = False) -> None:
    """Bring the element into view and click it with the mouse: in its middle, or on its
    header at the left (a lane's, whose middle holds other elements)."""
    page.evaluate("([id, whole]) => { const m = document.getElementById('modeler').modeler;"
                  " const e = m.get('elementRegistry').get(id);"
                  " if (whole) { m.get('canvas').zoom('fit-viewport'); }"
                  " else { m.get('canvas').scrollToElement(e.labelTarget || e); } }",
                  [element_id, on_header])
    box = page.locator(f'#modeler-canvas [data-element-id="{element_id}"]').first.bounding_box()
    x = box["x"] + (4 if on_header else box["width"] / 2)
    page.mouse.click(x, box["y"] + box["height"] / 2)


def pick_from_list(page: Any, element_id: str) -> None:
    """Choose the element in the text alternative with the keyboard."""
    button = page.locator(f'#modeler-elements button[data-element-id="{element_id}"]')
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-current", "true")
    expect(page.locator(PANEL)).to_be_focused()


def shows(page: Any, kind: str, name: str) -> None:
    """The panel's header names the selected element's type and name."""
    expect(page.locator(f"{PANEL} .bio-properties-panel-header-type")).to_have_text(kind,
                                                                                 ignore_case=True)
    expect(page.locator(f"{PANEL} .bio-properties-panel-header-label")).to_have_text(name)


def test_selecting_one_element_after_another_shows_its_properties_and_edits_reach_the_xml(
        ui: UI, live_server: LiveServer) -> None:
    page = ui.page
    page.set_viewport_size({"width": 1400, "height": 900})
    ui.login("designer")
    page.goto(ui.url(MODELER))
    status = page.locator("#modeler-status")
    status.get_by_text("Inga problem").wait_for()
    panel = page.locator(PANEL)
    form, due = panel.get_by_label("Formulärfil (JSON Schema)"), panel.get_by_label(
        "Svarstid (dueIn)")
    condition, lane = panel.get_by_label("Villkor (uttryck)"), panel.get_by_label(
        "Vem gör stegen i banan")

    # On the canvas, one after another: two user tasks, a flow (by its label), a lane, a task.
    click_on_canvas(page, "formulera_ansokan")
    shows(page, "Användaruppgift", "Projektägare formulerar ansökan")
    expect(form).to_have_value("forms/formulera_ansokan.schema.json")
    expect(due).to_have_value("P30D")
    click_on_canvas(page, "overenskommelse")
    shows(page, "Användaruppgift", "Parterna kommer överens om projektägare och medfinansiärer")
    expect(form).to_have_value("forms/overenskommelse.schema.json")
    expect(due).to_have_value("P30D")
    click_on_canvas(page, "flow_fk_projektagare_ja_label")
    shows(page, "Flöde", "Ja")
    expect(condition).to_have_value("fk_fallback")
    click_on_canvas(page, "lane_projektagare", on_header=True)
    shows(page, "Bana", "Projektägare")
    expect(lane).to_have_value("Projektägare")
    click_on_canvas(page, "formulera_ansokan")
    expect(form).to_have_value("forms/formulera_ansokan.schema.json")

    # From the text alternative, by keyboard, between the same kinds of element.
    pick_from_list(page, "overenskommelse")
    shows(page, "Användaruppgift", "Parterna kommer överens om projektägare och medfinansiärer")
    expect(due).to_have_value("P30D")
    pick_from_list(page, "flow_fk_projektagare_nej")
    shows(page, "Standardflöde", "Nej")
    expect(panel.get_by_label("Grindens standardflöde (annars)")).to_be_checked()
    pick_from_list(page, "lane_parterna")
    expect(lane).to_have_value("Parterna")
    pick_from_list(page, "formulera_ansokan")
    shows(page, "Användaruppgift", "Projektägare formulerar ansökan")

    # Edits, each followed at once by another selection (the panel writes after a pause).
    panel.get_by_label("Namn").fill("Projektägaren skriver ansökan")
    form.fill("forms/ansokan_v3.schema.json")
    due.fill("P21D")
    pick_from_list(page, "flow_fk_projektagare_ja")
    condition.fill("fk_fallback == True")
    click_on_canvas(page, "lane_projektagare", on_header=True)
    other = next(name for name in KNOWN_LANES if name != "Projektägare")
    lane.select_option(other)
    pick_from_list(page, "formulera_ansokan")  # back again: the edits are shown
    shows(page, "Användaruppgift", "Projektägaren skriver ansökan")
    expect(form).to_have_value("forms/ansokan_v3.schema.json")
    expect(due).to_have_value("P21D")
    expect(page.locator('#modeler-elements button[data-element-id="lane_projektagare"]')
           ).to_have_text(other)

    # Saved on the server: the XML holds every edit on its own element.
    page.get_by_role("button", name="Spara utkast på servern").click()
    page.get_by_text("Utkastet är sparat på servern").wait_for()
    with live_server.system.db.read() as session:
        saved = session.scalars(select(ModelerDraft.bpmn).order_by(ModelerDraft.id.desc())
                                ).first() or ""
    task = saved.split('<bpmn:userTask id="formulera_ansokan"', 1)[1].split("</bpmn:userTask>")[0]
    assert 'name="Projektägaren skriver ansökan"' in task
    assert 'name="formJsonSchemaFilename" value="forms/ansokan_v3.schema.json"' in task
    assert 'name="dueIn" value="P21D"' in task
    flow = saved.split('<bpmn:sequenceFlow id="flow_fk_projektagare_ja"', 1)[1].split(
        "</bpmn:sequenceFlow>")[0]
    assert "fk_fallback == True</bpmn:conditionExpression>" in flow
    assert f'<bpmn:lane id="lane_projektagare" name="{other}">' in saved
    assert saved.count('name="dueIn" value="P21D"') == 1


def test_a_form_file_is_checked_as_the_designer_types(ui: UI, live_server: LiveServer) -> None:
    """The form editor beside the modeler: each problem of the JSON Schema in Swedish right
    below the field (which it describes and marks invalid), gone when it is fixed; axe finds
    nothing on the page while problems are shown."""
    page = ui.page
    ui.login("designer")
    page.goto(ui.url(MODELER))
    page.locator("#modeler-status").get_by_text("Inga problem").wait_for()
    path, area = page.get_by_label("Ny formulärfil: sökväg"), page.get_by_label(
        "Ny formulärfil: JSON Schema")
    area.press_sequentially('{"type": "object", "required": "namn"}', delay=5)
    problems = page.locator("#form-json-new-problems")
    expect(problems).to_contain_text("Skriv formulärfilens sökväg i fältet ovan")
    path.fill("forms/ny.schema.json")
    expect(problems).to_contain_text(
        "Formuläret ”forms/ny.schema.json” är inget giltigt JSON Schema: vid /required ska "
        "värdet vara av typen array.")
    expect(area).to_have_attribute("aria-invalid", "true")
    expect(area).to_have_attribute("aria-describedby", "form-json-new-problems")
    area.press("End")
    area.press_sequentially(",", delay=5)  # now not even JSON: where it breaks
    expect(problems).to_contain_text("är inte giltig JSON: något är fel på rad 1")
    ui.check("modeler-form-problems")
    area.fill('{"type": "object", "required": ["namn"], "properties": {"namn": '
              '{"type": "string", "title": "Namn"}}}')
    expect(page.locator("#form-json-new-problems.form-ok")).to_have_text(
        "Formuläret är ett giltigt JSON Schema.")
    expect(area).not_to_have_attribute("aria-invalid", "true")
    assert page.locator(".modeler-form .form-problems").count() == 0
