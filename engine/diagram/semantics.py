"""What the drawing needs to know of a BPMN element: its kind, name, event symbols and markers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"

TASKS = frozenset({
    "task", "userTask", "manualTask", "serviceTask", "scriptTask", "sendTask", "receiveTask",
    "businessRuleTask",
})
CONTAINERS = frozenset({"subProcess", "transaction", "adHocSubProcess", "callActivity"})
ACTIVITIES = TASKS | CONTAINERS
EVENTS = frozenset({
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "implicitThrowEvent",
})
GATEWAYS = frozenset({
    "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
    "complexGateway",
})
FLOW_NODES = ACTIVITIES | EVENTS | GATEWAYS
DATA = frozenset({"dataObject", "dataObjectReference", "dataInput", "dataOutput"})
STORES = frozenset({"dataStore", "dataStoreReference"})
THROWING = frozenset({"endEvent", "intermediateThrowEvent", "implicitThrowEvent"})

# Icons in an activity's top-left corner, by task kind (and by the kind of global task called).
ICONS = {
    "userTask": "user", "manualTask": "manual", "serviceTask": "service", "scriptTask": "script",
    "sendTask": "send", "receiveTask": "receive", "businessRuleTask": "businessRule",
    "globalUserTask": "user", "globalManualTask": "manual", "globalScriptTask": "script",
    "globalBusinessRuleTask": "businessRule",
}


@dataclass(frozen=True)
class Node:
    """A BPMN element as the drawing sees it."""

    kind: str  # BPMN local name; "" when the diagram names no element of the file
    name: str | None = None
    definitions: tuple[str, ...] = ()  # event symbols: "message", "timer", ..., "multiple"
    flags: frozenset[str] = field(default_factory=frozenset)
    icon: str | None = None  # task type icon drawn top-left


def local(element: etree._Element) -> str:
    """The local name of an element (no namespace)."""
    return str(etree.QName(element).localname)


def words(kind: str) -> str:
    """A kind in words: "userTask" -> "user task"."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", kind).lower()


def resolve(index: dict[str, etree._Element], ref: str | None) -> etree._Element | None:
    """The element a reference names; QName prefixes ("ns:id") are tolerated."""
    if not ref:
        return None
    ref = ref.strip()
    found = index.get(ref)
    if found is None and ":" in ref:
        found = index.get(ref.rsplit(":", 1)[1])
    return found


def describe(element: etree._Element | None, index: dict[str, etree._Element]) -> Node:
    """The Node for a BPMN element (or an empty Node when the diagram points nowhere)."""
    if element is None:
        return Node(kind="")
    kind = local(element)
    flags: set[str] = set()
    definitions: tuple[str, ...] = ()
    icon = ICONS.get(kind)
    if kind in EVENTS:
        definitions = _event_symbols(element, index)
        flags.add("throw" if kind in THROWING else "catch")
        if element.get("isInterrupting") == "false" or element.get("cancelActivity") == "false":
            flags.add("non-interrupting")
    if kind in ACTIVITIES:
        flags |= _activity_markers(element)
        if kind == "callActivity":
            called = resolve(index, element.get("calledElement"))
            icon = ICONS.get(local(called)) if called is not None else None
            if called is not None and local(called).startswith("global"):
                flags.add("calls-task")
    if kind == "receiveTask" and element.get("instantiate") == "true":
        flags.add("instantiate")
    if kind == "eventBasedGateway":
        if element.get("instantiate") == "true":
            flags.add("instantiate")
        if element.get("eventGatewayType") == "Parallel":
            flags.add("parallel")
    if kind == "sequenceFlow":
        flags |= _flow_markers(element, index)
    if kind == "association":
        direction = element.get("associationDirection", "None")
        if direction in ("One", "Both"):
            flags.add("arrow-end")
        if direction == "Both":
            flags.add("arrow-start")
    if kind in DATA:
        flags |= _data_flags(element, index, kind)
    if kind == "participant" and _multiple_participant(element):
        flags.add("multiple")
    if kind == "participant" and not element.get("processRef"):
        flags.add("blackbox")
    return Node(kind=kind, name=_name(element, index, kind), definitions=definitions,
                flags=frozenset(flags), icon=icon)


def _name(element: etree._Element, index: dict[str, etree._Element], kind: str) -> str | None:
    name = element.get("name")
    if kind == "textAnnotation":
        text = element.find(f"{{{BPMN_NS}}}text")
        name = text.text if text is not None else None
    elif kind == "group":
        value = resolve(index, element.get("categoryValueRef"))
        name = value.get("value") if value is not None else None
    elif kind == "dataObjectReference" and not name:
        target = resolve(index, element.get("dataObjectRef"))
        name = target.get("name") if target is not None else None
    elif kind == "dataStoreReference" and not name:
        target = resolve(index, element.get("dataStoreRef"))
        name = target.get("name") if target is not None else None
    state = element.find(f"{{{BPMN_NS}}}dataState")
    shown = f"[{state.get('name')}]" if state is not None and state.get("name") else ""
    if shown and shown not in (name or ""):
        name = f"{name or ''}\n{shown}".strip()
    return name.strip() if name and name.strip() else None


def _event_symbols(element: etree._Element, index: dict[str, etree._Element]) -> tuple[str, ...]:
    found: list[str] = []
    for child in element:
        if not isinstance(child.tag, str):
            continue
        name = local(child)
        if name == "eventDefinitionRef":
            target = resolve(index, child.text)
            name = local(target) if target is not None else ""
        if name.endswith("EventDefinition"):
            found.append(name[: -len("EventDefinition")])
    if len(found) > 1:
        return ("parallelMultiple",) if element.get("parallelMultiple") == "true" else ("multiple",)
    return tuple(found)


def _activity_markers(element: etree._Element) -> set[str]:
    flags: set[str] = set()
    if element.find(f"{{{BPMN_NS}}}standardLoopCharacteristics") is not None:
        flags.add("loop")
    multi = element.find(f"{{{BPMN_NS}}}multiInstanceLoopCharacteristics")
    if multi is not None:
        flags.add("sequential" if multi.get("isSequential") == "true" else "parallel")
    if element.get("isForCompensation") == "true":
        flags.add("compensation")
    if local(element) == "adHocSubProcess":
        flags.add("adhoc")
    if element.get("triggeredByEvent") == "true":
        flags.add("event-subprocess")
    return flags


def _flow_markers(element: etree._Element, index: dict[str, etree._Element]) -> set[str]:
    flags: set[str] = set()
    source = resolve(index, element.get("sourceRef"))
    if source is None:
        return flags
    if source.get("default") and source.get("default") == element.get("id"):
        flags.add("default")
    has_condition = element.find(f"{{{BPMN_NS}}}conditionExpression") is not None
    if has_condition and local(source) in ACTIVITIES:
        flags.add("conditional")
    return flags


def _data_flags(element: etree._Element, index: dict[str, etree._Element], kind: str) -> set[str]:
    flags: set[str] = set()
    target = resolve(index, element.get("dataObjectRef")) if kind == "dataObjectReference" else None
    if element.get("isCollection") == "true" or (
        target is not None and target.get("isCollection") == "true"
    ):
        flags.add("collection")
    if kind == "dataInput":
        flags.add("input")
    if kind == "dataOutput":
        flags.add("output")
    return flags


def _multiple_participant(element: etree._Element) -> bool:
    multiplicity = element.find(f"{{{BPMN_NS}}}participantMultiplicity")
    if multiplicity is None:
        return False
    try:
        return int(multiplicity.get("maximum", "1")) > 1
    except ValueError:
        return False
