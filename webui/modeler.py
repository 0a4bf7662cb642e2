"""The designer's modeler: bpmn-js with its properties panel (built from npm, served here, never
from a CDN), the server's lint as markers, the diagram's form files beside it, deploy as one
new version."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_required

from engine import InvalidData, NotFound
from workflows import designing, drafts, modeling
from workflows.catalogue import KNOWN_LANES

from .context import capacity, system
from .designer import lint_or_deploy
from .inputs import MAX_ID
from .modeler_texts import modeler_texts

bp = Blueprint("modeler", __name__, url_prefix="/designer/modeler")

NODE_MODULES = Path(__file__).resolve().parents[1] / "node_modules"
# The modeler's files by the name the page asks for → where npm (and run.py's build of
# webui/assets/modeler with esbuild) put them. Nothing else under node_modules is served.
MODELER_ASSETS: Mapping[str, str] = {
    "modeler.js": ".finsam/modeler.js",
    "assets/diagram-js.css": "bpmn-js/dist/assets/diagram-js.css",
    "assets/bpmn-js.css": "bpmn-js/dist/assets/bpmn-js.css",
    "assets/bpmn-font/css/bpmn.css": "bpmn-js/dist/assets/bpmn-font/css/bpmn.css",
    "assets/bpmn-font/font/bpmn.woff2": "bpmn-js/dist/assets/bpmn-font/font/bpmn.woff2",
    "assets/bpmn-font/font/bpmn.woff": "bpmn-js/dist/assets/bpmn-font/font/bpmn.woff",
    "assets/bpmn-font/font/bpmn.ttf": "bpmn-js/dist/assets/bpmn-font/font/bpmn.ttf",
    "assets/properties-panel.css": "@bpmn-io/properties-panel/dist/assets/properties-panel.css",
}
NEW_DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" \
xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" \
xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" id="Definitions_ny" \
targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="ny_process" name="Ny process" isExecutable="true">
    <bpmn:startEvent id="start" name="Start" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="ny_process">
      <bpmndi:BPMNShape id="start_di" bpmnElement="start">
        <dc:Bounds x="180" y="160" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def modeler_available() -> bool:
    """Whether the modeler is built (run.py installs and builds it when Node.js is present)."""
    return (NODE_MODULES / MODELER_ASSETS["modeler.js"]).is_file()


def _page(xml: str, filename: str, process_id: str, version: str,
          forms: Mapping[str, str], draft: drafts.DraftView | None = None) -> str:
    return render_template("designer/modeler.html", xml=xml, filename=filename,
                           process_id=process_id, version=version, forms=forms, draft=draft,
                           drafts=drafts.drafts(system(), capacity()),
                           available=modeler_available(),
                           panel={"lanes": list(KNOWN_LANES), "texts": modeler_texts()})


@bp.get("")
@login_required
def modeler() -> Any:
    """Draw a new diagram or edit a deployed version in bpmn-js, with the server's lint and the
    diagram's form files beside it."""
    me = capacity()
    designing.require_designer(me)
    process_id = request.args.get("process_id", "")
    version = request.args.get("version", "")
    if process_id and version.isascii() and version.isdigit() and 0 < int(version) <= MAX_ID:
        try:
            xml = designing.version_bpmn(system(), me, process_id, int(version))
        except NotFound:
            abort(404)
        filename = f"{process_id}.bpmn"
    else:
        process_id, version, xml, filename = "", "", NEW_DIAGRAM, "ny_process.bpmn"
    forms = modeling.diagram_forms(system(), me, filename, xml.encode("utf-8"))
    return _page(xml, filename, process_id, version, forms)


@bp.get("/assets/<path:name>")
@login_required
def modeler_asset(name: str) -> Any:
    """The modeler's files (bpmn-js, its properties panel), by an allow-list of names."""
    if name not in MODELER_ASSETS or not modeler_available():
        abort(404)
    return send_from_directory(NODE_MODULES, MODELER_ASSETS[name], max_age=3600)


def _filename() -> str:
    filename = request.form.get("filename", "") or "modeler.bpmn"
    if not filename.endswith(".bpmn") or "/" in filename or len(filename) > 200:
        return "modeler.bpmn"
    return filename


def _forms() -> dict[str, bytes] | None:
    return modeling.edited_forms(zip(request.form.getlist("form_path"),
                                     request.form.getlist("form_json"), strict=False))


@bp.post("/deploy")
@login_required
def modeler_deploy() -> Any:
    """Lint the modeler's diagram with its edited form files, and deploy them together as one
    new version when asked and clean."""
    designing.require_designer(capacity())
    xml = request.form.get("xml", "")
    forms = _forms()
    if forms is None:
        flash(_("En formulärfils sökväg ska sluta på .json och ligga bredvid diagrammet, till "
                "exempel forms/min_uppgift.schema.json. Rätta sökvägen nedan och försök igen."),
              "error")
        return _page(xml, _filename(), "", "", _sent_forms()), 422
    return lint_or_deploy(_filename(), xml.encode("utf-8"), forms,
                          deploy=request.form.get("action") == "deploy")


# -- drafts kept on the server (beside the browser's own) --------------------------------------

def _sent_forms() -> dict[str, str]:
    return dict(zip(request.form.getlist("form_path"), request.form.getlist("form_json"),
                    strict=False))


@bp.post("/drafts")
@login_required
def draft_save() -> Any:
    """Save the diagram and its form files as the designer's draft of the process, on the
    server (only the designer sees it, only in this förbund)."""
    me = capacity()
    designing.require_designer(me)
    process_id = request.form.get("process_id", "")
    xml = request.form.get("xml", "")
    try:
        draft = drafts.save_draft(system(), me, process_id, xml, _sent_forms())
    except InvalidData:
        flash(_("Utkastet kunde inte sparas: diagrammet är tomt eller för stort, eller en "
                "formulärfils sökväg slutar inte på .json. Rätta det nedan och spara igen."),
              "error")
        return _page(xml, _filename(), process_id, "", _sent_forms()), 422
    flash(_("Utkastet är sparat på servern. Bara du ser det, och bara i det här förbundet."),
          "success")
    return redirect(url_for("modeler.draft", draft_id=draft.id))


@bp.get("/drafts/<int:draft_id>")
@login_required
def draft(draft_id: int) -> Any:
    """Open one of the designer's drafts in the modeler."""
    me = capacity()
    designing.require_designer(me)
    found = drafts.open_draft(system(), me, draft_id)
    filename = f"{found.process_id or 'ny_process'}.bpmn"
    return _page(found.bpmn, filename, found.process_id, "", found.forms, draft=found)


@bp.post("/drafts/<int:draft_id>/delete")
@login_required
def draft_delete(draft_id: int) -> Any:
    """Delete one of the designer's drafts."""
    me = capacity()
    designing.require_designer(me)
    drafts.delete_draft(system(), me, draft_id)
    flash(_("Utkastet är borttaget."), "success")
    return redirect(url_for("modeler.modeler"))
