"""Validation of form data against a task's JSON Schema, field by field."""

from __future__ import annotations

import math
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from .errors import InvalidData

MAX_STRING_LENGTH = 20_000
MAX_FIELDS = 200
MAX_DEPTH = 16
# The largest integer every JSON reader holds exactly (an IEEE double's 53-bit mantissa); beyond
# it a number cannot be stored as a report figure nor read back the same by a browser.
MAX_SAFE_INTEGER = 2**53 - 1


def validate_form_data(schema: dict[str, Any] | None, data: Any) -> dict[str, Any]:
    """Return `data` if it satisfies `schema`; raise InvalidData mapping each field to a message.

    A task without a form accepts only an empty object, so that nobody can slip variables past a
    gateway through a task that asks for nothing.
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
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.path)):
        for field, message in _field_messages(error):
            details.setdefault(field, message)
    if details:
        raise InvalidData("the form has errors", details)
    return data


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
    are not finite or beyond MAX_SAFE_INTEGER, and nesting deeper than MAX_DEPTH."""

    def visit(value: Any, field: str, depth: int) -> None:
        if depth > MAX_DEPTH:
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
            for item in value:
                visit(item, field, depth + 1)

    for key, value in data.items():
        if not isinstance(key, str) or _has_control(key) or len(key) > 200:
            details.setdefault("_form", "a field name is not valid")
            continue
        visit(value, key, 1)
