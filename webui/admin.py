"""The förbund's admin: its people (invited by e-mail, their capacities changed, switched off or
removed, erased) and the retention of ended accounts; its member organisations are
`webui.member_organisations`. Every change is recorded in the
förbund's administrative history (`workflows.admin_history`), which the auditor reads."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from engine import InvalidData, NotFound
from workflows import directory, policy, retention
from workflows.memberships import ADDED, CREATED, INVITED, Added, add_member, members_of, set_active
from workflows.notify import SmtpConfig
from workflows.parties import ROLE_NAMES, ROLES
from workflows.people import change_membership, invite, remove_membership

from .context import capacity, system
from .filters import N_

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _require_admin() -> None:
    policy.require(capacity(), policy.ADMINISTER)


def _common() -> dict[str, Any]:
    me = capacity()
    return {"roles": [(r, ROLE_NAMES[r]) for r in ROLES if policy.given_by_admin(r)],
            "orgs": system().org_names(me.forbund)}


def _page(errors: dict[str, str], form: Any) -> str:
    """The people of the förbund, and the form to add one with a password."""
    return render_template("admin/users.html", users=members_of(system().db, capacity().forbund),
                           errors=errors, form=form,
                           retention_months=retention.months_of(system().db, capacity().forbund),
                           **_common())


def _person_page(username: str, errors: dict[str, str] | None = None) -> str:
    """One person's capacities in the förbund, each to change or remove; NotFound when the
    person has none here."""
    for row in members_of(system().db, capacity().forbund):
        if row.username == username:
            return render_template("admin/person.html", person=row, errors=errors or {},
                                   **_common())
    raise NotFound(_("%(user)s har ingen roll i förbundet. Välj en användare i listan.",
                     user=username))


def _owner_of(membership_id: int) -> str:
    for row in members_of(system().db, capacity().forbund):
        if any(m[0] == membership_id for m in row.memberships):
            return row.username
    raise NotFound(_("Rollen finns inte i förbundet. Välj en i listan."))


def _invite_page(errors: dict[str, str], form: Any) -> str:
    return render_template("admin/invite.html", errors=errors, form=form, **_common())


@bp.get("/users/<username>")
@login_required
def person(username: str) -> Any:
    """One person's capacities in the admin's förbund."""
    _require_admin()
    return _person_page(username)


@bp.get("/invite")
@login_required
def invite_form() -> Any:
    """The form to invite a person by e-mail."""
    _require_admin()
    return _invite_page({}, {})


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
        set_active(system().db, capacity().forbund, username, active, by=capacity().username)
    except NotFound:
        # Not the förbund's (another förbund's account, or none): it does not exist here.
        raise NotFound(_("%(user)s har ingen roll i förbundet. Välj en användare i listan.",
                         user=username)) from None
    flash(_("Ändringen är sparad. Den gäller bara i det här förbundet."), "success")
    return redirect(url_for("admin.users"))


@bp.post("/retention")
@login_required
def set_retention() -> Any:
    """Set how many months after a person's roles ended their account is erased (empty: none)."""
    _require_admin()
    me = capacity()
    text = request.form.get("months", "").strip()
    if text and not text.isdigit():
        return _page({"months": _("Skriv ett antal månader med siffror, eller lämna tomt.")},
                     request.form), 422
    try:
        retention.set_months(system().db, me.forbund, int(text) if text else None, me.username)
    except InvalidData as error:
        return _page(error.details, request.form), 422
    flash(_("Ändringen är sparad."), "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<username>/erase")
@login_required
def erase(username: str) -> Any:
    """Erase a person whose memberships in the förbund have all ended (GDPR art. 17)."""
    _require_admin()
    me = capacity()
    if username == me.username:
        flash(_("Du kan inte radera dig själv."), "error")
        return redirect(url_for("admin.users"))
    try:
        directory.erase(system().db, username, me.username, forbund=me.forbund)
    except NotFound:
        raise NotFound(_("%(user)s har ingen roll i förbundet. Välj en användare i listan.",
                         user=username)) from None
    except InvalidData as error:
        return _person_page(username, {"person": _(ERASE_REFUSALS.get(
            error.message, error.message))}), 422
    flash(_("Personens uppgifter är raderade. Historiken visar nu »borttagen person«."),
          "success")
    return redirect(url_for("admin.users"))


# Why an erasure was refused (the messages of `directory.erase`), for the person's page.
ERASE_REFUSALS = {
    "memberships": N_("Personen har roller som inte är avslutade. Inaktivera personen först."),
    "person elsewhere": N_("Personen har roller i ett annat förbund. Be driften radera "
                           "personen när alla roller är avslutade."),
    "claimed": N_("Personen har tagit uppgifter som inte är klara. Lämna över eller släpp dem "
                  "först."),
}


@bp.post("/invite")
@login_required
def invite_user() -> Any:
    """Invite a person by e-mail: a new account gets a one-time link, valid 72 hours, to choose
    its password; an account that exists is invited to accept the capacity after login."""
    _require_admin()
    me = capacity()
    form = request.form
    try:
        invited = invite(system().db, me.forbund, form.get("username", "").strip().lower(),
                         form.get("email", ""), form.get("org", ""), form.get("role", ""),
                         form.get("display_name", "").strip() or None, me.username)
    except InvalidData as error:
        return _invite_page(error.details, form), 422
    if not invited.created:
        flash(_("%(user)s har redan ett konto. Hen har fått rollen, eller en inbjudan att tacka "
                "ja till när hen loggar in; lösenordet ändrades inte.", user=invited.username),
              "success")
    elif SmtpConfig.from_env() is None:
        link = url_for("people.invitation", token=invited.link, _external=True)
        flash(_("E-post är avstängd, så inbjudan skickades inte. Ge %(user)s den här länken "
                "själv (den gäller i 72 timmar och fungerar en gång): %(link)s",
                user=invited.username, link=link), "success")
    else:
        flash(_("%(user)s har fått en inbjudan med e-post. Länken gäller i 72 timmar.",
                user=invited.username), "success")
    return redirect(url_for("admin.users"))


@bp.post("/memberships/<int:membership_id>")
@login_required
def change(membership_id: int) -> Any:
    """Change one capacity's organisation and role."""
    _require_admin()
    me = capacity()
    owner = _owner_of(membership_id)
    try:
        username = change_membership(system().db, me.forbund, membership_id,
                                     request.form.get("org", ""), request.form.get("role", ""),
                                     me.username)
    except NotFound:
        raise NotFound(_("Rollen finns inte i förbundet. Välj en i listan.")) from None
    except InvalidData as error:
        return _person_page(owner, error.details), 422
    flash(_("Rollen för %(user)s är ändrad. Hen behöver logga in igen.", user=username),
          "success")
    return redirect(url_for("admin.person", username=username))


@bp.post("/memberships/<int:membership_id>/remove")
@login_required
def remove(membership_id: int) -> Any:
    """Remove one capacity of a person in the förbund."""
    _require_admin()
    me = capacity()
    owner = _owner_of(membership_id)
    try:
        username = remove_membership(system().db, me.forbund, membership_id, me.username)
    except NotFound:
        raise NotFound(_("Rollen finns inte i förbundet. Välj en i listan.")) from None
    except InvalidData as error:
        return _person_page(owner, error.details), 422
    flash(_("Rollen är borttagen för %(user)s.", user=username), "success")
    return redirect(url_for("admin.users"))
