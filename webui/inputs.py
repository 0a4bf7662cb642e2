"""Request input that must never reach the database: NUL characters and ids beyond its integers.

PostgreSQL refuses a NUL in any text value and an id beyond a 32-bit integer, and it does so with
a database error (a 500) deep inside a view. Both are refused here, at the edge, as 400 and 404.
An integer in the query string (`?step=`) is read with `query_int`: ASCII digits, else a 400 that
says so in Swedish and links onward (`²` passes `str.isdigit` but not `int`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from flask import Flask, abort, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter, Map

MAX_ID = 2**31 - 1  # the tables' integer ids (INTEGER on PostgreSQL)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
ASCII_INTEGER = re.compile(r"[0-9]{1,30}")


class BadQuery(BadRequest):
    """A query parameter the view cannot use: a 400 with a message for people and a way onward
    (`onward`: a URL and its link text; the error page links home when it is None)."""

    def __init__(self, message: str, onward: tuple[str, str] | None = None) -> None:
        super().__init__(description=message)
        self.message = message
        self.onward = onward


class IdConverter(IntegerConverter):
    """`<int:...>` that matches only what fits the database's integer ids (else 404)."""

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = None, signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, MAX_ID if max is None else max, signed)


def query_int(name: str, message: str, onward: tuple[str, str] | None = None, *,
              lowest: int = 0) -> int | None:
    """The query parameter `name` as an integer of at least `lowest`; None when absent or empty.

    Other digits than 0-9, signs, spaces, exponents or a value below `lowest` raise BadQuery with
    `message`; a number beyond the tables' integers is a 404 (no row has it, and it never reaches
    SQL).
    """
    raw = request.args.get(name, "")
    if raw == "":
        return None
    if ASCII_INTEGER.fullmatch(raw) is None or int(raw) < lowest:
        raise BadQuery(message, onward)
    if int(raw) > MAX_ID:
        abort(404)
    return int(raw)


def required_int(name: str, message: str, onward: tuple[str, str] | None = None, *,
                 lowest: int = 0) -> int:
    """`query_int` for a parameter the view cannot do without (absent: BadQuery)."""
    value = query_int(name, message, onward, lowest=lowest)
    if value is None:
        raise BadQuery(message, onward)
    return value


def has_nul(values: Iterable[str]) -> bool:
    """Whether any of the texts holds a NUL character."""
    return any("\x00" in value for value in values)


def _request_texts() -> Iterable[str]:
    yield request.path
    for key, value in request.args.items(multi=True):
        yield key
        yield value
    if request.mimetype in FORM_TYPES:
        for key, value in request.form.items(multi=True):
            # A multipart part whose name werkzeug cannot read (`name="\"`) has the key None.
            yield key or ""
            yield value


def init_app(app: Flask) -> None:
    """Install the id converter (before any blueprint) and the NUL check."""
    app.url_map.converters["int"] = IdConverter

    @app.before_request
    def _refuse_nul() -> Any:
        if has_nul(_request_texts()):
            abort(400, description="text in the request must not contain NUL characters")
        return None


ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def query_date(name: str, onward: tuple[str, str] | None = None) -> date | None:
    """The query parameter `name` as a day (YYYY-MM-DD, as a date field sends it); None when
    absent or empty; anything else raises BadQuery with a way onward."""
    raw = request.args.get(name, "")
    if not raw:
        return None
    try:
        if not ISO_DAY.fullmatch(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise BadQuery(_("Ange datumet som ÅÅÅÅ-MM-DD, till exempel 2026-03-01."),
                       onward) from None
