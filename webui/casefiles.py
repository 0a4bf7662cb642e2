"""A case's file: write a note, attach a document, download one (the policy decides who)."""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required

from engine import InvalidData
from workflows.casefiles.files import NOTE_MAX, Document, document_limit
from workflows.presentation import task_page

from .context import capacity, system
from .instances import render_detail
from .tasks import render_task

bp = Blueprint("casefiles", __name__)


@bp.post("/instances/<int:instance_id>/notes")
@login_required
def add_note(instance_id: int) -> Any:
    """Add a note to the case's thread; a refused note comes back with the text kept."""
    text = request.form.get("text", "")
    try:
        system().case_files.add_note(capacity(), instance_id, text)
    except InvalidData as error:
        return render_detail(instance_id, note_text=text, errors=_field_errors(error),
                             status=422)
    flash(_("Anteckningen är sparad."), "success")
    return redirect(url_for("instances.detail", instance_id=instance_id) + "#anteckningar")


@bp.post("/instances/<int:instance_id>/documents")
@login_required
def attach(instance_id: int) -> Any:
    """Attach a document (PDF, ODT or DOCX) to the case."""
    filename, content = uploaded_file()
    try:
        # to the case; a step's document comes through its task (`attach_to_task`)
        system().case_files.attach(capacity(), instance_id, filename, content)
    except InvalidData as error:
        return render_detail(instance_id, errors=_field_errors(error), status=422)
    flash(_("Dokumentet är bifogat."), "success")
    return redirect(url_for("instances.detail", instance_id=instance_id) + "#dokument")


@bp.post("/tasks/<int:task_id>/documents")
@login_required
def attach_to_task(task_id: int) -> Any:
    """Attach a document to the task's step (shown on the step and on the case)."""
    filename, content = uploaded_file()
    try:
        system().case_files.attach_to_task(capacity(), task_id, filename, content)
    except InvalidData as error:
        refused = _field_errors(error)
        return render_task(task_page(system(), capacity(), task_id), status=422,
                           document_error=next(iter(refused.values())))
    flash(_("Dokumentet är bifogat till steget."), "success")
    return redirect(url_for("tasks.detail", task_id=task_id) + "#dokument")


@bp.get("/instances/<int:instance_id>/documents/<int:document_id>")
@login_required
def download(instance_id: int, document_id: int) -> Any:
    """Download a document of a case the user sees, as the type its content was read as."""
    return document_response(*system().case_files.download(capacity(), instance_id, document_id))


def uploaded_file() -> tuple[str, bytes]:
    """The name and bytes of the form's `file` (empty when none was sent: the checks say so)."""
    upload = request.files.get("file")
    if upload is None:
        return "", b""
    return upload.filename or "", upload.read()


def document_response(document: Document, content: bytes) -> Any:
    """A document's bytes as a download of the type its content was read as, never cached."""
    response = send_file(io.BytesIO(content), mimetype=document.media_type, as_attachment=True,
                         download_name=document.filename, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _field_errors(error: InvalidData) -> dict[str, str]:
    """The refusal in the user's language, by the domain's (English) reason."""
    worded = {
        "the note is empty": _("Skriv något i anteckningen."),
        "the note is too long": _("Anteckningen får vara högst %(n)s tecken.", n=NOTE_MAX),
        "the note holds control characters": _(
            "Anteckningen innehåller osynliga styrtecken. Skriv om den."),
        "the note holds a personal identity number": _(
            "Anteckningen ser ut att innehålla ett personnummer. Skriv inga personuppgifter i "
            "anteckningar."),
        "the file is empty": _("Välj en fil att bifoga."),
        "the file is too large": _("Filen är större än %(mb)s MB.",
                                   mb=document_limit() // (1024 * 1024)),
        "the file is not a PDF, ODT or DOCX document": _(
            "Filen är inte en PDF, ODT eller DOCX. Vi läser filens innehåll, inte dess namn."),
    }
    field = next(iter(error.details), "_form")
    return {field: worded.get(error.message, error.message)}


__all__ = ["bp"]
