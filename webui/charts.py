"""Horizontal bar charts drawn on the server as SVG geometry (no script, no inline style).

A chart is for looking; the same numbers are always in a table next to it. The template
`reports/_chart.html` draws a `Chart` as `<svg role="img">` with a title and a description.
Each bar has its label and value on a line above it, and its length is a percentage of the
chart's width, so the text keeps its size at every screen width.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .amounts import sv_number

ROW = 44
TEXT_Y = 16
BAR_Y = 22
BAR = 14


@dataclass(frozen=True)
class Bar:
    """One bar: the text above it, where it is drawn and how long it is (percent)."""

    text: str
    text_y: int
    y: int
    percent: float


@dataclass(frozen=True)
class Chart:
    """A bar chart: an id for its title and description, and its bars."""

    id: str
    title: str
    description: str
    bars: list[Bar]
    height: int
    bar_height: int = BAR


def bar_chart(
    chart_id: str,
    title: str,
    items: Sequence[tuple[str, float | int]],
    fmt: Callable[[float | int], str] = sv_number,
) -> Chart:
    """A chart of `items` (label, value); the longest bar is the largest value."""
    largest = max((float(v) for _, v in items), default=0.0)
    bars = []
    for index, (label, value) in enumerate(items):
        top = index * ROW
        percent = round(100 * float(value) / largest, 1) if largest > 0 else 0.0
        bars.append(Bar(f"{label}: {fmt(value)}", top + TEXT_Y, top + BAR_Y, percent))
    description = "; ".join(f"{label}: {fmt(value)}" for label, value in items)
    return Chart(chart_id, title, description, bars, height=ROW * max(len(items), 1))
