"""The bundled diagrams: valid for the engine, clean under bpmnlint, complete diagram
interchange."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree

from engine import read_source
from engine.specs.checks import NS
from engine.specs.reading import validate_source
from workflows.deploy_rules import (
    esf_fields_stay_in_esf,
    lanes_resolve,
    styrelse_only_where_it_decides,
)
from workflows.hooks import FinsamHooks
from workflows.system import diagrams_dir

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted(diagrams_dir().glob("*.bpmn"))
END_EVENTS = {
    "behovsanalys": {"routes_started", "utanfor_rutinen"},
    # insats_avbruten: the beredningsgrupp stops the need before A4 (issue 16, finding 8)
    "finansiell_samordning": {"insats_genomford", "avslag", "insats_avbruten"},
    # the two "Påminnelse skickad" ends close the reminder branches only, never an instance
    "esf_plus": {"projekt_avslutat", "ej_ansokan", "ansokan_avslagen",
                 "overenskommelse_paminnelse_skickad", "beslut_paminnelse_skickad"},
    # the beredningsgrupp's periodic bevakning ends only when the group chooses to stop
    "utlysningsplan": {"bevakning_avslutad"},
}


def test_the_four_processes_are_there() -> None:
    assert [p.stem for p in FILES] == ["behovsanalys", "esf_plus", "finansiell_samordning",
                                       "utlysningsplan"]
    assert FinsamHooks  # the rules below are the hooks' deploy rules


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_valid_with_end_events_of_the_contract(path: Path) -> None:
    parsed = validate_source(read_source(path), [lanes_resolve, styrelse_only_where_it_decides,
                                                         esf_fields_stay_in_esf])
    assert parsed.process_id == path.stem
    assert set(parsed.end_events) == END_EVENTS[path.stem]
    for task in parsed.user_tasks.values():
        assert task.form, f"{task.bpmn_id} has no form"
        assert task.instructions, f"{task.bpmn_id} has no instructions"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_element_has_diagram_interchange(path: Path) -> None:
    tree = etree.parse(str(path))
    shown = {el.get("bpmnElement") for el in tree.iter(
        "{http://www.omg.org/spec/BPMN/20100524/DI}BPMNShape",
        "{http://www.omg.org/spec/BPMN/20100524/DI}BPMNEdge")}
    kinds = ("participant", "lane", "sequenceFlow", "messageFlow", "startEvent", "endEvent",
             "userTask", "exclusiveGateway", "inclusiveGateway", "parallelGateway",
             "intermediateThrowEvent", "intermediateCatchEvent", "boundaryEvent")
    elements = [el for kind in kinds for el in tree.getroot().iterfind(f".//bpmn:{kind}", NS)]
    missing = [el.get("id") for el in elements if el.get("id") not in shown]
    assert elements and missing == []


def test_bpmnlint_recommended_passes() -> None:
    npx = shutil.which("npx")
    bpmnlint = ROOT / "node_modules" / ".bin" / "bpmnlint"
    if npx is None or not bpmnlint.exists():
        if os.environ.get("CI"):
            pytest.fail("bpmnlint is not installed: run 'npm ci' (the CI script does)")
        pytest.skip("Node.js and 'npm ci' are needed for bpmnlint")
    result = subprocess.run(
        [str(bpmnlint), *[str(p) for p in FILES]], cwd=ROOT, capture_output=True, text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_esf_diagram_draws_the_zones_and_the_goal_of_bilaga_1() -> None:
    """000 Bilaga 1: two zones and one goal; each drawn, and shown by the renderer."""
    from engine.diagram import render_svg

    path = diagrams_dir() / "esf_plus.bpmn"
    root = etree.parse(str(path)).getroot()
    values = {v.get("id"): v.get("value") for v in root.iterfind(".//bpmn:categoryValue", NS)}
    groups = {g.get("id"): values[g.get("categoryValueRef")]
              for g in root.iterfind(".//bpmn:group", NS)}
    assert sorted(groups.values()) == ["Parternas arbete utanför beredningsstrukturen",
                                       "Samordningsförbundens beredningsstruktur"]
    drawn = {s.get("bpmnElement") for s in root.iterfind(".//bpmndi:BPMNShape", NS)}
    assert set(groups) <= drawn
    goal = "Mål: Målgruppen får tillgång till samordnade rehabiliteringsinsatser"
    for name in ("esf_plus", "finansiell_samordning"):
        tree = etree.parse(str(diagrams_dir() / f"{name}.bpmn")).getroot()
        (note,) = [t for t in tree.iterfind(".//bpmn:textAnnotation", NS)
                   if t.findtext("bpmn:text", namespaces=NS) == goal]
        (link,) = [a for a in tree.iterfind(".//bpmn:association", NS)
                   if a.get("targetRef") == note.get("id")]
        assert link.get("sourceRef") in {"projekt_avslutat", "insats_genomford"}
    svg = render_svg(path.read_bytes())
    assert "Parternas arbete utanför" in svg and "Samordningsförbundens" in svg


def test_the_shared_first_step_has_its_full_name() -> None:
    parsed = validate_source(read_source(diagrams_dir() / "behovsanalys.bpmn"))
    assert parsed.user_tasks["identifiera_behov"].name == (
        "Beredningsgruppen kartlägger målgruppens behov och identifierar behov av insatser för "
        "finansiell samordning eller av ESF+-projekt")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_user_task_has_a_due_date(path: Path) -> None:
    """Walks the file itself: each user task carries exactly one `dueIn` (the spiff property),
    a duration the engine accepts, from a day to three years; the engine reads the same values."""
    from engine.specs.schedule import due_durations, parse_duration

    tree = etree.parse(str(path)).getroot()
    tasks = tree.findall(".//bpmn:userTask", NS)
    assert tasks
    written: dict[str, str] = {}
    for task in tasks:
        values = [p.get("value") for p in task.iterfind(
            "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS)
            if p.get("name") == "dueIn"]
        assert len(values) == 1, f"{task.get('id')}: {len(values)} dueIn"
        written[task.get("id")] = values[0]
        due = parse_duration(values[0])
        assert timedelta(days=1) <= due <= timedelta(weeks=156), f"{task.get('id')}: {due}"
    parsed = validate_source(read_source(path))
    assert due_durations(parsed) == {k: parse_duration(v) for k, v in written.items()}
    assert set(written) == set(parsed.user_tasks)
