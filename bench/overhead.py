"""Engine overhead: time per completion through finsam-flow next to plain SpiffWorkflow.

    .venv/bin/python -m bench.overhead [--instances N] [--database URL]

In one run: N instances of each route along its main path through the engine's public API with
real persistence (SQLite file, or --database), and the same diagrams with plain SpiffWorkflow in
memory, serializing and deserializing the workflow at every wait state (the floor the library
sets). Prints the median and p95 per completion for both and their ratio (target: ≤ 2.0). The
engine's figures are taken twice, interleaved: as it runs (a completion finds the workflow the
previous step of its instance left in memory, `engine/workflow_cache.py`) and with that cache
off, restoring every workflow from the database like the floor does.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from workflows.system import diagrams_dir

from .drive import ESF_PARTIES, FINSAM_PARTIES, Driver, demo_system

SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


class PlainSpiff:
    """The same processes on SpiffWorkflow alone: parse once, save and load at every wait."""

    def __init__(self) -> None:
        parser = SpiffBpmnParser()
        for path in sorted(diagrams_dir().glob("*.bpmn")):
            parser.add_bpmn_xml(etree.parse(str(path), SAFE), filename=path.name)
        self.specs = {pid: (parser.get_spec(pid), parser.get_subprocess_specs(pid))
                      for pid in ("behovsanalys", "finansiell_samordning", "esf_plus")}
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(
            dict(SPIFF_CONFIG)))
        self.seconds: list[float] = []

    def start(self, process_id: str, data: dict[str, Any]) -> str:
        spec, deps = self.specs[process_id]
        workflow = BpmnWorkflow(spec, deps)
        workflow.get_next_task(state=TaskState.READY).data.update(data)
        workflow.do_engine_steps()
        return str(self.serializer.serialize_json(workflow))

    def complete(self, state: str, bpmn_id: str, data: dict[str, Any],
                 item: str | None = None) -> str:
        started = time.perf_counter()
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
        self.seconds.append(time.perf_counter() - started)
        return saved

    def each(self, state: str, bpmn_id: str, answers: dict[str, dict[str, Any]]) -> str:
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
            ("genomfora_projekt", {"genomford_datum": "2028-12-31"}),
            ("slutrapportera", {"slutrapport_datum": "2029-02-28"}),
        ]:
            state = self.complete(state, bpmn_id, data)

    def finsam_main_path(self) -> None:
        state = self.start("finansiell_samordning", {"titel": "Insats", "parter": FINSAM_PARTIES})
        state = self.complete(state, "utforma_insats", {
            "insatstyp": "individinriktad", "preciserad_inriktning": ["arbetslivsinriktad"],
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
        self.complete(state, "genomfora_insats", {"deltagare_kvinnor": 1, "deltagare_man": 1,
                                                  "genomford_datum": "2026-02-28"})


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=50, help="per route (default 50)")
    parser.add_argument("--database", default=None, help="a database URL (default: SQLite)")
    args = parser.parse_args(argv)
    plain = PlainSpiff()
    with demo_system(args.database) as finsam:
        cache = finsam.engine.workflows
        size = cache.size
        driver, cold = Driver(finsam), Driver(finsam)
        hits = misses = 0
        for _ in range(args.instances):
            cache.size = size
            before = (cache.hits, cache.misses)
            driver.esf_main_path()
            driver.finsam_main_path()
            hits += cache.hits - before[0]
            misses += cache.misses - before[1]
            cache.size = 0  # the same paths restoring every workflow from its stored state
            cache.clear()
            cold.esf_main_path()
            cold.finsam_main_path()
            plain.esf_main_path()
            plain.finsam_main_path()
        hit_rate = hits / max(1, hits + misses)
    # The engine's completions include identifying each need; compare like with like.
    ours = driver.completion_seconds
    floor = plain.seconds
    rows = [("finsam-flow", ours), ("  without the cache", cold.completion_seconds),
            ("plain SpiffWorkflow", floor)]
    print(f"{'':<22}{'completions':>12}{'median ms':>11}{'p95 ms':>9}")
    for name, values in rows:
        print(f"{name:<22}{len(values):>12}{statistics.median(values) * 1000:>11.2f}"
              f"{percentile(values, 0.95) * 1000:>9.2f}")
    print(f"workflow cache (engine/workflow_cache.py): {hit_rate:.0%} of the completions found "
          "their workflow in memory")
    cold_ratio = statistics.median(cold.completion_seconds) / statistics.median(floor)
    ratio = statistics.median(ours) / statistics.median(floor)
    ratio95 = percentile(ours, 0.95) / percentile(floor, 0.95)
    backend = (args.database or "sqlite").split(":")[0]
    print(f"summary: {backend}: median ratio {ratio:.2f} (p95 {ratio95:.2f}), target ≤ 2.0; "
          f"without the workflow cache {cold_ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


