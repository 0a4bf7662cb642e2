"""The database errors worth waiting out: the server restarting, a dropped connection, the pool
exhausted, SQLite busy. The web app answers them with 503 (`webui/errors.py`), the worker waits
and goes on (`worker.run`), and the outbox keeps trying to mark what it has sent."""

from __future__ import annotations

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

DATABASE_ERRORS = (OperationalError, InterfaceError, PoolTimeout)


def describe(error: BaseException) -> str:
    """The driver's error class and the first line of its message, for a log line."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0] if lines else ''}"[:300]
