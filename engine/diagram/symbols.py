"""Symbols inside events (their definitions) and gateways (their type)."""

from __future__ import annotations

import math

from lxml import etree

from .canvas import (
    FILL,
    STROKE,
    XY,
    Style,
    circle,
    cross,
    line,
    polygon,
    polyline,
    regular,
    scaled,
)
from .model import Bounds

# Event symbols are drawn in a 36 x 36 box (the usual event size) and scaled to the event.
_SHAPES: dict[str, list[XY]] = {
    "signal": [(18, 9.5), (26.5, 24), (9.5, 24)],
    "escalation": [(18, 9), (25, 26.5), (18, 19), (11, 26.5)],
    "error": [(9.5, 27), (14, 12), (21, 19), (26.5, 9), (22.5, 25), (15.5, 18.5)],
    "link": [(10, 15), (19, 15), (19, 10.5), (26.5, 18), (19, 25.5), (19, 21), (10, 21)],
    "compensate": [(8.5, 18), (17, 12), (17, 18), (25.5, 12), (25.5, 24), (17, 18), (17, 24)],
}


def event_symbol(parent: etree._Element, definition: str, box: Bounds, filled: bool) -> None:
    """Draw the symbol of an event `definition` ("message", "timer", ...) inside `box`."""
    sx, sy = box.width / 36.0, box.height / 36.0
    ink = STROKE if filled else FILL
    attrs: Style = {
        "class": "bpmn-symbol", "fill": ink, "stroke": STROKE, "stroke-width": 1.2,
        "stroke-linejoin": "round",
    }
    if definition in _SHAPES:
        polygon(parent, scaled(_SHAPES[definition], box.x, box.y, sx, sy), attrs)
    elif definition == "message":
        envelope(parent, Bounds(box.x + 9.5 * sx, box.y + 12 * sy, 17 * sx, 12 * sy), filled)
    elif definition == "timer":
        _clock(parent, box)
    elif definition == "conditional":
        _sheet(parent, Bounds(box.x + 11 * sx, box.y + 9.5 * sy, 14 * sx, 17 * sy))
    elif definition == "terminate":
        circle(parent, box.cx, box.cy, min(box.width, box.height) * 0.3,
               {"class": "bpmn-symbol", "fill": STROKE, "stroke": STROKE})
    elif definition == "cancel":
        polygon(parent, cross(box.cx, box.cy, 9 * sx, 2.2 * sx, 45), attrs)
    elif definition == "multiple":
        polygon(parent, regular(box.cx, box.cy + 0.5 * sy, 9 * sx, 5), attrs)
    elif definition == "parallelMultiple":
        polygon(parent, cross(box.cx, box.cy, 9 * sx, 2.5 * sx), {**attrs, "fill": FILL})


def envelope(parent: etree._Element, box: Bounds, filled: bool, css: str = "bpmn-symbol") -> None:
    """Draw a letter: black with white lines when `filled` (sending), white otherwise."""
    body = STROKE if filled else FILL
    flap = FILL if filled else STROKE
    polygon(parent, [(box.x, box.y), (box.right, box.y), (box.right, box.bottom),
                     (box.x, box.bottom)],
            {"class": css, "fill": body, "stroke": STROKE, "stroke-width": 1.2})
    polyline(parent, [(box.x, box.y), (box.cx, box.y + box.height * 0.55), (box.right, box.y)],
             {"class": css, "stroke": flap, "stroke-width": 1.2})


def _clock(parent: etree._Element, box: Bounds) -> None:
    r = min(box.width, box.height) * 0.31
    cx, cy = box.cx, box.cy
    thin: Style = {"class": "bpmn-symbol", "stroke": STROKE, "stroke-width": 1.0}
    circle(parent, cx, cy, r, {"class": "bpmn-symbol", "fill": FILL, "stroke": STROKE,
                               "stroke-width": 1.5})
    for i in range(12):
        a = math.radians(i * 30)
        inner = r * (0.72 if i % 3 == 0 else 0.82)
        line(parent, (cx + inner * math.cos(a), cy + inner * math.sin(a)),
             (cx + r * math.cos(a), cy + r * math.sin(a)), thin)
    polyline(parent, [(cx + r * 0.15, cy - r * 0.75), (cx, cy), (cx + r * 0.6, cy + r * 0.15)],
             {**thin, "stroke-width": 1.2})


def _sheet(parent: etree._Element, box: Bounds) -> None:
    attrs: Style = {"class": "bpmn-symbol", "stroke": STROKE, "stroke-width": 1.2}
    polygon(parent, [(box.x, box.y), (box.right, box.y), (box.right, box.bottom),
                     (box.x, box.bottom)], {**attrs, "fill": FILL})
    for i in range(1, 5):
        y = box.y + box.height * i / 5
        line(parent, (box.x + 2, y), (box.right - 2, y), attrs)


def gateway_symbol(
    parent: etree._Element, kind: str, box: Bounds, marker_visible: bool,
    flags: frozenset[str],
) -> None:
    """Draw the marker of a gateway of `kind` inside its diamond `box`."""
    s = min(box.width, box.height) / 50.0
    cx, cy = box.cx, box.cy
    solid: Style = {"class": "bpmn-symbol", "fill": STROKE, "stroke": STROKE, "stroke-width": 1}
    ring: Style = {"class": "bpmn-symbol", "fill": "none", "stroke": STROKE}
    if kind == "exclusiveGateway" and marker_visible:
        polygon(parent, cross(cx, cy, 12 * s, 2.6 * s, 45), solid)
    elif kind == "parallelGateway":
        polygon(parent, cross(cx, cy, 13 * s, 2.6 * s), solid)
    elif kind == "inclusiveGateway":
        circle(parent, cx, cy, 11.5 * s, {**ring, "stroke-width": 2.5 * s})
    elif kind == "complexGateway":
        polygon(parent, cross(cx, cy, 13 * s, 2.2 * s), solid)
        polygon(parent, cross(cx, cy, 12 * s, 2.2 * s, 45), solid)
    elif kind == "eventBasedGateway":
        circle(parent, cx, cy, 12 * s, {**ring, "stroke-width": 1.2})
        if "instantiate" not in flags:
            circle(parent, cx, cy, 9.5 * s, {**ring, "stroke-width": 1.2})
        if "parallel" in flags:
            polygon(parent, cross(cx, cy, 6.5 * s, 1.6 * s), {**ring, "stroke-width": 1.2})
        else:
            polygon(parent, regular(cx, cy + 0.5 * s, 6 * s, 5), {**ring, "stroke-width": 1.4})
