"""Sessions end on the server: at logout, on a password change, when a user is deactivated; the
session is bound to the client address the server trusts, never to a header the client sends."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update

from engine import utc_now
from webui import create_app
from workflows import Finsam
from workflows.sessions import LoginSession
from workflows.users import set_password

from .agents import read_session

SECRET = "test-secret"
PASSWORD = "finsam-demo"


class Client:
    """A browser at one address: a test client with its own cookie jar and REMOTE_ADDR."""

    def __init__(self, app: Flask, address: str = "192.0.2.10",
                 headers: dict[str, str] | None = None) -> None:
        self.client = app.test_client()
        self.environ = {"REMOTE_ADDR": address}
        self.headers = headers or {}

    def get(self, url: str, headers: dict[str, str] | None = None) -> Any:
        return self.client.get(url, environ_base=self.environ,
                               headers={**self.headers, **(headers or {})})

    def post(self, url: str, data: dict[str, str] | None = None,
             headers: dict[str, str] | None = None) -> Any:
        form = {**(data or {}), "csrf_token": self.csrf()}
        return self.client.post(url, data=form, environ_base=self.environ,
                                headers={**self.headers, **(headers or {})})

    def csrf(self) -> str:
        with self.client.session_transaction() as session:
            token = session.get("_csrf")
        if not token:
            self.get("/login")
            with self.client.session_transaction() as session:
                token = session["_csrf"]
        return str(token)

    def login(self, username: str, password: str = PASSWORD) -> Any:
        self.get("/login")
        return self.post("/login", {"username": username, "password": password})

    @property
    def cookie(self) -> str:
        found = self.client.get_cookie("session")
        assert found is not None
        return str(found.value)

    def use_cookie(self, value: str) -> None:
        self.client.set_cookie("session", value)

    def logged_in(self) -> bool:
        status = self.get("/api/tasks").status_code
        assert status in (200, 401), status
        return status == 200


def stolen(app: Flask, cookie: str, address: str = "192.0.2.10",
           headers: dict[str, str] | None = None) -> Client:
    """Another browser that carries a copy of `cookie`."""
    thief = Client(app, address, headers)
    thief.use_cookie(cookie)
    return thief


def test_logout_ends_the_session_for_every_copy_of_the_cookie(app: Flask) -> None:
    user = Client(app)
    assert user.login("fk").status_code == 302
    copy = user.cookie
    assert stolen(app, copy).logged_in()
    user.post("/logout")
    assert not user.logged_in()
    replayed = stolen(app, copy)
    assert not replayed.logged_in()
    page = replayed.get("/")
    assert page.status_code == 302 and "/login" in page.headers["Location"]


def test_a_password_change_ends_every_other_session(app: Flask, finsam: Finsam) -> None:
    kept, other, third = Client(app), Client(app, "192.0.2.11"), Client(app, "192.0.2.12")
    for client in (kept, other, third):
        assert client.login("fk").status_code == 302
    keep = read_session(SECRET, kept.cookie)["_sid"]
    set_password(finsam.db, "fk", "ett-nytt-losenord", keep_session=keep)
    assert kept.logged_in()
    assert not other.logged_in() and not third.logged_in()
    set_password(finsam.db, "fk", "annu-ett-losenord")  # no session kept: all end
    assert not kept.logged_in()
    assert Client(app).login("fk", "annu-ett-losenord").status_code == 302


def test_a_deactivated_user_stays_logged_out_when_reactivated(app: Flask) -> None:
    user, admin = Client(app), Client(app, "192.0.2.20")
    assert user.login("fk").status_code == 302 and admin.login("admin").status_code == 302
    copy = user.cookie
    admin.post("/admin/users/fk/active", {"active": "0"})
    assert not user.logged_in()
    admin.post("/admin/users/fk/active", {"active": "1"})
    assert not stolen(app, copy).logged_in()  # the old session ended; a new login is needed
    assert Client(app).login("fk").status_code == 302


def test_a_session_that_ran_out_on_the_server_is_anonymous(app: Flask, finsam: Finsam) -> None:
    user = Client(app)
    user.login("fk")
    assert user.logged_in()
    with finsam.db.write() as session:
        session.execute(update(LoginSession).values(expires_at=utc_now() - timedelta(seconds=1)))
    assert not user.logged_in()


def test_a_forwarded_for_header_does_not_carry_a_stolen_session(app: Flask) -> None:
    """flask-login's "strong" protection hashed the first X-Forwarded-For address: a thief at
    another address only had to send the victim's address in that header."""
    victim = Client(app, "192.0.2.10")
    assert victim.login("fk").status_code == 302
    thief = stolen(app, victim.cookie, "198.51.100.66", {"X-Forwarded-For": "192.0.2.10"})
    assert not thief.logged_in()
    assert victim.logged_in()


def test_a_forwarded_for_header_does_not_end_the_own_session(app: Flask) -> None:
    user = Client(app, "192.0.2.10")
    assert user.login("fk").status_code == 302
    assert user.logged_in()
    spoofing = stolen(app, user.cookie, "192.0.2.10", {"X-Forwarded-For": "203.0.113.1"})
    assert spoofing.logged_in()  # the header is ignored: same address, same session


@pytest.fixture
def proxied(finsam: Finsam) -> Flask:
    """The app behind one trusted proxy at 10.0.0.2."""
    return create_app({"DATABASE_URL": "unused://", "SYSTEM": finsam, "TESTING": True,
                       "SECRET_KEY": SECRET, "SESSION_COOKIE_SECURE": False,
                       "TRUSTED_PROXIES": 1})


def test_behind_a_trusted_proxy_the_address_it_forwards_binds_the_session(
        proxied: Flask) -> None:
    user = Client(proxied, "10.0.0.2", {"X-Forwarded-For": "192.0.2.10"})
    assert user.login("fk").status_code == 302
    assert user.logged_in()
    # The client forges a first entry; the proxy appends the real address, which counts.
    forged = stolen(proxied, user.cookie, "10.0.0.2",
                    {"X-Forwarded-For": "192.0.2.10, 198.51.100.66"})
    assert not forged.logged_in()
    assert stolen(proxied, user.cookie, "10.0.0.2",
                  {"X-Forwarded-For": "203.0.113.7, 192.0.2.10"}).logged_in()


def test_the_trusted_proxy_count_comes_from_the_environment(
        finsam: Finsam, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINSAM_TRUSTED_PROXIES", "1")
    app = create_app({"DATABASE_URL": "unused://", "SYSTEM": finsam, "TESTING": True,
                      "SECRET_KEY": SECRET, "SESSION_COOKIE_SECURE": False})
    assert app.config["TRUSTED_PROXIES"] == 1
    for wrong in ("-1", "two", "1.5"):
        monkeypatch.setenv("FINSAM_TRUSTED_PROXIES", wrong)
        with pytest.raises(RuntimeError, match="FINSAM_TRUSTED_PROXIES"):
            create_app({"DATABASE_URL": "unused://", "SYSTEM": finsam, "TESTING": True,
                        "SECRET_KEY": SECRET})


def _logged_client(app: Flask, caplog: pytest.LogCaptureFixture,
                   environ: dict[str, str], headers: dict[str, str]) -> str:
    with caplog.at_level(logging.INFO, logger="finsam.requests"):
        app.test_client().get("/login", environ_base=environ, headers=headers)
    [line] = [json.loads(r.getMessage()) for r in caplog.records if r.name == "finsam.requests"]
    return str(line["client"])


def test_the_request_log_names_the_trusted_address(app: Flask, proxied: Flask,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    spoofed = {"X-Forwarded-For": "203.0.113.9"}
    assert _logged_client(app, caplog, {"REMOTE_ADDR": "192.0.2.10"}, spoofed) == "192.0.2.10"
    caplog.clear()
    assert _logged_client(proxied, caplog, {"REMOTE_ADDR": "10.0.0.2"},
                          {"X-Forwarded-For": "1.2.3.4, 192.0.2.44"}) == "192.0.2.44"


def test_a_forwarded_for_header_gives_no_fresh_login_allowance(app: Flask) -> None:
    guesser = Client(app, "192.0.2.10")
    statuses = []
    for attempt in range(7):
        guesser.headers = {"X-Forwarded-For": f"203.0.113.{attempt}"}
        statuses.append(guesser.login("kansli", "wrong-password").status_code)
    assert statuses == [401] * 5 + [429] * 2
