"""Server-side rendering of any BPMN 2.0 diagram as SVG, from its diagram interchange (BPMNDI).

Only lxml is used. Every drawn element is a `<g>` with `data-element-id` and the classes
`bpmn-element bpmn-<localname>`, plus whatever classes the caller highlights it with.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from lxml import etree

from .model import Bounds, load, read_diagram
from .svg import render

__all__ = [
    "Bounds",
    "DrawnElement",
    "diagram_count",
    "diagram_elements",
    "render_svg",
    "sequence_flows",
]


@dataclass(frozen=True)
class DrawnElement:
    """One drawn element: its id, BPMN local name, name and bounds as the DI gives them.

    For an edge, the bounds are those of its waypoints. `localname` is "" when the DI names
    no element of the file; `id` is then the DI element's own id.
    """

    id: str
    localname: str
    name: str | None
    bounds: Bounds
    di_id: str


def render_svg(
    content: bytes,
    *,
    diagram: int = 0,
    highlights: Mapping[str, Iterable[str]] | None = None,
    counts: Mapping[str, int] | None = None,
    title: str | None = None,
    filename: str = "<upload>",
) -> str:
    """Draw diagram number `diagram` (0 = first) of a BPMN file as a standalone SVG document.

    `highlights` maps element ids to CSS class names added to their groups ("completed", "open",
    "path", "problem", "added", "removed", "changed" are styled); `counts` maps element ids to a
    number shown in a badge. Raises SpecError for content that is not BPMN with a diagram,
    NotFound for a diagram number the file does not have, ValueError for an invalid class name.
    """
    document = load(content, filename)
    drawing = read_diagram(document, diagram)
    classes = {key: tuple([value] if isinstance(value, str) else value)
               for key, value in (highlights or {}).items()}
    counts = dict(counts or {})
    # Ids unique per rendering, so several diagrams can share one HTML page.
    digest = hashlib.sha256(content)
    digest.update(repr((diagram, title, sorted(classes.items()), sorted(counts.items())))
                  .encode("utf-8"))
    return render(drawing, f"bpmn-{digest.hexdigest()[:10]}", classes, counts, title)


def diagram_count(content: bytes, *, filename: str = "<upload>") -> int:
    """How many diagrams (BPMNDiagram) a BPMN file holds; SpecError if it is not BPMN."""
    return len(load(content, filename).diagrams)


def diagram_elements(
    content: bytes, diagram: int = 0, *, filename: str = "<upload>"
) -> list[DrawnElement]:
    """The elements diagram `diagram` draws, in file order, with their DI bounds."""
    drawing = read_diagram(load(content, filename), diagram)
    return [
        DrawnElement(
            id=item.element_id, localname=item.node.kind, name=item.node.name,
            bounds=item.bounds, di_id=item.di_id,
        )
        for item in drawing.items
    ]



def sequence_flows(content: bytes, *, filename: str = "<upload>") -> dict[str, tuple[str, str]]:
    """Every sequence flow of the file: id → (source id, target id)."""
    flows = {}
    for element_id, element in load(content, filename).index.items():
        if etree.QName(element).localname != "sequenceFlow":
            continue
        source, target = element.get("sourceRef"), element.get("targetRef")
        if source and target:
            flows[element_id] = (source, target)
    return flows
