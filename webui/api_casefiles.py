"""The JSON API of a case's file: its notes and documents (CaseFiles asks the policy on every
call: read by those who see the case, written by those who may annotate it)."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, jsonify, request

from engine import InvalidData
from workflows.casefiles.files import Document, Note

from .api import _body, _json, api_login_required
from .casefiles import document_response, uploaded_file
from .context import capacity, system
from .errors import api_error

bp = Blueprint("api_casefiles", __name__, url_prefix="/api")
TOO_LARGE = "the file is too large"
TASK_ID = re.compile(r"[0-9]{1,18}")


def note_json(note: Note) -> dict[str, Any]:
    """A note as the API shows it; `author` is the author's username."""
    return {"id": note.id, "author": note.author, "acting_as": note.acting_as,
            "created_at": _json(note.created_at), "text": note.body}


def document_json(document: Document) -> dict[str, Any]:
    """A document (without its bytes) as the API shows it; `step` is the bpmn id of the step it
    was attached to (null: to the case)."""
    return {"id": document.id, "instance_id": document.instance_id, "step": document.step,
            "filename": document.filename, "media_type": document.media_type,
            "size": document.size, "sha256": document.sha256,
            "uploaded_by": document.uploaded_by, "acting_as": document.acting_as,
            "created_at": _json(document.created_at)}


def _usernames(rows: list[Any], field: str) -> dict[str, str]:
    return system().usernames({getattr(r, field) for r in rows})


@bp.get("/instances/<int:instance_id>/notes")
@api_login_required
def notes(instance_id: int) -> Any:
    """The note thread of a case, oldest first."""
    found = system().case_files.notes(capacity(), instance_id)
    names = _usernames(found, "author")
    return jsonify([{**note_json(n), "author": names.get(n.author, n.author)} for n in found])


@bp.post("/instances/<int:instance_id>/notes")
@api_login_required
def add_note(instance_id: int) -> Any:
    """Add a note: `{"text": "..."}`; 201 with the note."""
    system().case_files.require_writable(capacity(), instance_id)
    body = _body()
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str):
        return api_error(400, "bad_request", 'send {"text": "..."}')
    note = system().case_files.add_note(capacity(), instance_id, text)
    response = jsonify({**note_json(note), "author": capacity().username})
    response.status_code = 201
    return response


@bp.get("/instances/<int:instance_id>/documents")
@api_login_required
def documents(instance_id: int) -> Any:
    """The documents of a case (`?step=` a step's bpmn id: only that step's), oldest first."""
    found = system().case_files.documents(capacity(), instance_id,
                                          request.args.get("step") or None)
    names = _usernames(found, "uploaded_by")
    return jsonify([{**document_json(d), "uploaded_by": names.get(d.uploaded_by, d.uploaded_by)}
                    for d in found])


@bp.post("/instances/<int:instance_id>/documents")
@api_login_required
def upload(instance_id: int) -> Any:
    """Attach a document: multipart/form-data with `file` (and `task_id` to attach it to that
    task's step), or the bytes as the body with `?filename=` (and `?task_id=`). The type is read
    from the content (PDF, ODT, DOCX); 201 with the document, 413 when it is too large."""
    system().case_files.require_writable(capacity(), instance_id)
    if "file" in request.files:
        filename, content = uploaded_file()
        task = request.form.get("task_id", "")
    else:
        content = request.get_data(cache=False)
        filename, task = request.args.get("filename", ""), request.args.get("task_id", "")
    if task and not TASK_ID.fullmatch(task):
        return api_error(422, "invalid_data", "task_id must be a task's id",
                         {"task_id": "not a task's id"})
    files = system().case_files
    try:
        if task:
            document = files.attach_to_task(capacity(), int(task), filename, content,
                                            instance_id)
        else:
            document = files.attach(capacity(), instance_id, filename, content)
    except InvalidData as error:
        if error.message == TOO_LARGE:
            return api_error(413, "too_large", error.message, dict(error.details))
        raise
    response = jsonify({**document_json(document), "uploaded_by": capacity().username})
    response.status_code = 201
    return response


@bp.get("/instances/<int:instance_id>/documents/<int:document_id>")
@api_login_required
def download(instance_id: int, document_id: int) -> Any:
    """A document's bytes, as the type its content was read as."""
    document, content = system().case_files.download(capacity(), instance_id, document_id)
    response = document_response(document, content)
    response.headers["X-Content-SHA256"] = document.sha256
    return response


__all__ = ["bp"]
