"""Building the Flask app: configuration, the system, login, CSRF, headers, errors, blueprints."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, g, request, session
from flask_babel import Babel
from flask_login import LoginManager

from workflows import Finsam
from workflows.sessions import LIFETIME
from workflows.users import capacity_by_membership

from . import errors, filters, inputs, keys, metrics, requestlog, security, sessions
from .context import WebUser

LANGUAGES = ("sv", "en")


def build_app(config: dict[str, Any]) -> Flask:
    """The configured app; `config` overrides the defaults and FINSAM_* environment."""
    app = Flask(__name__, instance_path=str(keys.instance_dir()))
    app.config.update(
        SECRET_KEY=os.environ.get("FINSAM_SECRET_KEY"),
        DATABASE_URL=os.environ.get("FINSAM_DATABASE_URL", ""),
        ENV_NAME=os.environ.get("FINSAM_ENV", "development"),
        TRUSTED_PROXIES=os.environ.get("FINSAM_TRUSTED_PROXIES", "0"),  # see webui/sessions.py
        AUDIT_KEY=os.environ.get("FINSAM_AUDIT_KEY", ""),  # signs the heads of exports
        METRICS_TOKEN=os.environ.get("FINSAM_METRICS_TOKEN", ""),  # /metrics: see metrics.py
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("FINSAM_INSECURE_COOKIES") != "1",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=10 * 1024 * 1024,
        # Flask checks every session cookie's signature age against this, and the server-side
        # session (workflows/sessions.py) ends as long after the login: a login lasts 8 hours.
        PERMANENT_SESSION_LIFETIME=LIFETIME,
        BABEL_DEFAULT_LOCALE="sv",
        BABEL_DEFAULT_TIMEZONE="Europe/Stockholm",
        BABEL_TRANSLATION_DIRECTORIES=str(os.path.join(os.path.dirname(__file__), "translations")),
    )
    app.config.update(config)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    app.config["SECRET_KEY"] = keys.secret_key(
        app.config["SECRET_KEY"], app.config["ENV_NAME"] == "production",
        Path(app.instance_path))
    if not app.config["DATABASE_URL"]:
        raise RuntimeError("no database: set DATABASE_URL in the config or FINSAM_DATABASE_URL")

    system = app.config.get("SYSTEM") or Finsam(app.config["DATABASE_URL"])
    app.extensions["finsam"] = system

    sessions.init_app(app)  # first: the trusted client address, before anything reads it
    requestlog.init_app(app)  # every later hook and handler logs with the request id
    inputs.init_app(app)  # before the blueprints: their <int:...> ids use its converter
    _login(app, system)
    Babel(app, locale_selector=_locale)
    security.init_app(app)
    errors.init_app(app)
    metrics.init_app(app, system)
    filters.init_app(app)
    _blueprints(app)
    return app


def _login(app: Flask, system: Finsam) -> None:
    manager = LoginManager(app)
    manager.login_view = "auth.login"
    manager.login_message = None
    # flask-login's "strong" protection bound a session to the first X-Forwarded-For entry, which
    # any client writes; webui/sessions.py binds it to the trusted address instead.
    manager.session_protection = None

    @manager.user_loader
    def load_user(user_id: str) -> WebUser | None:
        if not (user_id.isascii() and user_id.isdigit()):
            return None
        owner = sessions.owner()  # None once logged out, revoked, ended or moved elsewhere
        if owner is None:
            return None
        capacity = capacity_by_membership(system.db, int(user_id))
        return WebUser(capacity) if capacity is not None and capacity.username == owner else None

    @manager.request_loader
    def load_from_token(req: Any) -> WebUser | None:
        return security.user_from_bearer(system, req)

    @app.before_request
    def _bearer_only() -> None:
        # A bearer token alone decides who calls. Flask-Login would look at the session first and
        # take any session cookie without a login (a CSRF token, a language) as anonymous.
        if request.headers.get("Authorization", "").startswith("Bearer "):
            g._login_user = security.user_from_bearer(system, request) or manager.anonymous_user()


def _locale() -> str:
    """Swedish first: English only when the user chose it."""
    chosen = request.args.get("lang") or session.get("lang")
    return str(chosen) if chosen in LANGUAGES else "sv"


def _blueprints(app: Flask) -> None:
    from . import (
        admin,
        api,
        audit,
        auth,
        designer,
        instances,
        member_organisations,
        standins,
        tasks,
    )

    for blueprint in (auth.bp, tasks.bp, instances.bp, admin.bp, member_organisations.bp,
                      audit.bp, designer.bp, api.bp, api.health, standins.bp):
        app.register_blueprint(blueprint)
    from . import people, profile, reports, sso  # profile, own password; report; SSO

    app.register_blueprint(reports.bp)
    app.register_blueprint(profile.bp)
    app.register_blueprint(people.bp)
    sso.init_app(app)
    app.register_blueprint(sso.bp)
    from . import api_specs  # a förbund's process versions: deploy, publish, adopt

    app.register_blueprint(api_specs.bp)
    from . import waiting  # where cases wait: the heatmap

    app.register_blueprint(waiting.bp)
    from . import modeler  # the designer's modeler in the browser (bpmn-js, properties panel)

    app.register_blueprint(modeler.bp)
    from . import casefiles  # a case's notes and documents

    app.register_blueprint(casefiles.bp)
    from . import api_casefiles  # the same, as JSON

    app.register_blueprint(api_casefiles.bp)
    from . import national_admin  # the national administrator: förbund from the register
    app.register_blueprint(national_admin.bp)

