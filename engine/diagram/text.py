"""Word wrapping by estimated width, and writing lines of text as SVG."""

from __future__ import annotations

from lxml import etree

from .canvas import Style, add, clean, fmt
from .model import Bounds

FONT_SIZE = 11.0
LINE_HEIGHT = 13.0
ASCENT = 9.5  # from the top of a line to its baseline
CHAR_WIDTH = 6.1  # a typical character at FONT_SIZE in Arial-like fonts; an estimate
# Fonts differ and the server cannot measure them, so widths are estimated per character class
# (from Arial's metrics at 11px): narrow letters, wide letters, capitals, everything else.
_NARROW = frozenset("iljtfrI.,:;'|!()[]{}/\\-")
_WIDE = frozenset("mwMW@%")


def text_width(text: str) -> float:
    """The estimated width of `text` in pixels at the default font size."""
    return sum(_char_width(c) for c in text)


def _char_width(char: str) -> float:
    if char in _NARROW:
        return 3.3
    if char == " ":
        return 3.1
    if char in _WIDE:
        return 9.2
    if char.isupper():
        return 7.3
    return CHAR_WIDTH


def wrap(text: str, width: float, longest: float | None = None) -> list[str]:
    """`text` broken into lines no wider than `width`; explicit newlines are kept.

    A single word may take up to `longest` (default `width`) before it is broken.
    """
    width = max(width, 3 * CHAR_WIDTH)
    longest = max(longest or width, width)
    lines: list[str] = []
    for paragraph in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        current = ""
        for word in paragraph.split():
            candidate = f"{current} {word}" if current else word
            if text_width(candidate) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            while text_width(word) > longest:  # a word wider than the box breaks where it must
                cut = _longest_prefix(word, width)
                lines.append(word[:cut])
                word = word[cut:]
            current = word
        if current:
            lines.append(current)
    return lines


def _longest_prefix(word: str, width: float) -> int:
    total, cut = 0.0, 0
    for char in word:
        total += _char_width(char)
        if total > width and cut > 0:
            break
        cut += 1
    return cut


def fit(text: str, box: Bounds, longest: float | None = None) -> list[str]:
    """Lines for `text` in `box`: wrapped to its width, widened if the modeler fit fewer lines.

    A single word may take up to `longest` (default: a fifth more than the box) unbroken.
    """
    room = max(1, int((box.height + LINE_HEIGHT / 2) // LINE_HEIGHT))
    width = box.width
    longest = longest or box.width * 1.2
    lines = wrap(text, width, longest)
    # The modeler measured the real font; where our estimate needs more lines than the box has,
    # trust the box and allow somewhat wider lines rather than spill out of it.
    while len(lines) > room and width < box.width * 1.6:
        width += CHAR_WIDTH
        lines = wrap(text, width, longest)
    return lines


def write(
    parent: etree._Element,
    lines: list[str],
    x: float,
    top: float,
    anchor: str = "middle",
    rotate: tuple[float, float] | None = None,
) -> Bounds:
    """Write `lines` from `top`, aligned on `x` by `anchor`; return the box they take."""
    if not lines:
        return Bounds(x, top, 0, 0)
    attrs: Style = {"class": "bpmn-label", "x": x, "y": top + ASCENT}
    if anchor != "start":
        attrs["text-anchor"] = anchor
    if rotate is not None:
        attrs["transform"] = f"rotate(-90 {fmt(rotate[0])} {fmt(rotate[1])})"
    text = add(parent, "text", attrs)
    for i, content in enumerate(lines):
        span = add(text, "tspan", {"x": x, "y": top + ASCENT + i * LINE_HEIGHT})
        span.text = clean(content)
    width = max(text_width(line) for line in lines)
    left = {"start": x, "middle": x - width / 2, "end": x - width}.get(anchor, x)
    return Bounds(left, top, width, len(lines) * LINE_HEIGHT)


def centred(parent: etree._Element, lines: list[str], box: Bounds) -> Bounds:
    """Write `lines` centred in `box`, horizontally and vertically."""
    top = box.cy - len(lines) * LINE_HEIGHT / 2
    return write(parent, lines, box.cx, top)
