"""Structured logs: one JSON line per request, with a request id that follows the request.

The id is the incoming `X-Request-Id` when that is a plain token (letters, digits, `.`, `_`, `-`,
at most 64), else a new random one. It goes back in the `X-Request-Id` response header and on
every line written about the request (the request itself, engine errors, crashes), so that a
user's report or a proxy's log leads to the server's lines.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import time
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, got_request_exception, has_request_context, request

LOGGER = logging.getLogger("finsam.requests")
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
HEADER = "X-Request-Id"


def request_id() -> str:
    """The id of the current request ('-' outside a request)."""
    if not has_request_context():
        return "-"
    if "request_id" not in g:
        incoming = request.headers.get(HEADER, "")
        g.request_id = incoming if REQUEST_ID.fullmatch(incoming) else secrets.token_hex(8)
    return str(g.request_id)


def log_event(level: int, event: str, **fields: Any) -> None:
    """Write one JSON line about the current request."""
    record = {"ts": datetime.now(UTC).isoformat(timespec="milliseconds"), "event": event,
              "request_id": request_id(), **fields}
    LOGGER.log(level, json.dumps(record, ensure_ascii=False, default=str))


def _who() -> tuple[str | None, str | None]:
    """The user and capacity of the request, if a user was loaded (never loads one itself)."""
    user = g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None, None
    capacity = user.capacity
    return capacity.username, f"{capacity.org}/{capacity.role}@{capacity.forbund}"


def _path() -> str:
    """The request's path, with a one-time link's token (an invitation's, a reset's) left out:
    the log must not hold what opens an account."""
    secret = (request.view_args or {}).get("token")
    if isinstance(secret, str) and secret:
        return request.path.replace(secret, "[token]")
    return request.path


def init_app(app: Flask) -> None:
    """Register first, so that every other hook and handler already has the id."""
    if not app.testing and not LOGGER.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        LOGGER.addHandler(handler)
    if LOGGER.level == logging.NOTSET:
        LOGGER.setLevel(logging.INFO)

    @app.before_request
    def _start() -> None:
        g.request_started = time.perf_counter()
        request_id()

    @app.after_request
    def _log(response: Response) -> Response:
        response.headers[HEADER] = request_id()
        started = g.get("request_started")
        user, capacity = _who()
        log_event(
            logging.INFO, "request", method=request.method, path=_path(),
            status=response.status_code,
            duration_ms=round((time.perf_counter() - started) * 1000, 1) if started else None,
            user=user, capacity=capacity,
            client=request.remote_addr,  # the socket peer, or what the trusted proxies forwarded
        )
        return response

    def _crashed(sender: Flask, exception: BaseException, **_extra: Any) -> None:
        log_event(logging.ERROR, "unhandled_exception", method=request.method,
                  path=_path(), error=type(exception).__name__, message=str(exception)[:500])

    got_request_exception.connect(_crashed, app, weak=False)
