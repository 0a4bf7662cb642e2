"""Drawing flows and associations along their waypoints, with their arrowheads and markers."""

from __future__ import annotations

import math
from collections.abc import Sequence

from lxml import etree

from .canvas import FILL, STROKE, XY, Style, circle, line, polygon, polyline
from .labels import edge_label
from .model import Bounds, Edge

ARROW_LENGTH = 11.0
ARROW_HALF = 4.0


def draw_edge(parent: etree._Element, edge: Edge) -> Bounds:
    """Draw `edge` into `parent`; return the box it takes, its label included."""
    kind, flags, points = edge.node.kind, edge.node.flags, edge.points
    attrs: Style = {"class": "bpmn-line", "stroke": STROKE, "stroke-width": 1.5,
                                     "stroke-linejoin": "round"}
    if kind == "sequenceFlow":
        polyline(parent, points, attrs)
        _arrow(parent, points, filled=True)
        if "default" in flags:
            _default_slash(parent, points)
        if "conditional" in flags:
            _diamond(parent, points)
    elif kind == "messageFlow":
        polyline(parent, points, {**attrs, "stroke-dasharray": "8 5"})
        _arrow(parent, points, filled=False)
        circle(parent, points[0][0], points[0][1], 4, {
            "class": "bpmn-arrow-open", "fill": FILL, "stroke": STROKE, "stroke-width": 1.5})
    elif kind in ("association", "dataInputAssociation", "dataOutputAssociation"):
        polyline(parent, points, {**attrs, "stroke-dasharray": "0.5 4", "stroke-linecap": "round",
                                  "stroke-width": 1.5})
        if kind != "association" or "arrow-end" in flags:
            _open_arrow(parent, points)
        if "arrow-start" in flags:
            _open_arrow(parent, list(reversed(points)))
    elif kind == "conversationLink":
        polyline(parent, points, {**attrs, "stroke-width": 4})
        polyline(parent, points, {**attrs, "class": "bpmn-icon", "stroke": FILL,
                                  "stroke-width": 1.5})
    else:  # an edge naming no element, or one this renderer has no style for
        polyline(parent, points, {**attrs, "stroke-dasharray": "0.5 4", "stroke-linecap": "round"})
    extent = edge_label(parent, edge)
    return edge.bounds.union(extent) if extent is not None else edge.bounds


def _end(points: Sequence[XY]) -> tuple[XY, XY]:
    """The last point and the unit direction arriving at it (ignoring repeated points)."""
    tip = points[-1]
    for previous in reversed(points[:-1]):
        length = math.dist(previous, tip)
        if length > 0:
            return tip, ((tip[0] - previous[0]) / length, (tip[1] - previous[1]) / length)
    return tip, (1.0, 0.0)


def _head(points: Sequence[XY], length: float, half: float) -> list[XY]:
    (x, y), (ux, uy) = _end(points)
    bx, by = x - ux * length, y - uy * length
    return [(x, y), (bx - uy * half, by + ux * half), (bx + uy * half, by - ux * half)]


def _arrow(parent: etree._Element, points: Sequence[XY], filled: bool) -> None:
    polygon(parent, _head(points, ARROW_LENGTH, ARROW_HALF), {
        "class": "bpmn-arrow" if filled else "bpmn-arrow-open",
        "fill": STROKE if filled else FILL, "stroke": STROKE, "stroke-width": 1,
        "stroke-linejoin": "round"})


def _open_arrow(parent: etree._Element, points: Sequence[XY]) -> None:
    tip, left, right = _head(points, 10.0, 5.0)
    polyline(parent, [left, tip, right], {"class": "bpmn-arrow-line", "stroke": STROKE,
                                          "stroke-width": 1.5, "stroke-linejoin": "round"})


def _start(points: Sequence[XY]) -> tuple[XY, XY]:
    tip, (ux, uy) = _end(list(reversed(points)))
    return tip, (-ux, -uy)


def _default_slash(parent: etree._Element, points: Sequence[XY]) -> None:
    (x, y), (ux, uy) = _start(points)
    cx, cy = x + ux * 10, y + uy * 10
    # A slash across the flow, leaning the way the flow runs.
    dx, dy = ux * 3 - uy * 5, uy * 3 + ux * 5
    line(parent, (cx - dx, cy - dy), (cx + dx, cy + dy),
         {"class": "bpmn-line", "stroke": STROKE, "stroke-width": 1.5})


def _diamond(parent: etree._Element, points: Sequence[XY]) -> None:
    (x, y), (ux, uy) = _start(points)
    mx, my = x + ux * 8, y + uy * 8
    polygon(parent, [(x, y), (mx - uy * 4, my + ux * 4), (x + ux * 16, y + uy * 16),
                     (mx + uy * 4, my - ux * 4)],
            {"class": "bpmn-arrow-open", "fill": FILL, "stroke": STROKE, "stroke-width": 1})
