"""Hostile designer content for the bound tests: a small process to fill with it.

`process(...)` builds a spec: start (start form) → [a timer] → the user task `ask` (the form
`forms/ask.schema.json`; optionally multi-instance by a cardinality) → `gateways` exclusive
gateways in a row, each taking the flow to the end `yes` when `condition` holds (`{i}` in it is
the gateway's number), else the next → the end `no`. Everything is assigned to the group
"unassigned" (the tests' LaneHooks).
"""

from __future__ import annotations

import json
from typing import Any
from xml.sax.saxutils import escape

from engine import Actor, SpecSource

ASK_FORM: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
    "additionalProperties": False,
    "properties": {"words": {"type": "array", "items": {"type": "string"}},
                   "text": {"type": "string"}, "n": {"type": "integer"}},
}
START_FORM: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
    "properties": {"title": {"type": "string"}},
}
GROUPS = frozenset({"unassigned"})


def actor(tenant: str = "t1", name: str = "u1") -> Actor:
    """Someone who may do every task of the hostile process in `tenant`."""
    return Actor.of_groups(name, tenant, f"{name} (tester)", GROUPS)


def process(condition: str = "n > 0", *, timer: tuple[str, str] | None = None,
            form: Any = None, cardinality: str | None = None, gateways: int = 1,
            process_id: str = "hostile", due_in: str | None = None) -> SpecSource:
    """The hostile process's source (see the module's docstring). `timer` is (kind, text), e.g.
    ("timeDuration", '"P1D"')."""
    nodes, flows = [], []
    previous = "start"
    if timer is not None:
        kind, text = timer
        nodes.append(f'<bpmn:intermediateCatchEvent id="wait" name="Wait">'
                     f'<bpmn:incoming>f_wait</bpmn:incoming><bpmn:outgoing>f_ask</bpmn:outgoing>'
                     f'<bpmn:timerEventDefinition id="wait_timer"><bpmn:{kind} '
                     f'xsi:type="bpmn:tFormalExpression">{escape(text)}</bpmn:{kind}>'
                     f'</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>')
        flows.append('<bpmn:sequenceFlow id="f_wait" sourceRef="start" targetRef="wait"/>')
        previous, first = "wait", "f_wait"
    else:
        first = "f_ask"
    loop = ("" if cardinality is None else
            '<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality '
            f'xsi:type="bpmn:tFormalExpression">{escape(cardinality)}</bpmn:loopCardinality>'
            '</bpmn:multiInstanceLoopCharacteristics>')
    due = "" if due_in is None else f'<spiffworkflow:property name="dueIn" value="{due_in}"/>'
    nodes.append(f'<bpmn:userTask id="ask" name="Ask"><bpmn:extensionElements>'
                 '<spiffworkflow:properties><spiffworkflow:property '
                 f'name="formJsonSchemaFilename" value="forms/ask.schema.json"/>{due}'
                 '</spiffworkflow:properties></bpmn:extensionElements>'
                 f'<bpmn:incoming>f_ask</bpmn:incoming><bpmn:outgoing>f_gw0</bpmn:outgoing>{loop}'
                 '</bpmn:userTask>')
    flows.append(f'<bpmn:sequenceFlow id="f_ask" sourceRef="{previous}" targetRef="ask"/>')
    yes_in = []
    for index in range(gateways):
        after = f"f_gw{index + 1}" if index + 1 < gateways else "f_no"
        target = f"gw{index + 1}" if index + 1 < gateways else "no"
        nodes.append(f'<bpmn:exclusiveGateway id="gw{index}" default="{after}">'
                     f'<bpmn:incoming>f_gw{index}</bpmn:incoming>'
                     f'<bpmn:outgoing>f_yes{index}</bpmn:outgoing>'
                     f'<bpmn:outgoing>{after}</bpmn:outgoing></bpmn:exclusiveGateway>')
        source = "ask" if index == 0 else f"gw{index - 1}"
        flows.append(f'<bpmn:sequenceFlow id="f_gw{index}" sourceRef="{source}" '
                     f'targetRef="gw{index}"/>' if index == 0 else "")
        flows.append(f'<bpmn:sequenceFlow id="{after}" sourceRef="gw{index}" '
                     f'targetRef="{target}"/>')
        flows.append(f'<bpmn:sequenceFlow id="f_yes{index}" sourceRef="gw{index}" '
                     'targetRef="yes"><bpmn:conditionExpression '
                     'xsi:type="bpmn:tFormalExpression">'
                     f'{escape(condition.replace("{i}", str(index)))}'
                     '</bpmn:conditionExpression></bpmn:sequenceFlow>')
        yes_in.append(f"<bpmn:incoming>f_yes{index}</bpmn:incoming>")
    nodes.append(f'<bpmn:endEvent id="yes" name="Yes">{"".join(yes_in)}</bpmn:endEvent>')
    nodes.append('<bpmn:endEvent id="no" name="No"><bpmn:incoming>f_no</bpmn:incoming>'
                 '</bpmn:endEvent>')
    bpmn = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
        'id="defs_hostile" targetNamespace="http://example.org/hostile">\n'
        f'<bpmn:process id="{process_id}" name="Hostile" isExecutable="true">\n'
        '<bpmn:startEvent id="start" name="Start"><bpmn:extensionElements>'
        '<spiffworkflow:properties><spiffworkflow:property name="formJsonSchemaFilename" '
        'value="forms/start.schema.json"/></spiffworkflow:properties></bpmn:extensionElements>'
        f'<bpmn:outgoing>{first}</bpmn:outgoing></bpmn:startEvent>\n'
        + "\n".join(nodes) + "\n" + "\n".join(f for f in flows if f)
        + "\n</bpmn:process>\n</bpmn:definitions>\n"
    )
    forms = {"forms/start.schema.json": START_FORM,
             "forms/ask.schema.json": ASK_FORM if form is None else form}
    return SpecSource(f"{process_id}.bpmn", bpmn.encode("utf-8"), json.loads(json.dumps(forms)))
