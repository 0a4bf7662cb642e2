"""Crash safety: SIGKILL the whole server (gunicorn's master and workers at once) at random
moments under load, start it again, carry on. Afterwards every instance verifies (chains, ledger,
replay) and every 200 or 201 a client was given is in the history: each step is all or nothing.

Three kills by default; FINSAM_STRESS=1 makes it ten, with more clients and needs.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from workflows import Finsam
from workflows.demo import load_demo
from workflows.users import new_token

from .history import check_history, open_tasks
from .load import USERS, HttpClient, Load
from .server import STRESS, Server

KILLS = 10 if STRESS else 3
THREADS = 24 if STRESS else 12
NEEDS = 40 if STRESS else 8


@pytest.fixture
def system(reliability_url: str) -> Iterator[Finsam]:
    finsam = Finsam(reliability_url)
    finsam.init()
    load_demo(finsam.db)
    yield finsam
    finsam.close()


def test_sigkill_under_load_loses_nothing(system: Finsam, reliability_url: str,
                                          tmp_path: Path) -> None:
    server = Server(reliability_url, tmp_path / "gunicorn.log")
    server.start()
    tokens = {user: new_token(system.db, user) for user in USERS}
    rng = random.Random(2024)

    def kill_now_and_then(load: Load) -> None:
        for _ in range(KILLS):
            time.sleep(rng.uniform(0.3, 1.5))
            load.wait_for_a_write()
            time.sleep(rng.uniform(0, 0.03))  # somewhere inside the request, or its commit
            server.kill()
            server.start()

    load = Load(lambda user: HttpClient(server.base_url, tokens[user], user),
                lambda: open_tasks(system), THREADS, NEEDS, timeout=900 if STRESS else 240,
                seed=3)
    try:
        log = load.run(kill_now_and_then)
    finally:
        server.stop()
    assert server.kills == KILLS and server.starts == KILLS + 1
    assert not log.timed_out, "the clients did not finish after the restarts"
    assert log.unexpected == [], log.unexpected[:10]
    check = check_history(system, log)
    assert check.lost == [] and check.duplicated == [] and check.findings == [], check
    assert open_tasks(system) == 0
    assert len(log.started) >= NEEDS and log.completed
    assert log.unavailable > 0  # the clients did meet the dead server, and carried on
