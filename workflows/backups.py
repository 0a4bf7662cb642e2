"""Backups that prove what they hold: the dump with the ledger and instance heads of the same
moment, signed with the audit key; a restore into an empty database that refuses a changed file
and verifies every chain; and the comparison with heads kept outside that names what a restored
database lacks.

A backup is one zip file: `manifest.json` (format, backend, time, schema revision, the dump's
SHA-256, the heads, an HMAC-SHA256 over all of it with FINSAM_AUDIT_KEY) and the dump
(`database.dump`, `pg_dump`'s custom format, or `database.sqlite3`, a copy made with SQLite's
online backup API). On PostgreSQL the heads are read in the very snapshot `pg_dump` dumps
(`pg_export_snapshot`), so they describe exactly what the dump holds.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import shutil
import sqlite3
import subprocess
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import Session

from engine import Database, Instance, LedgerHead

FORMAT = "finsam-backup/1"
MANIFEST = "manifest.json"
# tenant -> {"ledger": [seq, hash], "instances": {id: [seq, hash]}}
Heads = dict[str, dict[str, Any]]


class BackupError(Exception):
    """A backup that cannot be made, or a file that is refused; the message says why."""


def heads_in(session: Session | Connection) -> Heads:
    """Every förbund's ledger head and every instance's chain head, as one snapshot sees them."""
    found: Heads = {}
    for head in session.execute(select(LedgerHead.tenant, LedgerHead.last_seq,
                                       LedgerHead.head_hash)):
        found.setdefault(head.tenant, {"ledger": [0, ""], "instances": {}})["ledger"] = [
            int(head.last_seq), str(head.head_hash)]
    for row in session.execute(select(Instance.tenant, Instance.id, Instance.last_seq,
                                      Instance.head_hash)):
        found.setdefault(row.tenant, {"ledger": [0, ""], "instances": {}})["instances"][
            str(row.id)] = [int(row.last_seq), str(row.head_hash)]
    return found


def heads_of_database(db: Database) -> Heads:
    """`heads_in` of one read transaction of `db`."""
    with db.read() as session:
        return heads_in(session)


def signed(document: dict[str, Any], key: bytes) -> dict[str, Any]:
    """`document` with an `hmac` over its canonical JSON (without the `hmac`)."""
    body = {k: v for k, v in document.items() if k != "hmac"}
    digest = hmac.new(key, _canonical(body), hashlib.sha256).hexdigest()
    return {**body, "hmac": digest}


def check_signature(document: dict[str, Any], key: bytes, what: str) -> None:
    """Raise BackupError unless `document` carries a valid `hmac` made with `key`."""
    given = str(document.get("hmac") or "")
    if not hmac.compare_digest(given, signed(document, key)["hmac"]):
        raise BackupError(f"{what}: the signature does not match: the file was changed, or "
                          "FINSAM_AUDIT_KEY is not the key it was made with")


def kept_heads(url: str, key: bytes, now: datetime) -> dict[str, Any]:
    """The heads of the database at `url` now, signed: to keep outside (`finsam audit heads`)."""
    sa_engine = create_engine(url)
    try:
        with sa_engine.connect() as connection:
            heads = heads_in(connection)
    finally:
        sa_engine.dispose()
    return signed({"format": "finsam-heads/1", "taken_at": now.isoformat(), "heads": heads}, key)


def backup(url: str, path: Path, key: bytes, now: datetime) -> dict[str, Any]:
    """Write a signed backup of the database at `url` to `path`; return its manifest."""
    parsed = make_url(url)
    with tempfile.TemporaryDirectory(prefix="finsam-backup-") as folder:
        if parsed.get_backend_name() == "sqlite":
            dump = Path(folder) / "database.sqlite3"
            _sqlite_copy(str(parsed.database), dump)
            sa_engine = create_engine(f"sqlite:///{dump}")
            try:
                with sa_engine.connect() as connection:
                    heads, revision = heads_in(connection), _revision(connection)
            finally:
                sa_engine.dispose()
            backend = "sqlite"
        elif parsed.get_backend_name() == "postgresql":
            dump = Path(folder) / "database.dump"
            heads, revision = _pg_dump(url, dump)
            backend = "postgresql"
        else:
            raise BackupError(f"cannot back up a {parsed.get_backend_name()} database")
        manifest = signed({
            "format": FORMAT, "backend": backend, "created_at": now.isoformat(),
            "schema": revision, "dump": {"name": dump.name, "sha256": _sha256(dump)},
            "heads": heads}, key)
        partial = path.with_name(path.name + ".partial")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(MANIFEST, json.dumps(manifest, indent=1, sort_keys=True))
            archive.write(dump, dump.name)
        partial.replace(path)  # a backup file is whole or absent
    return manifest


@dataclass(frozen=True)
class Restored:
    """What a restore loaded: the manifest of the backup."""

    manifest: dict[str, Any]


def restore(url: str, path: Path, key: bytes) -> Restored:
    """Check `path` (signature, the dump's hash) and load it into the empty database at `url`.
    Raises BackupError, naming the problem, before anything is written when the file is
    refused or the database is not empty."""
    with _opened(path) as (manifest, dump):
        check_signature(manifest, key, str(path))
        if _sha256(dump) != manifest["dump"]["sha256"]:
            raise BackupError(f"{path}: the dump does not match its manifest: it was changed")
        parsed = make_url(url)
        backend = parsed.get_backend_name()
        if backend != manifest["backend"]:
            raise BackupError(f"{path} is a {manifest['backend']} backup; FINSAM_DATABASE_URL "
                              f"is {backend}")
        _require_empty(url)
        if backend == "sqlite":
            _sqlite_copy(str(dump), Path(str(parsed.database)))
        else:
            _pg_restore(url, dump)
    return Restored(manifest)


def missing(kept: Heads, now: Heads) -> list[str]:
    """What `now` lacks of the heads `kept` outside, one line each: instances absent, events
    missing at the end of an instance, a changed chain, ledger entries missing."""
    lines = []
    for tenant, want in sorted(kept.items()):
        have = now.get(tenant, {"ledger": [0, ""], "instances": {}})
        for instance_id, (seq, digest) in sorted(want["instances"].items(),
                                                 key=lambda item: int(item[0])):
            got = have["instances"].get(instance_id)
            if got is None:
                lines.append(f"{tenant}: instance {instance_id} is missing (events 1-{seq})")
            elif got[0] < seq:
                lines.append(f"{tenant}: instance {instance_id} lacks events {got[0] + 1}-{seq}")
            elif got[0] == seq and got[1] != digest:
                lines.append(f"{tenant}: instance {instance_id} differs at event {seq}")
        if have["ledger"][0] < want["ledger"][0]:
            lines.append(f"{tenant}: ledger entries {have['ledger'][0] + 1}-{want['ledger'][0]} "
                         "are missing")
    return lines


def _canonical(document: dict[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _revision(connection: Connection) -> str | None:
    if "alembic_version" not in inspect(connection).get_table_names():
        return None
    revision = connection.scalar(text("SELECT version_num FROM alembic_version"))
    return None if revision is None else str(revision)


def _sqlite_copy(source: str, target: Path) -> None:
    """Copy an SQLite database with its online backup API (consistent while others write)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(str(target))
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _libpq(url: str) -> str:
    """The URL in the form pg_dump and pg_restore take (no SQLAlchemy driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_dump(url: str, dump: Path) -> tuple[Heads, str | None]:
    """pg_dump of the snapshot this function's transaction reads its heads in."""
    if shutil.which("pg_dump") is None:
        raise BackupError("pg_dump is not installed (Debian: apt install postgresql-client)")
    sa_engine = create_engine(url, isolation_level="REPEATABLE READ")
    try:
        with sa_engine.connect() as connection:
            snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
            heads, revision = heads_in(connection), _revision(connection)
            done = subprocess.run(
                ["pg_dump", "--format=custom", "--no-owner", "--no-acl",
                 f"--snapshot={snapshot}", "--file", str(dump), "--dbname", _libpq(url)],
                capture_output=True, text=True)
            connection.rollback()
    finally:
        sa_engine.dispose()
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip().splitlines()[-1:]}")
    return heads, revision


def _pg_restore(url: str, dump: Path) -> None:
    if shutil.which("pg_restore") is None:
        raise BackupError("pg_restore is not installed (Debian: apt install postgresql-client)")
    done = subprocess.run(
        ["pg_restore", "--no-owner", "--no-acl", "--exit-on-error", "--single-transaction",
         "--dbname", _libpq(url), str(dump)], capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip().splitlines()[-1:]}")


def _require_empty(url: str) -> None:
    sa_engine = create_engine(url)
    try:
        with sa_engine.connect() as connection:
            tables = inspect(connection).get_table_names()
    finally:
        sa_engine.dispose()
    if tables:
        raise BackupError(f"the database of FINSAM_DATABASE_URL is not empty ({len(tables)} "
                          "tables): restore only into an empty one")


@contextmanager
def _opened(path: Path) -> Iterator[tuple[dict[str, Any], Path]]:
    """The manifest and the extracted dump of a backup file; BackupError when unreadable."""
    with tempfile.TemporaryDirectory(prefix="finsam-restore-") as folder:
        try:
            with zipfile.ZipFile(path) as archive:
                manifest = json.loads(archive.read(MANIFEST))
                if manifest.get("format") != FORMAT:
                    raise BackupError(f"{path} is not a {FORMAT} file")
                name = str(manifest["dump"]["name"])
                if name not in ("database.dump", "database.sqlite3"):
                    raise BackupError(f"{path}: unexpected dump {name!r}")
                dump = Path(folder) / name
                with archive.open(name) as source, open(dump, "wb") as target:
                    shutil.copyfileobj(source, target)
        except (zipfile.BadZipFile, zlib.error, KeyError, ValueError, OSError,
                EOFError) as error:
            raise BackupError(f"{path} is not a readable backup: it was changed or cut "
                              f"({type(error).__name__}: {error})") from error
        yield manifest, dump
