"""How long designer content may run: per evaluation, and in total inside one write transaction.

Designer content (expressions, form validation) runs inside the write transaction that holds the
instance's lock (on SQLite, the lock of the whole database). Each evaluation has its own budget of
operations and sizes (`engine/specs/expressions/budget.py`, `engine/specs/forms.py`); this module
adds the last resort behind them, the wall clock: one evaluation may run at most
`EVALUATION_SECONDS`, and all designer content of one write transaction together at most
`WRITE_SECONDS`. Beside the clock the account counts operations: all evaluations of one write or
one check together may spend at most `WRITE_OPERATIONS`, so that the total is bounded the same way
on a fast machine and a loaded one. `Database.write()` opens the account of a write,
`specs.validate_source` the account of one check of a spec (so that a lint, which evaluates every
constant part of every expression, is bounded too); an evaluation outside both has only its own
limit.

The bound: a write transaction spends at most `WRITE_SECONDS` in designer content, plus the
overshoot of the last check, which is one built-in operation on values no larger than the size
caps allow (milliseconds; tests/test_bounds_time.py measures it).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

EVALUATION_SECONDS = 0.5
WRITE_SECONDS = 2.0
WRITE_OPERATIONS = 500_000


@dataclass
class _Account:
    """The designer-content time spent so far in one write transaction."""

    limit: float
    spent: float = 0.0
    operations: int = 0


_ACCOUNT: ContextVar[_Account | None] = ContextVar("designer_content_account", default=None)


@contextmanager
def account(limit: float = WRITE_SECONDS) -> Iterator[None]:
    """Open the designer-content account of one write transaction or one check of a spec (an
    account opened inside another shares it)."""
    if _ACCOUNT.get() is not None:
        yield
        return
    token = _ACCOUNT.set(_Account(limit))
    try:
        yield
    finally:
        _ACCOUNT.reset(token)


class Deadline:
    """The wall-clock limit of one evaluation: its own seconds, or what is left of the write's
    account if that is less. `finish()` books the time spent on the account."""

    __slots__ = ("_account", "at", "by_write", "operations_left", "started")

    def __init__(self, seconds: float = EVALUATION_SECONDS) -> None:
        self.started = time.monotonic()
        self._account = _ACCOUNT.get()
        allowed = seconds
        if self._account is not None:
            allowed = min(allowed, self._account.limit - self._account.spent)
        self.by_write = allowed < seconds
        self.at = self.started + allowed
        self.operations_left = (WRITE_OPERATIONS - self._account.operations
                                if self._account is not None else None)

    def passed(self) -> bool:
        """Whether the deadline has passed."""
        return time.monotonic() > self.at

    def finish(self, operations: int = 0) -> None:
        """Book the time and the operations spent since the start on the write's account."""
        if self._account is not None:
            self._account.spent += time.monotonic() - self.started
            self._account.operations += operations

    def reason(self) -> str:
        """Which limit a passed deadline is: the evaluation's own or the write's."""
        if self.by_write:
            return (f"the expressions and forms run together with it took more than "
                    f"{WRITE_SECONDS:g} s in total")
        return f"it took more than {EVALUATION_SECONDS:g} s"

    @staticmethod
    def operations_reason() -> str:
        """The reason when the write's operations are spent."""
        return (f"the expressions run together with it needed more than {WRITE_OPERATIONS:,} "
                "steps in total")
