"""Single sign-on with OpenID Connect against a real provider (npm `oidc-provider`, certified)
started on loopback: discovery, the code flow with PKCE, state and nonce; an identity linked only
to an account an admin added with that verified e-mail; refusals of a wrong nonce, a wrong
audience, an expired ID token, a replayed code, a state from elsewhere, and an identity nobody
invited. Skipped, saying why, when Node.js or the npm packages are missing.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from sqlalchemy import select

from workflows import Finsam, notify
from workflows.identities import Provider, linked_identities, parse_providers, sign_in
from workflows.models import OidcIdentity
from workflows.people import invite
from workflows.users import add_user

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tests" / "oidc" / "provider.mjs"
SECRET = "test-client-secret-of-finsam"
APP = "http://localhost"  # the test client's base URL
ACCOUNTS = {
    "anna-sub": {"email": "Anna@AF.example", "email_verified": True, "name": "Anna A"},
    "nobody-sub": {"email": "nobody@af.example", "email_verified": True},
    "unverified-sub": {"email": "anna@af.example", "email_verified": False},
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_provider(redirect_uris: list[str], accounts: dict[str, dict[str, Any]] | None = None
                   ) -> tuple[subprocess.Popen[bytes], str]:
    """Start the provider on a free loopback port with the clients `finsam` and `other` and the
    `accounts` (sub → claims; `ACCOUNTS` by default); skip with the reason when Node.js or its
    packages are missing."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed: the OIDC tests need it for `oidc-provider`")
    if not (ROOT / "node_modules" / "oidc-provider").is_dir():
        pytest.skip("npm packages missing: run `npm ci` for `oidc-provider`")
    port = _free_port()
    clients = [{"client_id": cid, "client_secret": SECRET, "redirect_uris": redirect_uris,
                "grant_types": ["authorization_code"], "response_types": ["code"]}
               for cid in ("finsam", "other")]
    env = {**os.environ, "PORT": str(port), "OIDC_CLIENTS": json.dumps(clients),
           "OIDC_ACCOUNTS": json.dumps(accounts or ACCOUNTS)}
    process = subprocess.Popen([node, str(SCRIPT)], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert process.stdout is not None
    line = process.stdout.readline().decode()  # "ready <issuer>" once it listens
    if not line.startswith("ready "):
        process.kill()
        process.stdout.close()
        pytest.fail(f"oidc-provider did not start: {line!r}")
    return process, line.split()[1]


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    process, url = start_provider([f"{APP}/login/sso/{p}/callback"
                                   for p in ("test-idp", "other-idp")])
    yield url
    process.terminate()
    process.wait(timeout=10)
    assert process.stdout is not None
    process.stdout.close()


def providers(issuer: str) -> list[Provider]:
    return [Provider("test-idp", "Testregionen", "nnv-skane", issuer, "finsam", SECRET),
            Provider("other-idp", "Annan klient", "nnv-skane", issuer, "other", SECRET)]


@pytest.fixture
def sso_app(finsam: Finsam, issuer: str):  # type: ignore[no-untyped-def]
    from webui import create_app

    # Invited at the address her identity provider vouches for (linking reads that address).
    invite(finsam.db, "nnv-skane", "anna", "anna@af.example", "af", "representant",
           "Anna Andersson", "admin")
    return create_app({"DATABASE_URL": "unused://", "SYSTEM": finsam, "TESTING": True,
                       "SECRET_KEY": "test-secret", "SESSION_COOKIE_SECURE": False,
                       "OIDC_PROVIDERS": providers(issuer)})


def through_provider(url: str, login: str) -> str:
    """Sign in at the provider's own pages as `login` and consent; the URL it sends the browser
    back to (the app's callback with code, state and iss)."""
    with requests.Session() as browser:
        return _follow(browser, url, login)


def _follow(browser: requests.Session, url: str, login: str) -> str:
    response = browser.get(url, allow_redirects=False, timeout=10)
    for _ in range(10):
        if response.status_code in (302, 303):
            target = urljoin(response.url, response.headers["Location"])
            if target.startswith(APP + "/"):
                return target
            response = browser.get(target, allow_redirects=False, timeout=10)
            continue
        assert response.status_code == 200, response.text
        action = html.unescape(re.search(r'action="([^"]+)"', response.text).group(1))  # type: ignore[union-attr]
        prompt = re.search(r'name="prompt" value="(\w+)"', response.text).group(1)  # type: ignore[union-attr]
        form = {"prompt": prompt}
        if prompt == "login":
            form |= {"login": login, "password": "any"}
        response = browser.post(urljoin(response.url, action), data=form,
                                allow_redirects=False, timeout=10)
    raise AssertionError("the provider never sent the browser back")


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def begin(client: Any, provider: str = "test-idp") -> str:
    """Press the login page's button: the provider's authorization URL."""
    page = client.get("/login").get_data(as_text=True)
    assert f"/login/sso/{provider}" in page
    response = client.get(f"/login/sso/{provider}")
    assert response.status_code == 302
    return str(response.headers["Location"])


def test_discovery_pkce_state_nonce_and_a_linked_sign_in(sso_app: Any, finsam: Finsam,
                                                        issuer: str) -> None:
    client = sso_app.test_client()
    authorize = begin(client)
    query = parse_qs(urlsplit(authorize).query)
    assert authorize.startswith(issuer + "/auth")  # found by discovery
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["state"][0] and query["nonce"][0]
    back = through_provider(authorize, "anna-sub")
    signed_in = client.get(_path(back))
    assert signed_in.status_code == 302, signed_in.get_data(as_text=True)
    page = client.get("/").get_data(as_text=True)
    assert "Anna Andersson" in page or "anna" in page
    with finsam.db.read() as session:
        assert session.execute(select(OidcIdentity.issuer, OidcIdentity.subject)).all() == [
            (issuer, "anna-sub")]
    client.post("/logout", data={"csrf_token": _csrf(client)})  # ends the local session
    assert client.get("/").status_code == 302
    again = sso_app.test_client()  # the second time by the link alone
    assert again.get(_path(through_provider(begin(again), "anna-sub"))).status_code == 302
    assert again.get("/").status_code == 200


def _csrf(client: Any) -> str:
    with client.session_transaction() as session:
        return str(session["_csrf"])


def test_an_identity_nobody_invited_is_refused(sso_app: Any, finsam: Finsam) -> None:
    for login in ("nobody-sub", "unverified-sub"):
        client = sso_app.test_client()
        response = client.get(_path(through_provider(begin(client), login)))
        assert response.status_code == 403
        assert "Ingen inbjudan" in response.get_data(as_text=True)
        assert client.get("/").status_code == 302
    with finsam.db.read() as session:
        assert session.scalar(select(OidcIdentity.id)) is None


def test_a_wrong_nonce_is_refused(sso_app: Any) -> None:
    client = sso_app.test_client()
    back = through_provider(begin(client), "anna-sub")
    with client.session_transaction() as session:
        for key, value in session.items():
            if key.startswith("_state_test-idp_"):
                value["data"]["nonce"] = "not-the-nonce-sent"
                session[key] = value
    response = client.get(_path(back))
    assert response.status_code == 401
    assert client.get("/").status_code == 302


def test_a_replayed_code_and_a_foreign_state_are_refused(sso_app: Any) -> None:
    client = sso_app.test_client()
    back = through_provider(begin(client), "anna-sub")
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert client.get(_path(back)).status_code == 302
    replay = sso_app.test_client()  # the same browser state before the callback, same code
    replay.set_cookie("session", cookie.value, domain="localhost")
    assert replay.get(_path(back)).status_code == 401
    assert replay.get("/").status_code == 302
    stranger = sso_app.test_client()  # a callback this browser never started
    assert stranger.get(_path(back)).status_code == 401


def _id_token_for_other_client(sso_app: Any) -> dict[str, Any]:
    """A real ID token, signed by the provider, issued to the client `other`."""
    client = sso_app.test_client()
    back = through_provider(begin(client, "other-idp"), "anna-sub")
    with client.session_transaction() as session:
        state = next(v["data"] for k, v in session.items() if k.startswith("_state_other-idp_"))
    with sso_app.app_context():
        oauth = sso_app.extensions["finsam_oauth"].create_client("other-idp")
        metadata = oauth.load_server_metadata()
    code = parse_qs(urlsplit(back).query)["code"][0]
    token = requests.post(metadata["token_endpoint"], timeout=10, auth=("other", SECRET), data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": state["redirect_uri"],
        "code_verifier": state["code_verifier"]}).json()
    return {"token": {**token, "issuer": metadata["issuer"]}, "nonce": state["nonce"]}


def test_a_wrong_audience_and_an_expired_id_token_are_refused(
        sso_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from joserfc.errors import ExpiredTokenError, InvalidClaimError

    from webui.sso import claims_options

    issued = _id_token_for_other_client(sso_app)
    ours, theirs = providers(issued["token"]["issuer"])
    with sso_app.app_context():
        oauth = sso_app.extensions["finsam_oauth"]
        with pytest.raises(InvalidClaimError, match="aud"):  # as the callback checks it
            oauth.create_client("test-idp").parse_id_token(
                issued["token"], issued["nonce"], claims_options=claims_options(ours))
        other = oauth.create_client("other-idp")
        options = claims_options(theirs)
        assert other.parse_id_token(issued["token"], issued["nonce"],
                                    claims_options=options)["sub"] == "anna-sub"
        later = time.time() + 24 * 3600
        monkeypatch.setattr(time, "time", lambda: later)  # a day on: the token has expired
        with pytest.raises(ExpiredTokenError):
            other.parse_id_token(issued["token"], issued["nonce"], claims_options=options)


def test_provider_configuration_keeps_secrets_out_of_the_list(tmp_path: Path) -> None:
    entry = {"id": "region-skane", "name": "Region Skåne", "forbund": "nnv-skane",
             "issuer": "https://login.example.se", "client_id": "finsam"}
    with pytest.raises(RuntimeError, match="never written"):
        parse_providers([{**entry, "client_secret": "x"}], {})
    with pytest.raises(RuntimeError, match="empty"):
        parse_providers([{**entry, "client_secret_env": "SSO_SECRET"}], {})
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    found = parse_providers([{**entry, "client_secret_file": str(secret)}], {})
    assert found[0].client_secret == "from-a-file"
    assert parse_providers([{**entry, "client_secret_env": "S"}], {"S": "v"})[0].client_secret \
        == "v"
    with pytest.raises(RuntimeError, match="https"):
        parse_providers([{**entry, "issuer": "http://login.example.se",
                          "client_secret_env": "S"}], {"S": "v"})


def test_linking_needs_an_account_of_the_providers_forbund(finsam: Finsam) -> None:
    from engine import Forbidden

    provider = Provider("x", "X", "nnv-skane", "https://idp.example", "c", "s",
                        email_domains=("af.example",))
    invite(finsam.db, "nnv-skane", "bo-other", "bo@other.example", "af", "representant", None,
           "admin")
    invite(finsam.db, "nnv-skane", "bo", "bo@af.example", "af", "representant", None, "admin")
    claims = {"iss": "https://idp.example", "sub": "s1", "email": "bo@other.example",
              "email_verified": True}
    with pytest.raises(Forbidden):  # invited, but outside the provider's domains
        sign_in(finsam.db, provider, claims)
    with pytest.raises(Forbidden):  # another issuer than the provider's
        sign_in(finsam.db, provider, {**claims, "iss": "https://evil.example"})
    assert sign_in(finsam.db, provider, {**claims, "email": "bo@af.example"}) == "bo"
    assert sign_in(finsam.db, provider, {"iss": "https://idp.example", "sub": "s1"}) == "bo"
    with pytest.raises(Forbidden):  # a second identity of the same provider for the account
        sign_in(finsam.db, provider, {**claims, "sub": "s2", "email": "bo@af.example"})


def test_linking_reads_the_invitations_address_not_the_accounts_own(finsam: Finsam) -> None:
    """The e-mail in a person's profile is theirs to write: it never links an identity, only
    the address an admin's invitation was sent to does."""
    from engine import Forbidden

    provider = Provider("x", "X", "nnv-skane", "https://idp.example", "c", "s")
    add_user(finsam.db, "bo", "nnv-skane", "af", "representant", "finsam-demo-2")
    notify.set_preferences(finsam.db, "bo", "chefen@af.example", "none")
    claims = {"iss": "https://idp.example", "sub": "chefen", "email": "chefen@af.example",
              "email_verified": True}
    with pytest.raises(Forbidden):
        sign_in(finsam.db, provider, claims)
    invite(finsam.db, "nnv-skane", "cilla", "cilla@af.example", "af", "representant", None,
           "admin")
    notify.set_preferences(finsam.db, "cilla", "cilla.privat@example.org", "none")
    assert sign_in(finsam.db, provider, {**claims, "sub": "cilla",
                                         "email": "Cilla@AF.example"}) == "cilla"
    assert linked_identities(finsam.db, "bo") == []


@pytest.mark.parametrize("between", ["_invited", "_link"])
def test_two_first_sign_ins_of_one_identity_at_once_both_succeed(
        finsam: Finsam, database_url: str, monkeypatch: pytest.MonkeyPatch,
        between: str) -> None:
    """The other sign-in links the identity after this one looked for a link: before it looks
    for the account's other links (`_invited`), or just before it inserts its own."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite serializes writers: no other sign-in can come between")
    from workflows import identities

    provider = Provider("x", "X", "nnv-skane", "https://idp.example", "c", "s")
    invite(finsam.db, "nnv-skane", "bo", "bo@af.example", "af", "representant", None, "admin")
    claims = {"iss": "https://idp.example", "sub": "s1", "email": "bo@af.example",
              "email_verified": True}
    original = getattr(identities, between)

    def meanwhile(*args: Any, **kwargs: Any) -> Any:  # the other sign-in commits its link
        monkeypatch.setattr(identities, between, original)
        assert identities.sign_in(finsam.db, provider, claims) == "bo"
        return original(*args, **kwargs)

    monkeypatch.setattr(identities, between, meanwhile)
    assert identities.sign_in(finsam.db, provider, claims) == "bo"
    with finsam.db.read() as session:
        assert len(session.scalars(select(OidcIdentity.id)).all()) == 1
