"""The process designer's pages: lint and deploy, versions and diffs, migration, the corpus."""

from __future__ import annotations

import base64
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required

from engine import Conflict
from engine.diagram import diagram_count, render_svg
from workflows import designing

from .context import capacity, system
from .inputs import required_int

bp = Blueprint("designer", __name__, url_prefix="/designer")

MAX_UPLOAD_FILES = 40


def svg_uri(svg: str | None) -> str:
    """An SVG as a data: URI for an <img> (the image keeps its own styles; no script runs)."""
    if not svg:
        return ""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


@bp.app_template_filter("svg_uri")
def _svg_uri(svg: str | None) -> str:
    return svg_uri(svg)


@bp.get("/")
@login_required
def index() -> Any:
    """Deployed processes and their versions, and the upload form."""
    grouped = designing.versions(system(), capacity())
    return render_template("designer/index.html", grouped=grouped, result=None)


@bp.post("/upload")
@login_required
def upload() -> Any:
    """Lint an uploaded BPMN file (and deploy it when asked)."""
    me = capacity()
    designing.require_designer(me)
    files = request.files.getlist("files")
    bpmn_files = [f for f in files if (f.filename or "").lower().endswith(".bpmn")]
    if len(files) > MAX_UPLOAD_FILES or len(bpmn_files) != 1:
        flash(_("Välj exakt en BPMN-fil (.bpmn), och gärna formulären (.json) den använder."),
              "error")
        return redirect(url_for("designer.index"))
    forms = {f.filename or "": f.read() for f in files if f not in bpmn_files}
    bpmn = bpmn_files[0]
    result = designing.lint_upload(system(), me, bpmn.filename or "upload.bpmn", bpmn.read(),
                                   forms, deploy=request.form.get("action") == "deploy")
    grouped = designing.versions(system(), me)
    status = 200 if result.ok else 422
    return render_template("designer/index.html", grouped=grouped, result=result), status


@bp.get("/processes/<process_id>/versions/<int:version>")
@login_required
def version(process_id: str, version: int) -> Any:
    """One deployed version's diagram."""
    svg = designing.version_svg(system(), capacity(), process_id, version)
    versions = designing.versions(system(), capacity()).get(process_id, [])
    return render_template("designer/version.html", process_id=process_id, version=version,
                           svg=svg, versions=versions)


@bp.get("/processes/<process_id>/diff")
@login_required
def diff(process_id: str) -> Any:
    """What changed between two versions, drawn on both."""
    message = _("Välj två versioner att jämföra.")
    onward = (url_for("designer.index"), _("Till processversionerna"))
    old = required_int("a", message, onward, lowest=1)
    new = required_int("b", message, onward, lowest=1)
    view = designing.compare(system(), capacity(), process_id, old, new)
    return render_template("designer/diff.html", view=view)


@bp.get("/processes/<process_id>/instances")
@login_required
def instances(process_id: str) -> Any:
    """Running instances and whether each can move to the newest version."""
    rows = designing.running(system(), capacity(), process_id)
    return render_template("designer/instances.html", process_id=process_id, rows=rows)


@bp.post("/instances/<int:instance_id>/migrate")
@login_required
def migrate(instance_id: int) -> Any:
    """Move one instance to the newest version (refused with reasons when unsafe)."""
    process_id = request.form.get("process_id", "")
    try:
        moved = designing.migrate(system(), capacity(), instance_id)
    except Conflict as error:
        flash(str(error), "error")
    else:
        flash(_("Ärende #%(id)s kör nu version %(v)s.", id=moved.id, v=moved.version), "success")
    return redirect(url_for("designer.instances", process_id=process_id or "esf_plus"))


@bp.get("/corpus")
@login_required
def corpus() -> Any:
    """Every MIWG reference model drawn by the renderer, beside its reference image."""
    me = capacity()
    names = designing.corpus(me)
    models = []
    for name in names:
        content = designing.corpus_file(me, f"{name}.bpmn").read_bytes()
        svgs = [render_svg(content, diagram=i, filename=f"{name}.bpmn")
                for i in range(diagram_count(content, filename=f"{name}.bpmn"))]
        models.append((name, svgs, designing.corpus_images(me, name)))
    return render_template("designer/corpus.html", models=models,
                           folder=str(designing.corpus_dir()))


@bp.get("/corpus/<filename>")
@login_required
def corpus_file(filename: str) -> Any:
    """A reference image of the corpus."""
    path = designing.corpus_file(capacity(), filename)
    return send_file(path, mimetype="image/png" if filename.endswith(".png") else "text/xml")
