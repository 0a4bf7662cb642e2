"""Replay throughput next to the original execution of the same instances, in one run.

    .venv/bin/python -m bench.replay [--instances N] [--database URL]

Runs N instances of each route along its main path through the engine (SQLite file unless
--database is given), then verifies all of them (hash chains, the ledger and a full replay on the
exact spec version) and prints both figures. Each phase starts with the garbage collector clean
and the heap that lives frozen (`bench.tasklist.frozen_heap`): a full collection of what the
benchmark itself holds (the execution's 400 instances, the driver's results) otherwise falls on
one phase or the other, 50 ms in a replay of 1.2 s.
"""

from __future__ import annotations

import argparse
import sys
import time

from .drive import Driver, demo_system
from .tasklist import frozen_heap


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=100, help="per route (default 100)")
    parser.add_argument("--database", default=None, help="a database URL (default: SQLite)")
    args = parser.parse_args(argv)
    with demo_system(args.database) as finsam:
        driver = Driver(finsam)
        with frozen_heap():  # each phase's collections see only what it made
            started = time.perf_counter()
            for _ in range(args.instances):
                driver.esf_main_path()
                driver.finsam_main_path()
            executed = time.perf_counter() - started
        instances = len(finsam.engine.list_instances("nnv-skane", limit=10**9))
        with frozen_heap():
            started = time.perf_counter()
            results, other = finsam.verify("nnv-skane")
            replayed = time.perf_counter() - started
    events = sum(r.events for r in results)
    bad = sum(0 if r.ok else 1 for r in results) + len(other)
    backend = (args.database or "sqlite").split(":")[0]
    print(f"{'phase':<12}{'instances':>10}{'events':>9}{'seconds':>10}{'instances/s':>13}")
    print(
        f"{'execution':<12}{instances:>10}{events:>9}{executed:>10.2f}"
        f"{instances / executed:>13.1f}"
    )
    print(f"{'replay':<12}{len(results):>10}{events:>9}{replayed:>10.2f}"
          f"{len(results) / replayed:>13.1f}")
    print(f"summary: {backend}: replay verified {len(results)} instances at "
          f"{len(results) / replayed:.1f}/s vs execution {instances / executed:.1f}/s "
          f"({executed / replayed:.1f}x); findings: {bad}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
