"""User administration for the förbund's admin."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from engine import InvalidData, NotFound
from workflows import policy
from workflows.memberships import ADDED, CREATED, INVITED, Added, add_member, members_of, set_active
from workflows.parties import ROLE_NAMES, ROLES

from .context import capacity, system

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _require_admin() -> None:
    policy.require(capacity(), policy.ADMINISTER)


def _page(errors: dict[str, str], form: Any) -> str:
    me = capacity()
    return render_template(
        "admin/users.html",
        users=members_of(system().db, me.forbund),
        roles=[(r, ROLE_NAMES[r]) for r in ROLES],
        orgs=system().org_names(me.forbund),
        errors=errors,
        form=form,
    )


@bp.get("/users")
@login_required
def users() -> Any:
    """The users of the admin's förbund."""
    _require_admin()
    return _page({}, {})


@bp.post("/users")
@login_required
def add() -> Any:
    """Add a user, or another capacity for an existing user of the förbund; invite an account
    that exists elsewhere (its password is never set or changed here)."""
    _require_admin()
    me = capacity()
    form = request.form
    try:
        added = add_member(
            system().db,
            me.forbund,
            form.get("username", "").strip().lower(),
            form.get("org", ""),
            form.get("role", ""),
            form.get("password", ""),
            display_name=form.get("display_name", "").strip() or None,
            added_by=me.username,
        )
    except InvalidData as error:
        return _page(error.details, form), 422
    flash(_outcome_message(added, bool(form.get("password"))), "success")
    return redirect(url_for("admin.users"))


def _outcome_message(added: Added, password_given: bool) -> str:
    """What adding did, in plain words; the password's fate is always said."""
    unchanged = _("Lösenordet ändrades inte: kontot fanns redan, och bara dess ägare byter det.")
    if added.outcome == CREATED:
        return str(_("%(user)s kan nu logga in och agera för %(org)s.", user=added.username,
                     org=added.org_name))
    if added.outcome == INVITED:
        return " ".join([_("%(user)s har redan ett konto i ett annat förbund och har fått en "
                           "inbjudan att agera för %(org)s. Rollen gäller när personen har "
                           "loggat in och tackat ja.", user=added.username, org=added.org_name),
                         unchanged])
    if added.outcome == ADDED:
        first = _("%(user)s kan nu också agera för %(org)s.", user=added.username,
                  org=added.org_name)
    else:
        first = _("%(user)s hade redan den rollen, eller en inbjudan till den; inget ändrades.",
                  user=added.username)
    return " ".join([first, unchanged]) if password_given else first


@bp.post("/users/<username>/active")
@login_required
def activate(username: str) -> Any:
    """Deactivate or reactivate a user's memberships in the admin's förbund (and nowhere else)."""
    _require_admin()
    active = request.form.get("active") == "1"
    if username == capacity().username and not active:
        flash(_("Du kan inte inaktivera dig själv."), "error")
        return redirect(url_for("admin.users"))
    try:
        set_active(system().db, capacity().forbund, username, active)
    except NotFound:
        # Not the förbund's (another förbund's account, or none): it does not exist here.
        raise NotFound(_("%(user)s har ingen roll i förbundet. Välj en användare i listan.",
                         user=username)) from None
    flash(_("Ändringen är sparad. Den gäller bara i det här förbundet."), "success")
    return redirect(url_for("admin.users"))
