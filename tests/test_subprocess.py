"""Embedded sub-processes (issue 16, finding 11): `finsam lint` refuses them with a clear message,
so lint and run never disagree: a file lint accepts runs, and one it refuses is never deployed."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine import SpecError
from engine.store.models import SpecVersion
from workflows import Finsam
from workflows.system import diagrams_dir

TASK = re.compile(r'    <bpmn:userTask id="identifiera_behov".*?</bpmn:userTask>\n', re.S)
TASK_DI = '      <bpmndi:BPMNShape id="identifiera_behov_di" bpmnElement="identifiera_behov">'


def with_embedded_subprocess(tmp_path: Path) -> Path:
    """behovsanalys with its user task inside an embedded sub-process, fully drawn, as a designer
    would draw it in Camunda Modeler."""
    shutil.copytree(diagrams_dir() / "forms", tmp_path / "forms")
    text = (diagrams_dir() / "behovsanalys.bpmn").read_text(encoding="utf-8")
    task = TASK.search(text)
    assert task is not None
    inner = (task.group(0)
             .replace("<bpmn:incoming>flow_start_identifiera_behov</bpmn:incoming>",
                      "<bpmn:incoming>flow_sub_in</bpmn:incoming>")
             .replace("<bpmn:outgoing>flow_identifiera_behov_gw_inom_rutinen</bpmn:outgoing>",
                      "<bpmn:outgoing>flow_sub_out</bpmn:outgoing>"))
    sub = (
        '    <bpmn:subProcess id="behov_sub" name="Kartläggning">\n'
        "      <bpmn:incoming>flow_start_identifiera_behov</bpmn:incoming>\n"
        "      <bpmn:outgoing>flow_identifiera_behov_gw_inom_rutinen</bpmn:outgoing>\n"
        '      <bpmn:startEvent id="sub_start"><bpmn:outgoing>flow_sub_in</bpmn:outgoing>'
        "</bpmn:startEvent>\n" + inner +
        '      <bpmn:endEvent id="sub_end"><bpmn:incoming>flow_sub_out</bpmn:incoming>'
        "</bpmn:endEvent>\n"
        '      <bpmn:sequenceFlow id="flow_sub_in" sourceRef="sub_start" '
        'targetRef="identifiera_behov" />\n'
        '      <bpmn:sequenceFlow id="flow_sub_out" sourceRef="identifiera_behov" '
        'targetRef="sub_end" />\n'
        "    </bpmn:subProcess>\n")
    text = text.replace(task.group(0), sub)
    text = text.replace('targetRef="identifiera_behov" />', 'targetRef="behov_sub" />', 1)
    text = text.replace('sourceRef="identifiera_behov" targetRef="gw_inom_rutinen"',
                        'sourceRef="behov_sub" targetRef="gw_inom_rutinen"')
    text = text.replace("<bpmn:flowNodeRef>identifiera_behov</bpmn:flowNodeRef>", "".join(
        f"<bpmn:flowNodeRef>{ref}</bpmn:flowNodeRef>"
        for ref in ("behov_sub", "sub_start", "identifiera_behov", "sub_end")))
    drawn = (
        '      <bpmndi:BPMNShape id="behov_sub_di" bpmnElement="behov_sub" isExpanded="true">\n'
        '        <dc:Bounds x="250" y="150" width="280" height="160" />\n'
        "      </bpmndi:BPMNShape>\n"
        '      <bpmndi:BPMNShape id="sub_start_di" bpmnElement="sub_start">\n'
        '        <dc:Bounds x="272" y="212" width="36" height="36" />\n'
        "      </bpmndi:BPMNShape>\n"
        '      <bpmndi:BPMNShape id="sub_end_di" bpmnElement="sub_end">\n'
        '        <dc:Bounds x="472" y="212" width="36" height="36" />\n'
        "      </bpmndi:BPMNShape>\n"
        '      <bpmndi:BPMNEdge id="flow_sub_in_di" bpmnElement="flow_sub_in">\n'
        '        <di:waypoint x="308" y="230" /><di:waypoint x="340" y="230" />\n'
        "      </bpmndi:BPMNEdge>\n"
        '      <bpmndi:BPMNEdge id="flow_sub_out_di" bpmnElement="flow_sub_out">\n'
        '        <di:waypoint x="440" y="230" /><di:waypoint x="472" y="230" />\n'
        "      </bpmndi:BPMNEdge>\n")
    assert TASK_DI in text
    text = text.replace(TASK_DI, drawn + TASK_DI)
    path = tmp_path / "behovsanalys.bpmn"
    path.write_text(text, encoding="utf-8")
    return path


def test_lint_refuses_an_embedded_subprocess_with_a_clear_message(
    finsam: Finsam, tmp_path: Path
) -> None:
    path = with_embedded_subprocess(tmp_path)
    with pytest.raises(SpecError) as error:
        finsam.lint_files([path])
    problems = [p for p in error.value.problems if p.element_id == "behov_sub"]
    assert problems, [str(p) for p in error.value.problems]
    assert "sub-process" in problems[0].message and problems[0].hint


def test_an_embedded_subprocess_is_never_deployed(finsam: Finsam, tmp_path: Path) -> None:
    path = with_embedded_subprocess(tmp_path)
    with finsam.db.read() as session:
        before = session.scalar(select(func.count()).select_from(SpecVersion))
    with pytest.raises(SpecError, match="sub-process"):
        finsam.deploy_files([path], "designer")
    with finsam.db.read() as session:
        assert session.scalar(select(func.count()).select_from(SpecVersion)) == before


def test_finsam_lint_command_refuses_it(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from webui.cli import main as cli

    result = CliRunner().invoke(cli, ["lint", str(with_embedded_subprocess(tmp_path))])
    assert result.exit_code == 1 and "sub-process" in result.output, result.output
