"""Migrations: from an empty database to the newest, and from the previous revision with data."""

from __future__ import annotations

from datetime import timedelta

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

import workflows.deltagare_ar  # noqa: F401  (insats_deltagare_ar)
import workflows.models  # noqa: F401  (the domain's tables, on the shared metadata)
import workflows.sessions  # noqa: F401  (login_session)
import workflows.throttle  # noqa: F401  (login_failure)
from engine import Database, utc_now
from engine.history.audit import verify_ledger
from engine.store.models import Base
from workflows.case_search import SEARCH_INDEXES, SEARCH_TABLES
from workflows.schema import alembic_config, is_current, upgrade
from workflows.tokens import tokens_of


def test_upgrade_from_empty_matches_the_models(db: Database) -> None:
    assert is_current(db)
    tables = set(inspect(db.sa_engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    upgrade(db)  # idempotent
    assert is_current(db)


def test_alembic_head_is_the_models(db: Database) -> None:
    # Autogenerate's own comparison (tables, columns, types, nullability, indexes, unique
    # constraints, foreign keys) between the migrated database and every model: no difference.
    # The full-text search's own structures (FTS5 tables with their shadow tables on SQLite,
    # expression indexes on PostgreSQL: workflows/case_search.py) are no model's; every other
    # table and index is compared, and those structures are checked to exist below.
    def ours(name: str | None, type_: str) -> bool:
        return name is None or not any(
            name == s or name.startswith(s + "_") for s in SEARCH_TABLES + SEARCH_INDEXES)

    with db.sa_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True,
            "include_name": lambda name, type_, parent: ours(name, type_)})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
    inspector = inspect(db.sa_engine)
    if db.is_sqlite:
        assert set(SEARCH_TABLES) <= set(inspector.get_table_names())
        with db.sa_engine.connect() as connection:
            assert connection.exec_driver_sql(
                "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'ix_instance_group'"
            ).scalar() == 1
    else:
        indexes = {i["name"] for t in ("instance", "case_note") for i in inspector.get_indexes(t)}
        assert set(SEARCH_INDEXES) <= indexes


def test_upgrade_from_previous_records_existing_heads_in_the_ledger(database_url: str) -> None:
    db = Database(database_url)
    config = alembic_config(db)
    with db.sa_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    assert not is_current(db)
    with db.sa_engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO spec_version (id, process_id, version, content_hash, filename, bpmn, "
            "forms, deployed_at, deployed_by) VALUES (1, 'p', 1, 'h', 'p.bpmn', :b, '{}', "
            ":t, 'x')"), {"b": b"<x/>", "t": "2025-01-01 00:00:00+00:00"})
        for instance_id, head in ((1, "a" * 64), (2, "b" * 64)):
            connection.execute(text(
                "INSERT INTO instance (id, tenant, process_id, spec_version_id, status, title, "
                "state, data, serializer_version, library_version, last_seq, head_hash, "
                "created_at, created_by, updated_at) VALUES (:id, 't', 'p', 1, 'running', '', "
                "'{}', '{}', '1.5', '3.2.0', 3, :h, :t, 'x', :t)"),
                {"id": instance_id, "h": head, "t": "2025-01-01 00:00:00+00:00"})
    upgrade(db)
    assert is_current(db)
    with db.read() as session:
        assert verify_ledger(session, "t") == []
        heads = session.execute(text("SELECT instance_id, instance_seq FROM ledger_entry "
                                     "ORDER BY seq")).all()
    assert [tuple(h) for h in heads] == [(1, 3), (2, 3)]
    db.dispose()


def test_upgrade_to_sessions_gives_existing_tokens_the_default_lifetime(database_url: str) -> None:
    db = Database(database_url)
    config = alembic_config(db)
    with db.sa_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0006")
    with db.sa_engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO app_user (id, username, display_name, password_hash, active, created_at, "
            "notify) VALUES (1, 'fk', 'FK', 'x', :t, :at, 'none')"),
            {"t": True, "at": "2025-01-01 00:00:00"})
        connection.execute(text(
            "INSERT INTO api_token (id, user_id, token_hash, created_at) "
            "VALUES (1, 1, :h, :at)"), {"h": "0" * 64, "at": "2025-01-01 00:00:00"})
    upgrade(db)
    assert is_current(db)
    assert "login_session" in inspect(db.sa_engine).get_table_names()
    [token] = tokens_of(db, "fk")
    assert token.label == "" and token.last_used_at is None
    assert abs(token.expires_at - (utc_now() + timedelta(days=90))) < timedelta(minutes=5)
    with db.sa_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0006")
    assert "login_session" not in inspect(db.sa_engine).get_table_names()
    with db.sa_engine.begin() as connection:
        assert connection.scalar(text("SELECT token_hash FROM api_token")) == "0" * 64
    db.dispose()
