"""The OpenAPI 3.1 document of the JSON API (served at /api/openapi.json)."""

from __future__ import annotations

from typing import Any

from .openapi_casefiles import casefile_paths, casefile_schemas

ERROR = {"$ref": "#/components/schemas/Error"}


def _response(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"description": description}
    if schema is not None:
        body["content"] = {"application/json": {"schema": schema}}
    return body


def _errors(*codes: int) -> dict[str, Any]:
    names = {400: "Bad request", 401: "Not logged in", 403: "Not yours", 404: "Not found",
             409: "Conflict: no longer ready, already completed or claimed by another",
             413: "Too large", 422: "Invalid data; details maps each field to its message"}
    return {str(c): _response(names[c], ERROR) for c in codes}


def _id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


def openapi_document() -> dict[str, Any]:
    """The document."""
    task = {"$ref": "#/components/schemas/Task"}
    instance = {"$ref": "#/components/schemas/Instance"}
    nullable_time = {"type": ["string", "null"], "format": "date-time"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "finsam-flow API", "version": "1.0.0",
                 "description": "Tasks, instances and history of finsam-flow."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}, {"session": []}],
        "paths": {
            "/api/tasks": {"get": {
                "summary": "Open tasks the caller may act on",
                "parameters": [{"name": "process_id", "in": "query", "schema": {"type": "string"}},
                               {"name": "mine", "in": "query", "schema": {"enum": ["1"]}}],
                "responses": {"200": _response("Tasks", {"type": "array", "items": task}),
                              **_errors(401)}}},
            "/api/tasks/{task_id}": {"get": {
                "summary": "One task with its form",
                "parameters": [_id("task_id")],
                "responses": {"200": _response("The task", {"allOf": [task, {
                    "type": "object", "properties": {
                        "form_schema": {"type": ["object", "null"]},
                        "instructions": {"type": "string"},
                        "data": {"type": "object"},
                        "can_complete": {"type": "boolean"}}}]}),
                    **_errors(401, 404)}}},
            "/api/tasks/{task_id}/claim": {"post": {
                "summary": "Take the task", "parameters": [_id("task_id")],
                "responses": {"200": _response("Claimed", {"type": "object"}),
                              **_errors(400, 401, 403, 404, 409)}}},
            "/api/tasks/{task_id}/unclaim": {"post": {
                "summary": "Release the task", "parameters": [_id("task_id")],
                "responses": {"200": _response("Released", {"type": "object"}),
                              **_errors(400, 401, 403, 404, 409)}}},
            "/api/tasks/{task_id}/handover": {"post": {
                "summary": "Hand a task you hold to a colleague who may act on it",
                "parameters": [_id("task_id")],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["username"],
                    "properties": {"username": {"type": "string", "maxLength": 100}}}}}},
                "responses": {"200": _response("Handed over", {"type": "object"}),
                              **_errors(400, 401, 403, 404, 409, 422)}}},
            "/api/tasks/{task_id}/complete": {"post": {
                "summary": "Complete the task with its form data",
                "parameters": [_id("task_id")],
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": {"type": "object"}}}},
                "responses": {"200": _response("The instance now and its open tasks", {
                    "type": "object", "properties": {
                        "instance": instance, "open_tasks": {"type": "array", "items": task},
                        "started": {"type": "array", "items": {"type": "object"}}}}),
                    **_errors(400, 401, 403, 404, 409, 413, 422)}}},
            "/api/instances": {
                "get": {"summary": "Instances the caller may see",
                        "parameters": [
                            {"name": "process_id", "in": "query", "schema": {"type": "string"}},
                            {"name": "status", "in": "query",
                             "schema": {"enum": ["running", "completed"]}}],
                        "responses": {"200": _response("Instances",
                                                       {"type": "array", "items": instance}),
                                      **_errors(401)}},
                "post": {"summary": "Start an instance (a need: process_id behovsanalys)",
                         "requestBody": {"required": True, "content": {"application/json": {
                             "schema": {"type": "object", "required": ["process_id"],
                                        "properties": {"process_id": {"type": "string"},
                                                       "data": {"type": "object"}}}}}},
                         "responses": {"201": _response("Started", instance),
                                       **_errors(400, 401, 403, 404, 413, 422)}}},
            "/api/instances/{instance_id}": {"get": {
                "summary": "One instance with open tasks and links",
                "parameters": [_id("instance_id")],
                "responses": {"200": _response("The instance", instance), **_errors(401, 404)}}},
            "/api/instances/{instance_id}/events": {"get": {
                "summary": "The instance's hash-chained history",
                "parameters": [_id("instance_id")],
                "responses": {"200": _response("Events", {
                    "type": "array", "items": {"$ref": "#/components/schemas/Event"}}),
                    **_errors(401, 404)}}},
            "/api/instances/{instance_id}/replay": {"get": {
                "summary": "Verify the instance: its hash chain, the ledger, and a replay",
                "parameters": [_id("instance_id")],
                "responses": {"200": _response("The verification", {
                    "type": "object", "properties": {
                        "ok": {"type": "boolean"}, "events": {"type": "integer"},
                        "steps_replayed": {"type": "integer"},
                        "findings": {"type": "array", "items": {"type": "object"}}}}),
                    **_errors(401, 404)}}},
            "/api/specs": {"post": {
                "summary": "Deploy a BPMN file as a new version of the caller's förbund "
                           "(designer)",
                "requestBody": {"required": True, "content": {
                    "application/xml": {"schema": {"type": "string"}}}},
                "responses": {"201": _response("Deployed", {"type": "object", "properties": {
                    "process_id": {"type": "string"}, "version": {"type": "integer"}}}),
                    "200": _response("Already deployed (same content)", {"type": "object"}),
                    **_errors(400, 401, 403, 413, 422)}},
                "get": {
                "summary": "The caller's förbund's deployed process versions",
                "responses": {"200": _response("Versions", {"type": "array", "items": {
                    "type": "object", "properties": {
                        "process_id": {"type": "string"}, "version": {"type": "integer"},
                        "hash": {"type": "string"}, "published": {"type": "boolean"},
                        "adopted_from": {"type": ["object", "null"]}}}}),
                    **_errors(401)}}},
            "/api/specs/forms/check": {"post": {
                "summary": "Check one form file (JSON Schema) as a deploy would, while it is "
                           "written (designer); 200 with its problems, in the caller's language",
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"type": "object", "required": ["path", "json"], "properties": {
                        "path": {"type": "string"}, "json": {"type": "string"}}}}}},
                "responses": {"200": _response("The problems", {"type": "object", "properties": {
                    "ok": {"type": "boolean"},
                    "problems": {"type": "array", "items": {"type": "object"}}}}),
                    **_errors(400, 401, 403, 422)}}},
            "/api/specs/published": {"get": {
                "summary": "Versions other förbund published for adoption (designer)",
                "responses": {"200": _response("Published versions", {
                    "type": "array", "items": {"type": "object"}}), **_errors(401, 403)}}},
            "/api/specs/{process_id}/{version}/publish": {"post": {
                "summary": "Publish one of the förbund's versions for other förbund to adopt; "
                           'body {"published": false} withdraws it (designer)',
                "parameters": [{"name": "process_id", "in": "path", "required": True,
                                "schema": {"type": "string"}}, _id("version")],
                "requestBody": {"required": False, "content": {"application/json": {
                    "schema": {"type": "object",
                               "properties": {"published": {"type": "boolean"}}}}}},
                "responses": {"200": _response("The version", {"type": "object"}),
                              **_errors(400, 401, 403, 404)}}},
            "/api/specs/adopt": {"post": {
                "summary": "Adopt a version another förbund published as a new version of the "
                           "caller's förbund (designer)",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["forbund", "process_id", "version"],
                    "properties": {"forbund": {"type": "string"},
                                   "process_id": {"type": "string"},
                                   "version": {"type": "integer"}}}}}},
                "responses": {"201": _response("Adopted", {"type": "object"}),
                              "200": _response("The förbund already has this content",
                                               {"type": "object"}),
                              **_errors(400, 401, 403, 404, 409, 422)}}},
            "/api/reports/uppfoljning": {"get": {
                "summary": "The follow-up report (uppföljning) of the caller's förbund; the "
                           "styrelse gets no esf_plus key",
                "parameters": [
                    {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"},
                     "description": "Needs identified on or after this day (Swedish time)"},
                    {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"},
                     "description": "Needs identified on or before this day"},
                    {"name": "forbund", "in": "query", "schema": {"type": "string"},
                     "description": "Must be the caller's förbund"},
                    {"name": "format", "in": "query",
                     "schema": {"enum": ["json", "csv", "csv-data", "xlsx"]},
                     "description": "csv: for Swedish Excel (semicolons, UTF-8 with BOM, "
                                    "decimal comma, names); csv-data: the tidy table of codes"}],
                "responses": {"200": {"description": "The report (docs/followup.md)", "content": {
                    "application/json": {"schema": {"type": "object", "required": [
                        "forbund", "period", "finansiell_samordning", "per_forbund"],
                        "properties": {"esf_plus": {"type": "object"},
                                       "finansiell_samordning": {"type": "object"}}}},
                    "text/csv": {"schema": {"type": "string"}},
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                        "schema": {"type": "string", "format": "binary"}}}},
                    **_errors(400, 401, 403, 422)}}},
            **casefile_paths(_response, _errors, _id),
            "/healthz": {"get": {"summary": "Health", "security": [],
                                 "responses": {"200": _response("Healthy", {"type": "object"}),
                                               "503": _response("Unhealthy", {"type": "object"})}}},
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "A token from `finsam user token NAME`."},
                "session": {"type": "apiKey", "in": "cookie", "name": "session",
                            "description": "The browser session; unsafe methods need the "
                                           "X-CSRF-Token header."},
            },
            "schemas": {
                "Error": {"type": "object", "required": ["error", "message", "details"],
                          "properties": {"error": {"type": "string"},
                                         "message": {"type": "string"},
                                         "details": {"type": "object"}}},
                "Task": {"type": "object", "required": ["id", "instance_id", "process_id",
                                                        "bpmn_id", "name", "organisation"],
                         "properties": {
                             "id": {"type": "integer"}, "instance_id": {"type": "integer"},
                             "process_id": {"type": "string"}, "bpmn_id": {"type": "string"},
                             "name": {"type": "string"}, "lane": {"type": ["string", "null"]},
                             "organisation": {"type": "string"},
                             "item": {"type": ["string", "null"]},
                             "title": {"type": "string"}, "state": {"type": "string"},
                             "claimed_by": {"type": ["string", "null"]},
                             "created_at": {"type": "string", "format": "date-time"},
                             "due_at": nullable_time}},
                "Instance": {"type": "object", "required": ["id", "process_id", "version",
                                                            "status"],
                             "properties": {
                                 "id": {"type": "integer"}, "process_id": {"type": "string"},
                                 "version": {"type": "integer"},
                                 "status": {"enum": ["running", "completed"]},
                                 "outcome": {"type": ["string", "null"]},
                                 "title": {"type": "string"}, "data": {"type": "object"},
                                 "created_at": {"type": "string", "format": "date-time"},
                                 "completed_at": nullable_time}},
                "Event": {"type": "object", "properties": {
                    "seq": {"type": "integer"}, "at": {"type": "string", "format": "date-time"},
                    "actor": {"type": "string"}, "acting_as": {"type": "string"},
                    "kind": {"type": "string"}, "task": {"type": ["string", "null"]},
                    "data": {"type": "object"}, "hash": {"type": "string"},
                    "prev_hash": {"type": "string"}}},
                **casefile_schemas(),
            },
        },
    }
