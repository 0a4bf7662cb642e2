"""Through HTTP: K concurrent clients complete tasks through the JSON API of the app served by a
multi-worker WSGI server (gunicorn) on PostgreSQL.

    .venv/bin/python -m bench.http --database postgresql+psycopg://postgres@127.0.0.1:5432/finsam_bench
                                   [--workers 3] [--clients 9] [--instances 40]
                                   [--national F [--years Y]]

Seeding (through the engine): N finance-coordination instances whose nine parties are every
member organisation of the demo förbund, each waiting at the per-party anchoring step, so every
instance holds one open task per organisation. Client i acts as organisation i with an API token
and completes its tasks (POST /api/tasks/<id>/complete) starting at instance i·N/K, so clients
meet on the same instance (and its lock) only now and then, as users would. Prints completions
per second, median and p95 latency, next to the engine-only figure of the same run (the same
completions on more instances, in this process, one at a time), and the server's peak memory
(RSS summed over the master and its workers, sampled from /proc). Without --database (or
FINSAM_BENCH_DATABASE_URL) it prints a skipped summary and exits 0: it needs PostgreSQL.

With `--national F`, the database is first filled as `bench.national` fills its national one (a
year of the demo förbund through the engine, copied into Y years and into F - 1 other förbund),
so that the same completions run among a country's rows: issue 21's "through HTTP at national
scale".
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from workflows import Finsam
from workflows.demo import DEMO_MEMBERS
from workflows.users import new_token

from .drive import Driver, demo_system
from .floor import percentile
from .national import build_one, counts, fill_country, max_id

ROOT = Path(__file__).resolve().parent.parent
ORGS = [slug for slug, _, _ in DEMO_MEMBERS]


def seed(driver: Driver, count: int) -> list[int]:
    """`count` instances waiting at forankra_insats with one task per member organisation."""
    iids = []
    for _ in range(count):
        iid = driver.need(ORGS, "finansiell_samordning")["finansiell_samordning"]
        driver.act("angelholm", iid, "utforma_insats", {
            "insatstyp": "individinriktad", "preciserad_inriktning": "arbetslivsinriktad",
            "specifik_malgrupp": ["unga"], "syfte": "x", "mal": "x", "sokt_belopp": 100_000,
            "processagare": "angelholm"})
        iids.append(iid)
    return iids


def tasks_of(finsam: Finsam, iids: list[int], org: str) -> list[int]:
    """The open task ids of `org` on the instances, in instance order."""
    found = []
    for iid in iids:
        found += [t.id for t in finsam.engine.open_tasks_of(iid) if t.assignee == org]
    return found


def national_scale(finsam: Finsam, driver: Driver, forbund: int, years: int) -> None:
    """Fill the database as `bench.national` does (`forbund` förbund × `years` years), so that
    the completions below run among a country's rows."""
    started = time.perf_counter()
    build_one(finsam, driver, argparse.Namespace(engine_cycles=3, open_needs=10, years=years))
    tenants = fill_country(finsam, max_id(finsam), forbund)
    instances, tasks = counts(finsam)
    driver.completion_seconds.clear()
    print(f"national: {len(tenants)} förbund × {years} years: {instances} instances, {tasks} "
          f"open human tasks ({time.perf_counter() - started:.0f} s to build)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_kib(pid: int) -> int:
    """Resident memory of `pid` and its children (gunicorn's workers), in KiB."""
    total = 0
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    for each in [pid, *map(int, children)]:
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


class Server:
    """gunicorn serving webui.wsgi:app; samples its memory while it runs."""

    def __init__(self, url: str, workers: int) -> None:
        self.port = free_port()
        env = {**os.environ, "FINSAM_DATABASE_URL": url, "FINSAM_SECRET_KEY": "bench-secret",
               "FINSAM_INSECURE_COOKIES": "1"}
        self.log = open(os.devnull, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-w", str(workers), "-b",
             f"127.0.0.1:{self.port}", "webui.wsgi:app"],
            cwd=ROOT, env=env, stdout=self.log, stderr=self.log)
        self.peak_kib = 0
        self._sampling = True
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._wait_healthy()
        self._sampler.start()

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=5):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not become healthy in 60 s")

    def _sample(self) -> None:
        while self._sampling:
            self.peak_kib = max(self.peak_kib, rss_kib(self.process.pid))
            time.sleep(0.05)

    def stop(self) -> None:
        self._sampling = False
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


def client(port: int, token: str, task_ids: list[int], latencies: list[float],
           failures: list[str]) -> None:
    """Complete every task in `task_ids` through the API."""
    for task_id in task_ids:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/tasks/{task_id}/complete",
            data=json.dumps({"forankrad": True}).encode(), method="POST",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                response.read()
        except OSError as error:
            failures.append(f"task {task_id}: {error}")
            continue
        latencies.append(time.perf_counter() - started)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=os.environ.get("FINSAM_BENCH_DATABASE_URL"),
                        help="a PostgreSQL URL of a database of its own (its schema is emptied)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3)")
    parser.add_argument("--clients", type=int, default=9, help="client threads, ≤ 9 (default 9)")
    parser.add_argument("--instances", type=int, default=40,
                        help="instances, each with one task per client (default 40)")
    parser.add_argument("--national", type=int, default=0, metavar="F",
                        help="first fill the database as bench.national does: F förbund × "
                             "--years years (default 0: the demo förbund only)")
    parser.add_argument("--years", type=int, default=10,
                        help="years per förbund with --national (default 10)")
    args = parser.parse_args(argv)
    if not args.database or not args.database.startswith("postgresql"):
        print("summary: skipped: bench.http needs PostgreSQL (--database or "
              "FINSAM_BENCH_DATABASE_URL)")
        return 0
    clients = max(1, min(args.clients, len(ORGS)))
    with demo_system(args.database) as finsam:
        driver = Driver(finsam)
        if args.national:
            national_scale(finsam, driver, args.national, args.years)
        # Engine only, in this process, before the server starts: the same kind of completion.
        engine_iids = seed(driver, max(2, args.instances // 4))
        driver.completion_seconds.clear()
        started = time.perf_counter()
        for iid in engine_iids:
            driver.each(iid, "forankra_insats", {org: {"forankrad": True} for org in ORGS})
        engine_elapsed = time.perf_counter() - started
        engine_seconds = list(driver.completion_seconds)
        iids = seed(driver, args.instances)
        tokens = {org: new_token(finsam.db, org) for org in ORGS[:clients]}
        work = {}
        for n, org in enumerate(ORGS[:clients]):
            ids = tasks_of(finsam, iids, org)
            shift = n * len(ids) // clients
            work[org] = ids[shift:] + ids[:shift]
        server = Server(args.database, args.workers)
        latencies: list[float] = []
        failures: list[str] = []
        try:
            threads = [threading.Thread(target=client, args=(
                server.port, tokens[org], work[org], latencies, failures)) for org in work]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
        finally:
            server.stop()
        left = sum(len(tasks_of(finsam, iids, org)) for org in work)
    http_rate = len(latencies) / elapsed
    engine_rate = len(engine_seconds) / engine_elapsed
    print(f"{'':<26}{'completions':>12}{'per s':>8}{'median ms':>11}{'p95 ms':>9}")
    print(f"{f'HTTP, {clients} clients, -w {args.workers}':<26}{len(latencies):>12}"
          f"{http_rate:>8.1f}{statistics.median(latencies) * 1000:>11.1f}"
          f"{percentile(latencies, 0.95) * 1000:>9.1f}")
    print(f"{'engine only, 1 thread':<26}{len(engine_seconds):>12}{engine_rate:>8.1f}"
          f"{statistics.median(engine_seconds) * 1000:>11.1f}"
          f"{percentile(engine_seconds, 0.95) * 1000:>9.1f}")
    print(f"server peak RSS (master + {args.workers} workers): {server.peak_kib / 1024:.0f} MiB; "
          f"failed requests: {len(failures)}; tasks left open: {left}")
    for failure in failures[:5]:
        print(f"  {failure}")
    print(f"summary: postgresql: {http_rate:.1f} completions/s over HTTP "
          f"(p95 {percentile(latencies, 0.95) * 1000:.0f} ms, {clients} clients, "
          f"{args.workers} workers), engine only {engine_rate:.1f}/s; server peak RSS "
          f"{server.peak_kib / 1024:.0f} MiB")
    return 1 if failures or left else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
