"""Reading a BPMN file's diagram interchange (BPMNDI) into plain dataclasses."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from lxml import etree

from engine.base.errors import NotFound, Problem, SpecError
from engine.base.xmlsafe import parse_xml

from .semantics import BPMN_NS, CONTAINERS, Node, describe, local, resolve

BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
# Colours a modeler may store on a shape or edge: the OMG note's attributes, then bpmn.io's.
_FILL = ("{http://www.omg.org/spec/BPMN/non-normative/color/1.0}background-color",
         "{http://bpmn.io/schema/bpmn/biocolor/1.0}fill")
_STROKE = ("{http://www.omg.org/spec/BPMN/non-normative/color/1.0}border-color",
           "{http://bpmn.io/schema/bpmn/biocolor/1.0}stroke")
# Only plain colours are let through: a paint such as url(...) would reference outside the SVG.
_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20}|rgba?\([0-9.,%\s]{5,40}\)")


@dataclass(frozen=True)
class Bounds:
    """A rectangle in diagram coordinates."""

    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height

    @property
    def cx(self) -> float:
        return self.x + self.width / 2

    @property
    def cy(self) -> float:
        return self.y + self.height / 2

    def contains(self, other: Bounds) -> bool:
        """Whether `other` lies inside this rectangle (edges included)."""
        return (self.x <= other.x and self.y <= other.y
                and other.right <= self.right and other.bottom <= self.bottom)

    def union(self, other: Bounds) -> Bounds:
        """The smallest rectangle holding both."""
        x, y = min(self.x, other.x), min(self.y, other.y)
        return Bounds(x, y, max(self.right, other.right) - x, max(self.bottom, other.bottom) - y)


@dataclass(frozen=True)
class Shape:
    """A BPMNShape: where an element is drawn and how."""

    di_id: str
    element_id: str
    node: Node
    bounds: Bounds
    label: Bounds | None
    horizontal: bool
    expanded: bool
    marker_visible: bool
    fill: str | None = None
    stroke: str | None = None


@dataclass(frozen=True)
class Edge:
    """A BPMNEdge: the waypoints of a flow or association."""

    di_id: str
    element_id: str
    node: Node
    points: tuple[tuple[float, float], ...]
    label: Bounds | None
    stroke: str | None = None

    @property
    def bounds(self) -> Bounds:
        xs = [p[0] for p in self.points]
        ys = [p[1] for p in self.points]
        return Bounds(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))


@dataclass(frozen=True)
class Diagram:
    """One BPMNDiagram: its shapes and edges in file order, and a name for it."""

    name: str
    items: tuple[Shape | Edge, ...]


@dataclass(frozen=True)
class Document:
    """A parsed BPMN file: its diagrams and every element with an id."""

    filename: str
    diagrams: tuple[etree._Element, ...]
    index: dict[str, etree._Element]
    name: str | None


# What a file that is not XML at all most likely is, by its first bytes.
_BINARY = {b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image",
           b"%PDF": "a PDF document", b"PK\x03\x04": "a ZIP archive (or an Office document)"}


def load(content: bytes, filename: str = "<upload>") -> Document:
    """Parse `content` as BPMN with a diagram; raise SpecError saying why it is not."""
    for magic, what in _BINARY.items():
        if content.startswith(magic):
            raise SpecError(Problem(
                f"not a BPMN file: this is {what}, not XML", file=filename,
                hint="choose the .bpmn file the modeler saved (BPMN 2.0 XML)",
            ))
    root = parse_xml(content, filename).getroot()
    qname = etree.QName(root)
    if qname.namespace != BPMN_NS or qname.localname != "definitions":
        where = f"in namespace {qname.namespace}" if qname.namespace else "without a namespace"
        raise SpecError(Problem(
            f"not a BPMN 2.0 file: the root element is <{qname.localname}> {where}, "
            f"expected <definitions> in {BPMN_NS}",
            file=filename, line=root.sourceline,
            hint="export the diagram as BPMN 2.0 XML from the modeler",
        ))
    diagrams = tuple(root.iter(f"{{{BPMNDI_NS}}}BPMNDiagram"))
    if not diagrams:
        raise SpecError(Problem(
            "the file has no diagram (BPMNDiagram): it holds the process but not its layout, "
            "so there is nothing to draw",
            file=filename,
            hint="open the file in Camunda Modeler or bpmn.io and save it to add a layout",
        ))
    index: dict[str, etree._Element] = {}
    for element in root.iter(f"{{{BPMN_NS}}}*"):
        ident = element.get("id")
        if ident and ident not in index:
            index[ident] = element
    return Document(filename, diagrams, index, root.get("name"))


def read_diagram(document: Document, number: int) -> Diagram:
    """Diagram `number` (0 = the first) of `document`; NotFound when there is no such diagram."""
    count = len(document.diagrams)
    if not 0 <= number < count:
        raise NotFound(f"diagram {number} does not exist: the file has {count} diagram(s), "
                       f"numbered from 0")
    element = document.diagrams[number]
    plane = element.find(f"{{{BPMNDI_NS}}}BPMNPlane")
    if plane is None:
        raise SpecError(Problem(f"diagram {number} has no BPMNPlane", file=document.filename,
                                line=element.sourceline))
    raw = list(plane.iter(f"{{{BPMNDI_NS}}}BPMNShape", f"{{{BPMNDI_NS}}}BPMNEdge"))
    parents = _parent_ids(raw, document.index)
    items: list[Shape | Edge] = []
    for di in raw:
        target = resolve(document.index, di.get("bpmnElement"))
        node = describe(target, document.index)
        di_id = di.get("id") or ""
        element_id = (target.get("id") if target is not None else None) or di_id
        label = _label(di, document.filename)
        if local(di) == "BPMNShape":
            expanded_attr = di.get("isExpanded")
            expanded = (expanded_attr == "true" if expanded_attr is not None
                        else node.kind in CONTAINERS and element_id in parents)
            items.append(Shape(
                di_id=di_id, element_id=element_id, node=node,
                bounds=_bounds(di, document.filename), label=label,
                horizontal=di.get("isHorizontal", "true") != "false",
                expanded=expanded, marker_visible=di.get("isMarkerVisible") == "true",
                fill=_colour(di, _FILL), stroke=_colour(di, _STROKE),
            ))
        else:
            items.append(Edge(di_id=di_id, element_id=element_id, node=node,
                              points=_waypoints(di, document.filename), label=label,
                              stroke=_colour(di, _STROKE)))
    name = _plane_name(plane, document) or element.get("name") or document.name or "BPMN diagram"
    return Diagram(name=name, items=tuple(items))


def _parent_ids(raw: list[etree._Element], index: dict[str, etree._Element]) -> set[str]:
    parents: set[str] = set()
    for di in raw:
        if local(di) != "BPMNShape":  # data associations are children of their activity
            continue
        target = resolve(index, di.get("bpmnElement"))
        parent = target.getparent() if target is not None else None
        if parent is not None and parent.get("id"):
            parents.add(str(parent.get("id")))
    return parents


def _colour(di: etree._Element, names: tuple[str, ...]) -> str | None:
    for name in names:
        value = (di.get(name) or "").strip()
        if _COLOUR.fullmatch(value):
            return value
    return None


def _plane_name(plane: etree._Element, document: Document) -> str | None:
    target = resolve(document.index, plane.get("bpmnElement"))
    if target is None:
        return None
    named = [target, *target.iter(f"{{{BPMN_NS}}}participant")]
    return next((str(e.get("name")) for e in named if e.get("name")), None)


def _number(value: str | None, what: str, di: etree._Element, filename: str) -> float:
    try:
        number = float(value) if value is not None else math.nan
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise SpecError(Problem(
            f"the diagram gives {what} as {value!r}, not a number",
            element_id=di.get("bpmnElement") or di.get("id"), file=filename, line=di.sourceline,
        ))
    return number


def _bounds(di: etree._Element, filename: str) -> Bounds:
    box = di.find(f"{{{DC_NS}}}Bounds")
    if box is None:
        raise SpecError(Problem(
            "the shape has no dc:Bounds, so it cannot be placed",
            element_id=di.get("bpmnElement") or di.get("id"), file=filename, line=di.sourceline,
        ))
    x, y, w, h = (_number(box.get(a), a, di, filename) for a in ("x", "y", "width", "height"))
    return Bounds(x, y, max(w, 0.0), max(h, 0.0))


def _label(di: etree._Element, filename: str) -> Bounds | None:
    label = di.find(f"{{{BPMNDI_NS}}}BPMNLabel")
    if label is None or label.find(f"{{{DC_NS}}}Bounds") is None:
        return None
    bounds = _bounds(label, filename)
    return bounds if bounds.width > 1 and bounds.height > 1 else None


def _waypoints(di: etree._Element, filename: str) -> tuple[tuple[float, float], ...]:
    points = tuple(
        (_number(p.get("x"), "x", di, filename), _number(p.get("y"), "y", di, filename))
        for p in di.findall(f"{{{DI_NS}}}waypoint")
    )
    if len(points) < 2:
        raise SpecError(Problem(
            f"the edge has {len(points)} waypoint(s); at least 2 are needed to draw it",
            element_id=di.get("bpmnElement") or di.get("id"), file=filename, line=di.sourceline,
        ))
    return points
