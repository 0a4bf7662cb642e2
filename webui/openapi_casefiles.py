"""The OpenAPI paths and schemas of a case's notes and documents (`webui/api_casefiles.py`),
merged into the document of `webui/openapi.py`."""

from __future__ import annotations

from typing import Any

DOCUMENT_TYPES = ("application/pdf", "application/vnd.oasis.opendocument.text",
                  "application/vnd.openxmlformats-officedocument.wordprocessingml.document")


def casefile_paths(response: Any, errors: Any, path_id: Any) -> dict[str, Any]:
    """The paths; `response`, `errors` and `path_id` are the document's own helpers."""
    note = {"$ref": "#/components/schemas/Note"}
    document = {"$ref": "#/components/schemas/Document"}
    case = [path_id("instance_id")]
    binary = {"type": "string", "format": "binary"}
    return {
        "/api/instances/{instance_id}/notes": {
            "get": {"summary": "The case's note thread, oldest first", "parameters": case,
                    "responses": {"200": response("Notes", {"type": "array", "items": note}),
                                  **errors(401, 404)}},
            "post": {"summary": "Add a note (no personal data; kept in the case's history)",
                     "parameters": case,
                     "requestBody": {"required": True, "content": {"application/json": {
                         "schema": {"type": "object", "required": ["text"], "properties": {
                             "text": {"type": "string", "maxLength": 4000}}}}}},
                     "responses": {"201": response("The note", note),
                                   **errors(400, 401, 403, 404, 413, 422)}}},
        "/api/instances/{instance_id}/documents": {
            "get": {"summary": "The case's documents, oldest first",
                    "parameters": [*case, {"name": "step", "in": "query",
                                           "schema": {"type": "string"},
                                           "description": "Only the documents of this step "
                                                          "(its bpmn id)"}],
                    "responses": {"200": response("Documents",
                                                  {"type": "array", "items": document}),
                                  **errors(401, 404)}},
            "post": {"summary": "Attach a PDF, ODT or DOCX document (its type read from its "
                                "content); task_id attaches it to that task's step",
                     "parameters": [*case,
                                    {"name": "filename", "in": "query",
                                     "schema": {"type": "string"}},
                                    {"name": "task_id", "in": "query",
                                     "schema": {"type": "integer"}}],
                     "requestBody": {"required": True, "content": {
                         "multipart/form-data": {"schema": {
                             "type": "object", "required": ["file"], "properties": {
                                 "file": binary, "task_id": {"type": "integer"}}}},
                         **{t: {"schema": binary} for t in DOCUMENT_TYPES}}},
                     "responses": {"201": response("The document", document),
                                   **errors(400, 401, 403, 404, 413, 422)}}},
        "/api/instances/{instance_id}/documents/{document_id}": {"get": {
            "summary": "A document's bytes (its sha256 in X-Content-SHA256)",
            "parameters": [*case, path_id("document_id")],
            "responses": {"200": {"description": "The document", "content": {
                t: {"schema": binary} for t in DOCUMENT_TYPES}}, **errors(401, 404)}}},
    }


def casefile_schemas() -> dict[str, Any]:
    """The Note and Document schemas."""
    time = {"type": "string", "format": "date-time"}
    return {
        "Note": {"type": "object", "required": ["id", "author", "created_at", "text"],
                 "properties": {"id": {"type": "integer"}, "author": {"type": "string"},
                                "acting_as": {"type": "string"}, "created_at": time,
                                "text": {"type": "string"}}},
        "Document": {"type": "object", "required": ["id", "instance_id", "filename",
                                                    "media_type", "size", "sha256"],
                     "properties": {"id": {"type": "integer"},
                                    "instance_id": {"type": "integer"},
                                    "step": {"type": ["string", "null"]},
                                    "filename": {"type": "string"},
                                    "media_type": {"enum": list(DOCUMENT_TYPES)},
                                    "size": {"type": "integer"},
                                    "sha256": {"type": "string"},
                                    "uploaded_by": {"type": "string"},
                                    "acting_as": {"type": "string"}, "created_at": time}},
    }
