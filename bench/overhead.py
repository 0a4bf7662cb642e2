"""Engine overhead: time per completion through finsam-flow next to plain SpiffWorkflow.

    .venv/bin/python -m bench.overhead [--instances N] [--repeat R] [--database URL]

In one run, R repetitions of: N instances of each route along its main path through the engine's
public API with real persistence (SQLite file, or --database), interleaved with the same diagrams
on plain SpiffWorkflow two ways:

- the durable floor (the target's): the workflow stays in memory and after every completion is
  serialized with SpiffWorkflow's own serializer and written with one `UPDATE` and `COMMIT` to a
  table of its own in the same database, through the same SQLAlchemy engine (so with the same
  durability settings: on SQLite WAL and the engine's `synchronous`);
- the in-memory floor (the earlier one): serializing and deserializing the workflow at every
  wait state, storing nothing.

Prints the median and p95 per completion, statements per completion (every cursor execute,
`BEGIN` included, and each `COMMIT`, counted with SQLAlchemy events) and bytes sent per completion
(statement text and parameters). The engine's figures are taken as it runs (a completion finds the
workflow the previous step left in memory, `engine/runtime/workflow_cache.py`) and with that cache
off. On SQLite the engine and the durable floor also run with `synchronous=NORMAL` in the same
repetitions, so that the price of `synchronous=FULL` (the engine's setting) is visible.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine as SAEngine

from .drive import Driver, StatementMeter, demo_system
from .floor import FloorStore, PlainSpiff, percentile


@contextmanager
def synchronous_switch(sa_engine: SAEngine) -> Iterator[dict[str, str]]:
    """On SQLite: `mode["synchronous"]`, when set, applies to every connection the engine checks
    out (the floor keeps its own connection: `set_floor_synchronous`)."""
    mode = {"synchronous": ""}

    def on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if mode["synchronous"]:
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA synchronous={mode['synchronous']}")
            cursor.close()

    event.listen(sa_engine, "checkout", on_checkout)
    try:
        yield mode
    finally:
        event.remove(sa_engine, "checkout", on_checkout)


def set_floor_synchronous(floor: FloorStore, value: str) -> None:
    """The floor keeps its connection: set its `synchronous` directly (SQLite only)."""
    cursor = floor.connection.connection.driver_connection.cursor()  # outside any transaction
    cursor.execute(f"PRAGMA synchronous={value}")
    cursor.close()


def row(name: str, seconds: list[float], statements: list[int], sent: list[int]) -> str:
    counts = (f"{statistics.mean(statements):>12.1f}{statistics.mean(sent) / 1024:>10.1f}"
              if statements else f"{'':>12}{'':>10}")
    return (f"{name:<34}{len(seconds):>7}{statistics.median(seconds) * 1000:>11.2f}"
            f"{percentile(seconds, 0.95) * 1000:>9.2f}{counts}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=20, help="per route (default 20)")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions (default 3)")
    parser.add_argument("--database", default=None, help="a database URL (default: SQLite)")
    args = parser.parse_args(argv)
    plain = PlainSpiff()
    with demo_system(args.database) as finsam:
        sa_engine = finsam.db.sa_engine
        sqlite = finsam.db.is_sqlite
        meter = StatementMeter(sa_engine)
        floor_store = FloorStore(sa_engine, meter)
        durable = PlainSpiff(floor_store)
        durable_normal = PlainSpiff(floor_store)
        cache = finsam.engine.workflows
        size = cache.size
        driver, cold = Driver(finsam, meter), Driver(finsam, meter)
        normal = Driver(finsam, meter)
        hits = misses = 0
        ratios: list[float] = []
        with synchronous_switch(sa_engine) as mode:
            if sqlite:  # the engine's setting, stated for both
                mode["synchronous"] = "FULL"
                set_floor_synchronous(floor_store, "FULL")
            for _ in range(args.repeat):
                marks = (len(driver.completion_seconds), len(durable.seconds))
                for _ in range(args.instances):
                    cache.size = size
                    before = (cache.hits, cache.misses)
                    driver.esf_main_path()
                    driver.finsam_main_path()
                    hits += cache.hits - before[0]
                    misses += cache.misses - before[1]
                    durable.esf_main_path()
                    durable.finsam_main_path()
                    if sqlite:  # the same, with synchronous=NORMAL
                        mode["synchronous"] = "NORMAL"
                        set_floor_synchronous(floor_store, "NORMAL")
                        normal.esf_main_path()
                        normal.finsam_main_path()
                        durable_normal.esf_main_path()
                        durable_normal.finsam_main_path()
                        mode["synchronous"] = "FULL"
                        set_floor_synchronous(floor_store, "FULL")
                    cache.size = 0  # the same paths restoring every workflow from its state
                    cache.clear()
                    cold.esf_main_path()
                    cold.finsam_main_path()
                    plain.esf_main_path()
                    plain.finsam_main_path()
                ratios.append(statistics.median(driver.completion_seconds[marks[0]:])
                              / statistics.median(durable.seconds[marks[1]:]))
            cache.size = size
        floor_store.close()
        hit_rate = hits / max(1, hits + misses)
    ours = driver.completion_seconds
    rows = [
        ("finsam-flow", ours, driver.completion_statements, driver.completion_bytes),
        ("  without the workflow cache", cold.completion_seconds, cold.completion_statements,
         cold.completion_bytes),
        ("durable floor (Spiff + UPDATE)", durable.seconds, durable.statements,
         durable.bytes),
    ]
    if sqlite:
        rows[1:1] = [("  synchronous=NORMAL", normal.completion_seconds,
                      normal.completion_statements, normal.completion_bytes)]
        rows.append(("  synchronous=NORMAL", durable_normal.seconds, durable_normal.statements,
                     durable_normal.bytes))
    rows.append(("in-memory floor (load+save)", plain.seconds, [], []))
    print(f"{'':<34}{'count':>7}{'median ms':>11}{'p95 ms':>9}{'statements':>12}{'KiB sent':>10}")
    for name, seconds, statements, sent in rows:
        print(row(name, seconds, statements, sent))
    print(f"workflow cache (engine/runtime/workflow_cache.py): {hit_rate:.0%} of the "
          "completions found their workflow in memory")
    print("durable ratio per repetition: " + ", ".join(f"{r:.2f}" for r in ratios))
    ratio = statistics.median(ratios)
    ratio95 = percentile(ours, 0.95) / percentile(durable.seconds, 0.95)
    memory_ratio = statistics.median(ours) / statistics.median(plain.seconds)
    statements = statistics.mean(driver.completion_statements)
    sent = statistics.mean(driver.completion_bytes) / statistics.mean(durable.bytes)
    backend = (args.database or "sqlite").split(":")[0]
    full = ""
    if sqlite:
        price = statistics.median(ours) / statistics.median(normal.completion_seconds)
        full = f"; synchronous=FULL costs ×{price:.2f} over NORMAL"
    print(f"summary: {backend}: durable ratio {ratio:.2f} (p95 {ratio95:.2f}), target ≤ 2.0; "
          f"statements {statements:.1f} per completion (floor "
          f"{statistics.mean(durable.statements):.1f}), target ≤ 6; bytes sent ×{sent:.2f} the "
          f"floor's; in-memory ratio {memory_ratio:.2f}{full}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
