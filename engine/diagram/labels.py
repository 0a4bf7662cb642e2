"""Where names go: the modeler's label bounds when given, else where the modelers put them."""

from __future__ import annotations

import math
from collections.abc import Sequence

from lxml import etree

from .canvas import XY
from .markers import MARKER, marker_names
from .model import Bounds, Edge, Shape
from .semantics import ACTIVITIES, CONTAINERS, DATA, EVENTS, GATEWAYS, STORES
from .text import LINE_HEIGHT, centred, fit, wrap, write

EXTERNAL_WIDTH = 90.0  # the width modelers give a label below an event or gateway
PADDING = 5.0
# Kinds whose name goes below the symbol; every other name goes inside its shape.
EXTERNAL = EVENTS | GATEWAYS | DATA | STORES | {
    "message", "conversation", "subConversation", "callConversation"}


def shape_label(parent: etree._Element, shape: Shape) -> Bounds | None:
    """Write the name of `shape` (not a pool, lane or annotation); return the box it takes."""
    name, b, kind = shape.node.name, shape.bounds, shape.node.kind
    if not name:
        return None
    if kind in CONTAINERS and shape.expanded:  # the title, top left, as wide as the box
        x, top = (shape.label.x, shape.label.y) if shape.label else (b.x + 10, b.y + PADDING)
        lines = wrap(name, max(b.right - x - 2 * PADDING, 20))
        return write(parent, lines, x, top, anchor="start")
    if kind in ACTIVITIES:
        return _inside_activity(parent, shape, name)
    if shape.label is not None:
        return centred(parent, fit(name, shape.label), shape.label)
    if kind == "group":
        lines = wrap(name, max(b.width - 20, 20))
        return write(parent, lines, b.cx, b.y + PADDING)
    if kind in EXTERNAL:
        width = max(EXTERNAL_WIDTH, b.width)
        lines = wrap(name, width, width * 1.4)
        return write(parent, lines, b.cx, b.bottom + PADDING)
    inner = Bounds(b.x + PADDING, b.y + PADDING, b.width - 2 * PADDING, b.height - 2 * PADDING)
    return centred(parent, wrap(name, max(inner.width, 20)), inner)


def _inside_activity(parent: etree._Element, shape: Shape, name: str) -> Bounds:
    """Centred in the label bounds (or the shape), kept clear of the bottom markers."""
    b = shape.bounds
    inner = Bounds(b.x + PADDING, b.y + PADDING, b.width - 2 * PADDING, b.height - 2 * PADDING)
    box = shape.label if shape.label is not None and b.contains(shape.label) else inner
    longest = b.width - 2
    lines = fit(name, box, longest) if box is shape.label else wrap(name, box.width, longest)
    floor = b.bottom - (MARKER + 6 if marker_names(shape) else PADDING)
    top = box.cy - len(lines) * LINE_HEIGHT / 2
    if shape.node.icon:  # clear of the icon when the shape has room for it
        top = max(top, min(b.y + 22, floor - len(lines) * LINE_HEIGHT))
    top = max(min(top, floor - len(lines) * LINE_HEIGHT), b.y + 2)
    return write(parent, lines, box.cx, top)


def edge_label(parent: etree._Element, edge: Edge) -> Bounds | None:
    """Write the name of `edge` at its label bounds, else beside its midpoint."""
    name = edge.node.name
    if not name:
        return None
    if edge.label is not None:
        return centred(parent, fit(name, edge.label), edge.label)
    (x, y), (dx, dy) = midpoint(edge.points)
    lines = wrap(name, EXTERNAL_WIDTH, EXTERNAL_WIDTH * 1.4)
    if abs(dx) >= abs(dy):  # along a horizontal stretch: above the line
        return write(parent, lines, x, y - PADDING - len(lines) * LINE_HEIGHT)
    return write(parent, lines, x + PADDING, y - len(lines) * LINE_HEIGHT / 2, anchor="start")


def midpoint(points: Sequence[XY]) -> tuple[XY, XY]:
    """The point halfway along a polyline, and the direction of the segment it lies on."""
    lengths = [math.dist(a, b) for a, b in zip(points, points[1:], strict=False)]
    remaining = sum(lengths) / 2
    for (a, b), length in zip(zip(points, points[1:], strict=False), lengths, strict=True):
        if length > 0 and remaining <= length:
            t, dx, dy = remaining / length, b[0] - a[0], b[1] - a[1]
            return (a[0] + dx * t, a[1] + dy * t), (dx, dy)
        remaining -= length
    return points[0], (1.0, 0.0)
