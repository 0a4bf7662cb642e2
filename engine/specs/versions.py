"""Comparing two versions of a spec element by element (added, removed, changed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from engine.base.xmlsafe import parse_xml
from engine.specs.checks import BPMN_NS

# Children that only mirror other elements (flows list them) or carry layout.
_IGNORED_CHILDREN = {f"{{{BPMN_NS}}}incoming", f"{{{BPMN_NS}}}outgoing"}


@dataclass
class SpecDiff:
    """The elements added, removed and changed from one version to another, by id."""

    added: dict[str, str] = field(default_factory=dict)
    removed: dict[str, str] = field(default_factory=dict)
    changed: dict[str, list[str]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def diff_specs(old: bytes, new: bytes) -> SpecDiff:
    """What changed between two BPMN files (the process model; the layout is ignored)."""
    before, after = _elements(old), _elements(new)
    diff = SpecDiff()
    for element_id, (kind, name, _sig, _attrs) in after.items():
        diff.names[element_id] = name or element_id
        if element_id not in before:
            diff.added[element_id] = kind
    for element_id, (kind, name, _sig, _attrs) in before.items():
        diff.names.setdefault(element_id, name or element_id)
        if element_id not in after:
            diff.removed[element_id] = kind
    for element_id in before.keys() & after.keys():
        if before[element_id][2] != after[element_id][2]:
            diff.changed[element_id] = _what_changed(before[element_id], after[element_id])
    return diff


def _elements(content: bytes) -> dict[str, tuple[str, str, bytes, dict[str, str]]]:
    root = parse_xml(content).getroot()
    result = {}
    for process in root.iter(f"{{{BPMN_NS}}}process", f"{{{BPMN_NS}}}collaboration"):
        for element in process.iter():
            element_id = element.get("id")
            if not element_id or element is process or not isinstance(element.tag, str):
                continue
            kind = etree.QName(element).localname
            result[element_id] = (kind, element.get("name") or "", _signature(element),
                                  dict(element.attrib))
    return result


def _signature(element: Any) -> bytes:
    copy = etree.fromstring(etree.tostring(element))
    for child in list(copy):
        if child.tag in _IGNORED_CHILDREN or (isinstance(child.tag, str) and child.get("id")):
            copy.remove(child)
    for node in copy.iter():
        if node.text is not None:
            node.text = node.text.strip() or None
        node.tail = None
    return bytes(etree.tostring(copy, method="c14n"))


def _what_changed(before: tuple[str, str, bytes, dict[str, str]],
                  after: tuple[str, str, bytes, dict[str, str]]) -> list[str]:
    changes = [f"{key}: {before[3].get(key)!r} → {after[3].get(key)!r}"
               for key in sorted(before[3].keys() | after[3].keys())
               if before[3].get(key) != after[3].get(key)]
    return changes or ["its content (conditions, forms, instructions or settings)"]
