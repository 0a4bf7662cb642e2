"""Forms from JSON Schema: fields to render, and the submitted strings turned into typed data.

The server validates with the schema itself (in the engine); this module only shapes the HTML
and keeps what the user typed so a form with errors comes back as it was sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from workflows.catalogue import COLLECTION_LABELS

from .amounts import kronor, sv_number

RADIO_LIMIT = 4


@dataclass
class Choice:
    """One option of a choice field."""

    value: str
    label: str
    selected: bool = False


@dataclass
class Field:
    """One form field as the template renders it."""

    name: str
    label: str
    kind: str  # text, textarea, number, date, yesno, radio, select, checkboxes
    required: bool
    description: str = ""
    value: str = ""
    choices: list[Choice] = field(default_factory=list)
    error: str = ""
    max_length: int | None = None
    minimum: int | float | None = None

    @property
    def input_id(self) -> str:
        return f"f-{self.name}"

    @property
    def error_id(self) -> str:
        return f"f-{self.name}-error"

    @property
    def help_id(self) -> str:
        return f"f-{self.name}-help"


def _choices(schema: dict[str, Any]) -> list[tuple[str, str]]:
    if "oneOf" in schema:
        return [
            (str(o.get("const")), str(o.get("title") or o.get("const"))) for o in schema["oneOf"]
        ]
    if "enum" in schema:
        return [(str(v), str(v)) for v in schema["enum"]]
    return []


def _kind(prop: dict[str, Any]) -> str:
    kind = prop.get("type")
    if kind == "boolean":
        return "yesno"
    if kind in ("integer", "number"):
        return "number"
    if kind == "array":
        return "checkboxes"
    if prop.get("format") == "date":
        return "date"
    if _choices(prop):
        return "radio" if len(_choices(prop)) <= RADIO_LIMIT else "select"
    if prop.get("x-widget") == "textarea":
        return "textarea"
    return "text"


def build_fields(
    schema: dict[str, Any],
    values: dict[str, Any] | None = None,
    raw: MultiDict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> list[Field]:
    """The fields of `schema`, filled from typed `values` or from the `raw` submission."""
    values = values or {}
    errors = errors or {}
    required = set(schema.get("required") or [])
    for rule in schema.get("allOf") or []:  # required unless an exception (`if`) holds
        if isinstance(rule, dict) and isinstance(rule.get("else"), dict):
            required |= set(rule["else"].get("required") or [])
    fields = []
    for name, prop in (schema.get("properties") or {}).items():
        kind = _kind(prop)
        options = _choices(prop["items"] if kind == "checkboxes" else prop)
        if raw is not None:
            chosen = set(raw.getlist(name)) if kind == "checkboxes" else {raw.get(name, "")}
            text = raw.get(name, "")
        else:
            value = values.get(name)
            chosen = {_text(v) for v in value} if isinstance(value, list) else {_text(value)}
            text = _text(value) if not isinstance(value, list) else ""
        fields.append(
            Field(
                name=name,
                label=str(prop.get("title") or name),
                kind=kind,
                required=name in required,
                description=str(prop.get("description") or ""),
                value=text,
                choices=[Choice(v, label, v in chosen) for v, label in options],
                error=errors.get(name, ""),
                max_length=prop.get("maxLength"),
                minimum=prop.get("minimum"),
            )
        )
    return fields


def _text(value: Any) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def parse_submission(schema: dict[str, Any], form: MultiDict[str, str]) -> dict[str, Any]:
    """Typed data from the submitted strings; what cannot be converted stays a string so that
    the schema reports it beside its field."""
    data: dict[str, Any] = {}
    for name, prop in (schema.get("properties") or {}).items():
        kind = prop.get("type")
        if kind == "array":
            chosen = [v for v in form.getlist(name) if v != ""]
            if chosen:
                data[name] = chosen
            continue
        raw = form.get(name)
        if raw is None:
            continue
        text = raw.strip()
        if text == "":
            continue
        if kind == "boolean":
            data[name] = {"true": True, "false": False}.get(text, text)
        elif kind in ("integer", "number"):
            data[name] = _number(text, kind)
        else:
            data[name] = raw.replace("\r\n", "\n").strip()
    return data


def _number(text: str, kind: str) -> Any:
    cleaned = text.replace("\u00a0", "").replace(" ", "").replace("kr", "")
    try:
        return int(cleaned) if kind == "integer" else float(cleaned.replace(",", "."))
    except ValueError:
        return text


@dataclass(frozen=True)
class Labels:
    """What a person reads for a variable and its values: the forms' titles, the choices'
    labels, and whether a number is an amount in kronor (its title says "(kr)")."""

    titles: dict[str, str]
    choices: dict[str, dict[str, str]]
    amounts: frozenset[str]

    def title(self, key: str) -> str:
        return self.titles.get(key) or key.replace("_", " ").capitalize()


def labels_of(schemas: list[dict[str, Any]], extra: dict[str, str] | None = None) -> Labels:
    """The labels of every property in `schemas`, rows of lists included; `extra` names
    variables no form asks for (the lists a step collects from each party)."""
    titles: dict[str, str] = dict(extra or {})
    choices: dict[str, dict[str, str]] = {}
    amounts: set[str] = set()

    def walk(schema: dict[str, Any]) -> None:
        for name, prop in (schema.get("properties") or {}).items():
            if not isinstance(prop, dict):
                continue
            title = str(prop.get("title") or "")
            if title.endswith("(kr)"):
                amounts.add(name)
                title = title.removesuffix("(kr)").strip()
            if title:
                titles.setdefault(name, title)
            target = prop.get("items", prop) if prop.get("type") == "array" else prop
            if isinstance(target, dict):
                found = dict(_choices(target))
                if found:
                    choices.setdefault(name, found)
                walk(target)

    for schema in schemas:
        walk(schema)
    return Labels(titles, choices, frozenset(amounts))


def describe(
    data: dict[str, Any],
    schemas: list[dict[str, Any]],
    names: dict[str, str],
    hidden: frozenset[str] = frozenset(),
) -> list[tuple[str, str]]:
    """The instance data as (label, value) rows, labelled by the forms' titles, with choices
    and organisation slugs shown by name, amounts in kronor. Lists of per-party answers are
    summarised."""
    labels = labels_of(schemas, COLLECTION_LABELS)
    rows = []
    for key, value in data.items():
        if key in hidden or key.startswith("_") or value is None or value == "":
            continue
        rows.append((labels.title(key), show(key, value, labels, names)))
    return rows


def show(key: str, value: Any, labels: Labels, names: dict[str, str]) -> str:
    """One value as a person reads it."""
    if isinstance(value, bool):
        return _("Ja") if value else _("Nej")
    if isinstance(value, list):
        if value and all(isinstance(v, dict) for v in value):
            return "; ".join(_answer(v, labels, names) for v in value)
        return ", ".join(show(key, v, labels, names) for v in value)
    if isinstance(value, dict):
        return _answer(value, labels, names)
    if key in labels.amounts and isinstance(value, int | float):
        return kronor(value)
    if isinstance(value, int | float):
        return sv_number(value)
    text = str(value)
    return labels.choices.get(key, {}).get(text) or names.get(text) or text


def _answer(value: dict[str, Any], labels: Labels, names: dict[str, str]) -> str:
    part = value.get("part")
    rest = ", ".join(
        f"{labels.title(k)}: {show(k, v, labels, names)}" for k, v in value.items()
        if k != "part"
    )
    return f"{names.get(str(part), str(part))}: {rest}" if part else rest
