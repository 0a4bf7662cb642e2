"""What the browser modeler needs beside lint and deploy: the form files a diagram references,
as a deploy would take them, to edit beside the diagram."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import PurePosixPath

from engine import Problem, SpecError, check_form_text, source_from_upload

from .designing import require_designer
from .parties import Capacity
from .system import Finsam

MAX_FORM_FILES = 40
MAX_FORM_PATH = 200


def diagram_forms(finsam: Finsam, capacity: Capacity, filename: str, bpmn: bytes
                  ) -> dict[str, str]:
    """The forms `bpmn` references, each as the förbund's newest deployed version holds it (what
    a deploy takes when the designer brings no other), as indented JSON by path. A diagram
    that references a form nobody deployed yet shows none: its lint says which is missing."""
    require_designer(capacity)
    try:
        source = source_from_upload(filename, bpmn, {}, lambda path: finsam.engine.deployed_form(
            capacity.forbund, path))
    except SpecError:
        return {}
    return {path: json.dumps(form, ensure_ascii=False, indent=2)
            for path, form in sorted(source.forms.items())}


def form_path_ok(path: str) -> bool:
    """A form path a designer may name: relative, inside the diagram's folder, a .json file."""
    pure = PurePosixPath(path)
    return (0 < len(path) <= MAX_FORM_PATH and path.endswith(".json") and not pure.is_absolute()
            and ".." not in pure.parts and "\\" not in path and path.isprintable())


def check_form(capacity: Capacity, path: str, text: str) -> list[Problem] | None:
    """The problems of one form file as the designer writes it (the checks a deploy makes of a
    form it is given); None when `path` is not one a designer may name. Designers only."""
    require_designer(capacity)
    path = path.strip()
    if not form_path_ok(path):
        return None
    return check_form_text(path, text.encode("utf-8"))


def edited_forms(pairs: Iterable[tuple[str, str]]) -> dict[str, bytes] | None:
    """The form files a designer edited (path → JSON text) as a deploy takes them; None when a
    path is not one a designer may name or there are too many. Empty paths are left out."""
    forms = {path.strip(): text.encode("utf-8") for path, text in pairs if path.strip()}
    if len(forms) > MAX_FORM_FILES or not all(form_path_ok(path) for path in forms):
        return None
    return forms
