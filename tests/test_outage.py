"""A database outage under load (PostgreSQL, through a proxy the test cuts and restores, so the
shared server is never restarted): the app answers 503 with a Swedish message (JSON under /api),
never 500; `finsam worker` logs the outage and carries on by itself; no mail goes out twice;
afterwards every acknowledged completion is in the history and replay finds nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from engine.store.models import Notification
from webui import create_app
from workflows import Finsam
from workflows.demo import load_demo
from workflows.notify import set_preferences
from workflows.users import new_token
from workflows.worker import tick

from .conftest import Browser
from .history import check_history, open_tasks
from .load import USERS, HttpClient, Load, Reply, Unavailable
from .proxy import Proxy
from .server import Server
from .test_notifications import Inbox, _free_port
from .test_utlysningsplan import STOP, TASK, bevakningar
from .walk import Desk

FINSAM = Path(sys.executable).parent / "finsam"
UNAVAILABLE_TEXT = "Databasen går inte att nå just nu"


@pytest.fixture
def system(own_postgres: Callable[[], str]) -> Iterator[Finsam]:
    finsam = Finsam(own_postgres())
    finsam.init()
    load_demo(finsam.db)
    yield finsam
    finsam.close()


@pytest.fixture
def proxy(system: Finsam) -> Iterator[Proxy]:
    through = Proxy.to(system.db.url)
    yield through
    through.close()


def test_the_app_answers_503_in_swedish_while_the_database_is_away(
        system: Finsam, proxy: Proxy) -> None:
    behind = Finsam(proxy.url(system.db.url))
    app = create_app({"DATABASE_URL": "unused://", "SYSTEM": behind, "TESTING": True,
                      "SECRET_KEY": "outage-secret", "SESSION_COOKIE_SECURE": False})
    token = new_token(system.db, "fk")
    browser = Browser(app.test_client())
    assert browser.login("kansli").status_code == 302
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/tasks", headers=bearer).status_code == 200
    proxy.cut()
    try:
        listed = api.get("/api/tasks", headers=bearer)
        assert listed.status_code == 503, listed.get_data(as_text=True)
        assert listed.json is not None and listed.json["error"] == "unavailable"
        assert UNAVAILABLE_TEXT in listed.json["message"]
        assert listed.headers["Retry-After"]
        page = browser.get("/")
        assert page.status_code == 503
        assert UNAVAILABLE_TEXT in page.get_data(as_text=True)
        assert "Försök igen" in page.get_data(as_text=True)  # a way onward
        assert api.get("/healthz").status_code == 503
    finally:
        proxy.restore()
    assert api.get("/api/tasks", headers=bearer).status_code == 200  # back by itself
    assert browser.get("/").status_code == 200
    behind.close()


class Counting:
    """A client that counts 5xx answers: a 503 is waited out like a dead server, a 500 is kept."""

    def __init__(self, inner: HttpClient, seen: dict[int, int], lock: threading.Lock) -> None:
        self.inner = inner
        self.user = inner.user
        self.seen = seen
        self.lock = lock

    def call(self, method: str, path: str, body: Any = None) -> Reply:
        reply = self.inner.call(method, path, body)
        if reply.status >= 500:
            with self.lock:
                self.seen[reply.status] = self.seen.get(reply.status, 0) + 1
            if reply.status == 503:
                raise Unavailable("503")
        return reply


def test_an_outage_under_load_loses_nothing_and_sends_nothing_twice(
        system: Finsam, proxy: Proxy, tmp_path: Path) -> None:
    set_preferences(system.db, "af", "af@example.se", "each")
    set_preferences(system.db, "angelholm", "angelholm@example.se", "each")
    tick(system, None)  # the demo's news: handled without mail; the bevakning started
    [bevakning] = bevakningar(system)
    Desk(system.db.url).act("af", bevakning.id, TASK, STOP)  # ended: the clients know it not
    inbox = Inbox()
    smtp_port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    behind = proxy.url(system.db.url)
    server = Server(behind, tmp_path / "gunicorn.log", workers=2)
    worker_log = tmp_path / "worker.log"
    env = {**os.environ, "FINSAM_DATABASE_URL": behind, "FINSAM_SMTP_HOST": "127.0.0.1",
           "FINSAM_SMTP_PORT": str(smtp_port), "FINSAM_SMTP_FROM": "noreply@finsam.test"}
    tokens = {user: new_token(system.db, user) for user in USERS}
    seen: dict[int, int] = {}
    lock = threading.Lock()
    server.start()
    with open(worker_log, "wb") as log_file:
        worker = subprocess.Popen([str(FINSAM), "worker", "--interval", "0.3"], env=env,
                                  stdout=log_file, stderr=subprocess.STDOUT,
                                  start_new_session=True)

    def outages(load: Load) -> None:
        for _ in range(2):
            time.sleep(1.5)
            load.wait_for_a_write()
            proxy.cut()
            time.sleep(2.5)
            proxy.restore()

    load = Load(lambda user: Counting(HttpClient(server.base_url, tokens[user], user), seen,
                                      lock),
                lambda: open_tasks(system), len(USERS), 4, timeout=240, seed=5)
    try:
        log = load.run(outages)
        assert worker.poll() is None, "the worker exited"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and _unsent(system):
            time.sleep(0.5)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(30)
        server.stop()
        controller.stop()
    assert proxy.cuts == 2
    assert seen.get(500, 0) == 0 and set(seen) <= {503}, seen
    assert log.unavailable > 0  # the clients did meet the outage (503 or a dropped answer)
    assert not log.timed_out and log.unexpected == [], log.unexpected[:10]
    check = check_history(system, log)
    assert check.lost == [] and check.duplicated == [] and check.findings == [], check
    assert open_tasks(system) == 0 and log.completed
    assert _unsent(system) == [], "the worker did not come back to send the outbox"
    ids = [str(message["Message-ID"]) for _, message in inbox.messages]
    assert ids and len(ids) == len(set(ids)), "a message went out twice"
    logged = worker_log.read_text(encoding="utf-8", errors="replace")
    # The worker met the outage (in its loop, or while marking what it had just sent, which
    # retries by itself) and outlived it: it is still running and sent the whole outbox (above).
    assert "database unavailable" in logged or "not yet marked" in logged, logged[-2000:]
    if "database unavailable" in logged:
        assert "reachable again" in logged, logged[-2000:]


def _unsent(system: Finsam) -> list[int]:
    with system.db.read() as session:
        return list(session.scalars(select(Notification.id).where(
            Notification.sent_at.is_(None), Notification.claimed_at.is_(None),
            Notification.attempts == 0)))
