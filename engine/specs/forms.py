"""Validation of form data against a task's JSON Schema, field by field.

The schema is the designer's; validation runs inside the write transaction, so it is bounded:
the schema must keep the rules of `engine/specs/schemas.py` (checked at deploy, and again here for
versions deployed before them), references are never retrieved (a `referencing` registry that
refuses every retrieval), `pattern` is matched by RE2 in linear time, the data is bounded
(`MAX_FIELDS`, `MAX_DEPTH`, `MAX_ITEMS`, `MAX_VALUES`, `MAX_STRING_LENGTH`), and every keyword
looks at the clock (`engine/base/deadline.py`) before it runs.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError
from referencing import Registry
from referencing.exceptions import NoSuchResource, Unresolvable

from engine.base.deadline import Deadline
from engine.base.errors import InvalidData, WorkflowFailure
from engine.specs.schemas import (
    FORMATS,
    Problems,
    compile_pattern,
    schema_problems,
    size_problems,
)

MAX_STRING_LENGTH = 20_000
MAX_FIELDS = 200
MAX_DEPTH = 16
MAX_ITEMS = 500  # items of one list (uniqueItems compares every pair)
MAX_VALUES = 10_000  # values in the whole form data
# The largest integer every JSON reader holds exactly (an IEEE double's 53-bit mantissa); beyond
# it a number cannot be stored as a report figure nor read back the same by a browser.
MAX_SAFE_INTEGER = 2**53 - 1


def _no_retrieval(uri: str) -> Any:
    raise NoSuchResource(ref=uri)  # type: ignore[call-arg]


_REGISTRY: Registry[Any] = Registry(retrieve=_no_retrieval)  # type: ignore[call-arg]
_DEADLINE: ContextVar[Deadline | None] = ContextVar("form_deadline", default=None)


class _TooSlow(Exception):
    """The form's validation passed its deadline."""


Keyword = Callable[[Any, Any, Any, Any], Any]


def _timed(keyword: Keyword) -> Keyword:
    def run(validator: Any, value: Any, instance: Any, schema: Any) -> Any:
        deadline = _DEADLINE.get()
        if deadline is not None and deadline.passed():
            raise _TooSlow
        return keyword(validator, value, instance, schema)
    return run


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    if validator.is_type(instance, "string") and not compile_pattern(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _is_pattern(instance: object) -> bool:
    if isinstance(instance, str):
        compile_pattern(instance)
    return True


_FORMAT_CHECKER = FormatChecker([f for f in FORMATS if f != "regex"])
_FORMAT_CHECKER.checks("regex", raises=ValueError)(_is_pattern)
_Validator: Any = validators.extend(Draft202012Validator, {
    **{name: _timed(keyword) for name, keyword in Draft202012Validator.VALIDATORS.items()},
    "pattern": _timed(_pattern),
})


def validate_form_data(schema: dict[str, Any] | None, data: Any,
                       form: str | None = None) -> dict[str, Any]:
    """Return `data` if it satisfies `schema`; raise InvalidData mapping each field to a message.

    A task without a form accepts only an empty object, so that nobody can slip variables past a
    gateway through a task that asks for nothing. A schema that breaks the rules of
    `engine/specs/schemas.py`, or whose validation passes its deadline, raises WorkflowFailure
    naming the form (`form`, its path): the designer must fix it, and nothing is changed.
    """
    if not isinstance(data, dict):
        raise InvalidData("the form data must be a JSON object")
    if len(data) > MAX_FIELDS:
        raise InvalidData(f"too many fields (at most {MAX_FIELDS})")
    if schema is None:
        if data:
            raise InvalidData(
                "this step takes no form data", {key: "unknown field" for key in data}
            )
        return data
    details: dict[str, str] = {}
    _check_values(data, details)
    if details:  # not storable: never handed to the schema validator (deep nesting recurses)
        raise InvalidData("the form has errors", details)
    for error in sorted(_errors(schema, data, form or "of this task"),
                        key=lambda e: list(e.path)):
        for field, message in _field_messages(error):
            details.setdefault(field, message)
    if details:
        raise InvalidData("the form has errors", details)
    return data


def _errors(schema: dict[str, Any], data: dict[str, Any], form: str) -> list[ValidationError]:
    """Every validation error of `data`, within the bounds; WorkflowFailure if the schema is
    out of bounds or its validation takes too long."""
    problems = size_problems(schema)  # bounded first: the key below walks the whole schema
    validator = None
    if not problems:
        problems, validator = _checked(json.dumps(schema, sort_keys=True, separators=(",", ":")))
    if problems or validator is None:
        message, hint = problems[0]
        raise WorkflowFailure(f"the form {form} cannot be used: {message}. Fix: {hint}")
    deadline = Deadline()
    token = _DEADLINE.set(deadline)
    try:
        return list(validator.iter_errors(data))
    except _TooSlow:
        raise WorkflowFailure(f"the form {form} could not be checked: "
                              f"{deadline.reason()}") from None
    except Unresolvable as exc:  # defence in depth: schema_problems refuses such references
        raise WorkflowFailure(f"the form {form} refers to something outside itself "
                              f"({str(exc)[:80]})") from exc
    finally:
        _DEADLINE.reset(token)
        deadline.finish()


@lru_cache(maxsize=256)
def _checked(text: str) -> tuple[Problems, Any]:
    """The problems of the schema whose canonical JSON is `text` and, when it has none, its
    validator: each form is checked and its validator built once per process, not at every
    completion. The validator holds its own copy of the schema, which nobody can change."""
    schema = json.loads(text)
    problems = schema_problems(schema)
    if problems:
        return problems, None
    return [], _Validator(schema, registry=_REGISTRY, format_checker=_FORMAT_CHECKER)


def _field_messages(error: ValidationError) -> list[tuple[str, str]]:
    if error.validator == "required" and isinstance(error.instance, dict):
        prefix = _path(error)
        missing = [p for p in error.validator_value if p not in error.instance]
        return [(_join(prefix, name), "required") for name in missing]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set((error.schema.get("properties") or {}).keys())
        prefix = _path(error)
        return [
            (_join(prefix, key), "unknown field") for key in error.instance if key not in allowed
        ]
    field = _path(error) or "_form"
    return [(field, _message(error))]


def _message(error: ValidationError) -> str:
    validator = error.validator
    value = error.validator_value
    if validator == "type":
        return f"must be of type {value}"
    if validator in ("enum", "const", "oneOf", "anyOf"):
        return "is not one of the allowed choices"
    if validator == "maxLength":
        return f"is too long (at most {value} characters)"
    if validator == "minLength":
        return f"is too short (at least {value} characters)"
    if validator == "minimum":
        return f"must be at least {value}"
    if validator == "maximum":
        return f"must be at most {value}"
    if validator == "minItems":
        return f"choose at least {value}"
    if validator == "maxItems":
        return f"choose at most {value}"
    if validator == "uniqueItems":
        return "has duplicates"
    if validator == "format":
        return f"is not a valid {value}"
    if validator == "pattern":
        return "has the wrong format"
    return str(error.message)


def _path(error: ValidationError) -> str:
    return ".".join(str(p) for p in error.absolute_path if not isinstance(p, int)) or ""


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _has_control(text: str) -> bool:
    """Control characters other than line breaks and tabs, or lone surrogates (not UTF-8)."""
    return any((ord(c) < 32 and c not in "\n\r\t") or c == "\x7f" or 0xD800 <= ord(c) <= 0xDFFF
               for c in text)


def _check_values(data: dict[str, Any], details: dict[str, str]) -> None:
    """Refuse what no database column or JSON reader holds, anywhere in the data: control
    characters (other than line breaks and tabs) in text or keys, oversized text, numbers that
    are not finite or beyond MAX_SAFE_INTEGER, nesting deeper than MAX_DEPTH, lists longer than
    MAX_ITEMS, and more than MAX_VALUES values in all."""

    count = 0

    def visit(value: Any, field: str, depth: int) -> None:
        nonlocal count
        count += 1
        if count > MAX_VALUES:
            details.setdefault(field, f"holds too many values (at most {MAX_VALUES} in a form)")
        elif depth > MAX_DEPTH:
            details.setdefault(field, "is nested too deeply")
        elif isinstance(value, str):
            if len(value) > MAX_STRING_LENGTH:
                details.setdefault(field, "is too long")
            elif _has_control(value):
                details.setdefault(field, "contains control characters")
        elif isinstance(value, bool):
            return
        elif isinstance(value, int):
            if value > MAX_SAFE_INTEGER:
                details.setdefault(field, f"must be at most {MAX_SAFE_INTEGER}")
            elif value < -MAX_SAFE_INTEGER:
                details.setdefault(field, f"must be at least {-MAX_SAFE_INTEGER}")
        elif isinstance(value, float):
            if not math.isfinite(value):
                details.setdefault(field, "must be of type number")
        elif isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    details.setdefault(field, "has a non-text key")
                elif _has_control(key):
                    details.setdefault(field, "contains control characters")
                visit(item, field, depth + 1)
        elif isinstance(value, list):
            if len(value) > MAX_ITEMS:
                details.setdefault(field, f"has too many items (at most {MAX_ITEMS})")
                return
            for item in value:
                visit(item, field, depth + 1)

    for key, value in data.items():
        if not isinstance(key, str) or _has_control(key) or len(key) > 200:
            details.setdefault("_form", "a field name is not valid")
            continue
        visit(value, key, 1)
