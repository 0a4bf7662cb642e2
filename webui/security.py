"""CSRF protection, security headers and bearer tokens."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from flask import Flask, Request, abort, request, session

from workflows import Finsam
from workflows.users import capacities, user_for_token

from .context import WebUser

CSRF_KEY = "_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


def csrf_token() -> str:
    """The session's CSRF token (created on first use)."""
    token = session.get(CSRF_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        session[CSRF_KEY] = token
    return str(token)


def _csrf_ok() -> bool:
    expected = session.get(CSRF_KEY)
    given = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    return bool(expected) and hmac.compare_digest(str(expected), given)


def user_from_bearer(system: Finsam, req: Request) -> WebUser | None:
    """The user of an `Authorization: Bearer` token, acting in their first capacity."""
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    username = user_for_token(system.db, header[len("Bearer "):].strip())
    if username is None:
        return None
    found = capacities(system.db, username)
    wanted = req.headers.get("X-Finsam-Capacity", "")
    for capacity in found:
        if wanted and str(capacity.membership_id) == wanted:
            return WebUser(capacity, via_token=True)
    return WebUser(found[0], via_token=True) if found else None


def init_app(app: Flask) -> None:
    """CSRF on every unsafe request that rides on the session cookie; headers on every response."""

    @app.before_request
    def _check_csrf() -> None:
        limit = app.config.get("MAX_CONTENT_LENGTH")
        if limit and (request.content_length or 0) > limit:
            abort(413)  # before anything reads (and spools to disk) a body that is too large
        if request.method in SAFE_METHODS:
            return
        if request.headers.get("Authorization", "").startswith("Bearer "):
            return  # a bearer token is not sent by browsers on their own: no CSRF possible
        if not _csrf_ok():
            if request.path.startswith("/api/"):
                from .errors import api_error

                abort(api_error(400, "csrf", "missing or wrong CSRF token"))
            abort(400, description="csrf")

    @app.after_request
    def _headers(response: Any) -> Any:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        if request.path.startswith("/api/") or request.endpoint not in (None, "static"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    app.jinja_env.globals["csrf_token"] = csrf_token
