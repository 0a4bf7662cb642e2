"""Signing in with a förbund's identity provider (OpenID Connect), beside username and password.

Authlib runs the authorization code flow: discovery from the issuer, PKCE (S256), state and nonce
kept in the session, the code exchanged over the back channel, and the ID token's signature (the
provider's published keys), issuer, audience, expiry and nonce checked. Which account the
identity signs in as is `workflows.identities.sign_in`. Providers: `identities.load_providers`
(FINSAM_OIDC_PROVIDERS), or the config's OIDC_PROVIDERS.
"""

from __future__ import annotations

import logging
from typing import Any

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask, abort, current_app, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from joserfc.errors import JoseError
from requests import RequestException

from engine import Forbidden
from workflows.identities import Provider, load_providers, sign_in
from workflows.users import capacities

from . import sessions
from .context import WebUser, system
from .security import csrf_token

bp = Blueprint("sso", __name__)
log = logging.getLogger(__name__)
SCOPE = "openid email profile"


def providers() -> dict[str, Provider]:
    """The configured providers by id."""
    return current_app.extensions["finsam_sso"]  # type: ignore[no-any-return]


def init_app(app: Flask) -> None:
    """Register each configured provider with Authlib."""
    configured = app.config.get("OIDC_PROVIDERS")
    found: list[Provider] = load_providers() if configured is None else list(configured)
    app.extensions["finsam_sso"] = {p.id: p for p in found}
    oauth = OAuth(app)
    for provider in found:
        oauth.register(
            name=provider.id,
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            server_metadata_url=provider.metadata_url,
            client_kwargs={"scope": SCOPE, "code_challenge_method": "S256", "timeout": 10},
        )
    app.extensions["finsam_oauth"] = oauth

    @app.context_processor
    def _sso() -> dict[str, Any]:
        return {"sso_providers": list(app.extensions["finsam_sso"].values())}


def claims_options(provider: Provider) -> dict[str, Any]:
    """What the ID token must say beyond its signature, expiry and nonce (which Authlib checks):
    issued by the configured issuer, for this client."""
    return {"iss": {"essential": True, "value": provider.issuer},
            "aud": {"essential": True, "value": provider.client_id},
            "sub": {"essential": True}}


def _client(provider_id: str) -> Any:
    if provider_id not in providers():
        abort(404)
    return current_app.extensions["finsam_oauth"].create_client(provider_id)


@bp.get("/login/sso/<provider_id>")
def start(provider_id: str) -> Any:
    """Go to the identity provider to sign in (with state, nonce and a PKCE challenge)."""
    client = _client(provider_id)
    if current_user.is_authenticated:
        return redirect(url_for("tasks.index"))
    try:
        return client.authorize_redirect(
            url_for("sso.callback", provider_id=provider_id, _external=True))
    except (OAuthError, RequestException, ValueError) as error:
        log.warning("OIDC provider %s unreachable: %s", provider_id, error)
        return _refused(_("Inloggningstjänsten svarar inte just nu. Försök igen om en stund "
                          "eller logga in med användarnamn och lösenord."), 502)


@bp.get("/login/sso/<provider_id>/callback")
def callback(provider_id: str) -> Any:
    """Back from the identity provider: check everything, then sign in the linked account."""
    client = _client(provider_id)
    provider = providers()[provider_id]
    try:
        token = client.authorize_access_token(claims_options=claims_options(provider),
                                              leeway=60)
    except (OAuthError, JoseError, RequestException, ValueError, KeyError) as error:
        # A state that is not this browser's, a replayed or expired code, an ID token with the
        # wrong audience, issuer, nonce or signature, or one that has expired.
        log.warning("OIDC sign-in via %s refused: %s", provider_id, error)
        return _refused(_("Inloggningen kunde inte bekräftas. Börja om från inloggningssidan."),
                        401)
    claims = token.get("userinfo")
    if not claims:
        return _refused(_("Inloggningen kunde inte bekräftas. Börja om från inloggningssidan."),
                        401)
    db = system().db
    try:
        username = sign_in(db, provider, claims)
    except Forbidden as error:
        return _refused(str(error), 403)
    found = capacities(db, username)
    if not found:
        return _refused(_("Du har inget uppdrag i något förbund ännu. Be förbundets "
                          "administratör om en inbjudan."), 403)
    chosen = next((c for c in found if c.forbund == provider.forbund), found[0])
    session.clear()  # a new session at login: no fixation, a fresh CSRF token
    csrf_token()
    sessions.begin(username)
    login_user(WebUser(chosen))
    return redirect(url_for("tasks.index"))


def _refused(message: str, status: int) -> Any:
    return render_template("login.html", error=message, username=""), status
