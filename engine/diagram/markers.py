"""Activity markers: the task type icon (top left) and the loop, multi-instance, compensation,
ad-hoc and collapsed markers (bottom centre)."""

from __future__ import annotations

from lxml import etree

from .canvas import FILL, STROKE, XY, Style, circle, line, path, polygon, rect, rotated
from .model import Bounds, Shape
from .semantics import CONTAINERS
from .symbols import envelope

MARKER = 14.0  # the side of one bottom marker
GAP = 4.0

_THIN: Style = {"class": "bpmn-icon", "fill": FILL, "stroke": STROKE,
                                 "stroke-width": 1}
_HAND = (
    "M {x} {y9} L {x4} {y9} L {x8} {y5} L {x10} {y6.5} L {x8} {y9} L {x17} {y9} "
    "A 1.3 1.3 0 0 1 {x17} {y11.6} L {x16} {y11.6} A 1.3 1.3 0 0 1 {x16} {y14.2} "
    "L {x15} {y14.2} A 1.3 1.3 0 0 1 {x15} {y16.8} L {x13.5} {y16.8} "
    "A 1.3 1.3 0 0 1 {x13.5} {y19.4} L {x} {y19.4} Z "
    "M {x7} {y11.6} L {x16} {y11.6} M {x7} {y14.2} L {x15} {y14.2} M {x7} {y16.8} L {x13.5} {y16.8}"
)
_LOOP = (
    "c 3.53,0 6.39,-2.83 6.39,-6.32 0,-3.49 -2.86,-6.32 -6.39,-6.32 -3.53,0 -6.39,2.83 -6.39,6.32 "
    "0,1.75 0.71,3.33 1.87,4.47 0.58,0.57 1.27,1.03 2.03,1.35 l -0.72,-3.91 m 0.72,3.91 -3.89,0.8"
)


def _offsets(template: str, x: float, y: float) -> str:
    """Fill "{x4}"-style placeholders with x + 4 (and "{y9}" with y + 9)."""
    out: list[str] = []
    for token in template.split():
        if token.startswith("{") and token.endswith("}"):
            axis, delta = token[1], token[2:-1]
            base = x if axis == "x" else y
            out.append(f"{base + (float(delta) if delta else 0.0):.2f}")
        else:
            out.append(token)
    return " ".join(out)


def task_icon(parent: etree._Element, icon: str, box: Bounds, flags: frozenset[str]) -> None:
    """Draw the icon of a task type ("user", "service", ...) in the top-left corner of `box`."""
    x, y = box.x + 6, box.y + 5
    if icon == "user":
        path(parent, f"M {x + 1:.2f} {y + 17:.2f} v -3 q 0 -5.5 7.5 -5.5 q 7.5 0 7.5 5.5 v 3 z",
             _THIN)
        circle(parent, x + 8.5, y + 5.5, 4, _THIN)
    elif icon == "manual":
        path(parent, _offsets(_HAND, x, y - 3), _THIN)
    elif icon == "service":
        _gear(parent, (x + 6, y + 6), 6.5)
        _gear(parent, (x + 11, y + 11), 6.5)
    elif icon == "script":
        path(parent, f"M {x + 3:.2f} {y:.2f} h 12 c -3 2.5 -3 5 0 8 s 3 5.5 0 8 h -12 "
                     "c 3 -2.5 3 -5.5 0 -8 s -3 -5.5 0 -8 z", _THIN)
        for dy in (4, 8, 12):
            line(parent, (x + 4.5 + (dy == 8), y + dy), (x + 12 + (dy == 8), y + dy), _THIN)
    elif icon in ("send", "receive"):
        if "instantiate" in flags:
            circle(parent, x + 8, y + 8, 9, _THIN)
            envelope(parent, Bounds(x + 2.5, y + 4, 11, 8), False, "bpmn-icon")
        else:
            envelope(parent, Bounds(x, y + 2, 17, 12), icon == "send", "bpmn-icon")
    elif icon == "businessRule":
        rect(parent, x, y + 2, 17, 12, _THIN)
        rect(parent, x, y + 2, 17, 3.5, {**_THIN, "fill": STROKE})
        line(parent, (x, y + 9.75), (x + 17, y + 9.75), _THIN)
        line(parent, (x + 5, y + 5.5), (x + 5, y + 14), _THIN)


def _gear(parent: etree._Element, centre: XY, r: float) -> None:
    cx, cy = centre
    points: list[XY] = []
    for i in range(8):
        a = i * 45.0
        for angle, radius in ((a - 13, r * 0.72), (a - 7, r), (a + 7, r), (a + 13, r * 0.72)):
            points.extend(rotated([(cx + radius, cy)], cx, cy, angle))
    polygon(parent, points, _THIN)
    circle(parent, cx, cy, r * 0.32, _THIN)


def marker_names(shape: Shape) -> list[str]:
    """The bottom-centre markers an activity shows, left to right."""
    node = shape.node
    loops: tuple[str, ...] = ("loop", "parallel", "sequential")
    names = [m for m in loops if m in node.flags][:1]
    names += [m for m in ("compensation", "adhoc") if m in node.flags]
    if node.kind in CONTAINERS and not shape.expanded and "calls-task" not in node.flags:
        names.append("collapsed")
    return names


def bottom_row(parent: etree._Element, box: Bounds, names: list[str]) -> None:
    """Draw the markers `names` side by side, centred at the bottom of `box`."""
    if not names:
        return
    total = len(names) * MARKER + (len(names) - 1) * GAP
    x = box.cx - total / 2
    y = box.bottom - MARKER - 4
    for name in names:
        _marker(parent, name, x, y)
        x += MARKER + GAP


def _marker(parent: etree._Element, name: str, x: float, y: float) -> None:
    attrs: Style = {"class": "bpmn-icon", "fill": "none", "stroke": STROKE,
                                     "stroke-width": 1.5}
    if name == "loop":
        path(parent, f"M {x + 7:.2f} {y + 13.5:.2f} " + _LOOP, attrs)
    elif name in ("parallel", "sequential"):
        for i in (2, 7, 12):
            a, b = ((x + i, y + 1), (x + i, y + 13)) if name == "parallel" else (
                (x + 1, y + i), (x + 13, y + i))
            line(parent, a, b, {**attrs, "stroke-width": 2})
    elif name == "compensation":
        polygon(parent, [(x, y + 7), (x + 7, y + 2), (x + 7, y + 7), (x + 14, y + 2),
                         (x + 14, y + 12), (x + 7, y + 7), (x + 7, y + 12)], attrs)
    elif name == "adhoc":
        path(parent, f"M {x + 1:.2f} {y + 9:.2f} c 2 -4.5 4.5 -4.5 6 -1.5 s 4 3 6 -1.5", attrs)
    elif name == "collapsed":
        rect(parent, x, y, MARKER, MARKER, {**attrs, "fill": FILL, "stroke-width": 1})
        line(parent, (x + 7, y + 3), (x + 7, y + 11), {**attrs, "stroke-width": 1.5})
        line(parent, (x + 3, y + 7), (x + 11, y + 7), {**attrs, "stroke-width": 1.5})
