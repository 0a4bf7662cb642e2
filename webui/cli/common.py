"""What every `finsam` command shares: the database URL, the system, one-line errors."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click
from sqlalchemy.exc import SQLAlchemyError

from engine import EngineError, InvalidData, SpecError
from webui.keys import instance_dir
from workflows import Finsam


def database_url() -> str:
    """FINSAM_DATABASE_URL, or an SQLite file in ./instance (created if needed)."""
    url = os.environ.get("FINSAM_DATABASE_URL")
    if url:
        return url
    folder = instance_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'finsam.sqlite3'}"


@contextmanager
def system() -> Iterator[Finsam]:
    """The system over the configured database, closed afterwards."""
    finsam = Finsam(database_url())
    try:
        yield finsam
    finally:
        finsam.close()


def fail(message: str) -> None:
    """Print a one-line error and exit 1."""
    click.echo(f"finsam: {message}", err=True)
    sys.exit(1)


def friendly(function: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the engine's errors (and a database that cannot be reached) into one-line messages."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except SpecError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            fail(f"{len(exc.problems)} problem(s); nothing was deployed")
        except InvalidData as exc:
            fail(str(exc))
        except EngineError as exc:
            fail(str(exc))
        except (SQLAlchemyError, OSError) as exc:  # database unreachable, permissions, disk
            fail(f"{type(exc).__name__}: {str(exc).splitlines()[0]}")

    wrapper.__name__ = function.__name__
    wrapper.__doc__ = function.__doc__
    return wrapper
