"""The engine's multi-row writes as statements SQLAlchemy builds and compiles once.

A multi-row `insert(T).values([...])` (or a `values(...).data(...)` construct) is never cached by
SQLAlchemy: it is compiled again at every execution, which cost about a quarter of a completion;
and building a statement anew (its clauses, then its cache key) cost another sixth. So:

- `insert_rows`: an `INSERT` executed with a list of parameter sets; SQLAlchemy sends it as one
  statement (its "insertmanyvalues", also with `RETURNING`) or as the driver's `executemany`;
- `Writes` (PostgreSQL): a write's row `UPDATE`s and multi-row `INSERT`s collected as a *shape*
  (which tables, which columns, how many rows) and its parameters. The statements for a shape
  are built once per process (`write_statement`, `rows_select`) with named bind parameters, and
  executed with this write's values: the ledger's seal embeds them in its one statement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Connection,
    CursorResult,
    Insert,
    Integer,
    Select,
    Update,
    bindparam,
    cast,
    insert,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.selectable import CompoundSelect

# One part of a write: ("update", model, columns) or ("insert", model, columns, number of rows).
Part = tuple[Any, ...]


def insert_rows(connection: Connection, model: type[DeclarativeBase], rows: list[dict[str, Any]],
                returning: tuple[Any, ...] = ()) -> CursorResult[Any]:
    """Insert `rows` (dicts with the same keys) into `model`'s table, returning `returning`
    for each, in no particular order (asking for the rows' order would send one statement per
    row on SQLite)."""
    return connection.execute(_insert(model, returning), rows)


@lru_cache(maxsize=64)
def _insert(model: type[DeclarativeBase], returning: tuple[Any, ...]) -> Insert:
    """`INSERT INTO model` (returning `returning`), built once: SQLAlchemy finds its compiled
    form by the statement's cache key, which it computes anew for a new construct."""
    statement = insert(model)
    return statement.returning(*returning) if returning else statement


@dataclass
class Writes:
    """Row changes to send together, as a hashable shape and the parameters that fill it."""

    parts: list[Part] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    def update_row(self, model: type[DeclarativeBase], row_id: int,
                   changes: dict[str, Any]) -> None:
        """`UPDATE model SET changes WHERE id = row_id`."""
        number = len(self.parts)
        names = tuple(sorted(changes))
        self.parts.append(("update", model, names))
        self.params[f"w{number}_id"] = row_id
        self.params.update({f"w{number}_{name}": changes[name] for name in names})

    def insert_rows(self, model: type[DeclarativeBase], rows: list[dict[str, Any]]) -> None:
        """`INSERT INTO model` the `rows` (dicts with the keys of the first); a column left out
        takes its model's scalar default, as in any other `INSERT` (an `INSERT ... SELECT`
        would leave it to the database)."""
        number = len(self.parts)
        defaults = _scalar_defaults(model, rows[0])
        if defaults:
            rows = [{**defaults, **row} for row in rows]
        names = tuple(rows[0])
        self.parts.append(("insert", model, names, len(rows)))
        for index, row in enumerate(rows):
            self.params.update({f"w{number}_{index}_{name}": row[name] for name in names})

    @property
    def shape(self) -> tuple[Part, ...]:
        return tuple(self.parts)

    def send(self, connection: Connection) -> None:
        """Execute each part on its own (when there is no statement to embed them in)."""
        for number, part in enumerate(self.parts):
            connection.execute(write_statement(number, part), self.params)


def _scalar_defaults(model: type[DeclarativeBase], row: dict[str, Any]) -> dict[str, Any]:
    defaults: dict[str, Any] = {}
    for column in model.__table__.columns:
        if column.key in row or column.default is None:
            continue
        if not column.default.is_scalar:
            raise ValueError(f"{column} needs a value: its default is not a constant")
        defaults[column.key] = column.default.arg
    return defaults


@lru_cache(maxsize=512)
def write_statement(number: int, part: Part) -> Insert | Update:
    """The statement of the `number`th part of a write, its parameters named `w<number>_...`."""
    kind, model, names = part[:3]
    table = model.__table__
    if kind == "update":
        return (update(model)
                .where(table.c.id == bindparam(f"w{number}_id", type_=Integer))
                .values({name: bindparam(f"w{number}_{name}", type_=table.c[name].type)
                         for name in names}))
    return insert(model).from_select(list(names), rows_select(model, names, part[3],
                                                              f"w{number}_"))


@lru_cache(maxsize=512)
def rows_select(model: type[DeclarativeBase], names: tuple[str, ...], count: int,
                prefix: str) -> Select[Any] | CompoundSelect[Any]:
    """`count` rows as `SELECT CAST(:<prefix><row>_<name> AS type) AS name, ...`, joined by
    `UNION ALL` (PostgreSQL: every parameter cast to its column's type)."""
    table = model.__table__
    selects = [
        select(*[cast(bindparam(f"{prefix}{index}_{name}", type_=table.c[name].type),
                      table.c[name].type).label(name) for name in names])
        for index in range(count)
    ]
    return selects[0] if count == 1 else union_all(*selects)
