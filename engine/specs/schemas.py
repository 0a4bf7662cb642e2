"""What a form's JSON Schema may contain: bounded, self-contained, checkable in linear time.

Checked at deploy (`limits.forms_bounded`, a rule `Engine.lint` always applies; the size already
when the spec is read, `engine/specs/reading.py`, before jsonschema walks the schema), and again
before every validation (`engine/specs/forms.py`), for versions deployed before these rules:

- at most `MAX_DEPTH` levels of nesting and `MAX_VALUES` values in the file;
- `$ref` only inside the form's own file (`#` or `#/...`, to a place that exists), without
  cycles, and at most `MAX_EXPANDED` subschemas with every reference followed (references that
  multiply each other cannot make validation exponential);
- none of `$id`, `$anchor`, `$dynamicRef`, ... (they name other documents or change how
  references resolve); `$schema` only the 2020-12 dialect the engine validates with;
- `pattern` at most `MAX_PATTERN` characters, and compiled by RE2, the linear-time engine that
  validation uses (`engine/specs/forms.py`); so no backreferences or lookaround. `patternProperties`
  is refused: jsonschema would match its patterns with Python's backtracking `re`;
- `format` only one the engine checks (`FORMATS`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import unquote

import re2

MAX_DEPTH = 32
MAX_VALUES = 5000
MAX_EXPANDED = 10_000
MAX_PATTERN = 1000
DIALECTS = ("https://json-schema.org/draft/2020-12/schema",
            "https://json-schema.org/draft/2020-12/schema#")
FORMATS = ("date", "email", "ipv4", "ipv6", "uuid", "regex")
REFUSED_KEYWORDS = ("$id", "$anchor", "$dynamicRef", "$dynamicAnchor", "$recursiveRef",
                    "$recursiveAnchor", "$vocabulary", "patternProperties")

_SCHEMA_MAPS = ("properties", "$defs", "definitions", "dependentSchemas", "patternProperties")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMAS = ("items", "additionalProperties", "additionalItems", "not", "if", "then", "else",
            "contains", "propertyNames", "unevaluatedItems", "unevaluatedProperties")

Problems = list[tuple[str, str]]  # (what is wrong, how to fix it)


def _options() -> Any:
    options = re2.Options()
    options.log_errors = False
    return options


@lru_cache(maxsize=1024)
def compile_pattern(pattern: str) -> Any:
    """The RE2 program of a `pattern`; raises ValueError naming why it cannot be one."""
    if len(pattern) > MAX_PATTERN:
        raise ValueError(f"the pattern is longer than {MAX_PATTERN} characters")
    try:
        return re2.compile(pattern, _options())
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else exc
        raise ValueError(f"the pattern '{pattern[:80]}' cannot be checked in linear time "
                         f"({reason})") from None


def shape(value: Any) -> tuple[int, int]:
    """(depth, number of values) of a JSON value, walked without recursion; the walk stops a
    little beyond either limit."""
    depth, count = 0, 0
    todo: list[tuple[Any, int]] = [(value, 1)]
    while todo and depth <= MAX_DEPTH and count <= MAX_VALUES:
        item, level = todo.pop()
        count += 1
        depth = max(depth, level)
        if isinstance(item, dict):
            todo.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            todo.extend((v, level + 1) for v in item)
    return depth, count


def size_problems(schema: Any) -> Problems:
    """The file's nesting and number of values (checked first: the rest walks it)."""
    depth, count = shape(schema)
    if depth > MAX_DEPTH:
        return [(f"nested more than {MAX_DEPTH} levels deep",
                 "flatten the form: put shared parts in $defs and refer to them with $ref")]
    if count > MAX_VALUES:
        return [(f"more than {MAX_VALUES} values",
                 "split the form into smaller ones, one per task")]
    return []


def schema_problems(schema: Any) -> Problems:
    """Everything wrong with a form's schema by the rules above (the size first)."""
    found = size_problems(schema)
    if found:
        return found
    walk = _Walk(schema)
    try:
        total = walk.expanded(schema, "#")
    except _Cycle as cycle:
        return walk.found + [(f"the reference at {cycle.where} leads back to itself",
                              "refer only to parts that do not refer back; a form describes "
                              "a fixed set of fields")]
    if total > MAX_EXPANDED:
        walk.found.append((f"its references expand to more than {MAX_EXPANDED} parts",
                           "refer to shared parts less often, or split the form"))
    return walk.found


class _Cycle(Exception):
    def __init__(self, where: str) -> None:
        self.where = where
        super().__init__(where)


class _Walk:
    """One walk over a schema's subschemas, following `$ref`s, counting each part as often as
    validation would reach it (memoized per object, so the walk itself stays linear)."""

    def __init__(self, root: Any) -> None:
        self.root = root
        self.found: Problems = []
        self._sizes: dict[int, int] = {}
        self._walking: set[int] = set()
        self._checked: set[int] = set()

    def expanded(self, node: Any, where: str) -> int:
        if not isinstance(node, dict):
            return 1
        key = id(node)
        if key in self._walking:
            raise _Cycle(where)
        if key not in self._sizes:
            self._walking.add(key)
            children = self._children(node, where)
            self._sizes[key] = 1 + sum(self.expanded(child, f"{where}/{name}")
                                       for name, child in children)
            self._walking.discard(key)
        return self._sizes[key]

    def _children(self, node: dict[str, Any], where: str) -> list[tuple[str, Any]]:
        """The subschemas of a schema object (with the target of its `$ref`); the problems of
        the object's own keywords are noted once."""
        note = id(node) not in self._checked
        self._checked.add(id(node))
        children: list[tuple[str, Any]] = []
        for name, value in node.items():
            problem = _keyword_problem(name, value, where) if note else None
            if problem is not None:
                self.found.append(problem)
            elif name == "$ref":
                target = _resolve(self.root, value)
                if target is not None:
                    children.append(("$ref", target))
                elif note:
                    self.found.append((
                        f"$ref at {where} ('{str(value)[:80]}') does not point inside this "
                        "form", "refer only to this file's parts, e.g. \"$ref\": "
                        "\"#/$defs/name\", and define them there"))
            elif name in _SCHEMA_MAPS and isinstance(value, dict):
                children.extend((f"{name}/{k}", v) for k, v in value.items())
            elif name in _SCHEMA_LISTS and isinstance(value, list):
                children.extend((f"{name}/{i}", v) for i, v in enumerate(value))
            elif name in _SCHEMAS:
                children.append((name, value))
        return children


def _keyword_problem(name: str, value: Any, where: str) -> tuple[str, str] | None:
    if name in REFUSED_KEYWORDS:
        return (f"{name} at {where} is not allowed in a form",
                "remove it; refer to shared parts with $ref to #/$defs/...")
    if name == "$schema" and value not in DIALECTS:
        return (f"$schema at {where} names another dialect ({str(value)[:80]})",
                f"use {DIALECTS[0]} or leave $schema out")
    if name == "pattern" and isinstance(value, str):
        try:
            compile_pattern(value)
        except ValueError as exc:
            return (f"pattern at {where}: {exc}", "write it without backreferences (\\1) or "
                    "lookaround ((?=, (?!, (?<=), or leave it out")
    if name == "format" and value not in FORMATS:
        return (f"format '{str(value)[:40]}' at {where} is not checked by the engine",
                "use one of " + ", ".join(FORMATS) + ", or a pattern")
    return None


def _resolve(root: Any, reference: Any) -> Any | None:
    """The part of `root` a `#...` JSON pointer names, or None."""
    if not isinstance(reference, str) or not reference.startswith("#"):
        return None
    node = root
    pointer = unquote(reference[1:])
    if pointer and not pointer.startswith("/"):
        return None  # a named anchor: refused with $anchor
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
    return node if isinstance(node, dict | bool) else None
