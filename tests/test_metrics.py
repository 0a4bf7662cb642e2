"""`/metrics`: refused without the operator's token, off (404) without one configured; in
Prometheus' format, requests counted by route (the URL rule, not the path) and the domain's
figures (completions, open and overdue tasks per förbund, due timers, the outbox) move as the
app is driven."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select, update

from engine.store.models import Event, HumanTask
from webui import create_app
from webui.cli import main
from workflows import Finsam
from workflows.figures import figures
from workflows.notify import send_outbox
from workflows.users import new_token

from .load import form_data
from .test_processes import esf_route
from .test_timers import Clock, ClockDesk, at_agreement
from .walk import Desk

TOKEN = "metrics-token-0123456789abcdef0123"


def app_with(finsam: Finsam, token: str = TOKEN) -> Any:
    return create_app({"DATABASE_URL": "unused://", "SYSTEM": finsam, "TESTING": True,
                       "SECRET_KEY": "metrics-secret", "SESSION_COOKIE_SECURE": False,
                       "METRICS_TOKEN": token})


def scrape(client: FlaskClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    found = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(figures: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str,
          **labels: str) -> float:
    return figures.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_are_refused_without_the_token(finsam: Finsam) -> None:
    client = app_with(finsam).test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    user_token = new_token(finsam.db, "admin")  # a user's token is not the operator's
    assert client.get("/metrics", headers={
        "Authorization": f"Bearer {user_token}"}).status_code == 401
    off = app_with(finsam, token="").test_client()
    assert off.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


def test_the_figures_move_as_the_app_is_driven(finsam: Finsam) -> None:
    client = app_with(finsam).test_client()
    send_outbox(finsam.db, finsam.engine.clock, None)  # the demo's news: handled
    token = {"Authorization": f"Bearer {new_token(finsam.db, 'angelholm')}"}
    before = scrape(client)
    listed = [client.get("/api/tasks", headers=token) for _ in range(3)]
    assert all(r.status_code == 200 for r in listed)
    started = client.post("/api/instances", headers=token, json={
        "process_id": "behovsanalys", "data": {"titel": "Mätbart behov"}})
    assert started.status_code == 201
    [task] = [t for t in client.get("/api/tasks", headers=token).get_json()
              if t["instance_id"] == started.get_json()["id"]]
    shown = client.get(f"/api/tasks/{task['id']}", headers=token)
    assert shown.status_code == 200
    middle = scrape(client)
    assert value(middle, "finsam_open_tasks", forbund="nnv-skane") == \
        value(before, "finsam_open_tasks", forbund="nnv-skane") + 1
    assert value(middle, "finsam_outbox_backlog") >= value(before, "finsam_outbox_backlog") + 1
    done = client.post(f"/api/tasks/{task['id']}/complete", headers=token,
                       json=form_data({**task, "bpmn_id": "identifiera_behov"}))
    assert done.status_code == 200, done.get_json()
    after = scrape(client)
    assert value(after, "finsam_completions", forbund="nnv-skane") == \
        value(before, "finsam_completions", forbund="nnv-skane") + 1
    assert value(after, "finsam_http_requests_total", route="/api/tasks", method="GET",
                 status="200") == value(before, "finsam_http_requests_total",
                                        route="/api/tasks", method="GET", status="200") + 4
    assert value(after, "finsam_http_requests_total", route="/api/tasks/<int:task_id>",
                 method="GET", status="200") == 1  # the rule, not /api/tasks/<the id>
    assert not any(name == "finsam_http_requests_total" and dict(labels)["route"].endswith(
        str(task["id"])) for name, labels in after)
    assert value(after, "finsam_http_request_duration_seconds_count",
                 route="/api/instances", method="POST") == 1
    send_outbox(finsam.db, finsam.engine.clock, None)
    assert value(scrape(client), "finsam_outbox_backlog") == 0
    assert value(after, "finsam_due_timers") == 0 and value(after, "finsam_mail_given_up") == 0


def test_overdue_tasks_and_due_timers_are_counted(finsam: Finsam, database_url: str) -> None:
    clock = Clock()
    at_agreement(ClockDesk(database_url, clock))  # the agreement is due in 30 days
    with finsam.db.read() as session:
        dated = session.scalar(select(func.count()).select_from(HumanTask).where(
            HumanTask.state == "open", HumanTask.due_at.is_not(None),
            HumanTask.tenant == "nnv-skane"))
    assert dated == 1
    assert figures(finsam, clock.now).overdue_tasks.get("nnv-skane", 0) == 0
    later = figures(finsam, clock.now + timedelta(days=31))
    assert later.overdue_tasks["nnv-skane"] == 1 and later.due_timers >= 1
    scraped = scrape(app_with(finsam).test_client())  # on the real clock, long after T0
    assert value(scraped, "finsam_overdue_tasks", forbund="nnv-skane") == 1
    assert value(scraped, "finsam_due_timers") >= 1


def test_replay_writes_its_findings_for_the_textfile_collector(
        finsam: Finsam, database_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    esf_route(Desk(database_url))
    monkeypatch.setenv("FINSAM_DATABASE_URL", database_url)
    out = tmp_path / "finsam_replay.prom"

    def replay() -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        CliRunner().invoke(main, ["replay", "--all", "--metrics-file", str(out)],
                           catch_exceptions=False)
        return {(s.name, tuple(sorted(s.labels.items()))): s.value
                for family in text_string_to_metric_families(out.read_text(encoding="utf-8"))
                for s in family.samples}

    clean = replay()
    assert value(clean, "finsam_replay_findings", forbund="nnv-skane") == 0
    assert value(clean, "finsam_replay_instances", forbund="nnv-skane") > 0
    assert value(clean, "finsam_replay_last_run_seconds") > 0
    with finsam.db.write() as session:
        session.execute(update(Event).where(Event.seq == 1).values(actor="someone-else"))
    assert value(replay(), "finsam_replay_findings", forbund="nnv-skane") > 0
