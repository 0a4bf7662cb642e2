"""The process designer's pages: lint and deploy, versions and diffs, migration, the corpus."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_required

from engine import Conflict, NotFound, SpecError, diagram_count, render_svg
from workflows import catalogue, designing
from workflows.tenants import forbund_names

from . import problem_texts
from .context import capacity, system
from .inputs import MAX_ID, required_int

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


bp.add_app_template_filter(problem_texts.problem_message, "problem_message")
bp.add_app_template_filter(problem_texts.problem_hint, "problem_hint")
bp.add_app_template_filter(problem_texts.reason_text, "reason_text")


def _index(result: designing.LintResult | None) -> str:
    me = capacity()
    return render_template("designer/index.html", grouped=designing.versions(system(), me),
                           result=result, published=designing.published_elsewhere(system(), me),
                           forbund_names=forbund_names(system().db),
                           corpus=designing.corpus_configured(me))


def lint_or_deploy(filename: str, bpmn: bytes, forms: Mapping[str, bytes], deploy: bool
                   ) -> tuple[str, int]:
    """Lint a diagram with the forms it brings, and deploy it when asked and clean: the
    designer's page with the problems marked on the diagram (422) or the new version (200).
    The upload and the modeler both answer through here, so they say the same things."""
    result = designing.lint_upload(system(), capacity(), filename, bpmn, forms, deploy=deploy)
    return _index(result), 200 if result.ok else 422


@bp.get("/")
@login_required
def index() -> Any:
    """The förbund's processes and their versions, the upload form, and the versions other
    förbund published."""
    return _index(None)


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
    return lint_or_deploy(bpmn.filename or "upload.bpmn", bpmn.read(), forms,
                          deploy=request.form.get("action") == "deploy")


@bp.get("/processes/<process_id>/versions/<int:version>")
@login_required
def version(process_id: str, version: int) -> Any:
    """One deployed version's diagram."""
    svg = designing.version_svg(system(), capacity(), process_id, version)
    versions = designing.versions(system(), capacity()).get(process_id, [])
    return render_template("designer/version.html", process_id=process_id, version=version,
                           svg=svg, versions=versions)


@bp.post("/processes/<process_id>/versions/<int:version>/publish")
@login_required
def publish(process_id: str, version: int) -> Any:
    """Publish one of the förbund's versions for other förbund to adopt, or withdraw it."""
    wanted = request.form.get("published", "1") == "1"
    try:
        designing.publish(system(), capacity(), process_id, version, wanted)
    except NotFound:
        flash(_("Versionen finns inte i ert förbund. Välj en version i listan."), "error")
        return redirect(url_for("designer.index"))
    if wanted:
        flash(_("%(p)s version %(v)s är publicerad: andra förbund kan se den och ta in den som "
                "en egen version. Ert förbund påverkas inte av vad de gör.", p=process_id,
                v=version), "success")
    else:
        flash(_("%(p)s version %(v)s är inte längre publicerad. Förbund som redan har tagit in "
                "den behåller sin kopia.", p=process_id, v=version), "success")
    return redirect(url_for("designer.index"))


@bp.get("/published")
@login_required
def published() -> Any:
    """The diagram of a version another förbund published."""
    forbund = request.args.get("forbund", "")
    process_id = request.args.get("process_id", "")
    version = required_int("version", _("Välj en publicerad version i listan."),
                           (url_for("designer.index"), _("Till processerna")), lowest=1)
    svg = designing.published_svg(system(), capacity(), forbund, process_id, version)
    names = forbund_names(system().db)
    return render_template("designer/published.html", svg=svg, process_id=process_id,
                           version=version, forbund=forbund,
                           forbund_name=names.get(forbund, forbund))


@bp.post("/adopt")
@login_required
def adopt() -> Any:
    """Take a version another förbund published as a new version of one's own förbund."""
    me = capacity()
    designing.require_designer(me)
    forbund = request.form.get("forbund", "")
    process_id = request.form.get("process_id", "")
    version = request.form.get("version", "")
    if not (version.isascii() and version.isdigit()) or not 0 < int(version) <= MAX_ID:
        flash(_("Välj en publicerad version i listan att ta in."), "error")
        return redirect(url_for("designer.index"))
    try:
        result = designing.adopt(system(), me, forbund, process_id, int(version))
    except NotFound:
        flash(_("Den versionen är inte publicerad (längre). Välj en i listan över publicerade "
                "versioner."), "error")
        return redirect(url_for("designer.index"))
    except Conflict:
        flash(_("Versionen är redan ert förbunds egen."), "error")
        return redirect(url_for("designer.index"))
    except SpecError as error:
        return _index(designing.LintResult(filename=f"{process_id} version {version}",
                                           problems=error.problems)), 422
    name = forbund_names(system().db).get(forbund, forbund)
    if result.created:
        flash(_("Intagen från %(f)s som %(p)s version %(v)s i ert förbund. Nya ärenden använder "
                "den; pågående behåller sin version.", f=name, p=result.process_id,
                v=result.version), "success")
    else:
        flash(_("Ert förbund har redan samma innehåll som %(p)s version %(v)s; ingen ny version "
                "behövdes.", p=result.process_id, v=result.version), "success")
    return redirect(url_for("designer.index"))


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
    except Conflict:
        flash(_("Ärende #%(id)s kan inte flyttas till den nyaste versionen. Skälen står vid "
                "ärendet i listan nedan.", id=instance_id), "error")
    else:
        flash(_("Ärende #%(id)s kör nu version %(v)s.", id=moved.id, v=moved.version), "success")
    return redirect(url_for("designer.instances", process_id=process_id or catalogue.ESF_PROCESS))


@bp.get("/corpus")
@login_required
def corpus() -> Any:
    """Every MIWG reference model drawn by the renderer, beside its reference image (only where
    a corpus folder is configured: FINSAM_MIWG_DIR)."""
    me = capacity()
    if not designing.corpus_configured(me):
        abort(404)
    names = designing.corpus(me)
    models = []
    for name in names:
        content = designing.corpus_file(me, f"{name}.bpmn").read_bytes()
        svgs = [render_svg(content, diagram=i, filename=f"{name}.bpmn")
                for i in range(diagram_count(content, filename=f"{name}.bpmn"))]
        models.append((name, svgs, designing.corpus_images(me, name)))
    return render_template("designer/corpus.html", models=models)


@bp.get("/corpus/<filename>")
@login_required
def corpus_file(filename: str) -> Any:
    """A reference image of the corpus."""
    try:
        path = designing.corpus_file(capacity(), filename)
    except NotFound:
        abort(404)
    return send_file(path, mimetype="image/png" if filename.endswith(".png") else "text/xml")
