"""The API of a förbund's process versions: deploy, list, publish to other förbund, adopt."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _

from engine import DeployResult, Problem, SpecVersionView
from workflows import designing, modeling, policy

from . import problem_texts
from .api import PROCESS_ID, _body, _json, api_login_required
from .context import capacity, system
from .errors import api_error
from .inputs import MAX_ID

bp = Blueprint("specs", __name__, url_prefix="/api/specs")


def version_json(v: SpecVersionView) -> dict[str, Any]:
    """One of the förbund's versions as the API shows it."""
    adopted = ({"forbund": v.adopted_from_tenant, "version": v.adopted_from_version}
               if v.adopted_from_tenant else None)
    return {"process_id": v.process_id, "version": v.version, "hash": v.content_hash,
            "deployed_at": _json(v.deployed_at), "deployed_by": v.deployed_by,
            "published": v.published_at is not None, "published_at": _json(v.published_at),
            "adopted_from": adopted}


def _deployed(result: DeployResult) -> Any:
    response = jsonify({"process_id": result.process_id, "version": result.version,
                        "hash": result.content_hash, "created": result.created})
    response.status_code = 201 if result.created else 200
    return response


@bp.post("")
@api_login_required
def deploy() -> Any:
    """Deploy a BPMN file (the body, application/xml) to the caller's förbund; forms come from
    the förbund's deployed versions."""
    designing.require_designer(capacity())
    body = request.get_data(cache=False)
    name = request.args.get("filename", "upload.bpmn")
    return _deployed(designing.deploy_body(system(), capacity(), name, body))


@bp.post("/lint")
@api_login_required
def lint() -> Any:
    """Lint a BPMN file (the body, application/xml; or JSON `{"bpmn": xml, "forms": {path: json
    text}}` with the form files it brings) as a deploy would, deploying nothing: every
    problem with its element, its code and parameters, and `text`/`fix` in the caller's language
    (for markers on a diagram while it is drawn). 200 whether or not there are problems."""
    designing.require_designer(capacity())
    name = request.args.get("filename", "upload.bpmn")
    if request.is_json:
        sent = _body()
        texts = sent.get("forms", {}) if isinstance(sent, dict) else None
        if not (isinstance(sent, dict) and isinstance(sent.get("bpmn"), str)
                and isinstance(texts, dict)
                and all(isinstance(v, str) for v in texts.values())):
            return api_error(400, "bad_request",
                             'the body is {"bpmn": "<xml>", "forms": {"path": "json text"}}')
        forms = modeling.edited_forms(texts.items())
        if forms is None:
            return api_error(422, "invalid_data", "a form path is not a .json file beside the "
                             "diagram", {"forms": "sökvägar som forms/x.schema.json"})
        body, brought = sent["bpmn"].encode("utf-8"), forms
    else:
        body, brought = request.get_data(cache=False), {}
    result = designing.lint_upload(system(), capacity(), name, body, brought, deploy=False)
    return jsonify({"ok": result.ok, "process_id": result.process_id,
                    "problems": _problems_json(result.problems)})


def _problems_json(problems: list[Problem]) -> list[dict[str, Any]]:
    return [{**p.to_dict(), "text": problem_texts.problem_message(p),
             "fix": problem_texts.problem_hint(p)} for p in problems]


@bp.post("/forms/check")
@api_login_required
def check_form() -> Any:
    """Check one form file (JSON `{"path": "forms/x.schema.json", "json": "<its text>"}`) as a
    deploy would check a form it is given, while the designer writes it: every problem with its
    code, parameters and place, and `text`/`fix` in the caller's language. 200 whether or not
    there are problems."""
    sent = _body()
    if not (isinstance(sent, dict) and isinstance(sent.get("path"), str)
            and isinstance(sent.get("json"), str)):
        return api_error(400, "bad_request", 'the body is {"path": "forms/x.schema.json", '
                         '"json": "<the form\'s JSON text>"}')
    problems = modeling.check_form(capacity(), sent["path"], sent["json"])
    if problems is None:
        return api_error(422, "invalid_data", "the path is not a .json file beside the diagram",
                         {"path": _("Ange en sökväg som slutar på .json, till exempel "
                                    "forms/min_uppgift.schema.json.")})
    return jsonify({"ok": not problems, "problems": _problems_json(problems)})


@bp.get("")
@api_login_required
def specs() -> Any:
    """The caller's förbund's deployed process versions."""
    return jsonify([version_json(v)
                    for v in system().engine.spec_versions(capacity().forbund)
                    if policy.sees_definition(capacity(), v.process_id)])


@bp.get("/published")
@api_login_required
def published() -> Any:
    """Versions other förbund published, which the designer's förbund may adopt."""
    return jsonify([
        {"forbund": item.forbund, "forbund_name": item.forbund_name,
         "process_id": item.version.process_id, "version": item.version.version,
         "hash": item.version.content_hash, "published_at": _json(item.version.published_at),
         "published_by": item.version.published_by}
        for item in designing.published_elsewhere(system(), capacity())])


@bp.post("/<process_id>/<int:version>/publish")
@api_login_required
def publish(process_id: str, version: int) -> Any:
    """Publish one of the förbund's versions (body `{"published": false}` withdraws it)."""
    body = _body()
    wanted = True if body is None else (body.get("published", True)
                                        if isinstance(body, dict) else None)
    if not isinstance(wanted, bool):
        return api_error(400, "bad_request", 'the body is {"published": true|false}')
    view = designing.publish(system(), capacity(), process_id, version, wanted)
    return jsonify(version_json(view))


@bp.post("/adopt")
@api_login_required
def adopt() -> Any:
    """Adopt a version another förbund published: body `{"forbund", "process_id", "version"}`;
    201 with the new version of the caller's förbund (200 when it already holds that content)."""
    designing.require_designer(capacity())
    body = _body()
    fields = ("forbund", "process_id", "version")
    if not isinstance(body, dict) or not all(k in body for k in fields):
        return api_error(400, "bad_request", "the body names forbund, process_id and version")
    forbund, process_id, version = (body[k] for k in fields)
    if not (isinstance(forbund, str) and isinstance(process_id, str)
            and PROCESS_ID.fullmatch(process_id) and len(forbund) <= 100
            and isinstance(version, int) and not isinstance(version, bool)
            and 0 < version <= MAX_ID):
        return api_error(422, "invalid_data", "forbund and process_id are names, version a "
                         "positive integer", {"version": "ett positivt heltal"})
    return _deployed(designing.adopt(system(), capacity(), forbund, process_id, version))
