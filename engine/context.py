"""What every engine operation works with: one frozen `EngineContext` per `Engine`.

The database, the domain's hooks, the clock, the workflow codec, the spec catalogue (the one
cache of deployed versions and their parsed specs), the workflow cache and the ledger heads this
process last committed (`ledger.KnownHeads`, checked under the head's lock). The operations
(`catalog`, `steps`, `firing`, `singleton`, `maintenance`, `migrate`, `replay`, `audit`,
`queries`) are plain functions of a context; `Engine` (`engine/service.py`) is the façade that
builds the context and calls them. No module below `service` imports `Engine`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from engine.base.errors import Forbidden
from engine.base.hooks import Hooks
from engine.base.types import Actor
from engine.runtime import workflow as runtime
from engine.runtime.limits import cardinality_bounded, fits_columns, forms_bounded
from engine.runtime.workflow_cache import WorkflowCache
from engine.specs.reading import ParsedSpec, parsed_once, validate_source
from engine.specs.schedule import due_in_valid, timers_valid
from engine.specs.sources import SpecSource
from engine.store import ledger
from engine.store.db import Database
from engine.store.models import SpecVersion
from engine.store.unit_of_work import UnitOfWork


class SpecCatalogue:
    """The one spec cache of an engine: deployed version rows by id (read once per process; a
    version never changes) and their runnable specs by content hash (`specs.parsed_once`, parsed
    once per process)."""

    def __init__(self) -> None:
        self._rows: dict[int, SpecVersion] = {}

    def row(self, session: Session, spec_version_id: int) -> SpecVersion:
        """A deployed version by id, read once per process."""
        cached = self._rows.get(spec_version_id)
        if cached is None:
            row = session.get_one(SpecVersion, spec_version_id)
            # A copy in no session: a rollback expires the session's objects, not this one.
            cached = SpecVersion(**{c.key: getattr(row, c.key)
                                    for c in SpecVersion.__table__.columns})
            self._rows[spec_version_id] = cached
        return cached

    def parsed(self, row: SpecVersion) -> ParsedSpec:
        """The runnable spec of a stored version (parsed once, then cached by hash)."""
        return parsed_once(
            row.content_hash, lambda: SpecSource(row.filename, row.bpmn, dict(row.forms))
        )


def utc_now() -> datetime:
    """The wall clock, in UTC: every `Engine`'s clock unless it is given another."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class EngineContext:
    """The engine's parts, handed to every operation (see the module's docstring)."""

    db: Database
    hooks: Hooks
    clock: Callable[[], datetime]
    codec: runtime.WorkflowCodec
    specs: SpecCatalogue
    workflows: WorkflowCache
    heads: ledger.KnownHeads = field(default_factory=ledger.KnownHeads)

    def lint(self, source: SpecSource) -> ParsedSpec:
        """Validate a spec with the engine's and the domain's rules; SpecError if not valid."""
        rules = [fits_columns, cardinality_bounded, due_in_valid, timers_valid, forms_bounded,
                 *self.hooks.spec_rules()]
        return validate_source(source, rules)

    def spec_row(self, session: Session, spec_version_id: int) -> SpecVersion:
        """A deployed version by id, read once per process (a version never changes)."""
        return self.specs.row(session, spec_version_id)

    def parsed_spec(self, row: SpecVersion) -> ParsedSpec:
        """The runnable spec of a stored version (parsed once, then cached by hash)."""
        return self.specs.parsed(row)

    @contextmanager
    def transaction(self) -> Iterator[UnitOfWork]:
        """A write transaction that seals the ledger with every chain head it changed, last; the
        callables in its `after_commit` run once it has committed."""
        with self.db.write() as work:
            yield work
            ledger.seal(work, self.clock(), self.heads)
        for callback in work.after_commit:
            callback()

    def require_write(self, actor: Actor) -> None:
        """Forbidden unless `actor` may change anything."""
        if not actor.can_write:
            raise Forbidden(f"{actor.acting_as} may read but not change anything")
