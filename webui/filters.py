"""Template filters: Swedish dates and amounts, ages, names of organisations and steps."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from flask_babel import gettext as _

from .amounts import kronor, sv_number

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def sv_date(value: Any) -> str:
    """2025-03-01: ISO dates, as Swedish public bodies write them."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return value.astimezone(STOCKHOLM).strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def sv_datetime(value: datetime | None) -> str:
    """2025-03-01 14:05 in Swedish time."""
    if value is None:
        return ""
    return value.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def age(value: datetime | None, now: datetime | None = None) -> str:
    """How long ago, in words: 'i dag', '3 dagar'."""
    if value is None:
        return ""
    days = ((now or datetime.now(UTC)) - value).days
    if days <= 0:
        return _("i dag")
    if days == 1:
        return _("1 dag")
    return _("%(n)s dagar", n=days)


def init_app(app: Flask) -> None:
    """Register the filters."""
    app.jinja_env.filters.update(
        sv_date=sv_date, sv_datetime=sv_datetime, sv_number=sv_number, kronor=kronor, age=age
    )
    _register_globals(app)


# -- template globals ---------------------------------------------------------------------------

def N_(message: str) -> str:
    """Mark a message for translation where it is defined; it is translated where shown."""
    return message


ROLE_NAMES_SV = {
    "representant": N_("representant"),
    "kansli": N_("kansli"),
    "styrelse": N_("styrelse"),
    "designer": N_("processdesigner"),
    "auditor": N_("revisor"),
    "admin": N_("administratör"),
    "nationell": N_("Försäkringskassan nationellt"),
    "nationell_admin": N_("nationell administratör"),
}

_FIELD_MESSAGES = {
    "required": N_("Obligatoriskt – fyll i."),
    "unknown field": N_("Fältet finns inte i formuläret."),
    "is not one of the allowed choices": N_("Välj ett av alternativen."),
    "has duplicates": N_("Samma val förekommer flera gånger."),
    "contains control characters": N_("Innehåller otillåtna tecken."),
    "is too long": N_("För lång text."),
    "must be of type integer": N_("Ange ett heltal."),
    "must be of type number": N_("Ange ett tal."),
    "must be of type boolean": N_("Välj ja eller nej."),
    "must be of type string": N_("Ange text."),
    "must be of type array": N_("Välj ett eller flera alternativ."),
    "is not a valid date": N_("Ange ett datum som ÅÅÅÅ-MM-DD."),
    "has the wrong format": N_("Fel format."),
}
_FIELD_PATTERNS = (
    (
        re.compile(r"is too long \(at most (\d+) characters\)"),
        N_("För lång text (högst %(n)s tecken)."),
    ),
    (re.compile(r"is too short \(at least (\d+) characters\)"), N_("Fyll i (minst %(n)s tecken).")),
    (re.compile(r"must be at least (\S+)"), N_("Måste vara minst %(n)s.")),
    (re.compile(r"must be at most (\S+)"), N_("Får vara högst %(n)s.")),
    (re.compile(r"choose at least (\d+)"), N_("Välj minst %(n)s.")),
    (re.compile(r"choose at most (\d+)"), N_("Välj högst %(n)s.")),
)


def field_error(message: str) -> str:
    """An engine field message in the interface language (domain messages pass unchanged)."""
    if message in _FIELD_MESSAGES:
        return _(_FIELD_MESSAGES[message])
    for pattern, text in _FIELD_PATTERNS:
        found = pattern.fullmatch(message)
        if found:
            return _(text, n=found.group(1))
    return message


def role_name(role: str) -> str:
    """A role's name in the interface language."""
    return _(ROLE_NAMES_SV.get(role, role))


@dataclass(frozen=True)
class Story:
    """What a case's history needs to read as sentences: the labels of its forms
    (`webui.forms.Labels`), its outcomes' names by end event id, and people's display names."""

    labels: Any = None
    outcomes: dict[str, str] = field(default_factory=dict)
    people: dict[str, str] = field(default_factory=dict)


def who_did(actor: str, acting_as: str, names: dict[str, str], people: dict[str, str]) -> str:
    """"Anna Berg (Ängelholms kommun)": a person by display name and organisation."""
    capacity, _sep, absent = acting_as.partition(" för ")  # a stand-in: "X för Y"
    org, _sep, role = capacity.partition(" (")
    role = role.rstrip(")")
    where = names.get(org) or (role_name(role) if role else org)
    person = people.get(actor, actor)
    who = f"{person} ({where})" if where and where != person else person
    if absent:
        return _("%(who)s för %(absent)s", who=who, absent=people.get(absent, absent))
    return who


def capacity_label(capacity: Any) -> str:
    """"Klippans kommun · representant" for who acts for an organisation; the auditor,
    designer and admin by their role alone ("Revisor")."""
    from workflows.presentation import acts_for_organisation

    role = role_name(capacity.role)
    if acts_for_organisation(capacity):
        return f"{capacity.org_name} · {role}"
    return role[:1].upper() + role[1:]


def event_text(event: Any, names: dict[str, str], story: Story | None = None) -> str:
    """One line of an instance's timeline: who, from which organisation, did what."""
    story = story or Story()
    who = who_did(event.actor, event.acting_as, names, story.people)
    data = event.data or {}
    if event.kind == "started":
        return _("%(who)s startade ärendet.", who=who)
    if event.kind == "completed":
        step = data.get("name") or event.task
        part = f" – {names.get(data['item'], data['item'])}" if data.get("item") else ""
        summary = _summary(data.get("form") or {}, names, story.labels)
        text = _("%(who)s slutförde »%(step)s«%(part)s.", who=who, step=step, part=part)
        return f"{text} {summary}".strip()
    if event.kind == "claimed":
        return _("%(who)s tog »%(step)s«.", who=who, step=data.get("name") or event.task)
    if event.kind == "unclaimed":
        return _("%(who)s släppte »%(step)s«.", who=who, step=data.get("name") or event.task)
    if event.kind == "handed_over":
        to = str(data.get("to") or "")
        return _("%(who)s lämnade »%(step)s« till %(to)s.", who=who,
                 step=data.get("name") or event.task, to=story.people.get(to, to))
    if event.kind == "outcome":
        outcome = str(data.get("outcome") or "")
        if outcome in story.outcomes:
            return _("Ärendet avslutades: %(outcome)s.", outcome=story.outcomes[outcome])
        return _("Ärendet avslutades.")
    if event.kind == "noted":
        return _("%(who)s skrev en anteckning.", who=who)
    if event.kind == "attached" and data.get("name"):
        return _("%(who)s bifogade dokumentet »%(name)s« till steget »%(step)s«.", who=who,
                 name=data.get("filename") or "", step=data["name"])
    if event.kind == "attached":
        return _("%(who)s bifogade dokumentet »%(name)s«.", who=who,
                 name=data.get("filename") or "")
    if event.kind == "child_started":
        return _("Ärende #%(id)s startades.", id=data.get("instance_id"))
    return f"{event.kind}: {who}"


def _summary(form: dict[str, Any], names: dict[str, str], labels: Any = None) -> str:
    from .forms import labels_of, show

    labels = labels or labels_of([])
    parts = []
    for key, value in list(form.items())[:6]:
        shown = show(key, value, labels, names)
        if len(shown) > 60:
            shown = shown[:57] + "…"
        parts.append(f"{labels.title(key)}: {shown}")
    return "; ".join(parts)


def _register_globals(app: Flask) -> None:
    from flask_babel import get_locale
    from flask_login import current_user

    def current_lang() -> str:
        return str(get_locale() or "sv")

    def my_capacities() -> list[Any]:
        from workflows.users import capacities

        from .context import system

        if not current_user.is_authenticated:
            return []
        return capacities(system().db, current_user.capacity.username)

    def my_sections() -> frozenset[str]:
        from workflows import policy

        if not current_user.is_authenticated:
            return frozenset()
        return policy.nav(current_user.capacity)
    def my_invitations() -> list[Any]:
        from workflows.memberships import invitations_of

        from .context import system

        if not current_user.is_authenticated:
            return []
        return invitations_of(system().db, current_user.capacity.username)

    app.jinja_env.globals.update(
        current_lang=current_lang,
        my_capacities=my_capacities,
        my_sections=my_sections,
        my_invitations=my_invitations,
        field_error=field_error,
        role_name=role_name,
        capacity_label=capacity_label,
        event_text=event_text,
    )
