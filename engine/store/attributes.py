"""Indexed instance attributes: the declared variables of an instance's data, one row per value.

Reports aggregate over `instance_attribute` with SQL (COUNT, SUM, GROUP BY) instead of reading
every instance's data. The rows are written inside the step's transaction, so they always agree
with the instance's data snapshot.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import bindparam, delete, select

from engine.store.models import ATTRIBUTE_TEXT_LENGTH, Instance, InstanceAttribute
from engine.store.unit_of_work import UnitOfWork

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Row = tuple[str, int, str | None, float | None, date | None]


def attribute_rows(data: dict[str, Any], keys: Iterable[str]) -> list[Row]:
    """The rows (key, position, text, number, date) of `keys` in `data`.

    A missing or None value has no row; a scalar has one row at position 0; a list of scalars
    has one row per element (dicts and nested lists are skipped: they are not indexable).
    Booleans are the text 'true'/'false'; numbers fill the number; an ISO date string
    (YYYY-MM-DD) fills both the text and the date; other values are text.
    """
    rows: list[Row] = []
    for key in dict.fromkeys(keys):
        value = data.get(key)
        values = value if isinstance(value, list) else [value]
        for position, item in enumerate(values):
            converted = _convert(item)
            if converted is not None:
                rows.append((key, position, *converted))
    return rows


def _convert(value: Any) -> tuple[str | None, float | None, date | None] | None:
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return ("true" if value else "false", None, None)
    if isinstance(value, int | float):
        return (None, float(value), None)
    text = str(value)
    day = None
    if ISO_DATE.match(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            day = None
    return (text[:ATTRIBUTE_TEXT_LENGTH], None, day)


def write_attributes(session: UnitOfWork, instance: Instance, keys: Iterable[str],
                     previous: dict[str, Any] | None = None) -> None:
    """Make the instance's attribute rows those of `keys` in its current data.

    Runs inside the caller's transaction; writes only the keys whose rows changed (their old rows
    deleted in one statement, the new ones inserted with the ledger's seal: `queue_rows`), and
    nothing when no key is declared or no row changed. `previous` is the data the step started
    from: its rows are the stored ones (every step writes them with the data), so comparing with
    it needs no query.
    """
    keys = tuple(keys)
    if not keys:
        return
    data = instance.data or {}
    if previous is not None:  # a key whose value is the same has the same rows
        keys = tuple(key for key in keys if not _same(previous.get(key), data.get(key)))
        if not keys:
            return
        stored = attribute_rows(previous, keys)
    else:
        stored = [tuple(r) for r in session.execute(  # type: ignore[misc]
            select(
                InstanceAttribute.key,
                InstanceAttribute.position,
                InstanceAttribute.value_text,
                InstanceAttribute.value_number,
                InstanceAttribute.value_date,
            ).where(InstanceAttribute.instance_id == instance.id)
        ).all()]
    old, new = _by_key(stored), _by_key(attribute_rows(data, keys))
    changed = sorted(key for key in old.keys() | new.keys() if old.get(key) != new.get(key))
    if not changed:
        return
    gone = [key for key in changed if key in old]
    if gone:
        session.connection().execute(_DELETE_KEYS, {"instance_id": instance.id, "keys": gone})
    rows = [row for key in changed for row in new.get(key, [])]
    if rows:
        session.queue_rows(InstanceAttribute, [
            {"instance_id": instance.id, "tenant": instance.tenant,
             "process_id": instance.process_id, "key": key, "position": position,
             "value_text": text, "value_number": number, "value_date": day}
            for key, position, text, number, day in rows])


_DELETE_KEYS = delete(InstanceAttribute).where(
    InstanceAttribute.instance_id == bindparam("instance_id"),
    InstanceAttribute.key.in_(bindparam("keys", expanding=True)))


def _same(old: Any, new: Any) -> bool:
    """Equal and of the same types, element by element (True == 1, but their rows differ)."""
    if type(old) is not type(new):
        return False
    if isinstance(old, list):
        return len(old) == len(new) and all(_same(a, b) for a, b in zip(old, new, strict=True))
    return bool(old == new)


def _by_key(rows: list[Row]) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = {}
    for row in sorted(rows, key=_order):
        grouped.setdefault(row[0], []).append(row)
    return grouped


def _order(row: Any) -> tuple[str, int]:
    return (str(row[0]), int(row[1]))
