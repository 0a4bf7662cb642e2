"""National scale: 80 förbund × 10 years — the task list, the case overview, the follow-up
report for one förbund and nationally, and the replay's throughput.

    .venv/bin/python -m bench.national [--forbund 80] [--years 10] [--engine-cycles 3]
                                       [--open-needs 10] [--runs 20] [--database URL]
                                       [--one-database URL] [--report-only]

Seeding (in this script only, never in the product): one year of the demo förbund is run through
the engine by the demo users — C cycles of needs that end in every outcome of both routes and
wait at several steps (`bench.report.one_cycle`) and N needs left open at a route's first steps
(`bench.dataset.seed_with_engine`) — and timed, for the replay's comparison. That year is then
copied with SQL `INSERT … SELECT` into the förbund's earlier years (instances with their open
human tasks and indexed attributes, under new ids, their times moved back whole years), until the
förbund holds Y years: **one förbund**, built so twice: in a database of its own
(`--one-database`, default a fresh SQLite file) and in the national one (`--database`), where
its Y years are then copied into F - 1 other förbund (`forbund-02` …): **national**. The readers
are timed R times each at both scales for the same people, the calls to the two databases taken
in turn (so a change in the machine's load falls on both alike): the task list
(`Finsam.task_list` for one party's representative, and the `/` page), the case overview
(`case_overview` for the kansli, who sees every case, and for that representative, and the
`/instances` page) and the follow-up report of the one förbund (`build_report`); then the report
of all F förbund as the national role reads it (`report_forbunds` gives it every förbund where
it holds the role; it lists no case: `report_lists_cases`). `--report-only` times that report
alone (no one-förbund database, no other reader, no replay). Copies carry no history (no
events, ledger entries or notes; their chain head is the empty chain's, so the ledger does not
miss them). On PostgreSQL give both databases (each emptied first when its name contains
`bench`).

Replay: `finsam replay` verifies (chains, ledger, a full replay on the exact version) the
instances that were run through the engine, at national scale, and its instances per second are
compared with the execution's. Targets (issue 21): task list and overview p95 nationally ≤ 1.5 ×
at one förbund; the national report under 2 s on PostgreSQL; replay ≥ 10 × execution.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

from sqlalchemy import func, select, text

from engine.base.canonical import GENESIS_HASH
from engine.store.models import HumanTask, Instance
from workflows import Finsam
from workflows.demo import DEMO_FORBUND
from workflows.followup import Period, build_report
from workflows.presentation import OverviewFilters, case_overview

from .dataset import seed_with_engine, settle
from .drive import Driver, demo_system
from .floor import percentile
from .report import one_cycle
from .tasklist import page_client, timed

HOME = DEMO_FORBUND[0]  # the demo förbund: its year is run through the engine
REPRESENTATIVE = "angelholm"  # one party's representative: a narrowed task list and overview
KANSLI = "kansli"  # sees every case of the förbund
COPIED = ("process_id", "spec_version_id", "status", "outcome", "title", "state", "data",
          "serializer_version", "library_version")
TIMES = ("created_at", "updated_at", "completed_at")
TASK_COLUMNS = ("process_id", "task_guid", "bpmn_id", "name", "lane", "assignee", "item", "form",
                "title", "state", "claimed_by", "due_at", "completed_at", "completed_by")
ATTRIBUTE_COLUMNS = ("process_id", "key", "position", "value_text", "value_number",
                     "value_date")


COPIED_TABLES = ("instance", "human_task", "instance_attribute")


def _back(finsam: Finsam, column: str, years: int) -> str:
    """SQL for `column` moved back `years` whole years (NULL stays NULL)."""
    if not years:
        return column
    if finsam.db.is_sqlite:  # stored as 'YYYY-MM-DD HH:MM:SS.ffffff': keep the fraction
        return f"datetime({column}, '-{years} years') || substr({column}, 20)"
    return f"{column} - interval '{years} years'"


def copy_instances(finsam: Finsam, last: int, offset: int, tenant: str, years: int) -> None:
    """Copy the instances with id ≤ `last` (a need with its routes: they are copied together)
    with their open tasks and attributes under id + `offset` into `tenant`, `years` earlier."""
    params = {"last": last, "offset": offset, "tenant": tenant, "genesis": GENESIS_HASH}
    times = ", ".join(_back(finsam, c, years) for c in TIMES)
    with finsam.db.write() as session:
        session.execute(text(
            f"INSERT INTO instance (id, parent_id, tenant, last_seq, head_hash, created_by, "
            f"{', '.join(COPIED)}, {', '.join(TIMES)}) "
            f"SELECT id + :offset, parent_id + :offset, :tenant, 0, :genesis, created_by, "
            f"{', '.join(COPIED)}, {times} FROM instance WHERE id <= :last ORDER BY id"), params)
        session.execute(text(
            f"INSERT INTO human_task (instance_id, tenant, created_at, {', '.join(TASK_COLUMNS)}) "
            f"SELECT instance_id + :offset, :tenant, {_back(finsam, 'created_at', years)}, "
            f"{', '.join(TASK_COLUMNS)} FROM human_task "
            f"WHERE instance_id <= :last AND state = 'open'"), params)
        session.execute(text(
            f"INSERT INTO instance_attribute (instance_id, tenant, {', '.join(ATTRIBUTE_COLUMNS)})"
            f" SELECT instance_id + :offset, :tenant, {', '.join(ATTRIBUTE_COLUMNS)} "
            f"FROM instance_attribute WHERE instance_id <= :last"), params)


def counts(finsam: Finsam) -> tuple[int, int]:
    """Instances and open human tasks in the database."""
    with finsam.db.read() as session:
        instances = session.scalar(select(func.count()).select_from(Instance)) or 0
        tasks = session.scalar(select(func.count()).select_from(HumanTask).where(
            HumanTask.state == "open")) or 0
    return instances, tasks


def max_id(finsam: Finsam) -> int:
    with finsam.db.read() as session:
        return session.scalar(select(func.max(Instance.id))) or 0


def readers(finsam: Finsam, driver: Driver) -> dict[str, Callable[[], object]]:
    """The readers timed at both scales, for the same people."""
    me, kansli = driver.cap(REPRESENTATIVE), driver.cap(KANSLI)
    clients = {user: page_client(finsam, user) for user in (REPRESENTATIVE, KANSLI)}

    def page(user: str, path: str) -> Callable[[], object]:
        def get() -> None:
            response = clients[user].get(path)
            if response.status_code != 200:
                raise RuntimeError(f"GET {path} answered {response.status_code}")
        return get

    return {
        "task list": lambda: finsam.task_list(me),
        "task list page /": page(REPRESENTATIVE, "/"),
        "overview (kansli)": lambda: case_overview(finsam, kansli, OverviewFilters()),
        "overview (party)": lambda: case_overview(finsam, me, OverviewFilters()),
        "overview page": page(KANSLI, "/instances"),
        "report, one förbund": lambda: build_report(finsam.db, (HOME,), Period()),
    }


def build_one(finsam: Finsam, driver: Driver, args: argparse.Namespace) -> tuple[int, float]:
    """One year of the demo förbund through the engine, copied into its earlier years: the
    engine-made instances and the seconds they took."""
    started = time.perf_counter()
    for _ in range(args.engine_cycles):
        one_cycle(driver)
    seed_with_engine(driver, args.open_needs)
    executed = time.perf_counter() - started
    sample = max_id(finsam)
    for year in range(1, args.years):
        copy_instances(finsam, sample, sample * year, HOME, year)
    settle(finsam, COPIED_TABLES)
    return sample, executed


def fill_country(finsam: Finsam, one: int, forbund: int) -> list[str]:
    """Copy one förbund's instances (ids ≤ `one`) into `forbund` - 1 others (`forbund-02` …);
    every förbund's tenant, the home förbund's first."""
    tenants = [HOME] + [f"forbund-{n:02d}" for n in range(2, forbund + 1)]
    for number, tenant in enumerate(tenants[1:], start=1):
        copy_instances(finsam, one, one * number, tenant, 0)
    settle(finsam, COPIED_TABLES)
    return tenants


def interleaved(pairs: dict[str, tuple[Callable[[], object], Callable[[], object]]],
                runs: int) -> dict[str, list[tuple[float, float]]]:
    """Median and p95 (ms) of each reader at both scales, the two calls taken in turn, so that
    the load of the machine falls on both alike."""
    seconds: dict[str, tuple[list[float], list[float]]] = {n: ([], []) for n in pairs}
    for one, every in pairs.values():
        one(), every()  # warm-up
    for _ in range(runs):
        for name, readers_ in pairs.items():
            for reader, kept in zip(readers_, seconds[name], strict=True):
                started = time.perf_counter()
                reader()
                kept.append(time.perf_counter() - started)
    return {name: [(statistics.median(k) * 1000, percentile(k, 0.95) * 1000) for k in kept]
            for name, kept in seconds.items()}


def build_national(finsam: Finsam, driver: Driver,
                   args: argparse.Namespace) -> tuple[int, float, list[str], int]:
    """The one förbund's Y years copied into F - 1 others: the engine-made instances, the
    seconds they took, the förbund and the instances in all."""
    sample, executed = build_one(finsam, driver, args)
    one = max_id(finsam)
    print(f"one year of {HOME} through the engine: {sample} instances in {executed:.1f} s; "
          f"{args.years} years: {one} instances")
    started = time.perf_counter()
    tenants = fill_country(finsam, one, args.forbund)
    instances, tasks = counts(finsam)
    print(f"national: {len(tenants)} förbund × {args.years} years: {instances} instances, "
          f"{tasks} open human tasks ({time.perf_counter() - started:.1f} s)")
    return sample, executed, tenants, instances


def national_report(finsam: Finsam, tenants: list[str]) -> Callable[[], object]:
    """The report of every förbund as the national role reads it: figures, no case list."""
    return lambda: build_report(finsam.db, tuple(sorted(tenants)), Period(), list_cases=False)


def national_report_only(args: argparse.Namespace) -> int:
    with demo_system(args.database) as finsam:
        _, _, tenants, instances = build_national(finsam, Driver(finsam), args)
        p50, p95 = timed(national_report(finsam, tenants), args.runs)
    backend = (args.database or "sqlite").split(":")[0]
    print(f"summary: {backend}: {len(tenants)} förbund × {args.years} years, {instances} "
          f"instances: national report p50 {p50:.0f} ms, p95 {p95:.0f} ms over {args.runs} runs "
          f"(target < 2000 on PostgreSQL)")
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forbund", type=int, default=80, help="förbund (default 80)")
    parser.add_argument("--years", type=int, default=10, help="years per förbund (default 10)")
    parser.add_argument("--engine-cycles", type=int, default=3,
                        help="cycles of every outcome run through the engine (default 3)")
    parser.add_argument("--open-needs", type=int, default=10,
                        help="needs left open, run through the engine (default 10)")
    parser.add_argument("--runs", type=int, default=20, help="timed calls each (default 20)")
    parser.add_argument("--database", default=None,
                        help="a database URL for the national data (default: SQLite)")
    parser.add_argument("--one-database", default=None,
                        help="a second database URL for one förbund's (default: SQLite)")
    parser.add_argument("--report-only", action="store_true",
                        help="time only the national report (--one-database not used)")
    args = parser.parse_args(argv)
    if not args.report_only and (args.database is None) != (args.one_database is None):
        parser.error("give both --database and --one-database (on the same server), or neither")
    if args.report_only:
        return national_report_only(args)
    with demo_system(args.one_database) as alone, demo_system(args.database) as finsam:
        build_one(alone, Driver(alone), args)
        driver = Driver(finsam)
        sample, executed, tenants, instances = build_national(finsam, driver, args)
        small, large = readers(alone, Driver(alone)), readers(finsam, driver)
        timings = interleaved({name: (small[name], large[name]) for name in small}, args.runs)
        national = timed(national_report(finsam, tenants), args.runs)
        started = time.perf_counter()
        results, other = finsam.verify(HOME, list(range(1, sample + 1)))
        replayed = time.perf_counter() - started
    findings = sum(len(r.findings) for r in results) + len(other)
    backend = (args.database or "sqlite").split(":")[0]
    print(f"{'reader':<22}{'one p50':>10}{'p95':>9}{'national p50':>14}{'p95':>9}{'p95 ×':>8}")
    for name, ((one_p50, one_p95), (all_p50, all_p95)) in timings.items():
        print(f"{name:<22}{one_p50:>10.1f}{one_p95:>9.1f}{all_p50:>14.1f}{all_p95:>9.1f}"
              f"{all_p95 / one_p95:>8.2f}")
    print(f"{'report, national':<22}{'':>19}{national[0]:>14.1f}{national[1]:>9.1f}")
    execution_rate = sample / executed
    replay_rate = len(results) / replayed
    print(f"replay: {len(results)} instances in {replayed:.2f} s ({replay_rate:.1f}/s) vs "
          f"execution {execution_rate:.1f}/s; findings {findings}")
    ratio = {name: pair[1][1] / pair[0][1] for name, pair in timings.items()}
    print(f"summary: {backend}: {len(tenants)} förbund × {args.years} years, {instances} "
          f"instances: p95 national / one förbund: task list {ratio['task list']:.2f}, "
          f"overview {ratio['overview (kansli)']:.2f} (party "
          f"{ratio['overview (party)']:.2f}) (target ≤ 1.5); national report p95 "
          f"{national[1]:.0f} ms (target < 2000 on PostgreSQL); replay "
          f"{replay_rate / execution_rate:.1f} × execution (target ≥ 10); findings {findings}")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
