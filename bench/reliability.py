"""Reliability under load, faults and bad input, in one run: the figures that nothing was lost.

    .venv/bin/python -m bench.reliability [--database URL] [--stress]
                                          [--threads N] [--needs N] [--kills N] [--workers N]

Serves the app as production does (gunicorn, 4 worker processes, FINSAM_ENV=production) over a
fresh SQLite file, or over PostgreSQL with --database (its public schema is dropped and created
again: give it a database of its own). First the bad-input corpus of tests/bad_inputs.py goes
over HTTP (each must be refused, the database unchanged); then client threads start needs and
claim, release and complete tasks through the JSON API while the server is SIGKILLed (master and
workers at once) at random moments and started again; then every instance of every förbund is
verified (hash chains, the ledger, a replay) and every 200 the clients got is looked for in the
history. Prints the figures and a `summary:` line; exit 1 if anything was lost or duplicated.
"""

from __future__ import annotations

import argparse
import random
import signal
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from engine.store.models import Event
from tests.agents import HttpTransport
from tests.bad_inputs import CASES, run_case
from tests.corpus_world import Ctx, prepare_world, snapshot
from tests.history import check_history, open_tasks
from tests.load import USERS, HttpClient, Load
from tests.server import SECRET, Server, own_postgres_url
from workflows import Finsam
from workflows.demo import load_demo
from workflows.users import new_token


def completions(finsam: Finsam) -> int:
    with finsam.db.read() as session:
        return session.scalar(select(func.count()).select_from(Event).where(
            Event.kind == "completed")) or 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=None,
                        help="a PostgreSQL URL of a database of its own (default: SQLite)")
    parser.add_argument("--stress", action="store_true", help="the larger counts")
    parser.add_argument("--threads", type=int, default=None,
                        help=f"client threads (16; 32; at least {len(USERS)})")
    parser.add_argument("--needs", type=int, default=None, help="needs started (12; 80)")
    parser.add_argument("--kills", type=int, default=None, help="SIGKILLs (3; 10)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop gunicorn on the way out
    threads = max(len(USERS), args.threads or (32 if args.stress else 16))
    needs = args.needs if args.needs is not None else (80 if args.stress else 12)
    kills = args.kills if args.kills is not None else (10 if args.stress else 3)
    with tempfile.TemporaryDirectory() as folder:
        url = (own_postgres_url(args.database, _name(args.database)) if args.database
               else f"sqlite:///{Path(folder) / 'reliability.sqlite3'}")
        return run(url, Path(folder), threads, needs, kills, args.workers)


def _name(url: str) -> str:
    from sqlalchemy.engine import make_url

    return str(make_url(url).database)


def run(url: str, folder: Path, threads: int, needs: int, kills: int, workers: int) -> int:
    finsam = Finsam(url)
    finsam.init()
    load_demo(finsam.db)
    world = prepare_world(finsam, SECRET)
    server = Server(url, folder / "gunicorn.log", workers=workers)
    server.start()
    try:
        started = time.monotonic()
        before = snapshot(finsam)
        ctx = Ctx(HttpTransport(server.base_url), world)
        problems = [p for case in CASES if (p := run_case(case, ctx)) is not None]
        if snapshot(finsam) != before:
            problems.append("the bad inputs changed the database")
        bad_seconds = time.monotonic() - started

        tokens = {user: new_token(finsam.db, user) for user in USERS}
        done_before = completions(finsam)
        rng = random.Random(1)

        def kill_now_and_then(load: Load) -> None:
            for _ in range(kills):
                time.sleep(rng.uniform(0.3, 1.5))
                load.wait_for_a_write()
                time.sleep(rng.uniform(0, 0.03))  # somewhere inside the request, or its commit
                server.kill()
                server.start()

        load = Load(lambda user: HttpClient(server.base_url, tokens[user], user),
                    lambda: open_tasks(finsam), threads, needs, timeout=1800, seed=9)
        log = load.run(kill_now_and_then)
    finally:
        server.stop()
    started = time.monotonic()
    check = check_history(finsam, log)
    verified = check.instances
    for tenant in finsam.forbunds():
        if tenant != "nnv-skane":
            results, other = finsam.verify(tenant)
            verified += len(results)
            check.findings += [str(f) for r in results for f in r.findings]
            check.findings += [str(f) for f in other]
    verify_seconds = time.monotonic() - started
    unanswered = check.completions - done_before - len(log.completed)
    finsam.close()

    server_errors = sum(n for (_, status), n in log.statuses.items() if status >= 500)
    ok = sum(n for (_, status), n in log.statuses.items() if status < 300)
    conflicts = log.count(409)
    print(f"{'phase':<14}{'requests':>9}{'2xx':>7}{'409':>6}{'4xx':>6}{'5xx':>5}{'kills':>7}"
          f"{'seconds':>9}")
    print(f"{'bad input':<14}{len(CASES):>9}{0:>7}{'-':>6}{len(CASES) - len(problems):>6}"
          f"{0:>5}{0:>7}{bad_seconds:>9.1f}")
    other_4xx = log.answered - ok - conflicts - server_errors
    print(f"{'load + kills':<14}{log.answered:>9}{ok:>7}{conflicts:>6}{other_4xx:>6}"
          f"{server_errors:>5}{server.kills:>7}{log.seconds:>9.1f}")
    print(f"{'verification':<14}{'instances':>9} {verified}, events {check.events}, completions "
          f"{check.completions} ({len(log.completed)} answered 200, {unanswered} committed as the "
          f"server died and answered 409 on retry), {verify_seconds:.1f} s")
    for line in [*problems, *log.unexpected, *check.lost, *check.duplicated, *check.findings][:20]:
        print("  !", line)
    backend = url.split(":")[0].split("+")[0]
    bad = len(problems) + len(log.unexpected) + len(check.lost) + len(check.duplicated) + \
        len(check.findings) + (1 if log.timed_out else 0)
    print(f"summary: {backend}: {log.answered} requests held by {workers} workers through "
          f"{server.kills} SIGKILLs ({log.unavailable} times the server was gone), {conflicts} "
          f"conflicts answered 409 and retried, {server_errors} answered 5xx; "
          f"{len(CASES) - len(problems)}/{len(CASES)} bad inputs refused; {verified} instances "
          f"verified; lost events {len(check.lost)}, duplicated events {len(check.duplicated)}, "
          f"findings {len(check.findings)}{', TIMED OUT' if log.timed_out else ''}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
