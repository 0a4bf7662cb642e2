"""Database access: one SQLAlchemy engine, short explicit sessions, writes that serialize.

On SQLite the database runs in WAL mode with `synchronous=FULL`: a step is on disk (the WAL is
synced) before its commit returns, so an acknowledged step survives a power loss as well as a
crash of the process (`NORMAL` would survive only the latter). PostgreSQL's commits are durable
by its own default (`synchronous_commit=on`). SQLite reads the database file through a memory
map of up to `SQLITE_MMAP_BYTES` (address space, not memory of its own: the pages are the
operating system's file cache), not a `read()` call per page: the case overview's count at
100 000 cases reads thousands of index pages (`bench.overview`: a representative's party filter
33 → 26 ms). As SQLite's documentation warns, an I/O error on a mapped page stops the process
(SIGBUS) where a `read()` would have returned an error.

A write on SQLite is an immediate transaction (the database's write lock is taken at BEGIN, so two
writers queue instead of deadlocking on upgrade); on PostgreSQL a write takes row locks with
`SELECT ... FOR UPDATE` on the instance it changes. A pooled PostgreSQL connection is pinged
only when it has been idle for `PING_AFTER_IDLE_SECONDS` (not before every transaction).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine as SAEngine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from engine.base.deadline import account
from engine.store.unit_of_work import UnitOfWork

SQLITE_BUSY_TIMEOUT_SECONDS = 30
SQLITE_MMAP_BYTES = 1 << 30
PING_AFTER_IDLE_SECONDS = 5.0
WRITE_PREPARE_THRESHOLD = 5  # psycopg's default


class Database:
    """Owns the connection pool and hands out read and write sessions."""

    def __init__(self, url: str, echo: bool = False) -> None:
        self.url = url
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        kwargs: dict[str, Any] = {"echo": echo, "future": True}
        if self.is_sqlite:
            kwargs["connect_args"] = {
                "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
                "check_same_thread": False,
            }
            if parsed.database in (None, "", ":memory:"):
                raise ValueError("use an SQLite file, not an in-memory database")
        self.sa_engine: SAEngine = create_engine(url, **kwargs)
        if self.is_sqlite:
            _configure_sqlite(self.sa_engine)
        else:
            _ping_when_idle(self.sa_engine)
            _prepare_writes(self.sa_engine)
        # PostgreSQL: a read runs in a READ ONLY transaction (psycopg's `BEGIN READ ONLY`, no
        # round trip of its own), so the database refuses any write through it, and ends with
        # COMMIT, which keeps the writes' prepared statements (`_prepare_writes`).
        reads = self.sa_engine if self.is_sqlite else self.sa_engine.execution_options(
            postgresql_readonly=True)
        self._sessions = sessionmaker(reads, expire_on_commit=False)
        self._write_sessions = sessionmaker(
            self.sa_engine.execution_options(engine_write=True), expire_on_commit=False,
            class_=UnitOfWork,
        )

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; nothing it does is committed (on PostgreSQL the database
        refuses a write in it). Objects stay readable after."""
        with self._sessions() as session:
            yield session
            if not self.is_sqlite and session.in_transaction():
                session.connection().commit()  # READ ONLY: keeps the prepared statements

    @contextmanager
    def write(self) -> Iterator[UnitOfWork]:
        """A session whose work is committed at the end of the block, or rolled back on error:
        a `UnitOfWork`, which also carries the write's own state (`engine/store/unit_of_work.py`).

        Designer content run inside it (expressions, form validation) shares one time account
        (`engine/base/deadline.py`), so no process can hold the write lock past that bound."""
        with account(), self._write_sessions.begin() as session:
            yield session
            session.send_events()  # those the ledger's seal has not sent (none after a seal)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.sa_engine.dispose()


def _configure_sqlite(sa_engine: SAEngine) -> None:
    @event.listens_for(sa_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take over transaction control from pysqlite so that BEGIN is ours to issue.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")  # durable on power loss; see the docstring
        cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        cursor.close()

    @event.listens_for(sa_engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get("engine_write"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


def _ping_when_idle(sa_engine: SAEngine) -> None:
    # SQLAlchemy's `pool_pre_ping` costs a round trip before every transaction; a connection
    # back in the pool for less than PING_AFTER_IDLE_SECONDS is used as it is. A connection that
    # breaks while in use is invalidated by SQLAlchemy together with every older one in the pool
    # (the request meets the outage, 503), so after an outage the pool starts afresh without
    # pings; one idle longer (the server or a firewall may have dropped it) is pinged, and
    # replaced if it does not answer (the pool retries the checkout).
    @event.listens_for(sa_engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in"] = time.monotonic()

    @event.listens_for(sa_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        checked_in = record.info.get("checked_in")
        if checked_in is not None and time.monotonic() - checked_in < PING_AFTER_IDLE_SECONDS:
            return
        try:
            sa_engine.dialect.do_ping(dbapi_connection)  # what pool_pre_ping sends
        except Exception as error:
            raise DisconnectionError(f"the connection did not answer: {error}") from error


def _prepare_writes(sa_engine: SAEngine) -> None:
    # psycopg prepares a statement on the server once a connection has run it five times, so
    # that PostgreSQL neither parses nor plans it again: a write's few statements of a few
    # shapes (the lock and read, the seal) take a third less time. It forgets them all at a
    # ROLLBACK (and sends `DEALLOCATE ALL`), which is why reads end with COMMIT. Reads are
    # not prepared: a prepared statement may get a generic plan, made for any parameter,
    # where a read's plan depends on the tenant and the filters it is given.
    @event.listens_for(sa_engine, "begin")
    def _on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get("engine_write")
        connection.connection.driver_connection.prepare_threshold = (
            WRITE_PREPARE_THRESHOLD if write else None)


def sqlite_url_for(path: str) -> str:
    """The SQLAlchemy URL of an SQLite file."""
    return f"sqlite:///{path}"
