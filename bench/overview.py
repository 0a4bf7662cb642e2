"""The case overview (*Ärenden*) and its search at 1 000 and 100 000 cases.

    .venv/bin/python -m bench.overview [--sizes 1000 100000] [--engine-instances 150]
                                       [--runs 15] [--repeat 5] [--database URL] [--keep]

One database per size, side by side (SQLite: a file each; PostgreSQL: `<name>_bench_<size>` on
the server of `--database`, created if missing and emptied first). Each is seeded as
`bench/dataset.py` says: M needs with a route each run through the engine (default 150, at most
half the smallest size), notes on 20 of them, every seventh open task made overdue, then every
instance copied with SQL (a need with its route stays one group) until the size. With `--keep`
the databases are kept (SQLite: `bench_overview_<size>.sqlite3` in the temporary folder) and a
later `--keep` run reuses one that already holds its size instead of seeding it again.

Timing is interleaved so that the load of the machine falls on both sizes alike: in each of
`--repeat` repetitions, each variant is timed R times (after one warm-up call) on the smallest
size, then on the largest, for the kansli (who sees every case) and for one party's
representative (whose cases the SQL narrows by `parter`). Variants: the first page
(`presentation.case_overview`), oldest first, by title, page 10, each filter (process, status,
party, waiting on me/us, overdue, period), a search that finds the notes, one that finds every
title, one that finds nothing, and `/instances` through the Flask test client. It prints, per
variant, the median over the repetitions of the median and p95 at each size and of the p95 ratio
(largest / smallest). Target: that ratio ≤ 1.5 for every variant.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import date, timedelta

from sqlalchemy import create_engine, text, update
from sqlalchemy.engine import make_url

from engine.store.models import HumanTask
from workflows import Finsam
from workflows.presentation import OverviewFilters, case_overview

from .dataset import copy_instances, count_instances, seed_with_engine
from .drive import Driver, demo_system, reset_bench_database
from .tasklist import page_client, timed

USERS = ("kansli", "angelholm")
NOTE = "Lokalbokning klar för hösten."


def variants(today: date) -> dict[str, OverviewFilters | str]:
    """What is timed: overview filters, or a page's path."""
    return {
        "first page": OverviewFilters(),
        "oldest first": OverviewFilters(sort="old"),
        "by title": OverviewFilters(sort="title"),
        "page 10": OverviewFilters(page=10),
        "process": OverviewFilters(process="finansiell_samordning"),
        "status": OverviewFilters(status="running"),
        "party": OverviewFilters(party="klippan"),
        "mine": OverviewFilters(mine=True),
        "overdue": OverviewFilters(overdue=True),
        "period": OverviewFilters(start=today - timedelta(days=7), end=today),
        "search notes": OverviewFilters(q="lokalbokning"),
        "search titles": OverviewFilters(q="knutpunkt"),
        "search, no hit": OverviewFilters(q="finnsinte"),
        "/instances": "/instances",
        "/instances?q=": "/instances?q=lokalbokning",
    }


def sized_url(url: str | None, size: int, keep: bool = False) -> str | None:
    """The database of one size: `<name>_bench_<size>` on the server of `url` (created if
    missing; `demo_system` empties it), or None for a fresh SQLite file (with `keep`, a kept
    file named by the size)."""
    if url is None:
        folder = tempfile.gettempdir()
        return f"sqlite:///{os.path.join(folder, f'bench_overview_{size}.sqlite3')}" if keep \
            else None
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise SystemExit("--database: a PostgreSQL URL (SQLite runs on fresh files)")
    name = f"{parsed.database}_bench_{size}"
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                     {"n": name}):
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


@contextmanager
def seeded(url: str | None, size: int, engine_instances: int,
           keep: bool = False) -> Iterator[Finsam]:
    """A system with `size` cases (see the module's docstring); with `keep`, a kept database
    that already holds them is reused."""
    sized = sized_url(url, size, keep)
    if keep and sized is not None:
        finsam = Finsam(sized)
        try:
            finsam.init()
            if count_instances(finsam, False) == size:
                yield finsam
                return
        finally:
            finsam.close()
        reset_bench_database(sized)
        if sized.startswith("sqlite:///"):
            os.remove(sized.removeprefix("sqlite:///"))
        with seeded_on(sized, size, engine_instances) as finsam:
            yield finsam
        return
    with seeded_on(sized, size, engine_instances) as finsam:
        yield finsam


@contextmanager
def seeded_on(url: str | None, size: int, engine_instances: int) -> Iterator[Finsam]:
    """`size` cases seeded on `url` (emptied first) or a fresh SQLite file."""
    with demo_system(url) as finsam:
        driver = Driver(finsam)
        seed_with_engine(driver, engine_instances)
        kansli = driver.cap("kansli")
        for instance in finsam.engine.list_instances(kansli.forbund, limit=20):
            finsam.case_files.add_note(kansli, instance.id, NOTE)
        with finsam.db.write() as session:
            session.execute(update(HumanTask).where(HumanTask.state == "open",
                                                    HumanTask.id % 7 == 0)
                            .values(due_at=finsam.engine.clock() - timedelta(days=3)))
        copy_instances(finsam, size, running_only=False, attributes=True)
        yield finsam


def action(finsam: Finsam, user: str, variant: OverviewFilters | str,
           clients: dict[tuple[int, str], object]) -> Callable[[], object]:
    """One timed call of `variant` as `user`."""
    if isinstance(variant, str):
        if (id(finsam), user) not in clients:
            clients[(id(finsam), user)] = page_client(finsam, user)
        client = clients[(id(finsam), user)]

        def page() -> None:
            response = client.get(variant)  # type: ignore[attr-defined]
            if response.status_code != 200:
                raise RuntimeError(f"GET {variant} answered {response.status_code}")
        return page
    me = Driver(finsam).cap(user)
    return lambda: case_overview(finsam, me, variant)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[1000, 100_000],
                        help="the two sizes in cases, ascending (default 1000 100000)")
    parser.add_argument("--engine-instances", type=int, default=150,
                        help="needs run through the engine before copying (default 150)")
    parser.add_argument("--runs", type=int, default=15, help="timed calls each (default 15)")
    parser.add_argument("--repeat", type=int, default=5, help="repetitions (default 5)")
    parser.add_argument("--database", default=None, help="a PostgreSQL URL (default: SQLite)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the databases, and reuse those that hold their size")
    parser.add_argument("--only", nargs="*", default=None, help="time these variants only")
    args = parser.parse_args(argv)
    small_size, large_size = sorted(args.sizes)
    engine_instances = min(args.engine_instances, small_size // 2)
    chosen = {k: v for k, v in variants(date.today()).items()
              if args.only is None or k in args.only}
    with ExitStack() as stack:
        systems = []
        for size in (small_size, large_size):
            started = time.perf_counter()
            systems.append(stack.enter_context(
                seeded(args.database, size, engine_instances, args.keep)))
            print(f"seeded {count_instances(systems[-1], False)} cases in "
                  f"{time.perf_counter() - started:.1f} s")
        clients: dict[tuple[int, str], object] = {}
        # figures[(user, variant)] = list over repetitions of (small, large) (median, p95)
        figures: dict[tuple[str, str], list[tuple[tuple[float, float], ...]]] = {}
        shown: dict[tuple[str, str], tuple[str, ...]] = {}
        for _ in range(args.repeat):
            for user in USERS:
                for name, variant in chosen.items():
                    pair = tuple(timed(action(f, user, variant, clients), args.runs)
                                 for f in systems)
                    figures.setdefault((user, name), []).append(pair)
        for user in USERS:
            for name, variant in chosen.items():
                if isinstance(variant, OverviewFilters):
                    shown[(user, name)] = tuple(
                        str(case_overview(f, Driver(f).cap(user), variant).total)
                        for f in systems)
    print(f"{'user':>10} {'variant':<15}{'groups':>12}{'small p50':>10}{'p95':>8}"
          f"{'large p50':>10}{'p95':>8}{'ratio':>7}  (ratio per repetition)")
    worst: dict[str, tuple[float, str]] = {}
    for (user, name), reps in figures.items():
        ratios = [large[1] / small[1] for small, large in reps]
        ratio = statistics.median(ratios)
        med = [statistics.median(r[i][j] for r in reps) for i in (0, 1) for j in (0, 1)]
        groups = "/".join(shown.get((user, name), ("", "")))
        print(f"{user:>10} {name:<15}{groups:>12}{med[0]:>10.2f}{med[1]:>8.2f}{med[2]:>10.2f}"
              f"{med[3]:>8.2f}{ratio:>7.2f}  ({', '.join(f'{r:.2f}' for r in ratios)})")
        if ratio > worst.get(user, (0.0, ""))[0]:
            worst[user] = (ratio, name)
    backend = (args.database or "sqlite").split(":")[0]
    met = sum(1 for reps in figures.values()
              if statistics.median(large[1] / small[1] for small, large in reps) <= 1.5)
    print(f"summary: {backend}: overview, p95 at {large_size} / at {small_size} cases: "
          f"{met} of {len(figures)} variants within 1.5; worst "
          + ", ".join(f"{u} {r:.2f} ({n})" for u, (r, n) in worst.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
