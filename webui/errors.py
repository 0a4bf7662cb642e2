"""One place that maps the engine's errors to HTTP statuses, for pages and for the API."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from engine import (
    Conflict,
    EngineError,
    ExpressionError,
    Forbidden,
    InvalidData,
    NotFound,
    SpecError,
    WorkflowFailure,
)
from workflows.outages import describe

from . import problem_texts
from .inputs import BadQuery
from .requestlog import log_event

STATUS: dict[type[EngineError], int] = {
    NotFound: 404,
    Forbidden: 403,
    Conflict: 409,
    InvalidData: 422,
    SpecError: 422,
    ExpressionError: 422,
    WorkflowFailure: 409,
}


def status_of(error: EngineError) -> int:
    """The HTTP status of an engine error."""
    for cls, status in STATUS.items():
        if isinstance(error, cls):
            return status
    return 500


def details_of(error: EngineError) -> dict[str, Any]:
    """The field messages (invalid data) or problems (invalid spec) of an error."""
    if isinstance(error, InvalidData):
        return dict(error.details)
    if isinstance(error, SpecError):  # each problem also in the caller's language, as lint says it
        return {"problems": [{**p.to_dict(), "text": problem_texts.problem_message(p),
                              "fix": problem_texts.problem_hint(p)} for p in error.problems]}
    return {}


def api_error(
    status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> Response:
    """A JSON error response as CONTRACT.md describes."""
    response = jsonify({"error": code, "message": message, "details": details or {}})
    response.status_code = status
    return response


def wants_json() -> bool:
    return request.path.startswith("/api/")


RETRY_AFTER_SECONDS = 5


def _task_conflict(message: str) -> str:
    """The engine's conflicts over a task, in Swedish for people (the API keeps its codes)."""
    if message.startswith("the task is claimed by"):
        return _("En kollega har redan tagit uppgiften. Be hen släppa den, eller välj en annan "
                 "uppgift i listan.")
    if message.startswith(("the task is already", "the task is no longer ready")):
        return _("Uppgiften är redan slutförd, kanske i ett annat fönster eller av en kollega. "
                 "Se ärendet för vad som väntar nu.")
    if message == "you have not claimed this task":
        return _("Du har inte tagit den här uppgiften, så du kan inte släppa den.")
    return message


def init_app(app: Flask) -> None:
    """Register the handlers."""

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PoolTimeout)
    def _database_unavailable(error: Exception) -> Any:
        # The database cannot be reached (restarting, a dropped connection, the pool exhausted)
        # or is busy: nothing was done, and the same request may succeed in a moment. The pool
        # drops a broken connection itself; the next request takes a new one.
        log_event(logging.WARNING, "database_unavailable", status=503, error=describe(error))
        message = _("Databasen går inte att nå just nu, så inget har sparats. Vänta en stund "
                    "och försök igen.")
        if wants_json():
            response = api_error(503, "unavailable", message)
        else:
            # Rendered without the context processors: they would load the user from the
            # database that is away.
            page = app.jinja_env.get_template("unavailable.html").render(
                _=_, message=message, lang=str(get_locale() or "sv"), request=request,
                url_for=url_for)
            response = app.response_class(page, status=503, mimetype="text/html")
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.errorhandler(EngineError)
    def _engine_error(error: EngineError) -> Any:
        status = status_of(error)
        message = str(error) if not isinstance(error, InvalidData) else error.message
        log_event(logging.WARNING if status >= 500 else logging.INFO, "engine_error",
                  status=status, error=error.code, message=message[:500])
        if wants_json():
            return api_error(status, error.code, message, details_of(error))
        if isinstance(error, Conflict):
            message = _task_conflict(message)
        if isinstance(error, WorkflowFailure | ExpressionError | SpecError):
            # Designer content that failed at run time: the user cannot fix it; say so, and
            # what to hand on to the one who can.
            message = _("Steget kunde inte genomföras eftersom processen innehåller ett fel som "
                        "en processdesigner behöver rätta. Inget har sparats. Kontakta er "
                        "processdesigner och försök igen när en rättad version finns. "
                        "Uppgift till processdesignern: %(detail)s", detail=message)
        return render_template("error.html", status=status, message=message), status

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Any:
        status = error.code or 500
        if wants_json():
            if status == 413:
                return api_error(413, "too_large", "the request body is too large")
            return api_error(status, error.name.lower().replace(" ", "_"), error.description or "")
        if isinstance(error, BadQuery):
            return render_template("error.html", status=status, message=error.message,
                                   onward=error.onward), status
        messages = {
            400: _("Begäran kunde inte behandlas. Ladda om sidan och försök igen."),
            403: _("Du har inte behörighet till den här sidan."),
            404: _("Sidan finns inte, eller så har du inte behörighet att se den."),
            405: _("Metoden är inte tillåten här."),
            413: _("Det du skickade är för stort."),
            429: _("För många försök. Vänta en stund och försök igen."),
        }
        message = messages.get(status, _("Något gick fel."))
        if error.description == "csrf":
            message = _("Formuläret hade gått ut. Ladda om sidan och försök igen.")
        return render_template("error.html", status=status, message=message), status
