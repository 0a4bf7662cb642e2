"""Logging in and out, switching capacity and language."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from workflows.users import authenticate, capacities

from . import sessions
from .context import WebUser, capacity, start_url, system
from .filters import role_name
from .ratelimit import LoginThrottle
from .security import csrf_token

bp = Blueprint("auth", __name__)


def _throttle() -> LoginThrottle:
    return current_app.extensions.setdefault(  # type: ignore[no-any-return]
        "login_throttle", LoginThrottle(system().db))  # in the database: one count for all workers


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.netloc and not parts.scheme:
            return target
    return start_url(current_user.capacity) if current_user.is_authenticated else url_for(
        "tasks.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """The login page."""
    if current_user.is_authenticated:
        return redirect(url_for("tasks.index"))
    error = ""
    username = ""
    if request.method == "POST":
        username = request.form.get("username", "").strip().lower()
        password = request.form.get("password", "")
        # The address is the trusted one (webui/sessions.py): a client's X-Forwarded-For
        # buys no fresh allowance. The attempt is counted before the password is checked.
        key = f"{username}|{request.remote_addr}"
        wait = _throttle().attempt(key)
        if wait:
            error = _("För många misslyckade inloggningar. Försök igen om %(s)s sekunder.", s=wait)
            return render_template("login.html", error=error, username=username), 429
        db = system().db
        found = capacities(db, username) if authenticate(db, username, password) else []
        if found:
            _throttle().succeeded(key)
            session.clear()  # a new session at login: no fixation, a fresh CSRF token
            csrf_token()
            sessions.begin(username)  # on the server too, so that logout can end it
            login_user(WebUser(found[0]))
            return redirect(_safe_next(request.args.get("next")))
        error = _("Fel användarnamn eller lösenord.")
        return render_template("login.html", error=error, username=username), 401
    return render_template("login.html", error=error, username=username)


@bp.post("/logout")
@login_required
def logout() -> Any:
    """Log out: the session ends on the server, so no copy of its cookie works afterwards."""
    sessions.end()
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.post("/capacity")
@login_required
def switch_capacity() -> Any:
    """Act in another of your capacities (another organisation, role or förbund)."""
    wanted = request.form.get("membership_id", "")
    for option in capacities(system().db, capacity().username):
        if str(option.membership_id) == wanted:
            login_user(WebUser(option))
            flash(_("Du agerar nu för %(org)s som %(role)s.", org=option.org_name,
                    role=role_name(option.role)))
            return redirect(url_for("tasks.index"))
    flash(_("Den rollen har du inte."), "error")
    return redirect(url_for("tasks.index"))


@bp.post("/language")
def language() -> Any:
    """Switch the interface language."""
    chosen = request.form.get("lang", "sv")
    session["lang"] = chosen if chosen in ("sv", "en") else "sv"
    return redirect(_safe_next(request.form.get("next")))
