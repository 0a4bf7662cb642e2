"""`finsam check`: a production configuration passes with one `ok` line per topic; each thing
that is wrong gets one line naming it and the way to fix it, and the exit code is 1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner

from engine import Database
from webui.cli import main
from workflows.schema import upgrade

from .test_notifications import Inbox, _free_port

TOPICS = ["environment", "signing key", "database", "mail", "base URL", "proxies", "audit key",
          "cookies"]


@pytest.fixture
def smtp_port() -> Iterator[int]:
    port = _free_port()
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    yield port
    controller.stop()


def good(database_url: str, smtp_port: int, tmp_path: Path) -> dict[str, str]:
    return {"FINSAM_ENV": "production", "FINSAM_SECRET_KEY": "k" * 40,
            "FINSAM_DATABASE_URL": database_url, "FINSAM_SMTP_HOST": "127.0.0.1",
            "FINSAM_SMTP_PORT": str(smtp_port), "FINSAM_SMTP_FROM": "noreply@finsam.test",
            "FINSAM_BASE_URL": "https://finsam.example.se", "FINSAM_TRUSTED_PROXIES": "1",
            "FINSAM_AUDIT_KEY": "a" * 40, "FINSAM_INSTANCE_DIR": str(tmp_path / "instance")}


def check(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, list[str]]:
    for name in ["FINSAM_ENV", "FINSAM_SECRET_KEY", "FINSAM_DATABASE_URL", "FINSAM_SMTP_HOST",
                 "FINSAM_SMTP_PORT", "FINSAM_BASE_URL", "FINSAM_TRUSTED_PROXIES",
                 "FINSAM_AUDIT_KEY", "FINSAM_INSECURE_COOKIES", "FINSAM_SMTP_STARTTLS",
                 "FINSAM_SMTP_USER"]:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(main, ["check"], catch_exceptions=False)
    return result.exit_code, result.output.splitlines()


def test_a_production_configuration_passes(database_url: str, smtp_port: int, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    db = Database(database_url)
    upgrade(db)
    db.dispose()
    code, lines = check(good(database_url, smtp_port, tmp_path), monkeypatch)
    if database_url.startswith("sqlite"):  # production runs on PostgreSQL
        assert code == 1
        [problem] = [line for line in lines if line.startswith("PROBLEM")]
        assert problem.startswith("PROBLEM database:") and "not PostgreSQL" in problem
        return
    assert code == 0, lines
    assert [line.split(":")[0] for line in lines] == [f"ok {topic}" for topic in TOPICS]


def test_each_wrong_setting_is_one_line(database_url: str, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # An empty database (no migrations), nothing listening for mail, and the rest wrong too.
    env = {**good(database_url, _free_port(), tmp_path), "FINSAM_ENV": "development",
           "FINSAM_SECRET_KEY": "short", "FINSAM_BASE_URL": "http://finsam.example.se",
           "FINSAM_TRUSTED_PROXIES": "many", "FINSAM_AUDIT_KEY": "",
           "FINSAM_INSECURE_COOKIES": "1"}
    code, lines = check(env, monkeypatch)
    assert code == 1
    problems = {line.split(":")[0].removeprefix("PROBLEM "): line for line in lines
                if line.startswith("PROBLEM")}
    assert list(problems) == TOPICS and len(lines) == len(TOPICS)
    assert "FINSAM_ENV" in problems["environment"]
    assert "FINSAM_SECRET_KEY has 5 characters" in problems["signing key"]
    expected = ("not PostgreSQL" if database_url.startswith("sqlite")
                else "not at the newest migration: run finsam init")
    assert expected in problems["database"]
    assert "cannot use the mail server" in problems["mail"]
    assert "not an https address" in problems["base URL"]
    assert "whole number" in problems["proxies"]
    assert "FINSAM_AUDIT_KEY" in problems["audit key"]
    assert "FINSAM_INSECURE_COOKIES" in problems["cookies"]


def test_an_unreachable_database_and_a_missing_key_are_named(
        tmp_path: Path, smtp_port: int, monkeypatch: pytest.MonkeyPatch) -> None:
    env = good(f"postgresql+psycopg://finsam@127.0.0.1:{_free_port()}/finsam", smtp_port,
               tmp_path)
    del env["FINSAM_SECRET_KEY"]
    code, lines = check(env, monkeypatch)
    assert code == 1
    problems = [line for line in lines if line.startswith("PROBLEM")]
    assert len(problems) == 2, lines
    assert problems[0].startswith("PROBLEM signing key: FINSAM_SECRET_KEY is not set")
    assert problems[1].startswith("PROBLEM database: cannot reach postgresql+psycopg://finsam@")
    assert not (tmp_path / "instance").exists()  # the check generated nothing
