"""Needs and instances: record a need, list the instances you may see, follow one."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from engine import InvalidData
from workflows.casefiles.files import document_limit
from workflows.catalogue import COLLECTION_LABELS, PROCESS_NAMES
from workflows.overview_query import SORTS
from workflows.presentation import (
    OverviewFilters,
    case_overview,
    instance_page,
    may_start_need,
    nameable_processes,
)

from .context import capacity, system
from .filters import Story
from .forms import build_fields, describe, labels_of, parse_submission
from .inputs import query_date, query_int

bp = Blueprint("instances", __name__)


@bp.get("/instances")
@login_required
def index() -> Any:
    """The case overview: the cases the user may see, newest first, each need with its
    routes as one group, where each stands and whom it waits for; filters, search, pages."""
    me = capacity()
    status = request.args.get("status") or None
    filters = OverviewFilters(
        process=request.args.get("process") or None,
        status=status if status in ("running", "completed") else None,
        q=request.args.get("q", "")[:200],
        party=request.args.get("party") or None,
        mine=request.args.get("mine") == "1",
        overdue=request.args.get("overdue") == "1",
        page=query_int("page", _("Sidnumret ska vara ett heltal från 1."),
                       (url_for("instances.index"), _("Till ärendena")), lowest=1) or 1,
        start=query_date("from", (url_for("instances.index"), _("Till ärendena"))),
        end=query_date("to", (url_for("instances.index"), _("Till ärendena"))),
        sort=next((s for s in SORTS if s == request.args.get("sort")), "new"),
    )
    finsam = system()
    overview = case_overview(finsam, me, filters)
    return render_template(
        "instances/list.html", overview=overview, filters=filters,
        processes=nameable_processes(me, PROCESS_NAMES), parties=finsam.org_names(me.forbund),
    )


@bp.get("/instances/<int:instance_id>")
@login_required
def detail(instance_id: int) -> Any:
    """An instance: status, outcome, data, the path taken, open tasks and links."""
    return render_detail(instance_id)


def render_detail(instance_id: int, note_text: str = "", errors: dict[str, str] | None = None,
                  status: int = 200) -> Any:
    """The instance page, with what the user typed in the note form and the errors of a note
    or an upload that was not accepted."""
    page = instance_page(system(), capacity(), instance_id)
    rows = describe(page.data, page.schemas, page.names, hidden=page.hidden_fields)
    story = Story(labels_of(page.schemas, COLLECTION_LABELS), page.outcome_names, page.people)
    return render_template("instances/detail.html", page=page, rows=rows, story=story,
                           processes=PROCESS_NAMES, note_text=note_text,
                           errors=errors or {},
                           document_limit_mb=document_limit() // (1024 * 1024)), status


@bp.route("/needs/new", methods=["GET", "POST"])
@login_required
def new_need() -> Any:
    """Record a need identified in the beredningsgrupp."""
    me = capacity()
    if not may_start_need(me):
        abort(403)
    finsam = system()
    schema = finsam.need_form(me)
    errors: dict[str, str] = {}
    raw = None
    status = 200
    if request.method == "POST":
        data = parse_submission(schema, request.form)
        try:
            result = finsam.start_need(me, data)
        except InvalidData as error:
            errors = dict(error.details) or {"_form": error.message}
            raw = request.form
            status = 422
        else:
            flash(
                _("Behovet är registrerat. Fyll nu i beredningsgruppens behovsanalys."), "success"
            )
            if result.open_tasks:
                return redirect(url_for("tasks.detail", task_id=result.open_tasks[0].id))
            return redirect(url_for("instances.detail", instance_id=result.instance.id))
    fields = build_fields(schema, raw=raw, errors=errors)
    return render_template("instances/new_need.html", fields=fields, errors=errors,
                           form_error=errors.get("_form", "")), status


__all__ = ["bp", "describe", "render_detail"]
