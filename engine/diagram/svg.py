"""Assembling one diagram as a standalone, accessible SVG document."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from lxml import etree

from .canvas import SVG_NS, add, clean, fmt, group, rect
from .edges import draw_edge
from .model import Bounds, Diagram, Edge, Shape
from .pools import HEADER, headers
from .semantics import CONTAINERS, FLOW_NODES, words
from .shapes import draw_shape

MARGIN = 20.0
_CLASS_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")

# Defaults live on the elements as presentation attributes, so any stylesheet (this one, or the
# page's) overrides them; the classes below only mark what a caller highlights.
STYLE = """
.bpmn-diagram { font-family: Arial, Helvetica, sans-serif; font-size: 11px; }
.bpmn-label { fill: #000; stroke: none; }
.bpmn-badge text { font-size: 10px; font-weight: bold; }
.completed > .bpmn-body { fill: #dcefd9; stroke: #2e7d32; }
.completed > .bpmn-line { stroke: #2e7d32; }
.completed > .bpmn-arrow { fill: #2e7d32; stroke: #2e7d32; }
.open > .bpmn-body { fill: #ffe5a0; stroke: #c67c00; stroke-width: 4px; }
.open > .bpmn-line { stroke: #c67c00; stroke-width: 3px; }
.path > .bpmn-line, .path > .bpmn-arrow-line { stroke: #1565c0; stroke-width: 2.5px; }
.path > .bpmn-arrow { fill: #1565c0; stroke: #1565c0; }
.path > .bpmn-arrow-open { stroke: #1565c0; }
.path > .bpmn-body { stroke: #1565c0; }
.problem > .bpmn-body, .problem > .bpmn-line { stroke: #c62828; stroke-width: 3px; }
.problem > .bpmn-arrow { fill: #c62828; stroke: #c62828; }
.added > .bpmn-body { fill: #dcefd9; stroke: #2e7d32; }
.added > .bpmn-line { stroke: #2e7d32; stroke-width: 2.5px; }
.added > .bpmn-arrow { fill: #2e7d32; stroke: #2e7d32; }
.removed > .bpmn-body { fill: #fbdcdc; stroke: #c62828; stroke-dasharray: 6 3; }
.removed > .bpmn-line { stroke: #c62828; stroke-dasharray: 6 3; }
.removed > .bpmn-arrow { fill: #c62828; stroke: #c62828; }
.changed > .bpmn-body { fill: #ffe6cc; stroke: #e65100; }
.changed > .bpmn-line { stroke: #e65100; stroke-width: 2.5px; }
.changed > .bpmn-arrow { fill: #e65100; stroke: #e65100; }
.heat-1 > .bpmn-body { fill: #fff7bc; stroke: #8c6d00; }
.heat-2 > .bpmn-body { fill: #fec44f; stroke: #8c4a00; }
.heat-3 > .bpmn-body { fill: #fb8a3c; stroke: #7a2e00; stroke-width: 3px; }
.heat-4 > .bpmn-body { fill: #e0533b; stroke: #5c0d00; stroke-width: 4px; }
"""


def render(
    diagram: Diagram,
    ident: str,
    highlights: Mapping[str, Iterable[str]],
    counts: Mapping[str, int],
    title: str | None,
) -> str:
    """The SVG text of `diagram`; `ident` prefixes the ids of its title and description."""
    root = etree.Element(f"{{{SVG_NS}}}svg", nsmap={None: SVG_NS})
    heading = add(root, "title", {"id": f"{ident}-title"})
    heading.text = clean(title or diagram.name)
    desc = add(root, "desc", {"id": f"{ident}-desc"})
    desc.text = clean(description(diagram))
    add(root, "style").text = STYLE
    viewport = group(root, "bpmn-viewport")
    bands = headers([item for item in diagram.items if isinstance(item, Shape)])
    extent: Bounds | None = None
    for item in layered(diagram.items):
        element = add(viewport, "g", {
            "class": _classes(item, highlights.get(item.element_id, ())),
            "data-element-id": item.element_id,
        })
        if isinstance(item, Shape):
            box = draw_shape(element, item, bands.get(item.di_id, HEADER))
        else:
            box = draw_edge(element, item)
        _colour(element, item)
        if item.element_id in counts:
            box = box.union(badge(element, item.bounds, counts[item.element_id]))
        extent = box if extent is None else extent.union(box)
    view = extent or Bounds(0, 0, 0, 0)
    width, height = view.width + 2 * MARGIN, view.height + 2 * MARGIN
    for key, value in (
        ("version", "1.1"), ("class", "bpmn-diagram"),
        ("viewBox", f"{fmt(view.x - MARGIN)} {fmt(view.y - MARGIN)} {fmt(width)} {fmt(height)}"),
        ("width", fmt(width)), ("height", fmt(height)), ("role", "img"),
        ("aria-labelledby", f"{ident}-title {ident}-desc"),
    ):
        root.set(key, value)
    return str(etree.tostring(root, encoding="unicode"))


def layered(items: Iterable[Shape | Edge]) -> list[Shape | Edge]:
    """`items` in drawing order: pools, lanes, expanded containers (outer first), other shapes,
    flows, then boundary events on top of their hosts."""

    def layer(item: Shape | Edge) -> tuple[int, float]:
        if isinstance(item, Edge):
            return (4, 0.0)
        kind, area = item.node.kind, item.bounds.width * item.bounds.height
        if kind == "participant":
            return (0, 0.0)
        if kind == "lane":
            return (1, -area)
        if kind in CONTAINERS and item.expanded:
            return (2, -area)
        return (5, 0.0) if kind == "boundaryEvent" else (3, 0.0)

    return sorted(items, key=layer)


def description(diagram: Diagram) -> str:
    """A short text alternative: the flow nodes in diagram order, with their names."""
    steps = []
    for item in diagram.items:
        if isinstance(item, Shape) and item.node.kind in FLOW_NODES:
            kind = words(item.node.kind)
            name = " ".join((item.node.name or "").split())
            steps.append(f"{name} ({kind})" if name else kind)
    return "Steps: " + "; ".join(steps) + "." if steps else "A diagram without steps."


def badge(parent: etree._Element, bounds: Bounds, value: int) -> Bounds:
    """Draw a small badge with `value` on the top-right corner of `bounds`."""
    text = str(int(value))
    width, height = max(16.0, 6.5 * len(text) + 8), 16.0
    box = Bounds(bounds.right - width / 2, bounds.y - height / 2, width, height)
    holder = group(parent, "bpmn-badge")
    rect(holder, box.x, box.y, width, height,
         {"rx": height / 2, "fill": "#1f4e79", "stroke": "#fff", "stroke-width": 1})
    label = add(holder, "text", {"x": box.cx, "y": box.y + 11.5, "text-anchor": "middle",
                                 "fill": "#fff"})
    label.text = text
    return box


def _colour(element: etree._Element, item: Shape | Edge) -> None:
    """Apply the colours the modeler stored in the DI to the body (or line) of an element."""
    fill = item.fill if isinstance(item, Shape) else None
    if not fill and not item.stroke:
        return
    for part in element:
        css = part.get("class", "")
        if css in ("bpmn-body", "bpmn-line", "bpmn-arrow", "bpmn-arrow-open", "bpmn-arrow-line"):
            if item.stroke and part.get("stroke") not in (None, "none"):
                part.set("stroke", item.stroke)
            if css == "bpmn-arrow" and item.stroke:
                part.set("fill", item.stroke)
            if fill and css == "bpmn-body" and part.get("fill") not in (None, "none"):
                part.set("fill", fill)


def _classes(item: Shape | Edge, extra: Iterable[str]) -> str:
    names = ["bpmn-element", f"bpmn-{item.node.kind or 'unknown'}"]
    for name in ([extra] if isinstance(extra, str) else extra):
        for token in str(name).split():
            if not _CLASS_NAME.match(token):
                raise ValueError(f"{token!r} is not a CSS class name")
            if token not in names:
                names.append(token)
    return " ".join(names)
