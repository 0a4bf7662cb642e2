"""Modelling rules beyond what runs: every split decides, every element is drawn, every path ends.

These are deploy-time rules a product may enable (`Hooks.spec_rules`); each problem names the
element, its line and how to fix it.
"""

from __future__ import annotations

import ast
from typing import Any

from engine.base.errors import Problem
from engine.base.xmlsafe import parse_xml
from engine.specs.checks import BPMN_NS, BPMNDI_NS
from engine.specs.reading import ParsedSpec

SPLITTING = ("exclusiveGateway", "inclusiveGateway")
DRAWN = ("participant", "lane", "sequenceFlow", "messageFlow", "startEvent", "endEvent",
         "intermediateThrowEvent", "intermediateCatchEvent", "boundaryEvent", "userTask",
         "manualTask", "sendTask", "receiveTask", "exclusiveGateway", "inclusiveGateway",
         "parallelGateway", "eventBasedGateway", "subProcess", "callActivity")


def gateways_decide(parsed: ParsedSpec) -> list[Problem]:
    """A splitting gateway has a default flow, or conditions that cover every value a form allows
    for the variable they test."""
    root = parse_xml(parsed.source.bpmn, parsed.source.filename).getroot()
    flows = {f.get("id"): f for f in root.iter(f"{{{BPMN_NS}}}sequenceFlow")}
    problems = []
    for tag in SPLITTING:
        for gateway in root.iter(f"{{{BPMN_NS}}}{tag}"):
            outgoing = [f for f in flows.values() if f.get("sourceRef") == gateway.get("id")]
            if len(outgoing) < 2 or gateway.get("default"):
                continue
            conditions = [_condition(f) for f in outgoing]
            if None in conditions:
                problems.append(_problem(
                    parsed, gateway, "a flow leaving this gateway has no condition and the "
                    "gateway has no default flow", "set a condition on it or make it the default",
                    "lint.gateway_flow_without_condition"))
                continue
            uncovered = _uncovered(conditions, parsed.source.forms)
            if uncovered is not None:
                variable, missing = uncovered
                when = (f"{variable} is {' or '.join(missing)}" if missing
                        else f"{variable} has another value")
                problems.append(_problem(
                    parsed, gateway,
                    "no flow is taken when " + when + "; the gateway has no default flow",
                    "add a default flow (the 'otherwise' case) or a condition for that value",
                    "lint.gateway_uncovered" if missing else "lint.gateway_uncovered_other",
                    variable=variable, values=", ".join(missing)))
    return problems


def diagram_complete(parsed: ParsedSpec) -> list[Problem]:
    """Every pool, lane, flow node and flow has a shape or an edge in the diagram."""
    root = parse_xml(parsed.source.bpmn, parsed.source.filename).getroot()
    drawn = {el.get("bpmnElement") for el in root.iter(
        f"{{{BPMNDI_NS}}}BPMNShape", f"{{{BPMNDI_NS}}}BPMNEdge")}
    problems = []
    for tag in DRAWN:
        for element in root.iter(f"{{{BPMN_NS}}}{tag}"):
            if element.get("id") not in drawn:
                problems.append(_problem(
                    parsed, element, f"the {tag} is not drawn: it has no shape in the diagram",
                    "open the file in Camunda Modeler or bpmn.io, place the element, and save",
                    "lint.not_drawn", kind=tag))
    return problems


# Flow nodes, and those among them where an instance waits for a person or an event. Data changes
# only at a wait (no scripts run), so a cycle without one, once taken, is taken forever.
FLOW_NODES = ("startEvent", "endEvent", "intermediateThrowEvent", "intermediateCatchEvent",
              "boundaryEvent", "task", "userTask", "manualTask", "sendTask", "receiveTask",
              "serviceTask", "scriptTask", "businessRuleTask", "exclusiveGateway",
              "inclusiveGateway", "parallelGateway", "eventBasedGateway", "complexGateway",
              "subProcess", "callActivity", "transaction")
WAITING = ("userTask", "manualTask", "receiveTask", "intermediateCatchEvent", "boundaryEvent",
           "eventBasedGateway", "subProcess", "callActivity", "transaction")


def paths_end(parsed: ParsedSpec) -> list[Problem]:
    """From every flow node some path reaches an end, and every cycle waits somewhere.

    A loop with no way out never ends (the instance's decision is never recorded); a loop of
    gateways and events with no task in it would run the engine in circles within one step.
    Each process and sub-process is checked on its own; a node without outgoing flows ends its
    path (an implicit end).
    """
    root = parse_xml(parsed.source.bpmn, parsed.source.filename).getroot()
    problems = []
    for scope in root.iter(f"{{{BPMN_NS}}}process", f"{{{BPMN_NS}}}subProcess",
                           f"{{{BPMN_NS}}}transaction"):
        nodes = {el.get("id"): el for el in scope if _local(el) in FLOW_NODES and el.get("id")}
        edges: dict[str, set[str]] = {node: set() for node in nodes}
        exits = set(nodes)
        for flow in scope.findall(f"{{{BPMN_NS}}}sequenceFlow"):
            source, target = flow.get("sourceRef"), flow.get("targetRef")
            if source in nodes and target in nodes:
                edges[source].add(target)
                exits.discard(source)
        exits |= {node for node, el in nodes.items() if _local(el) == "endEvent"}
        for node, el in nodes.items():
            if _local(el) == "boundaryEvent" and el.get("attachedToRef") in nodes:
                edges[el.get("attachedToRef")].add(node)
        ending = _reaching(exits, edges)
        for loop in _components({n for n in nodes if n not in ending}, edges, closed=True):
            first = min(loop, key=lambda n: nodes[n].sourceline or 0)
            problems.append(_problem(
                parsed, nodes[first],
                "no path from here reaches an end event: the instance would never end "
                f"(the loop through {', '.join(sorted(loop))})",
                "add a way out of the loop: a flow to an end event, for example from an exclusive "
                "gateway with a condition", "lint.never_ends", loop=", ".join(sorted(loop))))
        automatic = {n for n, el in nodes.items() if _local(el) not in WAITING}
        for loop in _components(automatic, edges, closed=False):
            first = min(loop, key=lambda n: nodes[n].sourceline or 0)
            problems.append(_problem(
                parsed, nodes[first],
                f"the cycle through {', '.join(sorted(loop))} has no task or event that waits: "
                "once taken, the engine would go round it forever",
                "put a user task in the loop, or remove the flow that closes it",
                "lint.cycle_without_wait", loop=", ".join(sorted(loop))))
    return problems


def _local(element: Any) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag.rsplit("}", 1)[-1]


def _reaching(targets: set[str], edges: dict[str, set[str]]) -> set[str]:
    """Every node from which some node of `targets` can be reached."""
    incoming: dict[str, set[str]] = {node: set() for node in edges}
    for source, outgoing in edges.items():
        for target in outgoing:
            incoming[target].add(source)
    found, todo = set(targets), list(targets)
    while todo:
        for source in incoming[todo.pop()]:
            if source not in found:
                found.add(source)
                todo.append(source)
    return found


def _components(nodes: set[str], edges: dict[str, set[str]], closed: bool) -> list[set[str]]:
    """The cycles among `nodes` (strongly connected sets of more than one node, or a node with a
    flow to itself), using only edges between `nodes`. With `closed`, only those no edge leaves
    (the loops a path cannot get out of)."""
    def reach(start: str) -> set[str]:
        seen, todo = {start}, [start]
        while todo:
            for target in edges[todo.pop()] & nodes:
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
        return seen

    reachable = {node: reach(node) for node in nodes}
    found: list[set[str]] = []
    placed: set[str] = set()
    for node in sorted(nodes):
        if node in placed:
            continue
        component = {other for other in reachable[node] if node in reachable[other]}
        placed |= component
        if len(component) == 1 and node not in edges[node]:
            continue
        if closed and any(edges[member] - component for member in component):
            continue
        found.append(component)
    return found


def _problem(parsed: ParsedSpec, element: Any, message: str, hint: str, code: str,
             **params: str) -> Problem:
    """A problem at `element`; `params` get the element's name (or id) as `name`."""
    name = " ".join((element.get("name") or "").split()) or element.get("id") or ""
    return Problem(message, element_id=element.get("id"), element_name=element.get("name"),
                   line=element.sourceline, file=parsed.source.filename, hint=hint, code=code,
                   params=tuple(sorted({**params, "name": name}.items())))


def _condition(flow: Any) -> str | None:
    node = flow.find(f"{{{BPMN_NS}}}conditionExpression")
    text = (node.text or "").strip() if node is not None else ""
    return text or None


def _uncovered(conditions: list[str | None], forms: dict[str, Any]
               ) -> tuple[str, list[str]] | None:
    """A case no condition covers as (variable, its missing values; [] for "another value"), or
    None when every case is covered (or when the conditions are not simple enough to tell: then
    the designer is trusted)."""
    variable = None
    covered: set[Any] = set()
    for text in conditions:
        parsed = _equality(text or "")
        if parsed is None:
            return None
        name, values = parsed
        if variable not in (None, name):
            return None
        variable = name
        covered |= values
    allowed = _allowed_values(variable or "", forms)
    if allowed is None:
        return variable or "", []
    missing = sorted(str(v) for v in allowed - covered)
    return (variable or "", [repr(m) for m in missing]) if missing else None


def _equality(text: str) -> tuple[str, set[Any]] | None:
    """`x == 'a'`, `x in ('a', 'b')`, `x` or `not x` → (x, values); else None."""
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return None
    if isinstance(node, ast.Name):
        return node.id, {True}
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not) and isinstance(
            node.operand, ast.Name):
        return node.operand.id, {False}
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1
            and isinstance(node.left, ast.Name)):
        return None
    right = node.comparators[0]
    if isinstance(node.ops[0], ast.Eq) and isinstance(right, ast.Constant):
        return node.left.id, {right.value}
    if isinstance(node.ops[0], ast.In) and isinstance(right, ast.Tuple | ast.List | ast.Set):
        if all(isinstance(e, ast.Constant) for e in right.elts):
            return node.left.id, {e.value for e in right.elts if isinstance(e, ast.Constant)}
    return None


def _allowed_values(variable: str, forms: dict[str, Any]) -> set[Any] | None:
    for schema in forms.values():
        prop = ((schema or {}).get("properties") or {}).get(variable)
        if not isinstance(prop, dict):
            continue
        if prop.get("type") == "boolean":
            return {True, False}
        if "enum" in prop:
            return set(prop["enum"])
        if "oneOf" in prop:
            return {o.get("const") for o in prop["oneOf"] if isinstance(o, dict)}
    return None


__all__ = ["diagram_complete", "gateways_decide", "paths_end"]


def lane_members(parsed: ParsedSpec) -> dict[str, list[Any]]:
    """Lane name → the flow node elements it holds (its `flowNodeRef`s), in document order."""
    root = parse_xml(parsed.source.bpmn, parsed.source.filename).getroot()
    by_id = {el.get("id"): el for el in root.iter() if _local(el) in FLOW_NODES and el.get("id")}
    found: dict[str, list[Any]] = {}
    for lane in root.iter(f"{{{BPMN_NS}}}lane"):
        refs = [ref.text.strip() for ref in lane.findall(f"{{{BPMN_NS}}}flowNodeRef")
                if ref.text]
        found.setdefault(lane.get("name") or "", []).extend(
            by_id[ref] for ref in refs if ref in by_id)
    return found


def path_from_start(parsed: ParsedSpec, target: str) -> list[str]:
    """The ids on a shortest path of sequence flows from a start event of `target`'s process
    (or sub-process) to `target`; [] when none reaches it."""
    root = parse_xml(parsed.source.bpmn, parsed.source.filename).getroot()
    for scope in root.iter(f"{{{BPMN_NS}}}process", f"{{{BPMN_NS}}}subProcess",
                           f"{{{BPMN_NS}}}transaction"):
        nodes = {el.get("id"): el for el in scope if _local(el) in FLOW_NODES and el.get("id")}
        if target not in nodes:
            continue
        edges: dict[str, list[str]] = {node: [] for node in nodes}
        for flow in scope.findall(f"{{{BPMN_NS}}}sequenceFlow"):
            source, to = flow.get("sourceRef"), flow.get("targetRef")
            if source in nodes and to in nodes:
                edges[source].append(to)
        for node, el in nodes.items():
            if _local(el) == "boundaryEvent" and el.get("attachedToRef") in nodes:
                edges[el.get("attachedToRef")].append(node)
        starts = [n for n, el in nodes.items() if _local(el) == "startEvent"]
        came_from: dict[str, str | None] = {s: None for s in starts}
        queue = list(starts)
        while queue:
            node = queue.pop(0)
            if node == target:
                path: list[str] = []
                step: str | None = node
                while step is not None:
                    path.append(step)
                    step = came_from[step]
                return path[::-1]
            for nxt in edges[node]:
                if nxt not in came_from:
                    came_from[nxt] = node
                    queue.append(nxt)
    return []
