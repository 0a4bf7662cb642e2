"""Pages without login for a person's own password: setting the first one from an invitation's
link, asking for a reset by e-mail and setting a new one from the reset's link. Each link is
one-time and expires (`workflows.people`); asking for a reset answers the same whether or not the
address is anyone's. The pages act on the account the link names and nothing else; nothing else
is reachable from them, so they ask no ability of the policy (there is no capacity yet)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine import InvalidData
from workflows.links import INVITE, RESET, LinkRefused, link_user, request_reset, use_link

from .auth import _throttle
from .context import system

bp = Blueprint("people", __name__)


def N_(message: str) -> str:
    """Mark a text for translation where it is shown."""
    return message


# workflows.people's reasons a link does not work, translated where they are shown.
LINK_REASONS = (N_("Länken finns inte. Kontrollera att hela länken kom med."),
                N_("Länken är redan använd och fungerar bara en gång."),
                N_("Länken har gått ut: den gäller i 72 timmar."), N_("Kontot är låst."))
RESET_REQUESTS = "reset|"  # the throttle's key prefix: a few requests per address and window


def _link_page(token: str, purpose: str) -> Any:
    try:
        username = link_user(system().db, token, purpose)
    except LinkRefused as refused:
        return render_template("people/link_refused.html", reason=str(refused),
                               purpose=purpose), 410
    errors: dict[str, str] = {}
    if request.method == "POST":
        password = request.form.get("password", "")
        if password != request.form.get("repeat", ""):
            errors = {"repeat": _("Lösenorden är inte lika. Skriv samma lösenord två gånger.")}
        else:
            try:
                use_link(system().db, token, purpose, password)
            except LinkRefused as refused:
                return render_template("people/link_refused.html", reason=str(refused),
                                       purpose=purpose), 410
            except InvalidData as error:
                errors = dict(error.details)
            else:
                flash(_("Ditt lösenord är sparat. Logga in med det nu."), "success")
                return redirect(url_for("auth.login"))
    return render_template("people/set_password.html", username=username, purpose=purpose,
                           errors=errors), 422 if errors else 200


@bp.get("/integritet")
def privacy() -> Any:
    """The privacy notice: what is stored about whom, why and for how long (no login; it shows
    nothing of anyone)."""
    return render_template("people/privacy.html")


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def invitation(token: str) -> Any:
    """An invitation's link: choose the first password of the new account."""
    return _link_page(token, INVITE)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset(token: str) -> Any:
    """A reset's link: choose a new password."""
    return _link_page(token, RESET)


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot() -> Any:
    """Ask for a reset link by e-mail; the same answer whether or not the address is known."""
    if request.method == "POST":
        wait = _throttle().attempt(RESET_REQUESTS + str(request.remote_addr))
        if wait:
            return render_template("people/forgot.html", error=_(
                "För många försök. Försök igen om %(s)s sekunder.", s=wait)), 429
        request_reset(system().db, request.form.get("email", ""))
        flash(_("Om adressen hör till ett konto har vi skickat en länk dit. Länken gäller i 72 "
                "timmar och fungerar en gång. Kom inget? Kontrollera adressen, eller fråga "
                "förbundets administratör."), "success")
        return redirect(url_for("auth.login"))
    return render_template("people/forgot.html", error="")
