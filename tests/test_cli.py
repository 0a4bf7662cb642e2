"""The `finsam` command line: init, demo, user, lint and deploy, with one-line errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from webui.cli import main
from workflows.demo import DEMO_PASSWORD
from workflows.tenants import diagrams_dir

DIAGRAMS = sorted(str(p) for p in diagrams_dir().glob("*.bpmn"))


@pytest.fixture
def run(database_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("FINSAM_DATABASE_URL", database_url)
    runner = CliRunner()

    def invoke(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(main, list(args), input=stdin, catch_exceptions=False)

    return invoke


def test_init_is_idempotent(run) -> None:  # type: ignore[no-untyped-def]
    first = run("init")
    assert first.exit_code == 0, first.output
    assert "No förbund yet" in first.output  # each förbund deploys its own versions
    run("demo")
    second = run("init")
    assert second.exit_code == 0, second.output
    assert "nnv-skane: behovsanalys version 1 (unchanged)" in second.output
    assert "nnv-skane: esf_plus version 1 (unchanged)" in second.output


def test_demo_prints_users_and_password(run) -> None:  # type: ignore[no-untyped-def]
    result = run("demo")
    assert result.exit_code == 0, result.output
    assert f"Password for every demo user: {DEMO_PASSWORD}" in result.output
    for user in ("fk", "angelholm", "kansli", "styrelse", "designer", "auditor", "admin"):
        assert f"  {user} " in result.output
    again = run("demo", "--password", "annat-losen")
    assert again.exit_code == 0 and "annat-losen" in again.output


def test_user_add_and_token(run) -> None:  # type: ignore[no-untyped-def]
    run("demo")
    added = run("user", "add", "fk2", "--forbund", "nnv-skane", "--org", "fk",
                "--role", "representant", "--password-stdin", stdin="hemligt-losen\n")
    assert added.exit_code == 0, added.output
    assert "fk2 acts for Försäkringskassan as representant" in added.output
    token = run("user", "token", "fk2")
    assert token.exit_code == 0 and token.output.startswith("ff_")
    bad = run("user", "add", "x", "--forbund", "nnv-skane", "--org", "nnv-skane",
              "--role", "representant", "--password-stdin", stdin="hemligt-losen\n")
    assert bad.exit_code == 1
    assert "är inte en medlemsorganisation" in bad.output
    assert "Traceback" not in bad.output
    unknown = run("user", "token", "nobody")
    assert unknown.exit_code == 1 and "no user 'nobody'" in unknown.output


def test_lint_passes_on_the_bundled_diagrams(run) -> None:  # type: ignore[no-untyped-def]
    result = run("lint", *DIAGRAMS)
    assert result.exit_code == 0, result.output
    assert result.output.count(": ok") == 4


def test_lint_names_element_and_line_of_a_broken_file(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shutil.copytree(diagrams_dir() / "forms", tmp_path / "forms")
    text = (diagrams_dir() / "esf_plus.bpmn").read_text(encoding="utf-8")
    needle = "esf_beslut == 'beviljad'"
    assert needle in text
    broken = text.replace(needle, "__import__('os').system('id')")
    (tmp_path / "esf_plus.bpmn").write_text(broken, encoding="utf-8")
    line = broken[: broken.index("__import__")].count("\n") + 1
    result = run("lint", str(tmp_path / "esf_plus.bpmn"))
    assert result.exit_code == 1
    assert f"esf_plus.bpmn:{line}" in result.output
    assert "__import__" in result.output and "Traceback" not in result.output


def test_deploy_new_version_and_unchanged(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run("demo")
    shutil.copytree(diagrams_dir() / "forms", tmp_path / "forms")
    text = (diagrams_dir() / "behovsanalys.bpmn").read_text(encoding="utf-8")
    (tmp_path / "behovsanalys.bpmn").write_text(
        text.replace('name="Behov anmält"', 'name="Behov anmält i beredningsgruppen"'),
        encoding="utf-8")
    result = run("deploy", str(tmp_path / "behovsanalys.bpmn"))
    assert result.exit_code == 0, result.output
    assert "nnv-skane: behovsanalys version 2 (deployed)" in result.output
    result = run("deploy", str(tmp_path / "behovsanalys.bpmn"))
    assert "nnv-skane: behovsanalys version 2 (unchanged)" in result.output


def test_unreachable_database_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINSAM_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    result = CliRunner().invoke(main, ["init"])
    assert result.exit_code == 1
    assert result.output.startswith("finsam: OperationalError")
    assert "Traceback" not in result.output


def _finished_history(run, database_url: str) -> int:  # type: ignore[no-untyped-def]
    from .test_processes import test_esf_ansokan_avslagen
    from .walk import Desk

    run("demo")
    test_esf_ansokan_avslagen(Desk(database_url))
    return 2  # the ESF+ instance the need started


def test_replay_all_verifies_and_exits_0(run, database_url: str) -> None:  # type: ignore[no-untyped-def]
    _finished_history(run, database_url)
    result = run("replay", "--all")
    assert result.exit_code == 0, result.output
    assert "esf_plus" in result.output and "All 2 instance(s) verify" in result.output
    assert run("replay", "2").exit_code == 0
    missing = run("replay", "999")
    assert missing.exit_code == 1 and "no instance 999" in missing.output
    assert run("replay").exit_code == 1


def test_replay_exits_1_on_a_finding(run, database_url: str) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import update

    from engine import Database
    from engine.store.models import Event

    iid = _finished_history(run, database_url)
    db = Database(database_url)
    with db.write() as session:
        session.execute(update(Event).where(Event.instance_id == iid, Event.seq == 2)
                        .values(actor="someone-else"))
    db.dispose()
    result = run("replay", "--all")
    assert result.exit_code == 1
    assert f"FINDING instance {iid}, event 2" in result.output
    assert "does not verify" in result.output


def test_export_and_offline_verify(run, database_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    iid = _finished_history(run, database_url)
    for fmt in ("json", "csv"):
        out = tmp_path / f"history.{fmt}"
        exported = run("audit", "export", str(iid), "--forbund", "nnv-skane", "--format", fmt,
                       "-o", str(out))
        assert exported.exit_code == 0, exported.output
        head_hash = exported.output.strip().split(":")[-1]
        checked = run("audit", "verify", str(out), "--head", head_hash)
        assert checked.exit_code == 0, checked.output
        assert "events verify" in checked.output
        text = out.read_text(encoding="utf-8")
        out.write_text(text.replace("2025/9", "2025/8", 1), encoding="utf-8")
        broken = run("audit", "verify", str(out))
        assert broken.exit_code == 1 and "content does not match its hash" in broken.output
    garbage = tmp_path / "x.json"
    garbage.write_text("not json at all")
    assert run("audit", "verify", str(garbage)).exit_code == 1


def test_audit_head_is_signed_with_the_key(run, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    run("demo")
    plain = run("audit", "head").output.strip()
    assert plain.startswith("nnv-skane:0:")
    monkeypatch.setenv("FINSAM_AUDIT_KEY", "hemlig-nyckel")
    signed = run("audit", "head").output.strip()
    assert signed.startswith(plain + ":") and len(signed.split(":")[-1]) == 64
