"""The JSON API of CONTRACT.md. Same system calls as the pages; bearer tokens or the session."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from functools import wraps
from typing import Any

from flask import Blueprint, jsonify, request
from flask_login import current_user

from engine import EventView, InstanceView, TaskView
from workflows import policy
from workflows import schema as db_schema

from .context import capacity, system
from .errors import api_error
from .openapi import openapi_document

bp = Blueprint("api", __name__, url_prefix="/api")
PROCESS_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,199}")  # a BPMN id (an XML NCName, ASCII)
health = Blueprint("health", __name__)


def api_login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """401 JSON for a caller without a session or a valid token."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return api_error(401, "unauthorized", "log in or send Authorization: Bearer <token>")
        return view(*args, **kwargs)

    return wrapper


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


def task_json(task: TaskView, holders: dict[str, str] | None = None) -> dict[str, Any]:
    """A task as the API shows it; `claimed_by` names the holder by username (`holders`: by the
    actor id the task row carries, `Finsam.usernames`)."""
    held = task.claimed_by
    return {
        "id": task.id,
        "instance_id": task.instance_id,
        "process_id": task.process_id,
        "bpmn_id": task.bpmn_id,
        "name": task.name,
        "lane": task.lane,
        "organisation": task.assignee,
        "item": task.item,
        "title": task.title,
        "state": task.state,
        "claimed_by": (holders or {}).get(held, held) if held else None,
        "created_at": _json(task.created_at),
        "due_at": _json(task.due_at),
    }


def instance_json(instance: InstanceView, data: dict[str, Any]) -> dict[str, Any]:
    """An instance as the API shows it (with the data the caller may see)."""
    return {
        "id": instance.id,
        "process_id": instance.process_id,
        "version": instance.version,
        "status": instance.status,
        "outcome": instance.outcome,
        "title": instance.title,
        "created_at": _json(instance.created_at),
        "completed_at": _json(instance.completed_at),
        "data": _json(data),
    }


def _body() -> Any:
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the JSON parser goes: not a form
        return None
    if body is None:
        return None
    return body


@bp.get("/openapi.json")
def openapi() -> Any:
    """The OpenAPI document of this API."""
    return jsonify(openapi_document())


@bp.get("/tasks")
@api_login_required
def tasks() -> Any:
    """Open tasks the caller may act on."""
    me = capacity()
    listed = system().task_list(me, process_id=request.args.get("process_id") or None,
                                claimed_by_me=request.args.get("mine") == "1")
    holders = system().usernames({t.claimed_by for t in listed if t.claimed_by})
    return jsonify([task_json(t, holders) for t in listed])


@bp.get("/tasks/<int:task_id>")
@api_login_required
def task(task_id: int) -> Any:
    """One task with its form, instructions and data."""
    from workflows.presentation import task_page

    page = task_page(system(), capacity(), task_id)
    held = page.detail.task.claimed_by
    return jsonify({
        **task_json(page.detail.task, system().usernames({held} if held else set())),
        "form_schema": page.detail.form_schema,
        "instructions": page.detail.instructions,
        "data": _json(page.data),
        "can_complete": page.can_complete,
    })


@bp.post("/tasks/<int:task_id>/claim")
@api_login_required
def claim(task_id: int) -> Any:
    """Take a task for yourself."""
    system().claim_task(capacity(), task_id)
    return jsonify({"id": task_id, "claimed_by": capacity().username})


@bp.post("/tasks/<int:task_id>/unclaim")
@api_login_required
def unclaim(task_id: int) -> Any:
    """Release a task you hold."""
    system().unclaim_task(capacity(), task_id)
    return jsonify({"id": task_id, "claimed_by": None})


@bp.post("/tasks/<int:task_id>/handover")
@api_login_required
def hand_over(task_id: int) -> Any:
    """Hand a task you hold to a colleague: `{"username": "..."}`."""
    body = _body()
    username = body.get("username") if isinstance(body, dict) else None
    wanted = username if isinstance(username, str) and len(username) <= 100 else ""
    # The task is checked first (404/403/409); then a missing or unknown colleague (422/403).
    receiver = system().hand_over_task(capacity(), task_id, wanted)
    return jsonify({"id": task_id, "claimed_by": receiver.username})


@bp.post("/tasks/<int:task_id>/complete")
@api_login_required
def complete(task_id: int) -> Any:
    """Complete a task with the form data in the body."""
    body = _body()
    if not isinstance(body, dict):
        return api_error(400, "bad_request", "the body must be a JSON object of form data")
    me = capacity()
    result = system().complete_task(me, task_id, body)
    seen = policy.sees_instance(me, result.instance)
    return jsonify({
        "instance": instance_json(result.instance, system().visible_data(me, result.instance))
        if seen else {"id": result.instance.id, "status": result.instance.status},
        "open_tasks": [task_json(t) for t in result.open_tasks],
        "started": [{"id": i.id, "process_id": i.process_id} for i in result.started],
    })


@bp.post("/instances")
@api_login_required
def start() -> Any:
    """Start an instance: `{"process_id": "behovsanalys", "data": {...}}`."""
    body = _body()
    if not isinstance(body, dict) or not isinstance(body.get("process_id"), str):
        return api_error(400, "bad_request", 'send {"process_id": "...", "data": {...}}')
    if not PROCESS_ID.fullmatch(body["process_id"]):
        return api_error(404, "not_found", "no such process")
    data = body.get("data", {})
    if not isinstance(data, dict):
        return api_error(422, "invalid_data", "data must be an object", {"data": "not an object"})
    me = capacity()
    result = system().start_instance(me, body["process_id"], data)
    response = jsonify({
        **instance_json(result.instance, system().visible_data(me, result.instance)),
        "open_tasks": [task_json(t) for t in result.open_tasks],
    })
    response.status_code = 201
    return response


@bp.get("/instances")
@api_login_required
def instances() -> Any:
    """Instances the caller may see."""
    me = capacity()
    rows = system().instances(me, process_id=request.args.get("process_id") or None,
                              status=request.args.get("status") or None)
    return jsonify([instance_json(i, system().visible_data(me, i)) for i in rows])


@bp.get("/instances/<int:instance_id>")
@api_login_required
def instance(instance_id: int) -> Any:
    """One instance with its open tasks and links."""
    me = capacity()
    finsam = system()
    found = finsam.instance(me, instance_id)
    return jsonify({
        **instance_json(found, finsam.visible_data(me, found)),
        "open_tasks": [task_json(t) for t in finsam.open_tasks(me, found)],
        "links": [{"id": i.id, "process_id": i.process_id, "relation":
                   "need" if i.id == found.parent_id else "route"}
                  for i in finsam.links(me, found)],
    })


@bp.get("/instances/<int:instance_id>/events")
@api_login_required
def events(instance_id: int) -> Any:
    """The history of an instance."""
    rows: list[EventView] = system().events(capacity(), instance_id)
    return jsonify([_json(asdict(e)) for e in rows])


@bp.get("/instances/<int:instance_id>/replay")
@api_login_required
def replay(instance_id: int) -> Any:
    """The verification of one instance: its chain, its place in the ledger and its replay."""
    from workflows.auditing import verify_one

    result = verify_one(system(), capacity(), instance_id)
    return jsonify({
        "instance_id": result.instance_id,
        "process_id": result.process_id,
        "ok": result.ok,
        "events": result.events,
        "steps_replayed": result.steps_replayed,
        "findings": [{"seq": f.seq, "step": f.step, "what": f.what} for f in result.findings],
    })


@health.get("/healthz")
def healthz() -> Any:
    """200 when the database answers and its schema is current."""
    try:
        current = db_schema.is_current(system().db)
    except Exception as error:  # any database failure means unhealthy, with the reason
        return jsonify({"status": "error", "database": type(error).__name__}), 503
    if not current:
        return jsonify({"status": "error", "database": "migrations not current"}), 503
    return jsonify({"status": "ok"})
