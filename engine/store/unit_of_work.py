"""The unit of work of one write transaction: the session and what the write carries besides
its rows.

Every write of the engine (`Database.write`, and `Engine`'s transaction on top of it) runs in a
`UnitOfWork`, a SQLAlchemy session with four typed parts that live exactly as long as the
transaction:

- `read_rows`: an instance's open human task rows as read under its lock, so that the step's
  `sync_human_tasks` need not read them again (taken out once used);
- `open_rows`: an instance's open rows after `sync_human_tasks`, for the snapshot in the step's
  event and the engine's result;
- `touched`: the instances whose chain head changed, sealed into the tenant ledger last, just
  before commit (`ledger.seal`);
- `after_commit`: callables run once the transaction has committed (the workflow cache keeps a
  step's workflow only then), never after a rollback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from engine.store.models import HumanTask, Instance


class UnitOfWork(Session):
    """A write session with the state of its write (see the module's docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.read_rows: dict[int, list[HumanTask]] = {}
        self.open_rows: dict[int, list[HumanTask]] = {}
        self.touched: dict[int, Instance] = {}
        self.after_commit: list[Callable[[], None]] = []
