"""The modeler in a real browser, under the app's CSP: the designer opens the deployed esf_plus,
renames a task, draws a gateway without a default (a lint marker appears), fixes it and deploys;
a new instance runs on the new version, the old one stays on its own."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from ..test_processes import esf_route
from ..walk import Desk
from .conftest import ROOT, UI, LiveServer, new_context

MODELER = "/designer/modeler?process_id=esf_plus&version=1"


def modeling(page: Any, script: str) -> Any:
    """Run `script` with the page's bpmn-js services: modeling, registry, moddle."""
    return page.evaluate(
        "(script) => { const m = document.getElementById('modeler').modeler;"
        " const modeling = m.get('modeling'), registry = m.get('elementRegistry');"
        " return new Function('modeling', 'registry', 'moddle', script)("
        "modeling, registry, m.get('moddle')); }", script)


def test_the_designer_models_lints_and_deploys_in_the_browser(
        ui: UI, live_server: LiveServer, chromium: Any, tmp_path: Path) -> None:
    desk = Desk(live_server.database_url)
    old = esf_route(desk)
    ui.login("designer")
    cookies = ui.page.context.cookies()
    context = new_context(chromium, bypass_csp=False)
    errors: list[str] = []
    try:
        context.add_cookies(cookies)
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(ui.url(MODELER))
        status = page.locator("#modeler-status")
        status.get_by_text("Inga problem").wait_for()
        assert page.locator("#modeler-elements li").count() > 20
        modeling(page, "modeling.updateLabel(registry.get('formulera_ansokan'),"
                       " 'Projektägaren formulerar ansökan');")
        gateway = modeling(page, """
            const end = registry.get('ansokan_avslagen');
            const flow = registry.get('flow_esf_beslut_avslag');
            const gw = modeling.createShape({type: 'bpmn:ExclusiveGateway'},
                                            {x: end.x - 60, y: end.y + 120}, end.parent);
            modeling.updateLabel(gw, 'Ny fråga?');
            modeling.reconnectEnd(flow, gw, {x: gw.x, y: gw.y + 25});
            modeling.connect(gw, end);
            const other = modeling.appendShape(gw, {type: 'bpmn:EndEvent'},
                                               {x: gw.x + 150, y: gw.y + 120});
            modeling.updateLabel(other, 'Avslagen på ny fråga');
            return gw.id;""")
        page.locator(".lint-problem").first.wait_for()
        assert "Problem som hindrar driftsättning" in status.inner_text()
        assert "utan villkor" in page.locator("#modeler-elements").inner_text()
        modeling(page, f"""
            const gw = registry.get('{gateway}');
            modeling.updateProperties(gw, {{default: gw.outgoing[0].businessObject}});
            modeling.updateProperties(gw.outgoing[1], {{conditionExpression: moddle.create(
                'bpmn:FormalExpression', {{body: "esf_beslut == 'avslag'"}})}});
            modeling.updateLabel(gw.outgoing[0], 'Annars');
            modeling.updateLabel(gw.outgoing[1], 'Avslag');""")
        status.get_by_text("Inga problem").wait_for()
        assert page.locator(".lint-problem").count() == 0
        page.get_by_role("button", name="Driftsätt som ny version").click()
        page.get_by_text("Driftsatt i ert förbund som esf_plus version 2").wait_for()
    finally:
        context.close()
    assert not [e for e in errors if "Content Security Policy" in e], errors
    engine = live_server.system.engine
    new = esf_route(desk)
    assert engine.get_instance("nnv-skane", new).version == 2
    assert engine.get_instance("nnv-skane", old).version == 1
    saved = engine.spec_bpmn("nnv-skane", "esf_plus", 2)
    assert "Projektägaren formulerar ansökan" in saved.decode()
    assert_clean_bpmn(saved, tmp_path)


MODDLE_WARNINGS = """
const {BpmnModdle} = require('bpmn-moddle');
const xml = require('fs').readFileSync(process.argv[1], 'utf8');
new BpmnModdle().fromXML(xml).then(
  (r) => console.log(JSON.stringify(r.warnings.map((w) => w.message))),
  (e) => { console.log(JSON.stringify([String(e)])); });
"""


def assert_clean_bpmn(xml: bytes, folder: Path) -> None:
    """The saved XML opens in bpmn-moddle without warnings and passes bpmnlint recommended."""
    path = folder / "saved.bpmn"
    path.write_bytes(xml)
    moddle = subprocess.run(["node", "-e", MODDLE_WARNINGS, str(path)], cwd=ROOT,
                            capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(moddle.stdout) == []
    lint = subprocess.run([str(ROOT / "node_modules" / ".bin" / "bpmnlint"), str(path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_the_modeler_page_is_accessible_and_its_text_alternative_keyboard_usable(
        ui: UI, live_server: LiveServer) -> None:
    ui.login("designer")
    ui.visit(MODELER, "modeler")
    ui.page.locator("#modeler-status").get_by_text("Inga problem").wait_for()
    ui.check("modeler-loaded")
    elements = ui.page.locator("#modeler-elements")
    for _ in range(60):
        ui.page.keyboard.press("Tab")
        if ui.page.evaluate("() => document.activeElement.id") == "modeler-elements":
            break
    assert ui.page.evaluate("() => document.activeElement.id") == "modeler-elements"
    assert "Projektägare formulerar ansökan (UserTask, formulera_ansokan)" in elements.inner_text()


def test_a_draft_is_kept_in_the_browser_and_opened_again(ui: UI, live_server: LiveServer
                                                         ) -> None:
    ui.login("designer")
    ui.page.goto(ui.url(MODELER))
    status = ui.page.locator("#modeler-status")
    status.get_by_text("Inga problem").wait_for()
    assert not ui.page.get_by_role("button", name="Öppna det sparade utkastet").is_visible()
    modeling(ui.page, "modeling.updateLabel(registry.get('formulera_ansokan'), 'Utkastets namn');")
    ui.page.get_by_role("button", name="Spara utkast i webbläsaren").click()
    status.get_by_text("Utkastet är sparat i den här webbläsaren.").wait_for()
    ui.page.reload()
    status.get_by_text("Inga problem").wait_for()
    assert "Utkastets namn" not in ui.page.locator("#modeler-elements").inner_text()
    ui.page.get_by_role("button", name="Öppna det sparade utkastet").click()
    ui.page.locator("#modeler-elements").get_by_text("Utkastets namn").wait_for()
    assert live_server.system.engine.spec_bpmn("nnv-skane", "esf_plus", 1).decode().count(
        "Utkastets namn") == 0


def select(page: Any, element_id: str) -> None:
    """Select one element on the canvas, as a click would: the panel shows its properties."""
    page.evaluate("(id) => { const m = document.getElementById('modeler').modeler;"
                  " m.get('selection').select(m.get('elementRegistry').get(id)); }", element_id)


NEW_FORM = "forms/formulera_ansokan_v2.schema.json"


def test_the_panel_edits_what_the_engine_reads_and_forms_deploy_with_the_diagram(
        ui: UI, live_server: LiveServer, tmp_path: Path) -> None:
    engine = live_server.system.engine
    new = len(engine.spec_versions("nnv-skane", "esf_plus")) + 1  # the module shares a server
    page = ui.page
    ui.login("designer")
    page.goto(ui.url(MODELER))
    status = page.locator("#modeler-status")
    status.get_by_text("Inga problem").wait_for()
    # A user task: its due time and form file, from the panel's own fields.
    select(page, "formulera_ansokan")
    panel = page.locator("#modeler-panel")
    due = panel.get_by_label("Svarstid (dueIn)")
    due.fill("tio dagar")
    panel.get_by_text("Skriv en tidslängd som P30D").wait_for()
    due.fill("P10D")
    form = panel.get_by_label("Formulärfil (JSON Schema)")
    expect(form).to_have_value("forms/formulera_ansokan.schema.json")
    form.fill(NEW_FORM)
    page.locator(".lint-problem").first.wait_for()  # the new form file exists nowhere yet
    # The form file beside the diagram: broken JSON is shown beside it, then fixed.
    old_form = page.get_by_label("Formuläret forms/formulera_ansokan.schema.json").input_value()
    page.get_by_label("Ny formulärfil: sökväg").fill(NEW_FORM)
    page.get_by_label("Ny formulärfil: JSON Schema").fill("{ inte json")
    page.locator(".form-problems").first.wait_for()
    assert "JSON" in page.locator(".form-problems").first.inner_text()
    page.get_by_label("Ny formulärfil: JSON Schema").fill(
        old_form.replace('"title": "Formulera ansökan"', '"title": "Formulera ansökan v2"'))
    status.get_by_text("Inga problem").wait_for()
    assert page.locator(".form-problems").count() == 0
    # A flow leaving a gateway: its condition.
    select(page, "flow_fk_projektagare_ja")
    condition = panel.get_by_label("Villkor (uttryck)")
    expect(condition).to_have_value("fk_fallback")
    condition.fill("fk_fallback == True")
    page.wait_for_function(  # the panel writes after a pause in typing
        "() => document.getElementById('modeler').modeler.get('elementRegistry')"
        ".get('flow_fk_projektagare_ja').businessObject.conditionExpression.body"
        " === 'fk_fallback == True'")
    select(page, "flow_fk_projektagare_nej")
    expect(panel.get_by_label("Grindens standardflöde (annars)")).to_be_checked()
    # A timer: bpmn-js's own timer group, in the page's language.
    select(page, "paminnelse_overenskommelse")
    expect(panel.get_by_label("Värde")).to_have_value('"P14D"')
    # A lane: who does its steps, from the roles finsam-flow knows.
    select(page, "lane_projektagare")
    expect(panel.get_by_label("Vem gör stegen i banan")).to_have_value("Projektägare")
    status.get_by_text("Inga problem").wait_for()
    page.get_by_role("button", name="Driftsätt som ny version").click()
    page.get_by_text(f"Driftsatt i ert förbund som esf_plus version {new}").wait_for()
    saved = engine.spec_bpmn("nnv-skane", "esf_plus", new).decode()
    assert '<spiffworkflow:property name="dueIn" value="P10D" />' in saved
    assert f'name="formJsonSchemaFilename" value="{NEW_FORM}"' in saved
    assert "fk_fallback == True</bpmn:conditionExpression>" in saved
    assert engine.deployed_form("nnv-skane", NEW_FORM)["title"] == "Formulera ansökan v2"
    assert_clean_bpmn(saved.encode(), tmp_path)


def test_a_draft_is_kept_on_the_server_and_opened_from_its_page(ui: UI, live_server: LiveServer
                                                                ) -> None:
    engine = live_server.system.engine
    before = len(engine.spec_versions("nnv-skane", "esf_plus"))
    ui.login("designer")
    ui.page.goto(ui.url(MODELER))
    status = ui.page.locator("#modeler-status")
    status.get_by_text("Inga problem").wait_for()
    modeling(ui.page, "modeling.updateLabel(registry.get('formulera_ansokan'), 'Serverns utkast');")
    ui.page.get_by_role("button", name="Spara utkast på servern").click()
    ui.page.get_by_text("Utkastet är sparat på servern").wait_for()
    assert "/designer/modeler/drafts/" in ui.page.url
    status.get_by_text("Inga problem").wait_for()
    assert "Serverns utkast" in ui.page.locator("#modeler-elements").inner_text()
    ui.check("modeler-draft")
    ui.page.goto(ui.url("/designer/modeler"))
    ui.page.get_by_role("link", name="esf_plus").click()
    ui.page.locator("#modeler-elements").get_by_text("Serverns utkast").wait_for()
    assert len(engine.spec_versions("nnv-skane", "esf_plus")) == before  # nothing deployed
