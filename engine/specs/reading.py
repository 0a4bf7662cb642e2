"""Read, validate and build process specs from BPMN files and the JSON Schema forms they name.

Everything a designer can get wrong is reported as a list of `Problem`s with the element id, its
name, the line and a fix, and nothing is deployed while any problem stands.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.base.deadline import account
from engine.base.errors import Problem, SpecError
from engine.base.xmlsafe import parse_xml
from engine.specs import checks
from engine.specs.checks import BPMN_NS, NS
from engine.specs.sources import FORM_PROPERTY, SpecSource


@dataclass(frozen=True)
class UserTaskInfo:
    """What the engine and the domain need to know about one user task of a spec."""

    bpmn_id: str
    name: str
    lane: str | None
    form: str | None
    instructions: str
    multi_instance: bool
    input_item: str | None
    output_item: str | None
    line: int | None
    item_name: str | None = None  # the item's `name`, as forms and outputs see it


@dataclass
class ParsedSpec:
    """A validated spec, ready to run: the SpiffWorkflow spec objects and what we read beside."""

    source: SpecSource
    process_id: str
    name: str | None
    spec: Any
    subprocess_specs: dict[str, Any]
    user_tasks: dict[str, UserTaskInfo]
    lanes: list[str]
    start_form: str | None
    end_events: dict[str, str]
    element_names: dict[str, str] = field(default_factory=dict)

    def form_schema(self, path: str | None) -> dict[str, Any] | None:
        """The JSON Schema of the form at `path`, or None when the task has no form."""
        if path is None:
            return None
        schema = self.source.forms.get(path)
        return dict(schema) if isinstance(schema, dict) else None


SpecRule = Callable[[ParsedSpec], list[Problem]]


_PARSED: dict[str, ParsedSpec] = {}
_PARSED_LOCK = threading.Lock()


def validate_source(source: SpecSource, rules: Iterable[SpecRule] = ()) -> ParsedSpec:
    """Validate a spec source completely; return it parsed or raise SpecError with all problems.

    The parse is kept per content hash for the life of the process: a deployed version never
    changes, so its spec objects are built once and shared.
    """
    key = source.content_hash
    with _PARSED_LOCK:
        parsed = _PARSED.get(key)
    with account():  # every expression and form of one check together (engine/base/deadline.py)
        if parsed is None:
            parsed = _parse(source)
            with _PARSED_LOCK:
                parsed = _PARSED.setdefault(key, parsed)
        rule_problems = [p for rule in rules for p in rule(parsed)]
    if rule_problems:
        raise SpecError(rule_problems)
    return parsed


def parsed_once(content_hash: str, load: Callable[[], SpecSource]) -> ParsedSpec:
    """The parsed spec of `content_hash` as `validate_source` kept it, else `load()` validated
    (without rules: a stored version passed them when it was deployed)."""
    with _PARSED_LOCK:
        parsed = _PARSED.get(content_hash)
    return parsed if parsed is not None else validate_source(load())


def _parse(source: SpecSource) -> ParsedSpec:
    tree = parse_xml(source.bpmn, source.filename)
    root = tree.getroot()
    if etree.QName(root).namespace != BPMN_NS or etree.QName(root).localname != "definitions":
        raise SpecError(
            Problem(
                "this is not a BPMN 2.0 file (the root element is "
                f"<{etree.QName(root).localname}> in namespace {etree.QName(root).namespace})",
                file=source.filename,
                line=root.sourceline,
                hint="export the diagram as BPMN 2.0 XML from Camunda Modeler or bpmn.io",
                code="spec.not_bpmn",
            )
        )
    problems = checks.xsd_problems(tree, source.filename)
    if problems:
        raise SpecError(problems)
    problems = checks.engine_problems(tree, source)
    if problems:
        raise SpecError(problems)
    return _build(tree, source)


# SpiffWorkflow's validation messages that have a stable code (the product words them).
_SPIFF_CODES = {
    "Non-default exclusive outgoing sequence flow without condition":
        "spec.flow_without_condition",
}


def _validation_problem(exc: ValidationException, message: str, code: str, root: Any,
                        source: SpecSource) -> Problem:
    """SpiffWorkflow's validation error as a problem. A flow without a condition is marked on
    the gateway it leaves (where the designer adds the default or the condition), naming the
    flow too."""
    name = " ".join(str(exc.name or exc.id or "").split())
    line = int(exc.line_number) if str(exc.line_number).isdigit() else None
    flow = next((el for el in root.iter(f"{{{BPMN_NS}}}sequenceFlow") if el.get("id") == exc.id),
                None) if code == "spec.flow_without_condition" else None
    source_ref = flow.get("sourceRef") if flow is not None else None
    gateway = next((el for el in root.iter() if source_ref and el.get("id") == source_ref), None)
    if gateway is None:
        return Problem(message, element_id=exc.id or None, element_name=exc.name or None,
                       line=line, file=source.filename, code=code, params=(("name", name),))
    gateway_name = " ".join((gateway.get("name") or "").split()) or gateway.get("id")
    return Problem(message, element_id=gateway.get("id"), element_name=gateway.get("name"),
                   line=gateway.sourceline, file=source.filename, code=code,
                   params=(("flow", str(exc.id)), ("gateway", gateway_name), ("name", name)))


def _build(tree: etree._ElementTree, source: SpecSource) -> ParsedSpec:
    root = tree.getroot()
    process = next(p for p in root.iterfind("bpmn:process", NS) if p.get("isExecutable") == "true")
    process_id = process.get("id")
    parser = SpiffBpmnParser()
    try:
        parser.add_bpmn_xml(tree, filename=source.filename)
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
    except ValidationException as exc:
        message = str(exc).split("\n")[0]
        code = next((c for text, c in _SPIFF_CODES.items() if message.startswith(text)), "")
        raise SpecError(_validation_problem(exc, message, code, root, source)) from exc
    except SpiffWorkflowException as exc:
        raise SpecError(Problem(str(exc), file=source.filename)) from exc
    _connect_loop_children(spec)
    for sub in subprocess_specs.values():
        _connect_loop_children(sub)

    lines = {el.get("id"): el.sourceline for el in process.iter() if el.get("id")}
    names = {el.get("id"): el.get("name") or "" for el in process.iter() if el.get("id")}
    user_tasks: dict[str, UserTaskInfo] = {}
    for task_spec in spec.task_specs.values():
        if type(task_spec).__name__ != "UserTask":
            continue
        bpmn_id = task_spec.bpmn_id
        wrapper = _multi_instance_wrapper(spec, task_spec)
        extensions = task_spec.extensions or {}
        properties = extensions.get("properties") or {}
        user_tasks[bpmn_id] = UserTaskInfo(
            bpmn_id=bpmn_id,
            name=task_spec.bpmn_name or bpmn_id,
            lane=task_spec.lane,
            form=properties.get(FORM_PROPERTY),
            instructions=(extensions.get("instructionsForEndUser") or "").strip(),
            multi_instance=wrapper is not None,
            input_item=_data_ref(wrapper, "input_item", "bpmn_id"),
            output_item=_data_ref(wrapper, "output_item", "bpmn_id"),
            line=lines.get(bpmn_id),
            item_name=_data_ref(wrapper, "input_item", "bpmn_name")
            or _data_ref(wrapper, "input_item", "bpmn_id"),
        )
    start_form = None
    for start in process.iterfind("bpmn:startEvent", NS):
        for prop in start.iterfind(
            ".//spiffworkflow:property[@name='" + FORM_PROPERTY + "']", NS
        ):
            start_form = prop.get("value")
    lanes = [lane.get("name") or "" for lane in process.iter(f"{{{BPMN_NS}}}lane")]
    end_events = {
        el.get("id"): el.get("name") or el.get("id")
        for el in process.iter(f"{{{BPMN_NS}}}endEvent")
    }
    return ParsedSpec(
        source=source,
        process_id=process_id,
        name=process.get("name"),
        spec=spec,
        subprocess_specs=subprocess_specs,
        user_tasks=user_tasks,
        lanes=lanes,
        start_form=start_form,
        end_events=end_events,
        element_names=names,
    )


def _data_ref(wrapper: Any, attribute: str, field: str) -> str | None:
    reference = getattr(wrapper, attribute, None)
    value = getattr(reference, field, None) if reference is not None else None
    return str(value) if value else None


def _multi_instance_wrapper(spec: Any, task_spec: Any) -> Any:
    for other in spec.task_specs.values():
        if isinstance(other, LoopTask) and getattr(other, "task_spec", None) == task_spec.name:
            return other
    return None


def _connect_loop_children(spec: Any) -> None:
    """Connect multi-instance children to their parent once, at load.

    SpiffWorkflow connects them lazily while running; with spec objects shared between threads
    that check-then-connect could connect twice and merge every child twice.
    """
    for task_spec in spec.task_specs.values():
        if isinstance(task_spec, LoopTask):
            child = spec.task_specs[task_spec.task_spec]
            if not child.completed_event.is_connected(task_spec.merge_child):
                child.completed_event.connect(task_spec.merge_child)

