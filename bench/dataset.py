"""Building a benchmark's dataset: a sample run through the engine, then copied with SQL.

Running 100 000 instances through the engine would take hours on two cores, so a benchmark runs
a small sample through the engine by the demo users (`seed_with_engine`) and then copies it with
SQL `INSERT … SELECT` under new ids in the same förbund (`copy_instances`) until the size it
asks for. The copying happens in benchmarks only, never in the product.

A copy keeps what the readers under test read: the instance row (state, data, title, times), its
open human tasks and, when asked, its indexed attributes. A route's link to its need
(`parent_id`) is moved with the copy, so a need and its routes stay one group. No events, ledger
entries or notes are copied (no benchmark reads a copy's history), so full-text search over notes
finds the sample's notes only.
"""

from __future__ import annotations

import itertools

from sqlalchemy import ColumnElement, func, select, text, true

from engine.store.models import Instance
from workflows import Finsam
from workflows.demo import DEMO_MEMBERS

from .drive import Driver

INSTANCE_COLUMNS = ("tenant", "process_id", "spec_version_id", "status", "outcome", "title",
                    "state", "data", "serializer_version", "library_version", "last_seq",
                    "head_hash", "created_at", "created_by", "updated_at", "completed_at")
TASK_COLUMNS = ("tenant", "process_id", "task_guid", "bpmn_id", "name", "lane", "assignee",
                "item", "form", "title", "state", "claimed_by", "created_at", "due_at",
                "completed_at", "completed_by")
ATTRIBUTE_COLUMNS = ("tenant", "process_id", "key", "position", "value_text", "value_number",
                     "value_date")


def seed_with_engine(driver: Driver, count: int) -> None:
    """`count` needs, each starting one route that is left open at its first or second step;
    the parties rotate over the förbund's member organisations."""
    members = [slug for slug, _, _ in DEMO_MEMBERS]
    triples = itertools.cycle([members[i:i + 3] for i in range(0, len(members), 3)]
                              + [members[i::3] for i in range(3)])
    for n in range(count):
        parties = next(triples)
        if n % 2:
            iid = driver.need(parties, "finansiell_samordning")["finansiell_samordning"]
            if n % 4 == 1:
                driver.act(parties[0], iid, "utforma_insats", {
                    "insatstyp": "individinriktad", "preciserad_inriktning": "arbetslivsinriktad",
                    "specifik_malgrupp": ["unga"], "syfte": "x", "mal": "x",
                    "sokt_belopp": 100_000, "processagare": parties[0]})
        else:
            iid = driver.need(parties, "esf_plus")["esf_plus"]
            if n % 4 == 0:
                driver.act(parties[0], iid, "utforma_projektide",
                           {"projektide": "x", "syfte": "x", "mal": "x"})


def count_instances(finsam: Finsam, running_only: bool) -> int:
    """The instances in the database (only the running ones with `running_only`)."""
    where: ColumnElement[bool] = Instance.status == "running" if running_only else true()
    with finsam.db.read() as session:
        return session.scalar(select(func.count()).select_from(Instance).where(where)) or 0


def copy_instances(finsam: Finsam, target: int, *, running_only: bool,
                   attributes: bool) -> None:
    """Copy instances (only the running ones with `running_only`, else all, a need with its
    routes) with their open tasks (and, with `attributes`, their indexed attributes) under new
    ids until `target` are counted by `count_instances`; then refresh the planner's statistics."""
    status = "status = 'running'" if running_only else "id > 0"
    while (total := count_instances(finsam, running_only)) < target:
        with finsam.db.write() as session:
            ids = session.scalars(select(Instance.id).where(text(status))
                                  .order_by(Instance.id)).all()
            # A route's need has a smaller id, so it is copied with the route.
            last = ids[min(len(ids), target - total) - 1]
            params = {"offset": session.scalar(select(func.max(Instance.id))), "last": last}
            parent = "NULL" if running_only else "parent_id + :offset"
            session.execute(text(
                f"INSERT INTO instance (id, parent_id, {', '.join(INSTANCE_COLUMNS)}) "
                f"SELECT id + :offset, {parent}, {', '.join(INSTANCE_COLUMNS)} FROM instance "
                f"WHERE {status} AND id <= :last ORDER BY id"), params)
            session.execute(text(
                f"INSERT INTO human_task (instance_id, {', '.join(TASK_COLUMNS)}) "
                f"SELECT t.instance_id + :offset, {', '.join('t.' + c for c in TASK_COLUMNS)} "
                f"FROM human_task t JOIN instance i ON i.id = t.instance_id "
                f"WHERE t.state = 'open' AND i.{status} AND t.instance_id <= :last"), params)
            if attributes:
                session.execute(text(
                    f"INSERT INTO instance_attribute (instance_id, {', '.join(ATTRIBUTE_COLUMNS)}) "
                    f"SELECT a.instance_id + :offset, "
                    f"{', '.join('a.' + c for c in ATTRIBUTE_COLUMNS)} FROM instance_attribute a "
                    f"JOIN instance i ON i.id = a.instance_id "
                    f"WHERE i.{status} AND a.instance_id <= :last"), params)
    settle(finsam, ("instance", "human_task")
           + (("instance_attribute",) if attributes else ()))


def settle(finsam: Finsam, tables: tuple[str, ...]) -> None:
    """After copying rows under new ids: each table's id sequence past the copies (PostgreSQL)
    and fresh statistics for the planner; on PostgreSQL also `VACUUM`, as autovacuum would after
    the bulk insert (it may be off on a benchmark server): it empties the GIN indexes' pending
    lists, which a full-text search otherwise reads whole (9.7 ms of a search that finds
    nothing at 100 000 cases, 0.07 ms after)."""
    if not finsam.db.is_sqlite:
        with finsam.db.write() as session:
            for table in tables:
                session.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"))
    options = {} if finsam.db.is_sqlite else {"isolation_level": "AUTOCOMMIT"}
    with finsam.db.sa_engine.connect().execution_options(**options) as connection:
        connection.exec_driver_sql("ANALYZE" if finsam.db.is_sqlite else "VACUUM ANALYZE")
