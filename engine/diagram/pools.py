"""Pools (participants) and lanes, horizontal or vertical, with their names along the side."""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree

from .canvas import FILL, STROKE, line, rect
from .markers import bottom_row
from .model import Bounds, Shape
from .text import LINE_HEIGHT, centred, wrap, write

HEADER = 30.0  # the band holding a pool's or lane's name, when no lane says otherwise


def headers(shapes: Sequence[Shape]) -> dict[str, float]:
    """The width of the name band of every pool and lane, by DI id.

    A pool's band ends where its lanes begin; a lane with nested lanes likewise. Without lanes
    inside, the band is the modelers' usual 30 pixels.
    """
    sides = [s for s in shapes if s.node.kind in ("participant", "lane")]
    lanes = [s for s in sides if s.node.kind == "lane"]
    result: dict[str, float] = {}
    for outer in sides:
        b = outer.bounds
        offsets = [
            (inner.bounds.x - b.x) if outer.horizontal else (inner.bounds.y - b.y)
            for inner in lanes
            if inner is not outer and b.contains(inner.bounds)
        ]
        offsets = [o for o in offsets if o > 1]
        limit = (b.width if outer.horizontal else b.height) / 2
        result[outer.di_id] = min(min(offsets, default=HEADER), limit)
    return result


def draw_pool(parent: etree._Element, shape: Shape, header: float) -> Bounds:
    """Draw a pool: its box, the band with its name, and the multi-instance marker."""
    b, node = shape.bounds, shape.node
    rect(parent, b.x, b.y, b.width, b.height,
         {"class": "bpmn-body", "fill": FILL, "stroke": STROKE, "stroke-width": 1.5})
    if "blackbox" in node.flags:  # a pool without a process: the name in the middle
        if node.name:
            centred(parent, wrap(node.name, max(b.width - 20, 20)), b)
    else:
        _band(parent, shape, header, divider=True)
    if "multiple" in node.flags:
        bottom_row(parent, b, ["parallel"])
    return b


def draw_lane(parent: etree._Element, shape: Shape, header: float) -> Bounds:
    """Draw a lane: its box and its name along the side."""
    b = shape.bounds
    rect(parent, b.x, b.y, b.width, b.height,
         {"class": "bpmn-body", "fill": "none", "stroke": STROKE, "stroke-width": 1})
    _band(parent, shape, header, divider=False)
    return b


def _band(parent: etree._Element, shape: Shape, header: float, divider: bool) -> None:
    b, name = shape.bounds, shape.node.name
    if shape.horizontal:
        if divider:
            line(parent, (b.x + header, b.y), (b.x + header, b.bottom),
                 {"class": "bpmn-icon", "stroke": STROKE, "stroke-width": 1.5})
        if name:
            lines = wrap(name, max(b.height - 10, 20))
            cx, cy = b.x + header / 2, b.cy
            write(parent, lines, cx, cy - len(lines) * LINE_HEIGHT / 2, rotate=(cx, cy))
    else:
        if divider:
            line(parent, (b.x, b.y + header), (b.right, b.y + header),
                 {"class": "bpmn-icon", "stroke": STROKE, "stroke-width": 1.5})
        if name:
            centred(parent, wrap(name, max(b.width - 10, 20)), Bounds(b.x, b.y, b.width, header))
