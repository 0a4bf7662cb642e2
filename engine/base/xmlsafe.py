"""Hardened XML parsing: no entities, no DTD, no network, bounded size."""

from __future__ import annotations

from lxml import etree

from engine.base.errors import Problem, SpecError

MAX_XML_BYTES = 5 * 1024 * 1024


def hardened_parser() -> etree.XMLParser:
    """A parser that never resolves entities, loads a DTD or touches the network."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
    )


def parse_xml(content: bytes, filename: str = "<upload>") -> etree._ElementTree:
    """Parse `content` safely; raise SpecError with the line on anything that is not plain XML.

    A document type declaration is refused outright: BPMN never needs one, and it is how
    entity expansion attacks (billion laughs, XXE) begin.
    """
    if len(content) > MAX_XML_BYTES:
        raise SpecError(
            Problem(
                f"the file is {len(content)} bytes; at most {MAX_XML_BYTES} are accepted",
                file=filename,
                hint="split the diagram or remove embedded images",
                code="xml.too_large",
                params=(("size", str(len(content))), ("limit", str(MAX_XML_BYTES))),
            )
        )
    if not content.strip():
        raise SpecError(Problem("the file is empty", file=filename, code="xml.empty"))
    try:
        tree = etree.ElementTree(etree.fromstring(content, hardened_parser()))
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if isinstance(exc.lineno, int) else None
        raise SpecError(
            Problem(
                f"not well-formed XML: {exc.msg}",
                file=filename,
                line=line,
                hint="save the file again from Camunda Modeler or bpmn.io",
                code="xml.not_well_formed",
                params=(("line", str(line or "?")), ("detail", str(exc.msg))),
            )
        ) from exc
    docinfo = tree.docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise SpecError(
            Problem(
                "the file has a document type declaration (DOCTYPE); entities and DTDs are "
                "refused",
                file=filename,
                line=1,
                hint="remove the <!DOCTYPE ...> declaration",
                code="xml.doctype",
            )
        )
    if _has_entity_refs(tree):
        raise SpecError(
            Problem("the file uses XML entities, which are refused", file=filename,
                    code="xml.entities")
        )
    return tree


def _has_entity_refs(tree: etree._ElementTree) -> bool:
    for node in tree.iter():
        if isinstance(node, etree._Entity):
            return True
    return False
