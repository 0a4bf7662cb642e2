"""The case overview (*Ärenden*) and its search at 1 000 and 100 000 cases.

    .venv/bin/python -m bench.overview [--sizes 1000 100000] [--engine-instances 150]
                                       [--runs 30] [--database URL]

Seeding as `bench.tasklist`: M needs with a route each are run through the engine (default 150),
a few of them get a note, then the running instances are copied with SQL `INSERT … SELECT` (the
instance, its open tasks and its indexed attributes, under new ids; on SQLite the FTS5 triggers
index the copies' titles) until there are as many cases as the size asks — in this script only.
At each size it times, R times each, for the kansli (who sees every case) and for one party's
representative (whose cases the SQL narrows by `parter`): the overview's first page
(`presentation.case_overview`), a full-text search over titles and notes (`q=`), a search that
finds nothing, and `/instances` through the Flask test client; it prints the median and the 95th
percentile. Target: p95 at the largest size ≤ 1.5 × p95 at the smallest.
"""

from __future__ import annotations

import argparse
import sys
import time

from sqlalchemy import func, select, text

from engine.store.models import Instance
from workflows import Finsam
from workflows.presentation import OverviewFilters, case_overview

from .drive import Driver, demo_system
from .tasklist import INSTANCE_COLUMNS, TASK_COLUMNS, page_client, seed_with_engine, timed

ATTRIBUTE_COLUMNS = ("tenant", "process_id", "key", "position", "value_text", "value_number",
                     "value_date")
USERS = ("kansli", "angelholm")


def cases(finsam: Finsam) -> int:
    with finsam.db.read() as session:
        return session.scalar(select(func.count()).select_from(Instance)) or 0


def replicate(finsam: Finsam, target: int) -> None:
    """Copy running instances with their open tasks and attributes until `target` instances
    exist (benchmark seeding only)."""
    while (total := cases(finsam)) < target:
        with finsam.db.write() as session:
            ids = session.scalars(select(Instance.id).where(Instance.status == "running")
                                  .order_by(Instance.id)).all()
            take = min(len(ids), target - total)
            params = {"offset": session.scalar(select(func.max(Instance.id))),
                      "last": ids[take - 1]}
            session.execute(text(
                f"INSERT INTO instance (id, parent_id, {', '.join(INSTANCE_COLUMNS)}) "
                f"SELECT id + :offset, NULL, {', '.join(INSTANCE_COLUMNS)} FROM instance "
                f"WHERE status = 'running' AND id <= :last"), params)
            session.execute(text(
                f"INSERT INTO human_task (instance_id, {', '.join(TASK_COLUMNS)}) "
                f"SELECT instance_id + :offset, {', '.join(TASK_COLUMNS)} FROM human_task "
                f"WHERE state = 'open' AND instance_id <= :last"), params)
            session.execute(text(
                f"INSERT INTO instance_attribute (instance_id, {', '.join(ATTRIBUTE_COLUMNS)}) "
                f"SELECT a.instance_id + :offset, {', '.join('a.' + c for c in ATTRIBUTE_COLUMNS)}"
                f" FROM instance_attribute a JOIN instance i ON i.id = a.instance_id "
                f"WHERE i.status = 'running' AND a.instance_id <= :last"), params)
    with finsam.db.write() as session:
        if not finsam.db.is_sqlite:
            for table in ("instance", "human_task", "instance_attribute"):
                session.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"))
    options = {} if finsam.db.is_sqlite else {"isolation_level": "AUTOCOMMIT"}
    with finsam.db.sa_engine.connect().execution_options(**options) as connection:
        connection.exec_driver_sql("ANALYZE")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000],
                        help="cases to time at, ascending (default 1000 100000)")
    parser.add_argument("--engine-instances", type=int, default=150,
                        help="needs run through the engine before copying (default 150)")
    parser.add_argument("--runs", type=int, default=30, help="timed calls each (default 30)")
    parser.add_argument("--database", default=None, help="a database URL (default: SQLite)")
    args = parser.parse_args(argv)
    rows = []
    with demo_system(args.database) as finsam:
        driver = Driver(finsam)
        started = time.perf_counter()
        seed_with_engine(driver, min(args.engine_instances, min(args.sizes) // 2))
        kansli = driver.cap("kansli")
        for instance in finsam.engine.list_instances(kansli.forbund, limit=20):
            finsam.case_files.add_note(kansli, instance.id, "Lokalbokning klar för hösten.")
        print(f"seeded {cases(finsam)} cases through the engine in "
              f"{time.perf_counter() - started:.1f} s")
        clients = {user: page_client(finsam, user) for user in USERS}
        for size in sorted(args.sizes):
            started = time.perf_counter()
            replicate(finsam, size)
            copied = time.perf_counter() - started
            for user in USERS:
                me = driver.cap(user)
                client = clients[user]

                def page(c=client) -> None:  # type: ignore[no-untyped-def]
                    response = c.get("/instances")
                    if response.status_code != 200:
                        raise RuntimeError(f"GET /instances answered {response.status_code}")

                timings = [
                    timed(lambda m=me: case_overview(finsam, m, OverviewFilters()), args.runs),
                    timed(lambda m=me: case_overview(finsam, m, OverviewFilters(
                        q="lokalbokning")), args.runs),
                    timed(lambda m=me: case_overview(finsam, m, OverviewFilters(
                        q="finnsinte")), args.runs),
                    timed(page, args.runs),
                ]
                total = case_overview(finsam, me, OverviewFilters()).total
                rows.append((cases(finsam), user, total, timings, copied))
    print(f"{'cases':>8}{'user':>11}{'groups':>8}{'first p50':>11}{'p95':>8}{'search p50':>12}"
          f"{'p95':>8}{'none p50':>10}{'p95':>8}{'page p50':>10}{'p95':>8}{'seed s':>8}")
    for size, user, total, timings, copied in rows:
        figures = "".join(f"{t[0]:>{11 if i == 0 else 12 if i == 1 else 10}.2f}{t[1]:>8.2f}"
                          for i, t in enumerate(timings))
        print(f"{size:>8}{user:>11}{total:>8}{figures}{copied:>8.1f}")
    backend = (args.database or "sqlite").split(":")[0]
    for user in USERS:
        mine = [r for r in rows if r[1] == user]
        small, large = mine[0], mine[-1]
        ratios = ", ".join(f"{name} {large[3][i][1] / small[3][i][1]:.2f}" for i, name in
                           enumerate(("first page", "search", "no hit", "page")))
        print(f"summary: {backend}: overview of {user}, p95 at {large[0]} / at {small[0]} "
              f"cases: {ratios} (target ≤ 1.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
