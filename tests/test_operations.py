"""Operations: structured request logs with a request id, /healthz, the refusal to start in
production with a weak secret, the new spec rules at deploy, and the login-throttle
migration from the revision before it."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import inspect, text

from engine import Database, SpecError, read_source
from engine.specs.lint import paths_end
from engine.specs.reading import validate_source
from webui import create_app
from workflows import Finsam
from workflows.demo import load_demo
from workflows.schema import alembic_config, is_current, upgrade
from workflows.system import diagrams_dir
from workflows.users import capacities, new_token

from .bad_inputs import LOOP_END, NEED_BPMN
from .server import Server


@pytest.fixture
def system(reliability_url: str) -> Iterator[Finsam]:
    finsam = Finsam(reliability_url)
    finsam.init()
    load_demo(finsam.db)
    yield finsam
    finsam.close()


def make_app(system: Finsam, testing: bool = True) -> Any:
    return create_app({"DATABASE_URL": system.db.url, "SYSTEM": system, "TESTING": testing,
                       "SECRET_KEY": "operations-secret", "SESSION_COOKIE_SECURE": False})


def log_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "finsam.requests"]


def test_each_request_is_one_json_line_with_its_id(system: Finsam,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    client = make_app(system).test_client()
    token = new_token(system.db, "fk")
    with caplog.at_level(logging.INFO, logger="finsam.requests"):
        response = client.get("/api/tasks", headers={"Authorization": f"Bearer {token}",
                                                     "X-Request-Id": "proxy-4711.a_b"})
    assert response.status_code == 200
    assert response.headers["X-Request-Id"] == "proxy-4711.a_b"
    [line] = log_lines(caplog)
    assert line["event"] == "request" and line["request_id"] == "proxy-4711.a_b"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/api/tasks", 200)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["user"] == "fk" and line["capacity"] == "fk/representant@nnv-skane"
    assert line["ts"].endswith("+00:00")


@pytest.mark.parametrize("incoming", ["", "<script>alert(1)</script>", "x" * 65, "a b",
                                      "åäö", "id\twith\ttabs"])
def test_a_request_id_that_is_not_a_plain_token_is_replaced(
        system: Finsam, caplog: pytest.LogCaptureFixture, incoming: str) -> None:
    client = make_app(system).test_client()
    with caplog.at_level(logging.INFO, logger="finsam.requests"):
        response = client.get("/login", headers={"X-Request-Id": incoming})
    given = response.headers["X-Request-Id"]
    assert given != incoming and len(given) == 16 and int(given, 16) >= 0
    [line] = log_lines(caplog)
    assert line["request_id"] == given and line["user"] is None


def test_engine_errors_are_logged_with_the_request_id(system: Finsam,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    client = make_app(system).test_client()
    token = new_token(system.db, "angelholm")
    headers = {"Authorization": f"Bearer {token}"}
    started = client.post("/api/instances", json={"process_id": "behovsanalys",
                                                  "data": {"titel": "Loggat"}}, headers=headers)
    task_id = started.get_json()["open_tasks"][0]["id"]
    client.post(f"/api/tasks/{task_id}/claim", headers=headers)
    other = new_token(system.db, "fk")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="finsam.requests"):
        refused = client.post(f"/api/tasks/{task_id}/claim",
                              headers={"Authorization": f"Bearer {other}"})
    assert refused.status_code == 409
    error, request = log_lines(caplog)
    assert error["event"] == "engine_error" and error["status"] == 409
    holder = capacities(system.db, "angelholm")[0].actor_id  # logs name people by their id
    assert error["error"] == "conflict" and f"claimed by {holder}" in error["message"]
    assert "angelholm" not in error["message"]
    assert error["request_id"] == request["request_id"] == refused.headers["X-Request-Id"]
    assert request["status"] == 409 and request["user"] == "fk"


def test_a_crash_is_logged_with_the_request_id(system: Finsam, caplog: pytest.LogCaptureFixture,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(system, testing=False)
    app.logger.disabled = True  # Flask's own traceback line; ours is the one under test

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(system, "task_list", broken)
    token = new_token(system.db, "fk")
    with caplog.at_level(logging.INFO, logger="finsam.requests"):
        response = app.test_client().get("/api/tasks", headers={
            "Authorization": f"Bearer {token}", "X-Request-Id": "crash-1"})
    assert response.status_code == 500 and response.headers["X-Request-Id"] == "crash-1"
    assert response.get_json()["error"] == "internal_server_error"
    crash, request = log_lines(caplog)
    assert crash["event"] == "unhandled_exception" and crash["request_id"] == "crash-1"
    assert crash["error"] == "RuntimeError" and crash["message"] == "disk on fire"
    assert request["status"] == 500 and request["request_id"] == "crash-1"


# The key the app once fell back to outside production: public, so never good enough.
OLD_DEFAULT_SECRET = "dev-only-not-secret"


@pytest.mark.parametrize("secret", [OLD_DEFAULT_SECRET, "", "x" * 31])
def test_production_refuses_a_weak_secret(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                          secret: str) -> None:
    monkeypatch.setenv("FINSAM_ENV", "production")
    monkeypatch.setenv("FINSAM_DATABASE_URL", f"sqlite:///{tmp_path / 'p.sqlite3'}")
    monkeypatch.setenv("FINSAM_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.setenv("FINSAM_SECRET_KEY", secret)
    with pytest.raises(RuntimeError, match="refusing to start in production"):
        create_app()
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_production_starts_with_a_secret_of_its_own(monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    monkeypatch.setenv("FINSAM_ENV", "production")
    monkeypatch.setenv("FINSAM_SECRET_KEY", "a-long-random-secret-of-this-deployment")
    monkeypatch.setenv("FINSAM_DATABASE_URL", f"sqlite:///{tmp_path / 'p.sqlite3'}")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SECRET_KEY"] == "a-long-random-secret-of-this-deployment"
    app.extensions["finsam"].close()


def test_gunicorn_refuses_to_start_in_production_with_a_weak_secret(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'g.sqlite3'}"
    prepared = Finsam(url)
    prepared.init()
    prepared.close()
    server = Server(url, tmp_path / "gunicorn.log", workers=1,
                    env={"FINSAM_SECRET_KEY": OLD_DEFAULT_SECRET})
    with pytest.raises(RuntimeError, match="exited"):
        server.start(timeout=60)
    assert "refusing to start in production with a weak secret key" in server.log_tail(80)


def test_healthz_is_200_when_the_database_is_reachable_and_current(system: Finsam) -> None:
    response = make_app(system).test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


@pytest.mark.parametrize("url", ["postgresql+psycopg://postgres@127.0.0.1:1/nowhere",
                                 "sqlite:////nonexistent-folder/finsam.sqlite3"])
def test_healthz_is_503_when_the_database_is_unreachable(url: str) -> None:
    unreachable = Finsam(url)
    try:
        response = make_app(unreachable).test_client().get("/healthz")
    finally:
        unreachable.close()
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "OperationalError"}


def test_healthz_is_503_when_migrations_are_not_current(reliability_url: str) -> None:
    behind = Finsam(reliability_url)
    try:
        client = make_app(behind).test_client()
        empty = client.get("/healthz")
        config = alembic_config(behind.db)
        with behind.db.sa_engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0003")
        old = client.get("/healthz")
        upgrade(behind.db)
        current = client.get("/healthz")
    finally:
        behind.close()
    assert empty.status_code == 503 and old.status_code == 503
    assert old.get_json() == {"status": "error", "database": "migrations not current"}
    assert current.status_code == 200


def test_upgrade_from_the_previous_revision_adds_the_login_throttle(reliability_url: str) -> None:
    db = Database(reliability_url)
    config = alembic_config(db)
    with db.sa_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0003")
    assert "login_failure" not in inspect(db.sa_engine).get_table_names()
    with db.sa_engine.begin() as connection:
        connection.execute(text("INSERT INTO forbund (id, slug, name) VALUES (1, 'f', 'F')"))
    with db.sa_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")
    assert "login_failure" in inspect(db.sa_engine).get_table_names()
    with db.sa_engine.begin() as connection:
        assert connection.scalar(text("SELECT slug FROM forbund")) == "f"
        connection.execute(text("INSERT INTO login_failure (key_hash, at) VALUES (:k, :t)"),
                           {"k": "0" * 64, "t": "2026-01-01 00:00:00+00:00"})
    with db.sa_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0003")
    assert "login_failure" not in inspect(db.sa_engine).get_table_names()
    upgrade(db)
    assert is_current(db)
    db.dispose()


def test_the_bundled_diagrams_pass_the_paths_rule() -> None:
    for path in sorted(diagrams_dir().glob("*.bpmn")):
        assert paths_end(validate_source(read_source(path))) == [], path.name


@pytest.mark.parametrize(("change", "expected"), [
    ((LOOP_END, LOOP_END.replace("routes_started", "gw_inom_rutinen")),
     "has no task or event that waits"),
    ((LOOP_END, LOOP_END.replace("routes_started", "identifiera_behov")),
     None),  # the other end event still ends the loop: allowed
])
def test_cycles_need_a_wait_and_a_way_out(system: Finsam, change: tuple[str, str],
                                          expected: str | None) -> None:
    from engine.specs.sources import SpecSource

    source = read_source(diagrams_dir() / "behovsanalys.bpmn")
    changed = SpecSource("behovsanalys.bpmn", NEED_BPMN.replace(*change).encode(), source.forms)
    if expected is None:
        system.engine.lint(changed)
        return
    with pytest.raises(SpecError, match=expected) as error:
        system.engine.deploy("nnv-skane", changed, "designer")
    [problem] = error.value.problems
    assert problem.element_id == "gw_inom_rutinen" and problem.line and problem.hint


def test_a_loop_with_no_way_out_is_refused_at_its_first_element(system: Finsam) -> None:
    from engine.specs.sources import SpecSource

    source = read_source(diagrams_dir() / "behovsanalys.bpmn")
    text_ = NEED_BPMN.replace(LOOP_END, LOOP_END.replace("routes_started", "identifiera_behov"))
    text_ = text_.replace('sourceRef="gw_inom_rutinen" targetRef="utanfor_rutinen"',
                          'sourceRef="gw_inom_rutinen" targetRef="identifiera_behov"')
    with pytest.raises(SpecError, match="no path from here reaches an end event") as error:
        system.engine.deploy("nnv-skane", SpecSource("b.bpmn", text_.encode(), source.forms),
                             "designer")
    [problem] = error.value.problems
    assert problem.element_id == "identifiera_behov"
    assert "a flow to an end event" in (problem.hint or "")


@pytest.mark.parametrize(("old", "new", "what"), [
    ('name="Behovsanalys"', 'name="' + "B" * 301 + '"', "process name"),
    ('"utanfor_rutinen"', '"' + "u" * 201 + '"', "end event id"),
    ('name="Beredningsgruppen kartlägger målgruppens behov och identifierar behov av insatser '
     'för finansiell samordning eller av ESF+-projekt"',
     'name="' + "T" * 301 + '"', "task name"),
])
def test_names_longer_than_their_columns_are_refused_at_deploy(
        system: Finsam, old: str, new: str, what: str) -> None:
    """PostgreSQL would refuse them only when a step writes them, leaving instances stuck."""
    from engine.specs.sources import SpecSource

    source = read_source(diagrams_dir() / "behovsanalys.bpmn")
    changed = SpecSource("b.bpmn", NEED_BPMN.replace(old, new).encode(), source.forms)
    with pytest.raises(SpecError, match=f"the {what} is"):
        system.engine.deploy("nnv-skane", changed, "designer")
