"""The national administrator's page: a förbund created from the national register of
samordningsförbund (searched by name), with its first admin invited by e-mail. The same path as
`finsam forbund add --from-register` (`workflows.founding`); asked through `policy.FOUND`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from engine import InvalidData, NotFound
from workflows import policy
from workflows import register as national
from workflows.founding import FirstAdmin, found_from_register, suggested_slug
from workflows.notify import SmtpConfig
from workflows.system import bundled_diagrams
from workflows.tenants import forbund_names

from .context import capacity, system

bp = Blueprint("national_admin", __name__, url_prefix="/national")
MOST_SHOWN = 20  # register entries listed for one search


def _matches(search: str) -> list[national.RegisteredForbund]:
    """The register's förbund whose name (or a member kommun's, or a län's) holds `search`."""
    wanted = national.slugify(search)
    return [entry for entry in national.register()
            if wanted in national.slugify(" ".join([entry.name, *entry.kommuner,
                                                    *(k for ks in entry.kommuner.values()
                                                      for k in ks)]))]


def _page(errors: dict[str, str], form: Any) -> str:
    search = request.args.get("q", "").strip()[:100]
    chosen = form.get("name", "")
    entry = None
    if chosen:
        try:
            entry = national.find(chosen)
        except NotFound:
            entry = None
    existing = forbund_names(system().db)
    found = _matches(search) if search else []
    return render_template(
        "national/forbund.html", errors=errors, form=form, search=search,
        results=found[:MOST_SHOWN], more=max(0, len(found) - MOST_SHOWN),
        names=[e.name for e in national.register()], chosen=entry,
        slug=form.get("slug") or (suggested_slug(entry.name) if entry else ""),
        existing=sorted(existing.items(), key=lambda pair: pair[1]),
        taken=set(existing.values()))


@bp.get("/forbund")
@login_required
def forbund() -> Any:
    """Search the register; choose a förbund (`?name=`) to fill in the form that creates it."""
    policy.require(capacity(), policy.FOUND)
    return _page({}, request.args)


@bp.post("/forbund")
@login_required
def create() -> Any:
    """Create the chosen förbund of the register with its members and diagrams, and invite
    its first admin."""
    me = capacity()
    policy.require(me, policy.FOUND)
    form = request.form
    name = form.get("name", "").strip()
    admin = FirstAdmin(form.get("admin_username", "").strip().lower(),
                       form.get("admin_email", "").strip(),
                       form.get("admin_name", "").strip() or None)
    if not name:
        return _page({"name": _("Välj ett förbund i registret.")}, form), 422
    try:
        founded = found_from_register(system().engine, form.get("slug", "").strip(), name,
                                      admin, me.username, bundled_diagrams(), new_only=True)
    except NotFound as error:
        return _page({"name": str(error)}, form), 422
    except InvalidData as error:
        return _page(error.details or {"slug": error.message}, form), 422
    added, invited = founded.added, founded.invited
    flash(_("%(name)s är skapat med %(count)d medlemsorganisationer och processerna.",
            name=added.name, count=len(added.members_added)), "success")
    if invited is not None and not invited.created:
        flash(_("%(user)s har redan ett konto. Hen har fått en inbjudan att bli förbundets "
                "administratör, att tacka ja till när hen loggar in; lösenordet ändrades inte.",
                user=invited.username), "success")
    elif invited is not None and SmtpConfig.from_env() is None:
        link = url_for("people.invitation", token=invited.link, _external=True)
        flash(_("E-post är avstängd, så inbjudan skickades inte. Ge %(user)s den här länken "
                "själv (den gäller i 72 timmar och fungerar en gång): %(link)s",
                user=invited.username, link=link), "success")
    elif invited is not None:
        flash(_("%(user)s har fått en inbjudan med e-post. Länken gäller i 72 timmar.",
                user=invited.username), "success")
    return redirect(url_for("national_admin.forbund"))
