"""Backups that prove what they hold: a drill (backup, more work, heads kept outside, restore
into an empty database) where the restore verifies every chain and names exactly the instances
and events the backup lacks; a backup with one changed byte is refused; a restore never writes
into a database that is not empty."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, inspect, select

from engine.store.models import Instance
from webui.cli import main
from workflows import Finsam

from .conftest import POSTGRES_URL
from .test_processes import IDEA, esf_route
from .walk import Desk

KEY = "backup-audit-key-0123456789abcdef0123"


@pytest.fixture
def empty_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """Another empty database of the same backend, to restore into."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    assert POSTGRES_URL
    from .server import drop_database, own_postgres_url

    name = "finsam_h5_restore"
    yield own_postgres_url(POSTGRES_URL, name)
    drop_database(POSTGRES_URL, name)


def finsam_cli(url: str, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    monkeypatch.setenv("FINSAM_DATABASE_URL", url)
    monkeypatch.setenv("FINSAM_AUDIT_KEY", KEY)
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def seqs(finsam: Finsam) -> dict[int, int]:
    with finsam.db.read() as session:
        return {i.id: i.last_seq for i in session.scalars(select(Instance))}


def tables(url: str) -> list[str]:
    sa_engine = create_engine(url)
    try:
        with sa_engine.connect() as connection:
            return inspect(connection).get_table_names()
    finally:
        sa_engine.dispose()


def test_a_restore_drill_names_exactly_what_the_backup_lacks(
        finsam: Finsam, database_url: str, empty_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    desk = Desk(database_url)
    first = esf_route(desk)
    made = finsam_cli(database_url, monkeypatch, "backup", "-o", str(tmp_path / "b.zip"))
    assert made.exit_code == 0, made.output
    assert "nnv-skane: ledger" in made.output
    at_backup = seqs(finsam)

    desk.act("af", first, "utforma_projektide", IDEA)  # more events of a kept instance
    second = esf_route(desk)  # new instances: the need and its route
    kept = finsam_cli(database_url, monkeypatch, "heads", "-o", str(tmp_path / "kept.json"))
    assert kept.exit_code == 0, kept.output
    [ledger_head] = finsam_cli(database_url, monkeypatch, "audit", "head").output.split()
    now = seqs(finsam)
    expected = sorted(
        [f"nnv-skane: instance {i} is missing (events 1-{s})" for i, s in now.items()
         if i not in at_backup] +
        [f"nnv-skane: instance {i} lacks events {at_backup[i] + 1}-{s}" for i, s in now.items()
         if i in at_backup and at_backup[i] < s])
    assert second in now and second not in at_backup and now[first] > at_backup[first]

    forged = ledger_head[:-1] + ("0" if ledger_head[-1] != "0" else "1")
    refused = finsam_cli(empty_url, monkeypatch, "restore", str(tmp_path / "b.zip"),
                         "--expect-head", forged)
    assert refused.exit_code == 1 and "signature does not match" in refused.output
    assert tables(empty_url) == []
    restored = finsam_cli(empty_url, monkeypatch, "restore", str(tmp_path / "b.zip"),
                          "--kept", str(tmp_path / "kept.json"), "--expect-head", ledger_head)
    assert restored.exit_code == 3, restored.output
    assert "every chain and ledger verifies" in restored.output
    named = [line.removeprefix("MISSING ") for line in restored.output.splitlines()
             if line.startswith("MISSING ") and "ledger entries" not in line]
    assert sorted(named) == expected
    ledger_lines = [line for line in restored.output.splitlines() if "ledger entries" in line]
    assert len(ledger_lines) == 2 and ledger_lines[0] == ledger_lines[1]  # heads and audit head
    assert ledger_lines[0].startswith("MISSING nnv-skane: ledger entries ")
    again = Finsam(empty_url)
    try:
        assert seqs(again) == at_backup  # exactly the backup's moment
    finally:
        again.close()

    refused = finsam_cli(empty_url, monkeypatch, "restore", str(tmp_path / "b.zip"))
    assert refused.exit_code == 1 and "not empty" in refused.output


@pytest.mark.parametrize("where", [0.5, 0.05, 0.95])
def test_a_backup_with_one_changed_byte_is_refused(
        finsam: Finsam, database_url: str, empty_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, where: float) -> None:
    made = finsam_cli(database_url, monkeypatch, "backup", "-o", str(tmp_path / "b.zip"))
    assert made.exit_code == 0, made.output
    data = bytearray((tmp_path / "b.zip").read_bytes())
    data[int(len(data) * where)] ^= 0x01
    (tmp_path / "changed.zip").write_bytes(bytes(data))
    refused = finsam_cli(empty_url, monkeypatch, "restore", str(tmp_path / "changed.zip"))
    assert refused.exit_code == 1, refused.output
    assert "changed" in refused.output or "not a readable backup" in refused.output
    assert tables(empty_url) == []  # nothing was written


def test_another_key_is_refused(finsam: Finsam, database_url: str, empty_url: str,
                                tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made = finsam_cli(database_url, monkeypatch, "backup", "-o", str(tmp_path / "b.zip"))
    assert made.exit_code == 0, made.output
    monkeypatch.setenv("FINSAM_DATABASE_URL", empty_url)
    monkeypatch.setenv("FINSAM_AUDIT_KEY", "another-key-" + "x" * 30)
    refused = CliRunner().invoke(main, ["restore", str(tmp_path / "b.zip")])
    assert refused.exit_code == 1 and "signature does not match" in refused.output
    assert tables(empty_url) == []
