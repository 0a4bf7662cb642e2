"""Alembic environment: one schema for the engine's and the domain's tables."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

import workflows.deltagare_ar  # noqa: F401  (insats_deltagare_ar)
import workflows.models  # noqa: F401  (registers the domain's tables on the shared metadata)
import workflows.sessions  # noqa: F401  (login_session)
import workflows.throttle  # noqa: F401  (login_failure)
from engine import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        url = config.get_main_option("sqlalchemy.url")
        if url is None:
            raise RuntimeError("alembic: sqlalchemy.url is not set")
        engine = create_engine(url)
        with engine.begin() as connection:
            _run(connection)
        engine.dispose()
    else:
        _run(connection)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
