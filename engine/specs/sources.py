"""Where specs come from: a BPMN file with the forms it references, from disk or an upload.

A `SpecSource` is the unit that is hashed and deployed. Form paths are relative to the BPMN file
and may not leave its folder; an upload may bring some forms and take the rest from versions
already deployed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any

from lxml import etree

from engine.base.errors import Problem, SpecError
from engine.base.xmlsafe import parse_xml
from engine.specs.schemas import MAX_DEPTH, size_problems

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
FORM_PROPERTY = "formJsonSchemaFilename"
MAX_FORM_BYTES = 256 * 1024


@dataclass(frozen=True)
class SpecSource:
    """A BPMN file with the forms it references: the unit that is hashed and deployed."""

    filename: str
    bpmn: bytes
    forms: dict[str, Any]

    @cached_property
    def content_hash(self) -> str:
        """sha256 over the BPMN bytes and the canonical JSON of the forms (computed once: a
        running spec's due dates are looked up by it at every step)."""
        digest = hashlib.sha256()
        digest.update(self.bpmn)
        digest.update(b"\0")
        digest.update(json.dumps(self.forms, sort_keys=True, separators=(",", ":")).encode())
        return digest.hexdigest()


def read_source(path: Path) -> SpecSource:
    """Read a BPMN file and every form it references (paths relative to the file)."""
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise SpecError(Problem(f"cannot read the file: {exc.strerror}", file=str(path))) from exc
    tree = parse_xml(content, path.name)
    forms: dict[str, Any] = {}
    problems: list[Problem] = []
    for form_path, element in _form_references(tree):
        if form_path in forms:
            continue
        target = _resolve_form_path(path.parent, form_path)
        if target is None:
            problems.append(
                Problem(
                    f"form path '{form_path}' leaves the diagram's folder",
                    element_id=element.get("id"),
                    element_name=element.get("name"),
                    line=element.sourceline,
                    file=path.name,
                    hint="name the form relative to the BPMN file, e.g. forms/x.schema.json",
                )
            )
            continue
        try:
            raw = target.read_bytes()
        except OSError:
            problems.append(
                Problem(
                    f"the form '{form_path}' does not exist",
                    element_id=element.get("id"),
                    element_name=element.get("name"),
                    line=element.sourceline,
                    file=path.name,
                    hint=f"create {target} or correct the formJsonSchemaFilename property",
                )
            )
            continue
        forms[form_path] = load_form_json(raw, form_path, element, problems)
    if problems:
        raise SpecError(problems)
    return SpecSource(filename=path.name, bpmn=content, forms=forms)


def load_form_json(raw: bytes, form_path: str, element: Any, problems: list[Problem]) -> Any:
    """The form's JSON, or None with a problem naming the form file (too large, not JSON,
    nested too deeply)."""
    def refuse(message: str, hint: str, code: str = "form.bounds", **params: str) -> None:
        problems.append(Problem(f"the form '{form_path}': {message}",
                                element_id=None if element is None else element.get("id"),
                                element_name=None if element is None else element.get("name"),
                                file=form_path, hint=hint, code=code,
                                params=tuple(sorted({**params, "detail": message,
                                                     "form": form_path}.items()))))

    if len(raw) > MAX_FORM_BYTES:
        refuse(f"larger than {MAX_FORM_BYTES // 1024} KiB", "split it into smaller forms")
        return None
    try:
        form = json.loads(raw)
    except RecursionError:
        refuse(f"nested more than {MAX_DEPTH} levels deep", "flatten the form")
        return None
    except json.JSONDecodeError as exc:  # where it is, for the designer to find it
        refuse(f"not valid JSON: {exc}", "check the commas, quotes and brackets there",
               "form.json_syntax", line=str(exc.lineno), column=str(exc.colno))
        return None
    except (ValueError, UnicodeDecodeError) as exc:
        refuse(f"not valid JSON: {exc}", "save the form as UTF-8 JSON", "form.not_json")
        return None
    for message, hint in size_problems(form):  # before anything walks it (hashing, checks)
        refuse(message, hint)
        return None
    return form


def _resolve_form_path(folder: Path, form_path: str) -> Path | None:
    pure = PurePosixPath(form_path)
    if pure.is_absolute() or ".." in pure.parts:
        return None
    return folder.joinpath(*pure.parts)


def _form_references(tree: etree._ElementTree) -> Iterable[tuple[str, Any]]:
    xpath = (
        ".//spiffworkflow:property[@name='" + FORM_PROPERTY + "']"
    )
    for prop in tree.getroot().iterfind(xpath, {'spiffworkflow': SPIFF_NS}):
        value = (prop.get("value") or "").strip()
        if value:
            element = prop.getparent().getparent().getparent()
            yield value, element




def source_from_upload(
    filename: str,
    bpmn: bytes,
    uploaded_forms: Mapping[str, bytes],
    deployed_form: Callable[[str], Any | None],
) -> SpecSource:
    """A spec source from uploaded bytes. Each referenced form is taken from `uploaded_forms`
    (matched by its path or its file name), else from `deployed_form(path)`; a form found in
    neither is a problem naming the element that references it."""
    tree = parse_xml(bpmn, filename)
    forms: dict[str, Any] = {}
    problems: list[Problem] = []
    by_name = {PurePosixPath(name).name: data for name, data in uploaded_forms.items()}
    for form_path, element in _form_references(tree):
        if form_path in forms:
            continue
        raw = uploaded_forms.get(form_path) or by_name.get(PurePosixPath(form_path).name)
        if raw is not None:
            forms[form_path] = load_form_json(raw, form_path, element, problems)
            continue
        deployed = deployed_form(form_path)
        if deployed is not None:
            forms[form_path] = deployed
            continue
        problems.append(Problem(
            f"the form '{form_path}' is neither uploaded nor deployed",
            element_id=element.get("id"), element_name=element.get("name"),
            line=element.sourceline, file=filename,
            hint=f"upload {PurePosixPath(form_path).name} together with the diagram",
            code="form.not_brought", params=(("form", form_path),)))
    if problems:
        raise SpecError(problems)
    return SpecSource(filename=filename, bpmn=bpmn, forms=forms)
