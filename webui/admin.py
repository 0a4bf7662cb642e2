"""User administration for the förbund's admin."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from engine import InvalidData
from workflows import policy
from workflows.parties import ROLE_NAMES, ROLES
from workflows.users import add_user, set_active, users_of

from .context import capacity, system

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _require_admin() -> None:
    policy.require(capacity(), policy.ADMINISTER)


@bp.get("/users")
@login_required
def users() -> Any:
    """The users of the admin's förbund."""
    _require_admin()
    me = capacity()
    return render_template(
        "admin/users.html",
        users=users_of(system().db, me.forbund),
        roles=[(r, ROLE_NAMES[r]) for r in ROLES],
        orgs=system().org_names(me.forbund),
        errors={},
        form={},
    )


@bp.post("/users")
@login_required
def add() -> Any:
    """Add a user, or another capacity for an existing user."""
    _require_admin()
    me = capacity()
    form = request.form
    try:
        added = add_user(
            system().db,
            form.get("username", "").strip().lower(),
            me.forbund,
            form.get("org", ""),
            form.get("role", ""),
            form.get("password", ""),
            display_name=form.get("display_name", "").strip() or None,
        )
    except InvalidData as error:
        return render_template(
            "admin/users.html",
            users=users_of(system().db, me.forbund),
            roles=[(r, ROLE_NAMES[r]) for r in ROLES],
            orgs=system().org_names(me.forbund),
            errors=error.details,
            form=form,
        ), 422
    flash(_("%(user)s kan nu logga in och agera för %(org)s.", user=added.username,
            org=added.org_name), "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<username>/active")
@login_required
def activate(username: str) -> Any:
    """Deactivate or reactivate a user."""
    _require_admin()
    active = request.form.get("active") == "1"
    if username == capacity().username and not active:
        flash(_("Du kan inte inaktivera dig själv."), "error")
        return redirect(url_for("admin.users"))
    set_active(system().db, capacity().forbund, username, active)
    flash(_("Ändringen är sparad."), "success")
    return redirect(url_for("admin.users"))
