"""The bad-input corpus (tests/bad_inputs.py): every malformed or malicious request gets a clear
4xx and changes nothing in the database; through the test client case by case, and all of it over
real HTTP against gunicorn's worker processes. Script and HTML in form data are stored as text and
shown escaped."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from webui import create_app
from workflows import Finsam
from workflows.demo import load_demo

from .agents import Agent, FlaskTransport, HttpTransport, read_session, sign_session
from .bad_inputs import CASES, run_case
from .conftest import BACKENDS
from .corpus_world import Ctx, World, prepare_world, snapshot
from .server import SECRET, Server


def build(url: str) -> tuple[Finsam, World, Any]:
    finsam = Finsam(url)
    finsam.init()
    load_demo(finsam.db)
    world = prepare_world(finsam, SECRET)
    app = create_app({"DATABASE_URL": url, "SYSTEM": finsam, "TESTING": True,
                      "SECRET_KEY": SECRET, "SESSION_COOKIE_SECURE": False})
    return finsam, world, app


@pytest.fixture(scope="module", params=BACKENDS)
def corpus(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Finsam, World, Any]]:
    """One world per backend for the whole corpus: each case must leave it as it was."""
    if request.param == "postgresql":
        url = request.getfixturevalue("own_postgres")()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('corpus') / 'corpus.sqlite3'}"
    finsam, world, app = build(url)
    yield finsam, world, app
    finsam.close()


def test_the_corpus_is_large_and_named_once() -> None:
    names = [case.name for case in CASES]
    assert len(names) >= 40 and len(set(names)) == len(names)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_bad_input_is_refused_and_changes_nothing(corpus: tuple[Finsam, World, Any],
                                                  case: Any) -> None:
    finsam, world, app = corpus
    before = snapshot(finsam)
    problem = run_case(case, Ctx(FlaskTransport(app), world))
    assert problem is None, problem
    assert snapshot(finsam) == before, f"{case.name} changed the database"


def test_the_corpus_over_http_against_worker_processes(reliability_url: str,
                                                       tmp_path: Path) -> None:
    finsam, world, _ = build(reliability_url)
    server = Server(reliability_url, tmp_path / "gunicorn.log")
    server.start()
    try:
        before = snapshot(finsam)
        ctx = Ctx(HttpTransport(server.base_url), world)
        problems = [p for case in CASES if (p := run_case(case, ctx)) is not None]
        after = snapshot(finsam)
    finally:
        server.stop()
        finsam.close()
    assert problems == []
    assert after == before
    assert "Traceback" not in "\n".join(server.log_lines())


@pytest.fixture
def fresh(reliability_url: str) -> Iterator[tuple[Finsam, World, Any]]:
    finsam, world, app = build(reliability_url)
    yield finsam, world, app
    finsam.close()


def test_script_and_html_are_stored_as_text_and_shown_escaped(
        fresh: tuple[Finsam, World, Any]) -> None:
    finsam, world, app = fresh
    transport = FlaskTransport(app)
    hostile = '<script>alert("x")</script><b onmouseover="alert(1)">fet</b>'
    api = Agent(transport, world.tokens["fk"])
    done = api.request("POST", f"/api/tasks/{world.fk_task}/complete",
                       json_body={"forankrad": False, "kommentar": hostile})
    assert done.status == 200
    started = Agent(transport, world.tokens["angelholm"]).request(
        "POST", "/api/instances", json_body={"process_id": "behovsanalys",
                                             "data": {"titel": '<img src=x onerror="alert(2)">'}})
    assert started.status == 201
    stored = api.request("GET", f"/api/instances/{world.esf}/events").json()
    assert any(e["data"].get("form", {}).get("kommentar") == hostile for e in stored)
    browser = Agent(transport)
    browser.login("fk")
    page = browser.request("GET", f"/instances/{world.esf}")
    assert page.status == 200
    assert "&lt;script&gt;alert(" in page.text and "<script>alert" not in page.text
    assert "&lt;b onmouseover=" in page.text and "<b onmouseover" not in page.text
    browser = Agent(transport)
    browser.login("angelholm")
    tasks = browser.request("GET", "/")
    assert "&lt;img src=x onerror=" in tasks.text and "<img src=x" not in tasks.text


def test_the_forged_cookies_differ_only_in_what_the_cases_say(
        fresh: tuple[Finsam, World, Any]) -> None:
    """Re-signed with the right key and a fresh date, the same session works: so the expired and
    the forged cookie of the corpus fail for their date and their key, nothing else."""
    _, world, app = fresh
    agent = Agent(FlaskTransport(app))
    agent.login("fk")
    data = read_session(SECRET, agent.cookies["session"])
    agent.cookies["session"] = sign_session(SECRET, data, int(time.time()) - 60)
    assert agent.request("GET", "/api/tasks").status == 200
    agent.cookies["session"] = sign_session(SECRET, data, int(time.time()) - 7 * 3600)
    assert agent.request("GET", "/api/tasks").status == 200  # within the 8 hours
    agent.cookies["session"] = sign_session(SECRET, data, int(time.time()) - 9 * 3600)
    assert agent.request("GET", "/api/tasks").status == 401
    assert app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() == 8 * 3600


def test_the_login_throttle_holds_across_worker_processes(
        fresh: tuple[Finsam, World, Any]) -> None:
    """Two apps over one database, as two gunicorn workers: failures in one count in the other."""
    finsam, _, app = fresh
    other = create_app({"DATABASE_URL": "unused://", "SYSTEM": Finsam(finsam.db.url),
                        "TESTING": True, "SECRET_KEY": SECRET, "SESSION_COOKIE_SECURE": False})
    first, second = Agent(FlaskTransport(app)), Agent(FlaskTransport(other))
    try:
        for agent in (first, second, first, second, first):
            assert agent.login("klippan", "wrong-password").status == 401
        blocked = second.login("klippan")
        assert blocked.status == 429
        assert "För många misslyckade inloggningar" in blocked.text
        assert first.login("bastad").status == 302  # another account is not blocked
    finally:
        other.extensions["finsam"].close()



def test_a_bearer_token_decides_even_beside_a_session_cookie(
        fresh: tuple[Finsam, World, Any]) -> None:
    """Flask-Login took any session cookie without a login (a CSRF token, a language) as
    anonymous and never looked at the token: an API client that had once fetched a page got 401.
    """
    _, world, app = fresh
    agent = Agent(FlaskTransport(app))
    agent.request("GET", "/login")
    assert "session" in agent.cookies
    agent.token = world.tokens["af"]
    listed = agent.request("GET", "/api/tasks")
    assert listed.status == 200
    browser = Agent(FlaskTransport(app))
    browser.login("fk")
    browser.token = world.tokens["af"]  # a logged-in session of fk, and af's token
    mine = browser.request("GET", f"/api/tasks/{world.fk_task}")
    assert mine.status == 404  # the token's user (af) acts, not the session's (fk)
    browser.token = "ff_not-a-token"
    assert browser.request("GET", "/api/tasks").status == 401  # no fallback to the session


def test_authenticate_refuses_what_is_not_a_username(fresh: tuple[Finsam, World, Any]) -> None:
    from workflows.users import authenticate

    finsam, _, _ = fresh
    assert authenticate(finsam.db, "fk", "finsam-demo")
    for name in ("fk\n", "fk\x00", "FK", "x" * 10_000, ""):
        assert not authenticate(finsam.db, name, "finsam-demo")
