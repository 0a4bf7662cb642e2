"""Each user's profile: the e-mail address, how to hear about new tasks, invitations to act in
another förbund, and the user's API tokens (listed without their secret, revoked here)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engine import InvalidData, NotFound, utc_now
from workflows.memberships import answer_invitation, invitations_of
from workflows.notify import preferences, set_preferences
from workflows.tokens import revoke_token, tokens_of
from workflows.users import authenticate, set_password

from . import sessions
from .auth import _throttle
from .context import capacity, system

bp = Blueprint("profile", __name__)

def N_(message: str) -> str:
    """Mark a text for translation where it is shown."""
    return message


STATES = {"active": N_("Gäller"), "expired": N_("Har gått ut"), "revoked": N_("Återkallad")}

CHOICES = (
    ("none", N_("Ingen e-post")),
    ("each", N_("E-post när min organisation får en uppgift, och påminnelser")),
    ("digest", N_("En sammanfattning om dagen")),
)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def edit() -> Any:
    """Show and change the user's notification choice."""
    me = capacity()
    email, notify = preferences(system().db, me.username)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        email = request.form.get("email", "")
        notify = request.form.get("notify", "none")
        try:
            set_preferences(system().db, me.username, email, notify)
        except InvalidData as error:
            errors = dict(error.details)
            status = 422
        else:
            flash(_("Dina val är sparade."), "success")
            return redirect(url_for("profile.edit"))
    return _page(email or "", notify, errors), status


def _page(email: str, notify: str, errors: dict[str, str],
          password_errors: dict[str, str] | None = None) -> str:
    me = capacity()
    first_error = next(iter(errors), "")
    return render_template("profile.html", email=email or "", notify=notify, errors=errors,
                           password_errors=password_errors or {},
                           choices=CHOICES, first_error=first_error,
                           tokens=tokens_of(system().db, me.username), now=utc_now(),
                           states=STATES,
                           invitations=invitations_of(system().db, me.username))


@bp.post("/profile/password")
@login_required
def change_password() -> Any:
    """Change your own password: the current one, then the new one twice. Every other session
    of yours ends; this one goes on."""
    if current_user.via_token:
        abort(403)
    me = capacity()
    form = request.form
    errors: dict[str, str] = {}
    key = f"{me.username}|{request.remote_addr}"  # the login's throttle: no guessing here either
    wait = _throttle().attempt(key)
    if wait:
        errors["current"] = _("För många misslyckade försök. Försök igen om %(s)s sekunder.",
                              s=wait)
    elif not authenticate(system().db, me.username, form.get("current", "")):
        errors["current"] = _("Det nuvarande lösenordet stämmer inte.")
    elif form.get("password", "") != form.get("repeat", ""):
        errors["repeat"] = _("Lösenorden är inte lika. Skriv samma lösenord två gånger.")
    else:
        _throttle().succeeded(key)
        try:
            set_password(system().db, me.username, form.get("password", ""),
                         keep_session=sessions.current_token())
        except InvalidData as error:
            errors = dict(error.details)
    if errors:
        email, notify = preferences(system().db, me.username)
        return _page(email or "", notify, {}, errors), 422
    flash(_("Ditt lösenord är bytt. Du är utloggad överallt utom här."), "success")
    return redirect(url_for("profile.edit") + "#password")


@bp.post("/profile/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int) -> Any:
    """Revoke one of the user's own API tokens (from a logged-in session, not with a token)."""
    if current_user.via_token:
        abort(403)
    try:
        revoke_token(system().db, capacity().username, token_id)
    except NotFound:
        abort(404)
    flash(_("Nyckeln är återkallad. Program som använder den får inte längre svar."), "success")
    return redirect(url_for("profile.edit") + "#tokens")


@bp.post("/profile/invitations")
@login_required
def answer() -> Any:
    """Accept or decline one of your invitations to act in another förbund."""
    me = capacity()
    choice = request.form.get("answer", "")
    wanted = request.form.get("membership_id", "")
    if choice not in ("accept", "decline") or len(wanted) > 10 \
            or not (wanted.isascii() and wanted.isdigit()):
        flash(_("Välj att tacka ja eller nej till en av inbjudningarna nedan."), "error")
        return redirect(url_for("profile.edit"))
    try:
        invitation = answer_invitation(system().db, me.username, int(wanted), choice == "accept")
    except NotFound:
        flash(_("Inbjudan finns inte längre. Här är de som väntar på ditt svar."), "error")
        return redirect(url_for("profile.edit"))
    if choice == "accept":
        flash(_("Du kan nu agera för %(org)s i %(forbund)s. Välj det under ”Agera som”.",
                org=invitation.org_name, forbund=invitation.forbund_name), "success")
    else:
        flash(_("Du tackade nej till inbjudan från %(forbund)s.",
                forbund=invitation.forbund_name), "success")
    return redirect(url_for("profile.edit"))
