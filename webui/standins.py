"""Ställföreträdare: name a colleague to stand in for you for a period, and end it."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engine import InvalidData, NotFound
from workflows import policy
from workflows.standins import candidates, end_stand_in, name_stand_in, stand_ins_of
from workflows.users import today

from .context import capacity, system

bp = Blueprint("standins", __name__)


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if len(text) <= 10 else None
    except ValueError:
        return None


@bp.route("/standins", methods=["GET", "POST"])
@login_required
def index() -> Any:
    """Your stand-ins both ways; POST names a colleague as your stand-in for a period."""
    me = capacity()
    policy.require(me, policy.WORK)
    db = system().db
    errors: dict[str, str] = {}
    form = {"deputy": "", "starts_on": today().isoformat(), "ends_on": ""}
    status = 200
    if request.method == "POST":
        if current_user.via_token:
            abort(403)
        form = {k: request.form.get(k, "") for k in form}
        starts_on, ends_on = _date(form["starts_on"]), _date(form["ends_on"])
        wanted = form["deputy"]
        if starts_on is None:
            errors["starts_on"] = _("Skriv första dagen som ÅÅÅÅ-MM-DD.")
        if ends_on is None:
            errors["ends_on"] = _("Skriv sista dagen som ÅÅÅÅ-MM-DD.")
        if not (wanted.isascii() and wanted.isdigit() and len(wanted) <= 10):
            errors["deputy"] = _("Välj en kollega i listan.")
        if not errors and starts_on and ends_on:
            try:
                row = name_stand_in(db, me, int(wanted), starts_on, ends_on)
            except InvalidData as error:
                errors = dict(error.details)
            else:
                flash(_("%(name)s står i för dig %(start)s–%(end)s.", name=row.deputy_name,
                        start=row.starts_on.isoformat(), end=row.ends_on.isoformat()),
                      "success")
                return redirect(url_for("standins.index"))
        status = 422
    return render_template("standins.html", errors=errors, form=form,
                           candidates=candidates(db, me), rows=stand_ins_of(db, me),
                           me=me), status


@bp.post("/standins/<int:stand_in_id>/end")
@login_required
def end(stand_in_id: int) -> Any:
    """End a stand-in now (either of its two people may)."""
    if current_user.via_token:
        abort(403)
    me = capacity()
    policy.require(me, policy.WORK)
    try:
        end_stand_in(system().db, me, stand_in_id)
    except NotFound:
        abort(404)
    flash(_("Ställföreträdarskapet är avslutat."), "success")
    return redirect(url_for("standins.index"))
