"""The auditor's pages: all instances with filters, verify-all, step-through replay, export."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from engine import to_csv, to_json
from workflows import auditing
from workflows.catalogue import PROCESS_NAMES

from .context import capacity, system
from .filters import N_, Story
from .inputs import query_int

bp = Blueprint("audit", __name__, url_prefix="/audit")

SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'"
# The outcomes (end events of the bundled diagrams) by id, named as the diagrams name them.
OUTCOMES = {
    "routes_started": N_("Rutterna startade"),
    "utanfor_rutinen": N_("Utanför rutinen"),
    "insats_genomford": N_("Insats genomförd"),
    "insats_avbruten": N_("Arbetet avbrutet"),
    "avslag": N_("Avslag"),
    "projekt_avslutat": N_("Projekt avslutat"),
    "ej_ansokan": N_("Ej ansökan"),
    "ansokan_avslagen": N_("Ansökan avslagen"),
    "bevakning_avslutad": N_("Bevakning avslutad"),
}


def _date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _filters() -> auditing.InstanceFilter:
    args = request.args
    return auditing.InstanceFilter(
        process_id=args.get("process") or None, status=args.get("status") or None,
        outcome=args.get("outcome") or None, organisation=args.get("org") or None,
        started_from=_date("from"), started_to=_date("to"),
    )


@bp.get("/")
@login_required
def index() -> Any:
    """Every instance of the förbund, filtered."""
    me = capacity()
    filters = _filters()
    rows = auditing.audit_list(system(), me, filters)
    return render_template("audit/list.html", instances=rows, filters=filters,
                           processes=PROCESS_NAMES, outcomes=OUTCOMES,
                           names=system().org_names(me.forbund), results=None)


ADMIN_KINDS = {
    "invited": N_("Inbjuden med e-post"),
    "membership_created": N_("Nytt konto med roll"),
    "membership_added": N_("Roll tillagd"),
    "membership_invited": N_("Inbjuden till roll"),
    "membership_changed": N_("Roll ändrad"),
    "membership_removed": N_("Roll borttagen"),
    "membership_activated": N_("Aktiverad"),
    "membership_deactivated": N_("Inaktiverad"),
    "organisation_added": N_("Medlemsorganisation tillagd"),
    "organisation_removed": N_("Medlemsorganisation borttagen"),
    "invitation_accepted": N_("Tackade ja till inbjudan"),
    "invitation_declined": N_("Tackade nej till inbjudan"),
    "person_erased": N_("Personuppgifter raderade"),
    "stand_in_named": N_("Ställföreträdare utsedd"),
    "stand_in_ended": N_("Ställföreträdare avslutad"),
    "retention_set": N_("Tid för att spara konton ändrad"),
    "forbund_created": N_("Förbundet skapat"),
    "case_text_purged": N_("Fritexten i ett avslutat ärende gallrad"),
}


@bp.get("/administration")
@login_required
def administration() -> Any:
    """Every administrative action in the förbund, and whether its chain verifies."""
    events, check = auditing.administration(system(), capacity())
    return render_template("audit/administration.html", events=events, check=check,
                           admin_kinds=ADMIN_KINDS,
                           people=auditing.administration_people(system(), events),
                           person_fields=auditing.PERSON_FIELDS)


@bp.post("/verify")
@login_required
def verify() -> Any:
    """Verify every instance: chains, ledger and replay."""
    me = capacity()
    results, other = auditing.verify_all(system(), me)
    rows = auditing.audit_list(system(), me, auditing.InstanceFilter())
    by_id = {r.instance_id: r for r in results}
    return render_template("audit/list.html", instances=rows, filters=auditing.InstanceFilter(),
                           processes=PROCESS_NAMES, outcomes=OUTCOMES,
                           names=system().org_names(me.forbund), results=by_id, other=other)


def _step(instance_id: int) -> int | None:
    """`?step=`: the event to show (0 the first; absent: the last)."""
    return query_int("step", _("Händelsen ska anges med ett heltal, 0 eller större."),
                     (url_for("audit.replay", instance_id=instance_id),
                      _("Visa ärendets senaste händelse")))


@bp.get("/instances/<int:instance_id>")
@login_required
def replay(instance_id: int) -> Any:
    """Step through an instance's replay, event by event."""
    position = _step(instance_id)
    view = auditing.step_through(system(), capacity(), instance_id, position)
    return render_template("audit/replay.html", view=view, processes=PROCESS_NAMES,
                           story=Story(people=view.people))


@bp.get("/instances/<int:instance_id>/diagram.svg")
@login_required
def diagram(instance_id: int) -> Any:
    """The diagram at a step, as an image (its own styles; no script)."""
    svg = auditing.diagram_at(system(), capacity(), instance_id, _step(instance_id))
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = SVG_POLICY
    return response


@bp.get("/instances/<int:instance_id>/export.<fmt>")
@login_required
def export(instance_id: int, fmt: str) -> Any:
    """Download the history with its chain head (JSON or CSV)."""
    if fmt not in ("json", "csv"):
        return Response("json or csv", status=404)
    key = str(current_app.config.get("AUDIT_KEY") or "").encode("utf-8") or None
    document = auditing.export(system(), capacity(), instance_id, key)
    body = to_json(document) if fmt == "json" else to_csv(document)
    response = Response(body, mimetype="application/json" if fmt == "json" else "text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="instance-{instance_id}-history.{fmt}"')
    return response
