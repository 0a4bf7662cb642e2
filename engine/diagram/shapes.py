"""Drawing the BPMN shapes: activities, events, gateways, data, artifacts."""

from __future__ import annotations

from lxml import etree

from .canvas import FILL, STROKE, Style, circle, path, polygon, rect, scaled
from .labels import shape_label
from .markers import bottom_row, marker_names, task_icon
from .model import Bounds, Shape
from .pools import draw_lane, draw_pool
from .semantics import ACTIVITIES, CONTAINERS, DATA, EVENTS, GATEWAYS, STORES
from .symbols import envelope, event_symbol, gateway_symbol
from .text import LINE_HEIGHT, wrap, write

BODY = "bpmn-body"
_ARROW = [(0, 3.5), (6, 3.5), (6, 0), (12, 6), (6, 12), (6, 8.5), (0, 8.5)]


def draw_shape(parent: etree._Element, shape: Shape, header: float) -> Bounds:
    """Draw `shape` into `parent`; return the box it takes, its label included."""
    kind = shape.node.kind
    if kind == "participant":
        return draw_pool(parent, shape, header)
    if kind == "lane":
        return draw_lane(parent, shape, header)
    if kind == "textAnnotation":
        return _annotation(parent, shape)
    if kind in ACTIVITIES:
        _activity(parent, shape)
    elif kind in EVENTS:
        _event(parent, shape)
    elif kind in GATEWAYS:
        _gateway(parent, shape)
    elif kind in DATA:
        _data_object(parent, shape)
    elif kind in STORES:
        _data_store(parent, shape)
    elif kind == "group":
        b = shape.bounds
        rect(parent, b.x, b.y, b.width, b.height, {
            "class": BODY, "rx": 10, "fill": "none", "stroke": STROKE, "stroke-width": 1,
            "stroke-dasharray": "10 4 2 4"})
    elif kind in ("conversation", "subConversation", "callConversation"):
        _conversation(parent, shape)
    elif kind == "message":
        envelope(parent, shape.bounds, filled=False)
    else:  # an element this renderer has no symbol for (choreography, ...): a plain box
        b = shape.bounds
        rect(parent, b.x, b.y, b.width, b.height, {
            "class": BODY, "rx": 4, "fill": FILL, "stroke": STROKE, "stroke-width": 1})
    extent = shape_label(parent, shape)
    return shape.bounds.union(extent) if extent is not None else shape.bounds


def _activity(parent: etree._Element, shape: Shape) -> None:
    b, node = shape.bounds, shape.node
    radius = min(10.0, b.width / 2, b.height / 2)
    attrs: Style = {"class": BODY, "rx": radius, "fill": FILL, "stroke": STROKE,
                                     "stroke-width": 2}
    if node.kind == "callActivity":
        attrs["stroke-width"] = 5
    if "event-subprocess" in node.flags:
        attrs.update({"stroke-dasharray": "0.5 4", "stroke-linecap": "round", "stroke-width": 2})
    rect(parent, b.x, b.y, b.width, b.height, attrs)
    if node.kind == "transaction":
        rect(parent, b.x + 3, b.y + 3, b.width - 6, b.height - 6,
             {**attrs, "rx": max(radius - 3, 0), "stroke-width": 1.5, "fill": "none"})
    if node.icon and not (shape.expanded and node.kind in CONTAINERS):
        task_icon(parent, node.icon, b, node.flags)
    bottom_row(parent, b, marker_names(shape))


def _event(parent: etree._Element, shape: Shape) -> None:
    b, node = shape.bounds, shape.node
    r = min(b.width, b.height) / 2
    attrs: Style = {"class": BODY, "fill": FILL, "stroke": STROKE,
                                     "stroke-width": 1.5}
    if "non-interrupting" in node.flags:
        attrs["stroke-dasharray"] = "5.5 3"
    if node.kind == "startEvent":
        circle(parent, b.cx, b.cy, r, {**attrs, "stroke-width": 2})
    elif node.kind == "endEvent":
        circle(parent, b.cx, b.cy, r, {**attrs, "stroke-width": 4})
    else:
        circle(parent, b.cx, b.cy, r, attrs)
        circle(parent, b.cx, b.cy, r - 3, attrs)
    for definition in node.definitions:
        event_symbol(parent, definition, b, filled="throw" in node.flags)


def _gateway(parent: etree._Element, shape: Shape) -> None:
    b = shape.bounds
    polygon(parent, [(b.cx, b.y), (b.right, b.cy), (b.cx, b.bottom), (b.x, b.cy)],
            {"class": BODY, "fill": FILL, "stroke": STROKE, "stroke-width": 2,
             "stroke-linejoin": "round"})
    gateway_symbol(parent, shape.node.kind, b, shape.marker_visible, shape.node.flags)


def _data_object(parent: etree._Element, shape: Shape) -> None:
    b, flags = shape.bounds, shape.node.flags
    fold = min(10.0, b.width / 3, b.height / 3)
    polygon(parent, [(b.x, b.y), (b.right - fold, b.y), (b.right, b.y + fold),
                     (b.right, b.bottom), (b.x, b.bottom)],
            {"class": BODY, "fill": FILL, "stroke": STROKE, "stroke-width": 1.5,
             "stroke-linejoin": "round"})
    path(parent, f"M {b.right - fold:.2f} {b.y:.2f} v {fold:.2f} h {fold:.2f}",
         {"class": "bpmn-icon", "fill": "none", "stroke": STROKE, "stroke-width": 1.5})
    if "input" in flags or "output" in flags:
        polygon(parent, scaled(_ARROW, b.x + 4, b.y + 4, 1.0, 1.0),
                {"class": "bpmn-icon", "stroke": STROKE, "stroke-width": 1,
                 "fill": STROKE if "output" in flags else FILL})
    if "collection" in flags:
        bottom_row(parent, b, ["parallel"])


def _data_store(parent: etree._Element, shape: Shape) -> None:
    b = shape.bounds
    rx, ry = b.width / 2, min(b.height * 0.12, 8.0)
    top, low = b.y + ry, b.bottom - ry
    attrs: Style = {"fill": FILL, "stroke": STROKE, "stroke-width": 2}
    arc = f"A {rx:.2f} {ry:.2f} 0 0"
    path(parent, f"M {b.x:.2f} {top:.2f} {arc} 1 {b.right:.2f} {top:.2f} V {low:.2f} "
                 f"{arc} 1 {b.x:.2f} {low:.2f} Z", {"class": BODY, **attrs})
    for dy in (0.0, 4.0, 8.0):
        path(parent, f"M {b.x:.2f} {top + dy:.2f} {arc} 0 {b.right:.2f} {top + dy:.2f}",
             {"class": "bpmn-icon", **attrs, "fill": "none", "stroke-width": 1.5})


def _conversation(parent: etree._Element, shape: Shape) -> None:
    b = shape.bounds
    polygon(parent, [(b.x + b.width / 4, b.y), (b.right - b.width / 4, b.y), (b.right, b.cy),
                     (b.right - b.width / 4, b.bottom), (b.x + b.width / 4, b.bottom),
                     (b.x, b.cy)],
            {"class": BODY, "fill": FILL, "stroke": STROKE,
             "stroke-width": 4 if shape.node.kind == "callConversation" else 2})
    if shape.node.kind == "subConversation":
        bottom_row(parent, b, ["collapsed"])


def _annotation(parent: etree._Element, shape: Shape) -> Bounds:
    b = shape.bounds
    rect(parent, b.x, b.y, b.width, b.height, {"class": BODY, "fill": "none", "stroke": "none"})
    path(parent, f"M {b.x + 10:.2f} {b.y:.2f} H {b.x:.2f} V {b.bottom:.2f} H {b.x + 10:.2f}",
         {"class": "bpmn-icon", "fill": "none", "stroke": STROKE, "stroke-width": 1})
    if not shape.node.name:
        return b
    lines = wrap(shape.node.name, max(b.width - 10, 20))
    top = max(b.y + 4, b.cy - len(lines) * LINE_HEIGHT / 2)
    return b.union(write(parent, lines, b.x + 5, top, anchor="start"))
