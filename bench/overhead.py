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
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine as SAEngine

from workflows.system import diagrams_dir

from .drive import ESF_PARTIES, FINSAM_PARTIES, Driver, StatementMeter, demo_system

SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


FLOOR_TABLE = "bench_durable_floor"


class FloorStore:
    """The durable floor's storage: one row per workflow, one `UPDATE` and `COMMIT` per save."""

    def __init__(self, sa_engine: SAEngine, meter: StatementMeter) -> None:
        self.meter = meter
        self.connection: Connection = sa_engine.connect()
        with self.connection.begin():
            self.connection.execute(text(f"DROP TABLE IF EXISTS {FLOOR_TABLE}"))
            self.connection.execute(text(
                f"CREATE TABLE {FLOOR_TABLE} (id INTEGER PRIMARY KEY, state TEXT NOT NULL)"))
        self.next_id = 0

    def insert(self, state: str) -> int:
        self.next_id += 1
        self.connection.execute(text(f"INSERT INTO {FLOOR_TABLE} (id, state) VALUES (:i, :s)"),
                                {"i": self.next_id, "s": state})
        self.connection.commit()
        return self.next_id

    def update(self, row_id: int, state: str) -> None:
        self.connection.execute(text(f"UPDATE {FLOOR_TABLE} SET state = :s WHERE id = :i"),
                                {"s": state, "i": row_id})
        self.connection.commit()

    def close(self) -> None:
        with self.connection.begin():
            self.connection.execute(text(f"DROP TABLE IF EXISTS {FLOOR_TABLE}"))
        self.connection.close()


class PlainSpiff:
    """The same processes on SpiffWorkflow alone: parse once; in memory, save and load at every
    wait; durable (with a `store`), keep the workflow and write its serialization after every
    completion."""

    def __init__(self, store: FloorStore | None = None) -> None:
        self.store = store
        self.statements: list[int] = []
        self.bytes: list[int] = []
        parser = SpiffBpmnParser()
        for path in sorted(diagrams_dir().glob("*.bpmn")):
            parser.add_bpmn_xml(etree.parse(str(path), SAFE), filename=path.name)
        self.specs = {pid: (parser.get_spec(pid), parser.get_subprocess_specs(pid))
                      for pid in ("behovsanalys", "finansiell_samordning", "esf_plus")}
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(
            dict(SPIFF_CONFIG)))
        self.seconds: list[float] = []

    def start(self, process_id: str, data: dict[str, Any]) -> Any:
        spec, deps = self.specs[process_id]
        workflow = BpmnWorkflow(spec, deps)
        workflow.get_next_task(state=TaskState.READY).data.update(data)
        workflow.do_engine_steps()
        saved = str(self.serializer.serialize_json(workflow))
        if self.store is not None:
            return self.store.insert(saved), workflow
        return saved

    def complete(self, state: Any, bpmn_id: str, data: dict[str, Any],
                 item: str | None = None) -> Any:
        store = self.store
        before = store.meter.reading() if store is not None else (0, 0)
        started = time.perf_counter()
        if store is not None:
            row_id, workflow = state
        else:
            workflow = self.serializer.deserialize_json(state)
        task = next(t for t in workflow.get_tasks(state=TaskState.READY, manual=True)
                    if t.task_spec.bpmn_id == bpmn_id
                    and (item is None or item in t.data.values()))
        if item is not None:
            wrapper = task.parent.task_spec
            task.data[wrapper.output_item.bpmn_id] = {**data, "part": item}
        else:
            task.data.update(data)
        task.run()
        workflow.do_engine_steps()
        saved = str(self.serializer.serialize_json(workflow))
        if store is not None:
            store.update(row_id, saved)
        self.seconds.append(time.perf_counter() - started)
        if store is not None:
            self.statements.append(store.meter.statements - before[0])
            self.bytes.append(store.meter.bytes - before[1])
            return row_id, workflow
        return saved

    def each(self, state: Any, bpmn_id: str, answers: dict[str, dict[str, Any]]) -> Any:
        for org, data in answers.items():
            state = self.complete(state, bpmn_id, data, org)
        return state

    def esf_main_path(self) -> None:
        state = self.start("esf_plus", {"titel": "Knutpunkt", "parter": ESF_PARTIES})
        state = self.complete(state, "utforma_projektide",
                              {"projektide": "Knutpunkt", "syfte": "Stöd", "mal": "Arbete"})
        state = self.each(state, "forankra_projektide", {o: {"forankrad": True}
                                                         for o in ESF_PARTIES})
        state = self.each(state, "mandat_projektagarskap", {o: {
            "mandat": True, "vill_vara_projektagare": o == "angelholm", "medfinansierar": True}
            for o in ESF_PARTIES})
        state = self.complete(state, "overenskommelse", {
            "overenskommelse": "overens", "projektagare": "angelholm",
            "medfinansiarer": ["af", "fk"], "fk_fallback": False,
            "projektparter": ["angelholm", "af", "fk"]})
        state = self.each(state, "medverka_ansokan", {o: {"atagande": "Personal"}
                                                      for o in ["af", "fk"]})
        state = self.complete(state, "formulera_ansokan",
                              {"ansokan_sammanfattning": "Knutpunkt", "sokt_belopp": 5_000_000})
        state = self.each(state, "beslut_projektansokan",
                          {o: {"beslut": "ja", "beslut_referens": "r"}
                           for o in ["angelholm", "af", "fk"]})
        for bpmn_id, data in [
            ("skicka_ansokan", {"inskickad_datum": "2025-10-01"}),
            ("registrera_esf_beslut", {"esf_beslut": "beviljad", "esf_diarienummer": "2025/1",
                                       "beslut_datum": "2025-12-01", "beviljat_belopp": 1,
                                       "projektperiod_start": "2026-01-01",
                                       "projektperiod_slut": "2028-12-31"}),
            ("bilda_projektorganisation", {"projektorganisation": "Kansli"}),
        ]:
            state = self.complete(state, bpmn_id, data)
        state = self.each(state, "genomfora_projektdel", {o: {"genomfort": "Vår del"}
                                                          for o in ["angelholm", "af", "fk"]})
        state = self.complete(state, "genomfora_projekt", {"genomford_datum": "2028-12-31"})
        self.complete(state, "slutrapportera", {"slutrapport_datum": "2029-02-28"})

    def finsam_main_path(self) -> None:
        state = self.start("finansiell_samordning", {"titel": "Insats", "parter": FINSAM_PARTIES})
        state = self.complete(state, "utforma_insats", {
            "insatstyp": "individinriktad", "preciserad_inriktning": "arbetslivsinriktad",
            "specifik_malgrupp": ["unga"], "syfte": "Stöd", "mal": "Arbete",
            "sokt_belopp": 3_500_000, "processagare": "angelholm",
            "avbryt": False})  # derived by the domain at A2, as fk_fallback is at B3
        state = self.each(state, "forankra_insats", {o: {"forankrad": True}
                                                     for o in FINSAM_PARTIES})
        state = self.complete(state, "ansvarsfordelning", {"ansvarsfordelning": "Ängelholm"})
        state = self.complete(state, "bereda_arende",
                              {"tjansteutlatande": "Ok", "forslag_till_beslut": "Bevilja"})
        state = self.complete(state, "styrelsebeslut", {
            "styrelsebeslut": "beviljas", "beviljat_belopp": 3_500_000,
            "period_start": "2025-03-01", "period_slut": "2026-02-28",
            "motesdatum": "2025-02-06", "protokoll_paragraf": "§ 7"})
        state = self.each(state, "genomfora_insatsdel", {o: {"genomfort": "Vår del"}
                                                         for o in FINSAM_PARTIES})
        self.complete(state, "genomfora_insats", {"deltagare_kvinnor": 1, "deltagare_man": 1,
                                                  "genomford_datum": "2026-02-28"})


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
