"""Follow-up report time over many instances, for one förbund and for every förbund.

    .venv/bin/python -m bench.report [--instances N] [--engine-instances M] [--runs R]
                                     [--database URL]

Seeding: M instances (default 300) are run through the engine by the demo users along a mix of
every outcome and open step (bench/drive.py). Running all N (default 10 000) through the engine
would take hours on two cores, so the benchmark then copies those rows with SQL INSERT ... SELECT
(instances with their state and data, their indexed attributes and their open human tasks, under
new ids and spread over several förbund) until there are N. This copying happens in this script
only, never in the product. Then it times the report R times (default 20) and prints the median
and the 95th percentile.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from typing import Any

from sqlalchemy import func, select, text

from engine.store.models import HumanTask, Instance, InstanceAttribute
from workflows import Finsam
from workflows.followup import Period, build_report

from .drive import ESF_PARTIES, FINSAM_PARTIES, Driver, demo_system

COPIED_TENANTS = 7  # besides nnv-skane: the copies are spread over these förbund
INSTANCE_COLUMNS = ("tenant", "process_id", "spec_version_id", "status", "outcome", "title",
                    "state", "data", "serializer_version", "library_version", "last_seq",
                    "head_hash", "created_at", "created_by", "updated_at", "completed_at")
TASK_COLUMNS = ("process_id", "task_guid", "bpmn_id", "name", "lane", "assignee", "item",
                "form", "title", "state", "claimed_by", "created_at", "due_at", "completed_at",
                "completed_by")
ATTRIBUTE_COLUMNS = ("process_id", "key", "position", "value_text", "value_number", "value_date")


def one_cycle(driver: Driver) -> None:
    """Needs ending in every outcome of both routes, and instances waiting at several steps."""
    driver.esf_main_path()
    driver.finsam_main_path()
    stopped = driver.need(ESF_PARTIES, "esf_plus")["esf_plus"]
    _agreement(driver, stopped)
    driver.act("af", stopped, "overenskommelse",
               {"overenskommelse": "avbryts", "skal": "Ingen utlysning passar"})
    rejected = driver.need(ESF_PARTIES, "esf_plus")["esf_plus"]
    _agreement(driver, rejected)
    driver.act("af", rejected, "overenskommelse", {
        "overenskommelse": "overens", "projektagare": "af", "medfinansiarer": ["fk"]})
    driver.each(rejected, "medverka_ansokan", {"fk": {"atagande": "x"}})
    driver.act("af", rejected, "formulera_ansokan",
               {"ansokan_sammanfattning": "x", "sokt_belopp": 1})
    driver.each(rejected, "beslut_projektansokan",
                {o: {"beslut": "ja", "beslut_referens": "r"} for o in ("af", "fk")})
    driver.act("af", rejected, "skicka_ansokan", {"inskickad_datum": "2025-10-01"})
    driver.act("af", rejected, "registrera_esf_beslut", {
        "esf_beslut": "avslag", "esf_diarienummer": "x", "beslut_datum": "2025-12-01"})
    driver.need(ESF_PARTIES, "bada")  # both routes at their first step
    refused = driver.need(FINSAM_PARTIES, "finansiell_samordning")["finansiell_samordning"]
    driver.act("klippan", refused, "utforma_insats", {
        "insatstyp": "strukturovergripande", "preciserad_inriktning": "kompetenshojande",
        "syfte": "x", "mal": "x", "sokt_belopp": 90_000, "processagare": "klippan"})
    driver.each(refused, "forankra_insats", {o: {"forankrad": True} for o in FINSAM_PARTIES})
    driver.act("angelholm", refused, "ansvarsfordelning", {"ansvarsfordelning": "x"})
    driver.act("kansli", refused, "bereda_arende",
               {"tjansteutlatande": "x", "forslag_till_beslut": "x"})
    driver.act("styrelse", refused, "styrelsebeslut", {
        "styrelsebeslut": "avslas", "motesdatum": "2025-06-05", "protokoll_paragraf": "§ 1"})


def _agreement(driver: Driver, iid: int) -> None:
    driver.act("af", iid, "utforma_projektide", {"projektide": "x", "syfte": "x", "mal": "x"})
    driver.each(iid, "forankra_projektide", {o: {"forankrad": True} for o in ESF_PARTIES})
    driver.each(iid, "mandat_projektagarskap", {o: {
        "mandat": True, "vill_vara_projektagare": o == "af", "medfinansierar": True}
        for o in ESF_PARTIES})


def count(finsam: Finsam) -> int:
    with finsam.db.read() as session:
        return session.scalar(select(func.count()).select_from(Instance)) or 0


def replicate(finsam: Finsam, target: int) -> None:
    """Copy the engine-made instances under new ids into other förbund until there are
    `target` instances (benchmark seeding only)."""
    with finsam.db.write() as session:
        originals = session.scalar(select(func.max(Instance.id))) or 0
        total = session.scalar(select(func.count()).select_from(Instance)) or 0
        copy = 0
        while total < target:
            copy += 1
            offset = originals * copy
            tenant = f"forbund-{(copy - 1) % COPIED_TENANTS + 1}"
            take = min(originals, target - total)
            params = {"offset": offset, "tenant": tenant, "last": take}
            columns = ", ".join(INSTANCE_COLUMNS[1:])
            session.execute(text(
                f"INSERT INTO instance (id, parent_id, {', '.join(INSTANCE_COLUMNS)}) "
                f"SELECT id + :offset, CASE WHEN parent_id <= :last THEN parent_id + :offset END, "
                f":tenant, {columns} FROM instance WHERE id <= :last"), params)
            session.execute(text(
                f"INSERT INTO instance_attribute (instance_id, tenant, "
                f"{', '.join(ATTRIBUTE_COLUMNS)}) SELECT instance_id + :offset, :tenant, "
                f"{', '.join(ATTRIBUTE_COLUMNS)} FROM instance_attribute "
                f"WHERE instance_id <= :last"), params)
            session.execute(text(
                f"INSERT INTO human_task (instance_id, tenant, {', '.join(TASK_COLUMNS)}) "
                f"SELECT instance_id + :offset, :tenant, {', '.join(TASK_COLUMNS)} "
                f"FROM human_task WHERE instance_id <= :last AND state = 'open'"), params)
            total += take
        if not finsam.db.is_sqlite:
            for table in ("instance", "instance_attribute", "human_task"):
                session.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"))
    if finsam.db.is_sqlite:
        with finsam.db.sa_engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
    else:
        with finsam.db.sa_engine.connect().execution_options(
                isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")


def timed(finsam: Finsam, tenants: tuple[str, ...], runs: int) -> tuple[float, float, int]:
    """Median and 95th percentile in milliseconds, and the instances the report covered."""
    seconds = []
    report: dict[str, Any] = {}
    for _ in range(runs):
        started = time.perf_counter()
        report = build_report(finsam.db, tenants, Period())
        seconds.append(time.perf_counter() - started)
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    covered = report["esf_plus"]["identifierade"] + report["finansiell_samordning"]["insatser"]
    return statistics.median(seconds) * 1000, p95 * 1000, covered


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=10_000, help="in total (default 10000)")
    parser.add_argument("--engine-instances", type=int, default=300,
                        help="run through the engine before copying (default 300)")
    parser.add_argument("--runs", type=int, default=20, help="timed reports (default 20)")
    parser.add_argument("--database", default=None, help="a database URL (default: SQLite)")
    args = parser.parse_args(argv)
    with demo_system(args.database) as finsam:
        driver = Driver(finsam)
        started = time.perf_counter()
        while count(finsam) < min(args.instances, args.engine_instances):
            one_cycle(driver)
        engine_made = count(finsam)
        executed = time.perf_counter() - started
        started = time.perf_counter()
        replicate(finsam, args.instances)
        copied = time.perf_counter() - started
        with finsam.db.read() as session:
            instances = session.scalar(select(func.count()).select_from(Instance)) or 0
            attributes = session.scalar(
                select(func.count()).select_from(InstanceAttribute)) or 0
            open_tasks = session.scalar(select(func.count()).select_from(HumanTask).where(
                HumanTask.state == "open")) or 0
        tenants = tuple(finsam.forbunds()) + tuple(
            f"forbund-{i}" for i in range(1, COPIED_TENANTS + 1))
        # One förbund: a copied one when there are copies (they hold the most instances).
        one = timed(finsam, ("forbund-1" if instances > engine_made else "nnv-skane",),
                    args.runs)
        every = timed(finsam, tenants, args.runs)
    backend = (args.database or "sqlite").split(":")[0]
    print(f"seeded {instances} instances: {engine_made} through the engine in {executed:.1f} s, "
          f"the rest copied in {copied:.1f} s; {attributes} attribute rows, "
          f"{open_tasks} open human tasks")
    print(f"{'report':<14}{'route instances':>16}{'median ms':>11}{'p95 ms':>9}")
    print(f"{'one förbund':<14}{one[2]:>16}{one[0]:>11.1f}{one[1]:>9.1f}")
    print(f"{'all förbund':<14}{every[2]:>16}{every[0]:>11.1f}{every[1]:>9.1f}")
    print(f"summary: {backend}: uppföljning over {instances} instances: one förbund median "
          f"{one[0]:.0f} ms (p95 {one[1]:.0f}), all {len(tenants)} förbund median "
          f"{every[0]:.0f} ms (p95 {every[1]:.0f}) over {args.runs} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
