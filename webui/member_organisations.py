"""The förbund's member organisations, on the admin's pages (`/admin/organisations`): listed,
added, removed (one with open tasks, running cases or people is refused, never silently gone).
Every change is recorded in the förbund's administrative history, which the auditor reads."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from engine import InvalidData, NotFound
from workflows import policy
from workflows.parties import KIND_NAMES, PARTY_KINDS
from workflows.people import add_organisation, organisations_of, remove_organisation
from workflows.tenants import Member

from .context import capacity, system

bp = Blueprint("member_orgs", __name__, url_prefix="/admin")


def _require_admin() -> None:
    policy.require(capacity(), policy.ADMINISTER)


def _organisations_page(errors: dict[str, str], form: Any) -> str:
    return render_template("admin/organisations.html",
                           members=organisations_of(system().db, capacity().forbund),
                           kinds=[(k, KIND_NAMES[k]) for k in PARTY_KINDS], errors=errors,
                           form=form)


@bp.get("/organisations")
@login_required
def organisations() -> Any:
    """The förbund's member organisations: listed, added, removed."""
    _require_admin()
    return _organisations_page({}, {})


@bp.post("/organisations")
@login_required
def add_member_organisation() -> Any:
    """Add a member organisation to the förbund."""
    _require_admin()
    me = capacity()
    form = request.form
    try:
        added = add_organisation(system().db, me.forbund, Member(
            form.get("slug", "").strip(), form.get("kind", ""), form.get("name", "").strip()),
            me.username)
    except InvalidData as error:
        return _organisations_page(error.details, form), 422
    flash(_("%(org)s är nu medlem i förbundet.", org=added.name), "success")
    return redirect(url_for("member_orgs.organisations"))


@bp.post("/organisations/<org>/remove")
@login_required
def remove_member_organisation(org: str) -> Any:
    """Remove a member organisation that has no open tasks, running cases or people."""
    _require_admin()
    me = capacity()
    try:
        name = remove_organisation(system().db, me.forbund, org, me.username)
    except NotFound:
        raise NotFound(_("Organisationen är inte medlem i förbundet. Välj en i listan.")
                       ) from None
    except InvalidData as error:
        return _organisations_page(error.details, {}), 422
    flash(_("%(org)s är inte längre medlem i förbundet.", org=name), "success")
    return redirect(url_for("member_orgs.organisations"))
