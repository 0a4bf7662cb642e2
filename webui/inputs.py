"""Request input that must never reach the database: NUL characters and ids beyond its integers.

PostgreSQL refuses a NUL in any text value and an id beyond a 32-bit integer, and it does so with
a database error (a 500) deep inside a view. Both are refused here, at the edge, as 400 and 404.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter, Map

MAX_ID = 2**31 - 1  # the tables' integer ids (INTEGER on PostgreSQL)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class IdConverter(IntegerConverter):
    """`<int:...>` that matches only what fits the database's integer ids (else 404)."""

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = None, signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, MAX_ID if max is None else max, signed)


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
            yield key
            yield value


def init_app(app: Flask) -> None:
    """Install the id converter (before any blueprint) and the NUL check."""
    app.url_map.converters["int"] = IdConverter

    @app.before_request
    def _refuse_nul() -> Any:
        if has_nul(_request_texts()):
            abort(400, description="text in the request must not contain NUL characters")
        return None
