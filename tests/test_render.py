"""The SVG renderer: every reference model draws, every element where the DI puts it, safely."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pytest
from click.testing import CliRunner
from lxml import etree

from engine.base.errors import NotFound, SpecError
from engine.diagram import diagram_count, diagram_elements, render_svg
from webui.cli import main

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "miwg"
CORPUS_FILES = sorted(CORPUS.glob("*.bpmn")) if CORPUS.is_dir() else []
OUR_FILES = sorted((ROOT / "diagrams").glob("*.bpmn"))

SVG = "{http://www.w3.org/2000/svg}"
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
BPMNDI = "{http://www.omg.org/spec/BPMN/20100524/DI}"
DC = "{http://www.omg.org/spec/DD/20100524/DC}"
DI = "{http://www.omg.org/spec/DD/20100524/DI}"
FLOW_NODES = {
    "task", "userTask", "manualTask", "serviceTask", "scriptTask", "sendTask", "receiveTask",
    "businessRuleTask", "subProcess", "transaction", "adHocSubProcess", "callActivity",
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
    "complexGateway",
}


def small(name: str = "Review", title: str | None = None) -> bytes:
    """A start event, a user task named `name` and an end event, with their layout."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
    xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
    xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="defs" targetNamespace="urn:test">
  <process id="proc" name={quoteattr(title or "Small process")}>
    <startEvent id="start" name="Start"/>
    <sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <userTask id="review" name={quoteattr(name)}/>
    <sequenceFlow id="f2" sourceRef="review" targetRef="end"/>
    <endEvent id="end" name="Done"/>
  </process>
  <bpmndi:BPMNDiagram id="d1"><bpmndi:BPMNPlane id="p1" bpmnElement="proc">
    <bpmndi:BPMNShape id="start_di" bpmnElement="start">
      <dc:Bounds x="100" y="100" width="36" height="36"/></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="review_di" bpmnElement="review">
      <dc:Bounds x="200" y="78" width="100" height="80"/></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="end_di" bpmnElement="end">
      <dc:Bounds x="360" y="100" width="36" height="36"/></bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1">
      <di:waypoint x="136" y="118"/><di:waypoint x="200" y="118"/></bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="f2_di" bpmnElement="f2">
      <di:waypoint x="300" y="118"/><di:waypoint x="360" y="118"/></bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</definitions>""".encode()


def parse(svg: str) -> etree._Element:
    return etree.fromstring(svg.encode("utf-8"), etree.XMLParser(resolve_entities=False))


def groups(root: etree._Element) -> list[etree._Element]:
    return root.findall(f".//{SVG}g[@data-element-id]")


def group_of(root: etree._Element, element_id: str) -> etree._Element:
    found = [g for g in groups(root) if g.get("data-element-id") == element_id]
    assert len(found) == 1, element_id
    return found[0]


def di_layout(content: bytes, index: int) -> dict[str, tuple[float, float, float, float]]:
    """Read the DI independently of the renderer: DI id -> (x, y, width, height)."""
    diagram = list(etree.fromstring(content).iter(f"{BPMNDI}BPMNDiagram"))[index]
    layout = {}
    for shape in diagram.iter(f"{BPMNDI}BPMNShape"):
        box = shape.find(f"{DC}Bounds")
        layout[shape.get("id")] = tuple(float(box.get(k)) for k in ("x", "y", "width", "height"))
    for edge in diagram.iter(f"{BPMNDI}BPMNEdge"):
        xs = [float(p.get("x")) for p in edge.iter(f"{DI}waypoint")]
        ys = [float(p.get("y")) for p in edge.iter(f"{DI}waypoint")]
        layout[edge.get("id")] = (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
    return layout


def check_layout(content: bytes, index: int) -> etree._Element:
    """Render diagram `index` and check it against the DI; return the parsed SVG."""
    root = parse(render_svg(content, diagram=index))
    layout = di_layout(content, index)
    drawn = diagram_elements(content, index)
    assert len(groups(root)) == len(layout) == len(drawn)
    assert sorted(g.get("data-element-id") for g in groups(root)) == sorted(e.id for e in drawn)
    for element in drawn:
        b = element.bounds
        assert (b.x, b.y, b.width, b.height) == pytest.approx(layout[element.di_id]), element.id
    vx, vy, vw, vh = (float(v) for v in root.get("viewBox").split())
    for x, y, w, h in layout.values():
        assert vx <= x and vy <= y and x + w <= vx + vw and y + h <= vy + vh
    return root


def test_corpus_is_present() -> None:
    if not CORPUS_FILES:
        message = f"the MIWG reference models are missing: {CORPUS}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    assert len(CORPUS_FILES) == 21


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_corpus_renders_every_diagram_where_the_di_puts_it(path: Path) -> None:
    content = path.read_bytes()
    count = diagram_count(content)
    assert count == len(list(etree.fromstring(content).iter(f"{BPMNDI}BPMNDiagram")))
    for index in range(count):
        root = check_layout(content, index)
        assert root.get("role") == "img"
        assert not root.findall(f".//{SVG}script")
        svg = render_svg(content, diagram=index)
        assert "href" not in svg and "url(" not in svg


def test_corpus_multiple_diagrams() -> None:
    if not CORPUS_FILES:
        pytest.skip("corpus missing")
    assert diagram_count((CORPUS / "C.4.0.bpmn").read_bytes()) == 4
    assert diagram_count((CORPUS / "C.5.0.bpmn").read_bytes()) == 2
    with pytest.raises(NotFound, match="has 4 diagram"):
        render_svg((CORPUS / "C.4.0.bpmn").read_bytes(), diagram=4)


@pytest.mark.parametrize("path", OUR_FILES, ids=lambda p: p.name)
def test_our_diagrams_draw_every_element_and_name(path: Path) -> None:
    content = path.read_bytes()
    for index in range(diagram_count(content)):
        root = check_layout(content, index)
        drawn = {e.id for e in diagram_elements(content, index)}
        for node in etree.fromstring(content).iter(f"{BPMN}*"):
            if etree.QName(node).localname not in FLOW_NODES or node.get("id") not in drawn:
                continue
            text = "".join(" ".join(group_of(root, node.get("id")).itertext()).split())
            assert "".join((node.get("name") or "").split()) in text, node.get("id")


def test_markers_follow_the_semantics() -> None:
    if not CORPUS_FILES:
        pytest.skip("corpus missing")
    content = (CORPUS / "B.2.0.bpmn").read_bytes()
    root = parse(render_svg(content))
    source = {e.get("id"): e for e in etree.fromstring(content).iter(f"{BPMN}*")}
    for g in groups(root):
        kind = g.get("class").split()[1]
        if kind in ("bpmn-userTask", "bpmn-serviceTask", "bpmn-sendTask"):
            assert g.findall(f"{SVG}*[@class='bpmn-icon']"), g.get("data-element-id")
        if kind == "bpmn-boundaryEvent":
            dashed = g.findall(f"{SVG}circle[@stroke-dasharray]")
            element = source[g.get("data-element-id")]
            assert bool(dashed) == (element.get("cancelActivity") == "false")


def test_title_and_description() -> None:
    root = parse(render_svg(small()))
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text == "Small process"
    assert desc.text == "Steps: Start (start event); Review (user task); Done (end event)."
    assert root.find(f"{SVG}style") is not None
    assert parse(render_svg(small(), title="Mine")).find(f"{SVG}title").text == "Mine"


def test_highlights_and_counts_land_on_their_element() -> None:
    svg = render_svg(small(), highlights={"review": ["completed", "path"], "f1": "path open"},
                     counts={"review": 3})
    root = parse(svg)
    review = group_of(root, "review")
    assert review.get("class").split() == ["bpmn-element", "bpmn-userTask", "completed", "path"]
    assert group_of(root, "f1").get("class").split()[-2:] == ["path", "open"]
    assert "completed" not in group_of(root, "start").get("class")
    badges = root.findall(f".//{SVG}g[@class='bpmn-badge']")
    assert len(badges) == 1 and badges[0].getparent() is review
    assert "".join(badges[0].itertext()) == "3"
    with pytest.raises(ValueError, match="not a CSS class"):
        render_svg(small(), highlights={"review": ["x{color:red}"]})


def test_user_text_is_escaped() -> None:
    name = "<script>alert(1)</script> & co"
    svg = render_svg(small(name, title="A & <b>"), title="<svg onload=alert(1)>")
    root = parse(svg)
    assert not list(root.iter(f"{SVG}script"))
    assert "<script" not in svg and "<svg onload" not in svg
    assert name in root.find(f"{SVG}desc").text
    assert root.find(f"{SVG}title").text == "<svg onload=alert(1)>"
    assert "".join(name.split()) in "".join("".join(group_of(root, "review").itertext()).split())


@pytest.mark.parametrize(("content", "message"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG image, not XML"),
    (b"plain text, not a diagram", "not well-formed XML"),
    (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
     b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">&x;</definitions>',
     "DOCTYPE|entit"),
    (b"<html><body>hello</body></html>", "not a BPMN 2.0 file: the root element is <html>"),
    (b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="p"/>'
     b"</definitions>", "no diagram"),
])
def test_what_is_not_a_bpmn_diagram_is_refused_clearly(content: bytes, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        render_svg(content)
    with pytest.raises(SpecError, match=message):
        diagram_count(content)


def test_cli_render_to_stdout_and_file(tmp_path: Path) -> None:
    source = tmp_path / "small.bpmn"
    source.write_bytes(small())
    runner = CliRunner()
    result = runner.invoke(main, ["render", str(source)])
    assert result.exit_code == 0, result.output
    assert parse(result.stdout).get("role") == "img"
    out = tmp_path / "small.svg"
    result = runner.invoke(main, ["render", str(source), "-o", str(out), "--diagram", "0"])
    assert result.exit_code == 0, result.output
    assert len(groups(parse(out.read_text(encoding="utf-8")))) == 5
    bad = tmp_path / "picture.bpmn"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n")
    result = runner.invoke(main, ["render", str(bad)])
    assert result.exit_code == 1
    assert "PNG image" in result.stderr and "Traceback" not in result.output
    result = runner.invoke(main, ["render", str(source), "--diagram", "2"])
    assert result.exit_code == 1 and "diagram 2 does not exist" in result.stderr


def test_the_renderer_is_generic_and_lxml_only() -> None:
    folder = ROOT / "engine" / "diagram"
    for path in folder.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for word in ("finsam", "förbund", "forbund", "esf", "styrelse"):
            assert word not in text.lower(), f"{path.name} mentions {word!r}"
        for node in ast.walk(ast.parse(text)):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert not re.match(r"(flask|SpiffWorkflow|sqlalchemy)\b", name), path.name
        assert len(text.splitlines()) <= 300, path.name
