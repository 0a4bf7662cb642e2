"""Task list at scale: the task-list query and the task-list page at 1 000 and 100 000 open
instances.

    .venv/bin/python -m bench.tasklist [--sizes 1000 100000] [--engine-instances 150]
                                       [--runs 50] [--database URL]

Seeding (`bench/dataset.py`): M open instances (default 150) are run through the engine by the
demo users: needs that start a route, some left at the route's first step and some at the
per-party anchoring step; then the running instances are copied with SQL `INSERT … SELECT` (the
instance row and its open human tasks; no events or attributes: the task list does not read them)
until there are as many open instances as the size asks. At each size it times
`Finsam.task_list` for one organisation's representative and the `/` page (Flask test client,
logged in) R times each, and prints the median and the 95th percentile. Target: p95 at the
largest size ≤ 1.5 × p95 at the smallest.
"""

from __future__ import annotations

import argparse
import gc
import logging
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import func, select

from engine.store.models import HumanTask
from workflows import Finsam
from workflows.demo import DEMO_PASSWORD

from .dataset import copy_instances, count_instances, seed_with_engine
from .drive import Driver, demo_system
from .floor import percentile

USER = "angelholm"  # the organisation whose task list is timed


def timed(action: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and p95 in milliseconds over `runs` calls (after one warm-up call).

    The garbage collector starts clean and what lives is frozen while they run: a full
    collection of the benchmark's own heap (50-300 ms with two systems loaded) otherwise falls
    on whichever call the allocation count picks, the same one in every run (the overview's
    *oldest first* for Ängelholm at 100 000 cases: p95 ratio 2.6-4.0 with a plan like the first
    page's). Collections while timing see only what the calls made."""
    with frozen_heap():
        action()
        seconds = []
        for _ in range(runs):
            started = time.perf_counter()
            action()
            seconds.append(time.perf_counter() - started)
    return statistics.median(seconds) * 1000, percentile(seconds, 0.95) * 1000


@contextmanager
def frozen_heap() -> Iterator[None]:
    """The garbage collector clean and what lives frozen for the block (see `timed`): its
    collections see only what the block made, not the benchmark's own heap."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def page_client(finsam: Finsam, user: str = USER):  # type: ignore[no-untyped-def]
    """A Flask test client logged in as `user`."""
    from webui import create_app

    logging.getLogger("finsam.requests").setLevel(logging.WARNING)  # one line per request
    app = create_app({"DATABASE_URL": "unused://", "SYSTEM": finsam, "SECRET_KEY": "bench",
                      "SESSION_COOKIE_SECURE": False})
    client = app.test_client()
    client.get("/login")
    with client.session_transaction() as session:
        csrf = session["_csrf"]
    response = client.post("/login", data={"username": user, "password": DEMO_PASSWORD,
                                           "csrf_token": csrf})
    if response.status_code != 302:
        raise RuntimeError(f"login failed: {response.status_code}")
    return client


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000],
                        help="open instances to time at, ascending (default 1000 100000)")
    parser.add_argument("--engine-instances", type=int, default=150,
                        help="run through the engine before copying (default 150)")
    parser.add_argument("--runs", type=int, default=50, help="timed calls per size (default 50)")
    parser.add_argument("--database", default=None, help="a database URL (default: SQLite)")
    args = parser.parse_args(argv)
    rows = []
    with demo_system(args.database) as finsam:
        driver = Driver(finsam)
        started = time.perf_counter()
        seed_with_engine(driver, min(args.engine_instances, min(args.sizes)))
        print(f"seeded {count_instances(finsam, True)} open instances through the engine in "
              f"{time.perf_counter() - started:.1f} s")
        me = driver.cap(USER)
        client = page_client(finsam)

        def page() -> None:
            response = client.get("/")
            if response.status_code != 200:
                raise RuntimeError(f"GET / answered {response.status_code}")

        for size in sorted(args.sizes):
            started = time.perf_counter()
            copy_instances(finsam, size, running_only=True, attributes=False)
            copied = time.perf_counter() - started
            with finsam.db.read() as session:
                tasks = session.scalar(select(func.count()).select_from(HumanTask).where(
                    HumanTask.state == "open")) or 0
            listed = len(finsam.task_list(me))
            query = timed(lambda: finsam.task_list(me), args.runs)
            shown = timed(page, args.runs)
            rows.append((count_instances(finsam, True), tasks, listed, query, shown, copied))
    print(f"{'open instances':>15}{'open tasks':>12}{'listed':>8}{'query med':>11}"
          f"{'query p95':>11}{'page med':>10}{'page p95':>10}{'seed s':>8}")
    for size, tasks, listed, query, shown, copied in rows:
        print(f"{size:>15}{tasks:>12}{listed:>8}{query[0]:>11.2f}{query[1]:>11.2f}"
              f"{shown[0]:>10.2f}{shown[1]:>10.2f}{copied:>8.1f}")
    small, large = rows[0], rows[-1]
    backend = (args.database or "sqlite").split(":")[0]
    print(f"summary: {backend}: task list of {USER}, p95 at {large[0]} / at {small[0]} open "
          f"instances: query {large[3][1] / small[3][1]:.2f}, page {large[4][1] / small[4][1]:.2f}"
          f" (target ≤ 1.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
