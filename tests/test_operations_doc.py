"""docs/operations.md walked: its gunicorn configuration loads the app, its environment file
passes `finsam check` (on this machine's PostgreSQL and a local mail server), its systemd units
run what exists, and every `finsam` command it names exists."""

from __future__ import annotations

import configparser
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner

from engine import Database
from webui.cli import main
from workflows.schema import upgrade

from .test_notifications import Inbox, _free_port

DOC = Path(__file__).resolve().parent.parent / "docs" / "operations.md"
GUNICORN = Path(sys.executable).parent / "gunicorn"


def block(first_line: str) -> str:
    """The fenced block of the doc whose first line is `first_line`."""
    for found in re.finditer(r"```[a-z]*\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S):
        if found.group(1).startswith(first_line):
            return found.group(1)
    raise AssertionError(f"no block starting {first_line!r} in {DOC}")


def environment() -> dict[str, str]:
    values = {}
    for line in block("# /etc/finsam.env").splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value.strip('"')
    return values


def test_every_finsam_command_named_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    named = set(re.findall(r"(?:bin/finsam|`finsam|^\s*finsam) ([a-z][a-z-]*)", text, re.M))
    assert {"check", "init", "worker", "backup", "heads", "restore"} <= named
    assert named <= set(main.commands), named - set(main.commands)


def test_the_systemd_units_run_the_app_and_the_worker() -> None:
    for first, command in [("# /etc/systemd/system/finsam-web.service",
                            "/srv/finsam/venv/bin/gunicorn -c /srv/finsam/gunicorn.conf.py"),
                           ("# /etc/systemd/system/finsam-worker.service",
                            "/srv/finsam/venv/bin/finsam worker --interval 60")]:
        unit = configparser.ConfigParser(interpolation=None)
        unit.read_string(block(first).split("\n", 1)[1])
        assert unit["Service"]["ExecStart"] == command
        assert unit["Service"]["EnvironmentFile"] == "/etc/finsam.env"
        assert unit["Service"]["Restart"] == "always"


def test_the_gunicorn_configuration_loads_the_app(tmp_path: Path) -> None:
    config = tmp_path / "gunicorn.conf.py"
    config.write_text(block("# /srv/finsam/gunicorn.conf.py"), encoding="utf-8")
    env = {**os.environ, **environment(),
           "FINSAM_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
           "FINSAM_INSTANCE_DIR": str(tmp_path), "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "m")}
    checked = subprocess.run([str(GUNICORN), "--check-config", "-c", str(config)], env=env,
                             capture_output=True, text=True, timeout=120,
                             cwd=DOC.parent.parent)
    assert checked.returncode == 0, checked.stderr[-2000:]


def test_the_environment_file_passes_finsam_check(database_url: str, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("the documented set-up runs on PostgreSQL")
    db = Database(database_url)
    upgrade(db)
    db.dispose()
    port = _free_port()
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        env = {**environment(), "FINSAM_DATABASE_URL": database_url,
               "FINSAM_SMTP_HOST": "127.0.0.1", "FINSAM_SMTP_PORT": str(port),
               "FINSAM_SMTP_STARTTLS": "", "FINSAM_SMTP_USER": "",
               "FINSAM_INSTANCE_DIR": str(tmp_path)}  # this machine's database and mail
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        result = CliRunner().invoke(main, ["check"], catch_exceptions=False)
    finally:
        controller.stop()
    assert result.exit_code == 0, result.output
    assert "PROBLEM" not in result.output
