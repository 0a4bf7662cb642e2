"""A form file (JSON Schema) checked on its own, as a designer writes it beside the diagram.

The same checks a deploy makes of a form it is given (`engine/specs/sources.py` reads it,
`engine/specs/checks.py` checks it against the diagram), each problem saying where it is: the
line and column of a JSON syntax error, the place in the schema (a JSON pointer such as
`/properties/namn/type`) of a schema error.
"""

from __future__ import annotations

import json
from typing import Any

from jsonschema import Draft202012Validator

from engine.base.errors import Problem
from engine.specs.sources import load_form_json

MAX_SCHEMA_ERRORS = 5
# As `check_schema` validates (with its format checker: a `pattern` must be a regular expression).
_META = Draft202012Validator(Draft202012Validator.META_SCHEMA,
                             format_checker=Draft202012Validator.FORMAT_CHECKER)
_VALUE_ERRORS = ("anyOf", "oneOf", "enum", "const")


def pointer(path: Any) -> str:
    """A place in a JSON document as a JSON pointer (`/` for the whole document)."""
    return "/" + "/".join(str(part).replace("~", "~0").replace("/", "~1") for part in path)


def schema_errors(schema: Any) -> list[tuple[str, str, dict[str, str]]]:
    """What makes `schema` no JSON Schema (draft 2020-12), in the order of the document and at
    most MAX_SCHEMA_ERRORS: (the engine's words, the problem's code, its parameters). Call it
    only on a schema within the size bounds (`schemas.size_problems`): it walks all of it."""
    errors = sorted(_META.iter_errors(schema), key=lambda e: [str(p) for p in e.path])
    found: list[tuple[str, str, dict[str, str]]] = []
    seen: set[tuple[str, ...]] = set()
    for error in errors:
        if len(found) == MAX_SCHEMA_ERRORS:
            break
        where = pointer(error.path)
        message = f"not a valid JSON Schema at {where}: {error.message}"
        if error.validator == "type":
            expected = error.validator_value
            names = expected if isinstance(expected, list) else [expected]
            found.append((message, "form.schema_type",
                          {"where": where, "expected": " / ".join(str(n) for n in names)}))
        elif error.validator in _VALUE_ERRORS:
            value = json.dumps(error.instance, ensure_ascii=False)
            found.append((message, "form.schema_value",
                          {"where": where, "value": value[:60]}))
        else:
            found.append((message, "form.invalid_schema",
                          {"where": where, "detail": str(error.message)[:200]}))
        # The meta-schema's vocabularies each say the same of one place: say it once.
        key = (found[-1][1], *(f"{k}={v}" for k, v in sorted(found[-1][2].items())))
        if key in seen:
            found.pop()
        seen.add(key)
    return found


def check_form_text(form_path: str, raw: bytes) -> list[Problem]:
    """Every problem a deploy would find in the form file `form_path` with the content `raw`,
    on its own (whether a diagram refers to it is the lint's to say). Empty when it is a valid
    JSON Schema of an object within the bounds. Commits nothing, raises nothing."""
    problems: list[Problem] = []
    form = load_form_json(raw, form_path, None, problems)
    if form is None:
        return problems
    found = schema_errors(form)
    for message, code, params in found:
        problems.append(Problem(f"the form '{form_path}' is {message}", file=form_path, code=code,
                                params=tuple(sorted({**params, "form": form_path}.items()))))
    if not found and not (isinstance(form, dict) and form.get("type") == "object"):
        problems.append(Problem(f"the form '{form_path}' must describe an object",
                                file=form_path, code="form.not_object",
                                params=(("form", form_path),)))
    return problems
