"""The floors the engine is measured against (`bench.overhead`): the same diagrams on plain
SpiffWorkflow, in memory (saved and loaded at every wait, storing nothing) or durable (the
workflow kept, serialized with SpiffWorkflow's own serializer and written with one `UPDATE` and
`COMMIT` after every completion, `FloorStore`)."""

from __future__ import annotations

import time
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine as SAEngine

from workflows.system import diagrams_dir

from .drive import ESF_PARTIES, FINSAM_PARTIES, StatementMeter

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
            "deltagare_per_ar": [],  # derived by the domain at a grant (the yearly reports)
            "period_start": "2025-03-01", "period_slut": "2026-02-28",
            "motesdatum": "2025-02-06", "protokoll_paragraf": "§ 7"})
        state = self.each(state, "genomfora_insatsdel", {o: {"genomfort": "Vår del"}
                                                         for o in FINSAM_PARTIES})
        self.complete(state, "genomfora_insats", {"deltagare_kvinnor": 1, "deltagare_man": 1,
                                                  "genomford_datum": "2026-02-28"})
