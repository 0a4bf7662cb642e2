"""The web side of login sessions: the server-side session a cookie refers to, the client address
the server trusts, and the identifier that binds a session to that address.

The client address is the socket peer, unless FINSAM_TRUSTED_PROXIES (config TRUSTED_PROXIES)
says how many proxies stand in front: then werkzeug's ProxyFix takes it from that many hops of
X-Forwarded-For (and the scheme from X-Forwarded-Proto). The count is configured, never inferred,
so a client that sends X-Forwarded-For itself changes nothing: not the session binding, not the
login throttle, not the request log.
"""

from __future__ import annotations

import hashlib

from flask import Flask, g, request, session
from werkzeug.middleware.proxy_fix import ProxyFix

from workflows import sessions

from .context import system

TOKEN_KEY = "_sid"
BINDING_KEY = "_bind"


def trusted_proxies(app: Flask) -> int:
    """The configured number of trusted proxies (0 when none); RuntimeError when malformed."""
    text = str(app.config.get("TRUSTED_PROXIES", "0")).strip() or "0"
    if not (text.isascii() and text.isdigit()) or int(text) > 10:
        raise RuntimeError(f"FINSAM_TRUSTED_PROXIES must be a whole number 0-10, not {text!r}")
    return int(text)


def client_identifier() -> str:
    """What a session is bound to: the trusted client address and the user agent, hashed.

    Replaces flask-login's "strong" session protection, which took the first X-Forwarded-For
    entry, a header any client writes, as the address.
    """
    agent = request.headers.get("User-Agent", "")
    base = f"{request.remote_addr}|{agent}"
    return hashlib.sha512(base.encode("utf-8", "surrogatepass")).hexdigest()


def begin(username: str) -> None:
    """Start a server-side session for `username` and refer to it from the cookie."""
    session[TOKEN_KEY] = sessions.open_session(system().db, username)
    session[BINDING_KEY] = client_identifier()
    g.pop("session_owner", None)


def end() -> None:
    """Revoke the server-side session of this cookie (every copy of the cookie is then
    anonymous)."""
    token = session.get(TOKEN_KEY)
    if isinstance(token, str):
        sessions.close_session(system().db, token)


def current_token() -> str | None:
    """The token of this request's session, for `users.set_password(keep_session=...)`."""
    token = session.get(TOKEN_KEY)
    return token if isinstance(token, str) else None


def owner() -> str | None:
    """The username of this cookie's live server-side session, if the request comes from the
    address and agent it was opened for; else None. Asked once per request."""
    if "session_owner" not in g:
        token = current_token()
        bound = session.get(BINDING_KEY) == client_identifier()
        g.session_owner = sessions.session_owner(system().db, token) if token and bound else None
    found = g.session_owner
    return found if isinstance(found, str) else None


def init_app(app: Flask) -> None:
    """Trust the configured number of proxies, no more."""
    hops = trusted_proxies(app)
    app.config["TRUSTED_PROXIES"] = hops
    if hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)
