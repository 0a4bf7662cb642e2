"""Many clients at once, on SQLite and PostgreSQL: threads against the engine, and real HTTP
against gunicorn's worker processes. No task completes twice, no event is lost or duplicated,
every chain verifies, nothing deadlocks; a conflict is a 409 the client retries.

Counts are small by default; FINSAM_STRESS=1 makes them larger (README, Reliability).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from workflows import Finsam
from workflows.demo import load_demo
from workflows.users import new_token

from .history import check_history, open_tasks
from .load import USERS, DirectClient, HttpClient, Load, LoadLog, form_data, race
from .server import STRESS, Server

THREADS = 32 if STRESS else 16
NEEDS = 60 if STRESS else 8
TIMEOUT = 900 if STRESS else 180
RACERS = ["angelholm", "af", "fk", "kansli", "klippan", "bastad", "region-skane", "hoganas"]


@pytest.fixture
def system(reliability_url: str) -> Iterator[Finsam]:
    finsam = Finsam(reliability_url)
    finsam.init()
    load_demo(finsam.db)
    yield finsam
    finsam.close()


@pytest.fixture
def server(system: Finsam, reliability_url: str, tmp_path: Path) -> Iterator[Server]:
    running = Server(reliability_url, tmp_path / "gunicorn.log")
    running.start()
    yield running
    running.stop()


def assert_nothing_lost(system: Finsam, load: Load, needs: int) -> None:
    log = load.log
    assert not log.timed_out, "the clients did not finish: a deadlock or a stuck instance"
    assert log.unexpected == [], log.unexpected[:10]
    assert len(log.started) >= needs
    assert log.statuses[("complete", 200)] > 0
    check = check_history(system, log)
    assert check.lost == [] and check.duplicated == [] and check.findings == [], check
    assert open_tasks(system) == 0
    assert check.completions >= len(log.completed)


def test_threads_start_claim_and_complete_against_the_engine(
        system: Finsam, reliability_url: str) -> None:
    workers = [Finsam(reliability_url) for _ in range(4)]  # as four web workers would hold them
    made = Counter[str]()

    def client(user: str) -> DirectClient:
        made[user] += 1
        return DirectClient(workers[sum(made.values()) % len(workers)], user)

    try:
        load = Load(client, lambda: open_tasks(system), THREADS, NEEDS, TIMEOUT, seed=11)
        load.run()
    finally:
        for worker in workers:
            worker.close()
    assert_nothing_lost(system, load, NEEDS)


def test_same_task_raced_by_many_engines(system: Finsam, reliability_url: str) -> None:
    workers = [Finsam(reliability_url) for _ in range(4)]
    try:
        clients = [DirectClient(workers[i % 4], user) for i, user in enumerate(RACERS)]
        for round_ in range(3):
            start = clients[0].call("POST", "/api/instances", {
                "process_id": "behovsanalys", "data": {"titel": f"Kapplöpning {round_}"}})
            task_id = system.engine.open_tasks_of(start.body["id"])[0].id
            task = {"id": task_id, "instance_id": start.body["id"],
                    "bpmn_id": "identifiera_behov", "item": None}
            claims = [r.status for r in race(clients, f"/api/tasks/{task_id}/claim")]
            assert sorted(claims) == [200] + [409] * (len(clients) - 1), claims
            winner = clients[claims.index(200)]
            assert winner.call("POST", f"/api/tasks/{task_id}/unclaim").status == 200
            replies = race(clients, f"/api/tasks/{task_id}/complete", form_data(task))
            statuses = sorted(r.status for r in replies)
            assert statuses == [200] + [409] * (len(clients) - 1), replies
    finally:
        for worker in workers:
            worker.close()
    check = check_history(system, LoadLog())
    assert check.ok, check
    assert check.completions == 3


def http_clients(system: Finsam, server: Server) -> dict[str, str]:
    return {user: new_token(system.db, user) for user in {*USERS, *RACERS}}


def test_http_load_on_worker_processes(system: Finsam, server: Server) -> None:
    tokens = http_clients(system, server)
    load = Load(lambda user: HttpClient(server.base_url, tokens[user], user),
                lambda: open_tasks(system), THREADS, NEEDS, TIMEOUT, seed=5)
    load.run()
    assert load.log.unavailable == 0
    assert_nothing_lost(system, load, NEEDS)
    assert "Traceback" not in "\n".join(server.log_lines())


def test_http_race_for_the_same_task(system: Finsam, server: Server) -> None:
    tokens = http_clients(system, server)
    clients = [HttpClient(server.base_url, tokens[user], user) for user in RACERS]
    for round_ in range(3):
        start = clients[round_].call("POST", "/api/instances", {
            "process_id": "behovsanalys", "data": {"titel": f"Kapplöpning {round_}"}})
        assert start.status == 201, start
        task = start.body["open_tasks"][0]
        replies = race(clients, f"/api/tasks/{task['id']}/complete", form_data(task))
        statuses = sorted(r.status for r in replies)
        assert statuses == [200] + [409] * (len(clients) - 1), replies
        assert all(r.body["error"] == "conflict" for r in replies if r.status == 409)
    check = check_history(system, LoadLog())
    assert check.ok, check
    assert check.completions == 3
