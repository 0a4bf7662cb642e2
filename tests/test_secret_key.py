"""No default signing key: without FINSAM_SECRET_KEY the app generates one into its instance
folder on first start (mode 0600), every later start and every worker process reuses it, and it
refuses to start when it can get no key it may trust."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from webui import create_app
from webui.keys import generated_key
from workflows import Finsam
from workflows.demo import load_demo

from .agents import Agent, HttpTransport
from .server import Server


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No configured key; the instance folder in tmp_path; returns that folder."""
    monkeypatch.delenv("FINSAM_SECRET_KEY", raising=False)
    monkeypatch.setenv("FINSAM_DATABASE_URL", f"sqlite:///{tmp_path / 'k.sqlite3'}")
    monkeypatch.setenv("FINSAM_INSTANCE_DIR", str(tmp_path / "instance"))
    return tmp_path / "instance"


def key_of_new_app() -> str:
    app = create_app()
    app.extensions["finsam"].close()
    return str(app.config["SECRET_KEY"])


def test_without_a_configured_key_one_is_generated_and_reused(environment: Path) -> None:
    first = key_of_new_app()
    path = environment / "secret_key"
    assert path.read_text().strip() == first
    assert len(first) == 64 and int(first, 16) >= 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert key_of_new_app() == first  # the next start signs with the same key
    assert first != "dev-only-not-secret"


def test_each_installation_gets_a_key_of_its_own(environment: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    first = key_of_new_app()
    monkeypatch.setenv("FINSAM_INSTANCE_DIR", str(environment.parent / "other"))
    assert key_of_new_app() != first


def test_production_uses_the_generated_key(environment: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINSAM_ENV", "production")
    assert key_of_new_app() == (environment / "secret_key").read_text().strip()


def test_a_configured_key_wins_and_nothing_is_written(environment: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINSAM_SECRET_KEY", "a-long-random-secret-of-this-deployment")
    assert key_of_new_app() == "a-long-random-secret-of-this-deployment"
    assert not environment.exists()


@pytest.mark.parametrize("production", [False, True])
def test_no_start_without_a_folder_for_the_key(environment: Path, production: bool,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    if production:
        monkeypatch.setenv("FINSAM_ENV", "production")
    environment.parent.joinpath("a-file").write_text("not a folder")
    monkeypatch.setenv("FINSAM_INSTANCE_DIR", str(environment.parent / "a-file" / "instance"))
    with pytest.raises(RuntimeError, match="refusing to start without a secret key"):
        create_app()


def test_no_start_with_a_key_file_others_can_read(environment: Path) -> None:
    key_of_new_app()
    path = environment / "secret_key"
    os.chmod(path, 0o644)
    with pytest.raises(RuntimeError, match="may be read by others"):
        create_app()
    os.chmod(path, 0o600)
    path.write_text("short\n")
    with pytest.raises(RuntimeError, match="does not hold a key"):
        create_app()


def test_concurrent_first_starts_agree_on_one_key(tmp_path: Path) -> None:
    keys: list[str] = []
    barrier = threading.Barrier(16)

    def start() -> None:
        barrier.wait()
        keys.append(generated_key(tmp_path / "instance"))

    threads = [threading.Thread(target=start) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(keys) == 16 and len(set(keys)) == 1
    assert [p.name for p in (tmp_path / "instance").iterdir()] == ["secret_key"]


def test_every_gunicorn_worker_signs_with_the_one_generated_key(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'g.sqlite3'}"
    prepared = Finsam(url)
    prepared.init()
    load_demo(prepared.db)
    prepared.close()
    server = Server(url, tmp_path / "gunicorn.log", workers=4,
                    env={"FINSAM_INSTANCE_DIR": str(tmp_path / "instance")})
    configured = server.environment
    server.environment = lambda: {k: v for k, v in configured().items()  # type: ignore[method-assign]
                                  if k != "FINSAM_SECRET_KEY"}
    server.start()
    try:
        agent = Agent(HttpTransport(server.base_url))
        assert agent.login("fk").status == 302
        statuses = {agent.request("GET", "/api/tasks").status for _ in range(24)}
    finally:
        server.stop()
    assert statuses == {200}  # whichever worker answered, it read the cookie
    assert stat.S_IMODE((tmp_path / "instance" / "secret_key").stat().st_mode) == 0o600
