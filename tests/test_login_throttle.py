"""The login throttle counts and records in one atomic step in the database: however many guesses
against one account arrive at once, in threads of one process or in gunicorn's worker processes,
at most five reach the password check in the window."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from webui import create_app
from workflows import Finsam
from workflows.demo import load_demo
from workflows.throttle import LoginFailure

from .agents import Agent, FlaskTransport, HttpTransport
from .server import Server

GUESSES = 40
LIMIT = 5


def race(attempts: list[Callable[[], int]]) -> Counter[int]:
    """Run every attempt at once; count the statuses."""
    barrier = threading.Barrier(len(attempts))
    statuses: list[int] = []
    lock = threading.Lock()

    def run(attempt: Callable[[], int]) -> None:
        barrier.wait()
        status = attempt()
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=run, args=(a,)) for a in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    return Counter(statuses)


def guesser(agent: Agent, username: str) -> Callable[[], int]:
    """A login attempt with a wrong password, its CSRF token fetched beforehand."""
    token = agent.csrf()

    def attempt() -> int:
        return agent.request("POST", "/login", form={
            "username": username, "password": "wrong-guess", "csrf_token": token}).status

    return attempt


def test_concurrent_guesses_in_threads_let_five_through(app: Flask) -> None:
    counts = race([guesser(Agent(FlaskTransport(app)), "kansli") for _ in range(GUESSES)])
    assert sum(counts.values()) == GUESSES
    assert counts[401] <= LIMIT and set(counts) <= {401, 429}, counts
    assert counts[401] == LIMIT  # nothing else blocks a guess, so exactly five were checked


def test_concurrent_guesses_through_two_apps_share_one_count(finsam: Finsam, app: Flask) -> None:
    """Two apps over one database, as two worker processes, each with its own connection pool."""
    other = create_app({"DATABASE_URL": "unused://", "SYSTEM": Finsam(finsam.db.url),
                        "TESTING": True, "SECRET_KEY": "test-secret",
                        "SESSION_COOKIE_SECURE": False})
    try:
        attempts = [guesser(Agent(FlaskTransport(app if i % 2 else other)), "fk")
                    for i in range(GUESSES)]
        counts = race(attempts)
    finally:
        other.extensions["finsam"].close()
    assert counts[401] == LIMIT and counts[429] == GUESSES - LIMIT, counts


def test_a_success_starts_the_count_again(app: Flask) -> None:
    agent = Agent(FlaskTransport(app))
    assert [agent.login("kansli", "wrong").status for _ in range(4)] == [401] * 4
    assert agent.login("kansli").status == 302
    agent = Agent(FlaskTransport(app))
    statuses = [agent.login("kansli", "wrong").status for _ in range(6)]
    assert statuses == [401] * 5 + [429]


def test_a_blocked_attempt_does_not_lengthen_the_block(app: Flask, finsam: Finsam) -> None:
    agent = Agent(FlaskTransport(app))
    for _ in range(12):
        agent.login("kansli", "wrong")
    with finsam.db.read() as session:
        assert session.scalar(select(func.count()).select_from(LoginFailure)) == LIMIT


def test_concurrent_guesses_against_gunicorn_workers_let_five_through(
        reliability_url: str, tmp_path: Path) -> None:
    prepared = Finsam(reliability_url)
    prepared.init()
    load_demo(prepared.db)
    prepared.close()
    server = Server(reliability_url, tmp_path / "gunicorn.log", workers=8)
    server.start()
    try:
        attempts = [guesser(Agent(HttpTransport(server.base_url)), "styrelse")
                    for _ in range(GUESSES)]
        counts = race(attempts)
        allowed = Agent(HttpTransport(server.base_url)).login("kansli").status
    finally:
        server.stop()
    assert counts[401] <= LIMIT and set(counts) <= {401, 429}, counts
    assert sum(counts.values()) == GUESSES
    assert allowed == 302  # another account is not blocked


@pytest.mark.parametrize("hops", [0, 1])
def test_the_throttle_key_is_the_trusted_address(finsam: Finsam, hops: int) -> None:
    app = create_app({"DATABASE_URL": "unused://", "SYSTEM": finsam, "TESTING": True,
                      "SECRET_KEY": "test-secret", "SESSION_COOKIE_SECURE": False,
                      "TRUSTED_PROXIES": hops})
    client = app.test_client()
    client.get("/login")
    with client.session_transaction() as session:
        token = session["_csrf"]

    def attempt(forwarded: str) -> int:
        return int(client.post("/login", data={"username": "af", "password": "wrong",
                                               "csrf_token": token},
                               headers={"X-Forwarded-For": forwarded}).status_code)

    first = [attempt("192.0.2.1") for _ in range(LIMIT)]
    other_client = attempt("192.0.2.2")
    assert first == [401] * LIMIT
    # Without a trusted proxy the header is the client's word: no fresh allowance. Behind one,
    # the proxy's entry is another client's address, which has its own count.
    assert other_client == (429 if hops == 0 else 401)
