"""Creating and upgrading the database schema with Alembic."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from engine import Database

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(db: Database) -> Config:
    """An Alembic configuration for `db` (no ini file needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    return config


def upgrade(db: Database) -> None:
    """Create the schema or bring it to the newest migration."""
    migrate_to(db, "head")


def migrate_to(db: Database, revision: str, down: bool = False) -> None:
    """Bring the schema to `revision` (downwards when `down`), in one transaction.

    On SQLite, a migration that rebuilds a table others refer to (batch mode: copy, drop,
    rename) needs foreign keys off, as SQLite's ALTER TABLE procedure prescribes; they are
    switched off outside the transaction, checked with `foreign_key_check` before the commit,
    and on again afterwards.
    """
    config = alembic_config(db)
    with db.sa_engine.connect() as connection:
        raw = connection.connection.driver_connection if db.is_sqlite else None
        if raw is not None:
            raw.execute("PRAGMA foreign_keys=OFF")  # outside a transaction, or it is ignored
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                if down:
                    command.downgrade(config, revision)
                else:
                    command.upgrade(config, revision)
                if raw is not None:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").first()
                    if broken is not None:
                        raise RuntimeError(f"the migration broke a reference: {tuple(broken)}")
        finally:
            if raw is not None:
                raw.execute("PRAGMA foreign_keys=ON")


def is_current(db: Database) -> bool:
    """Whether the database is at the newest migration."""
    head = ScriptDirectory.from_config(alembic_config(db)).get_current_head()
    with db.sa_engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    return current == head
