"""The task list and the task page: what your organisation must do now, and doing it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from engine import CompletionResult, Conflict, InvalidData, NotFound
from workflows import policy
from workflows.casefiles.files import document_limit
from workflows.catalogue import (
    CHOICES,
    COLLECTION_LABELS,
    NEED_PROCESS,
    PROCESS_NAMES,
    ROUTES_OF_FORM,
)
from workflows.presentation import (
    TaskPage,
    count_labels,
    may_start_need,
    start_section,
    task_page,
)
from workflows.task_search import TaskFilters

from .context import capacity, start_url, system
from .forms import build_fields, describe, labels_of, parse_submission, show
from .inputs import query_date

bp = Blueprint("tasks", __name__)
# The end of a need that starts no route (behovsanalys.bpmn).
OUTSIDE_ROUTINE = "utanfor_rutinen"



@bp.get("/")
@login_required
def index() -> Any:
    """The open tasks of the user's organisation and role, newest first; a role without
    tasks (designer, auditor, admin) is sent to its own start page."""
    me = capacity()
    if start_section(me) != policy.WORK:
        return redirect(start_url(me))
    process = request.args.get("process") or None
    mine = request.args.get("mine") == "1"
    finsam = system()
    sort = "due" if request.args.get("sort") == "due" else "new"
    back = (url_for("tasks.index"), _("Till uppgifterna"))
    filters = TaskFilters(
        q=request.args.get("q", "")[:200], party=request.args.get("party") or None,
        overdue=request.args.get("overdue") == "1",
        start=query_date("from", back), end=query_date("to", back))
    tasks = finsam.task_list(me, process_id=process, claimed_by_me=mine, sort=sort,
                             filters=filters)
    counts, total = count_labels(finsam.task_counts(me))
    return render_template(
        "tasks/list.html",
        tasks=tasks,
        counts=counts,
        total=total,
        process=process,
        mine=mine,
        processes=PROCESS_NAMES,
        names=finsam.org_names(me.forbund),
        can_start=may_start_need(me),
        sort=sort,
        overdue={t.id for t in tasks if finsam.is_overdue(t)},
        people=finsam.people_names({t.claimed_by for t in tasks if t.claimed_by}),
        filters=filters,
    )


@bp.route("/tasks/<int:task_id>", methods=["GET", "POST"])
@login_required
def detail(task_id: int) -> Any:
    """A task: instructions, the case's data and the form; POST completes it."""
    me = capacity()
    finsam = system()
    page = task_page(finsam, me, task_id)
    schema = page.detail.form_schema or {"type": "object", "properties": {}}
    errors: dict[str, str] = {}
    raw = None
    status = 200
    if request.method == "POST":
        data = parse_submission(schema, request.form)
        try:
            result = finsam.complete_task(me, task_id, data)
        except InvalidData as error:
            errors = dict(error.details) or {"_form": error.message}
            raw = request.form
            status = 422
        except (Conflict, NotFound):
            return _conflict(task_id, page.detail.task.instance_id, schema, data)
        else:
            _flash_next(result)
            return redirect(url_for("tasks.index"))
    return render_task(page, schema, errors, raw, status)


def render_task(page: TaskPage, schema: dict[str, Any] | None = None,
                errors: dict[str, str] | None = None, raw: Any = None, status: int = 200,
                document_error: str = "") -> Any:
    """The task page: its form (with the refused fields and what was typed) and the documents
    of its step (with a refused upload's reason)."""
    finsam = system()
    errors = errors or {}
    schema = schema or page.detail.form_schema or {"type": "object", "properties": {}}
    fields = build_fields(schema, values=page.detail.data, raw=raw, errors=errors)
    return render_template(
        "tasks/detail.html",
        page=page,
        fields=fields,
        errors=errors,
        form_error=errors.get("_form", ""),
        document_error=document_error,
        document_limit_mb=document_limit() // (1024 * 1024),
        rows=describe(page.data, page.schemas, page.names, hidden=page.hidden_fields),
        processes=PROCESS_NAMES,
        receivers=(finsam.handover_candidates(capacity(), page.detail.task.id)
                   if page.can_hand_over else []),
        people=finsam.people_names({page.detail.task.claimed_by or "",
                                    *(d.uploaded_by for d in page.documents)}),
    ), status


def _conflict(task_id: int, instance_id: int, schema: dict[str, Any],
              data: dict[str, Any]) -> Any:
    """The step could not be saved because the task changed under the user (done in another
    browser, taken by a colleague): say what happened in Swedish, show what they wrote so it is
    not lost, and where to go on."""
    me = capacity()
    finsam = system()
    try:
        now = finsam.task(me, task_id).task
    except (Conflict, NotFound):
        now = None
    if now is not None and now.state == "open" and now.claimed_by and now.claimed_by != me.username:
        holder = finsam.people_names({now.claimed_by}).get(now.claimed_by, now.claimed_by)
        message = _("%(who)s har tagit uppgiften, så det du skrev har inte sparats. Det finns "
                    "kvar nedan: kopiera det och lämna det till %(who)s, eller be om att få "
                    "uppgiften.", who=holder)
    else:
        message = _("Uppgiften är redan slutförd – kanske i ett annat fönster eller av en "
                    "kollega – så det du skrev har inte sparats. Det finns kvar nedan: se i "
                    "ärendet vad som gäller nu.")
    labels = labels_of([schema], COLLECTION_LABELS)
    kept = [(labels.title(k), show(k, v, labels, finsam.org_names(me.forbund)))
            for k, v in data.items()]
    return render_template("tasks/conflict.html", message=message, kept=kept,
                           instance_id=instance_id), 409


def _flash_next(result: CompletionResult) -> None:
    names = system().org_names(capacity().forbund)
    if result.instance.status == "completed":
        outcome = system().end_event_names(result.instance).get(result.instance.outcome or "")
        if outcome:
            flash(_("Klart. Ärendet är avslutat: %(outcome)s.", outcome=outcome), "success")
        else:
            flash(_("Klart. Ärendet är avslutat."), "success")
        _flash_outside_routine(result)
    elif result.open_tasks:
        steps = "; ".join(
            f"{t.name} – {names.get(t.assignee, t.assignee)}" for t in result.open_tasks
        )
        flash(_("Klart. Nästa steg: %(steps)s", steps=steps), "success")
    else:  # running with no task open: it waits for a time in the diagram (a timer)
        flash(_("Klart. Ärendet väntar nu på en tidpunkt i processen, till exempel den 31 "
                "januari för årets deltagare. Nästa steg öppnas då av sig självt och syns i "
                "uppgiftslistan för den som ska göra det."), "success")
    for started in result.started:
        flash(
            _("Ett nytt ärende startades: %(process)s",
              process=PROCESS_NAMES.get(started.process_id, started.process_id)),
            "success",
        )


def _flash_outside_routine(result: CompletionResult) -> None:
    """A need that ended outside the routine says so, and why, in words: no route started,
    also when a financing form was chosen for a need outside Finsam's target group (R-S5)."""
    instance = result.instance
    if instance.process_id != NEED_PROCESS or instance.outcome != OUTSIDE_ROUTINE:
        return
    data = instance.data
    form = data.get("finansieringsform")
    if data.get("inom_finsam_malgrupp") is False and form in ROUTES_OF_FORM:
        flash(_("Behovet gäller inte Finsams målgrupp (individer i behov av samordnade "
                "rehabiliteringsinsatser), så det hanteras utanför rutinen: vald "
                "finansieringsform (%(form)s) används inte och inget ärende startades. "
                "Skäl: %(reason)s",
                form=CHOICES["finansieringsform"].get(str(form), str(form)),
                reason=data.get("skal") or ""), "warning")
    else:
        flash(_("Behovet hanteras utanför rutinen och inget ärende startades. Skäl: %(reason)s",
                reason=data.get("skal") or ""), "warning")


@bp.post("/tasks/<int:task_id>/claim")
@login_required
def claim(task_id: int) -> Any:
    """Take the task for yourself."""
    system().claim_task(capacity(), task_id)
    flash(_("Du har tagit uppgiften."), "success")
    return redirect(request.form.get("back") == "list" and url_for("tasks.index")
                    or url_for("tasks.detail", task_id=task_id))


@bp.post("/tasks/<int:task_id>/unclaim")
@login_required
def unclaim(task_id: int) -> Any:
    """Release the task so that a colleague can take it."""
    system().unclaim_task(capacity(), task_id)
    flash(_("Du har släppt uppgiften."), "success")
    return redirect(url_for("tasks.detail", task_id=task_id))


@bp.post("/tasks/<int:task_id>/handover")
@login_required
def hand_over(task_id: int) -> Any:
    """Hand a task you hold to a named colleague, who is told by e-mail."""
    receiver = system().hand_over_task(capacity(), task_id, request.form.get("username", ""))
    flash(_("Uppgiften är lämnad till %(name)s.", name=receiver.display_name), "success")
    return redirect(url_for("tasks.index"))
