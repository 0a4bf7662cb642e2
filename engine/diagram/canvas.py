"""SVG building blocks on lxml: compact numbers, paths from points, XML-safe text."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence

from lxml import etree

SVG_NS = "http://www.w3.org/2000/svg"

Attrs = Mapping[str, "str | float"]
Style = dict[str, "str | float"]  # attributes being put together
XY = tuple[float, float]

# Characters XML 1.0 cannot hold; a caller-supplied title could contain them.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

STROKE = "#000"
FILL = "#fff"


def fmt(value: float) -> str:
    """A number as short SVG text: at most two decimals, no trailing zeros."""
    if not math.isfinite(value):
        return "0"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def clean(text: str) -> str:
    """`text` without the characters XML cannot hold."""
    return _NOT_XML.sub("", text)


def add(parent: etree._Element, tag: str, attrs: Attrs | None = None) -> etree._Element:
    """Append an SVG element `tag` with `attrs` (numbers formatted) to `parent`."""
    element = etree.SubElement(parent, f"{{{SVG_NS}}}{tag}")
    for key, value in (attrs or {}).items():
        element.set(key, value if isinstance(value, str) else fmt(value))
    return element


def group(parent: etree._Element, css: str | None = None) -> etree._Element:
    """Append a `<g>`, with a class when given."""
    return add(parent, "g", {"class": css} if css else None)


def path_data(points: Sequence[XY], closed: bool = False) -> str:
    """SVG path data through `points`."""
    parts = [f"{'M' if i == 0 else 'L'} {fmt(x)} {fmt(y)}" for i, (x, y) in enumerate(points)]
    return " ".join(parts) + (" Z" if closed else "")


def path(parent: etree._Element, d: str, attrs: Attrs | None = None) -> etree._Element:
    """Append a `<path>` with data `d`."""
    return add(parent, "path", {"d": d, **(attrs or {})})


def polygon(parent: etree._Element, points: Sequence[XY], attrs: Attrs) -> etree._Element:
    """Append a closed path through `points`."""
    return path(parent, path_data(points, closed=True), attrs)


def polyline(parent: etree._Element, points: Sequence[XY], attrs: Attrs) -> etree._Element:
    """Append an open path through `points` (never filled)."""
    return path(parent, path_data(points), {"fill": "none", **attrs})


def circle(parent: etree._Element, cx: float, cy: float, r: float, attrs: Attrs) -> etree._Element:
    """Append a `<circle>`."""
    return add(parent, "circle", {"cx": cx, "cy": cy, "r": max(r, 0.0), **attrs})


def rect(
    parent: etree._Element, x: float, y: float, w: float, h: float, attrs: Attrs
) -> etree._Element:
    """Append a `<rect>` (negative sizes clamped to zero)."""
    size = {"width": max(w, 0.0), "height": max(h, 0.0)}
    return add(parent, "rect", {"x": x, "y": y, **size, **attrs})


def line(parent: etree._Element, a: XY, b: XY, attrs: Attrs) -> etree._Element:
    """Append a straight `<line>` from `a` to `b`."""
    return add(parent, "line", {"x1": a[0], "y1": a[1], "x2": b[0], "y2": b[1], **attrs})


def scaled(points: Iterable[XY], x: float, y: float, sx: float, sy: float) -> list[XY]:
    """`points` drawn in a unit box, placed at (x, y) and scaled by (sx, sy)."""
    return [(x + px * sx, y + py * sy) for px, py in points]


def rotated(points: Iterable[XY], cx: float, cy: float, degrees: float) -> list[XY]:
    """`points` rotated around (cx, cy)."""
    a = math.radians(degrees)
    cos, sin = math.cos(a), math.sin(a)
    return [(cx + (px - cx) * cos - (py - cy) * sin, cy + (px - cx) * sin + (py - cy) * cos)
            for px, py in points]


def cross(cx: float, cy: float, arm: float, half: float, degrees: float = 0.0) -> list[XY]:
    """A plus sign (or, turned 45 degrees, an X) as one outline: arms `arm` long, `half` wide."""
    outline = [
        (cx - half, cy - arm), (cx + half, cy - arm), (cx + half, cy - half),
        (cx + arm, cy - half), (cx + arm, cy + half), (cx + half, cy + half),
        (cx + half, cy + arm), (cx - half, cy + arm), (cx - half, cy + half),
        (cx - arm, cy + half), (cx - arm, cy - half), (cx - half, cy - half),
    ]
    return rotated(outline, cx, cy, degrees) if degrees else outline


def regular(cx: float, cy: float, r: float, sides: int, start: float = -90.0) -> list[XY]:
    """The corners of a regular polygon around (cx, cy), the first at angle `start`."""
    return [
        (cx + r * math.cos(math.radians(start + i * 360.0 / sides)),
         cy + r * math.sin(math.radians(start + i * 360.0 / sides)))
        for i in range(sides)
    ]
