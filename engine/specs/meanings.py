"""What a recorded choice means: the label its form gave the value it was recorded with.

A form's choice (`oneOf` of `const`/`title`, or `enum` with `x-enumNames`) is shown by its label
and stored by its value. A new version may relabel a choice; an instance that recorded the value
must keep the meaning it was recorded with, so moving it to a version where that value means
something else is refused (`migrate`), and a replay that meets such a migration reports it
(`replay`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from engine.base.errors import Reason
from engine.specs.reading import ParsedSpec

# (task's bpmn id, or "" for the start form; field; recorded value)
Recorded = tuple[str, str, Any]


def choice_labels(schema: dict[str, Any] | None) -> dict[str, dict[str, str]]:
    """Field → {value (as JSON text) → label} for every choice field of a form schema."""
    found: dict[str, dict[str, str]] = {}
    properties = (schema or {}).get("properties")
    if not isinstance(properties, dict):
        return found
    for name, prop in properties.items():
        if not isinstance(prop, dict):
            continue
        target = prop.get("items") if prop.get("type") == "array" else prop
        if not isinstance(target, dict):
            continue
        labels: dict[str, str] = {}
        for option in target.get("oneOf") or []:
            if isinstance(option, dict) and "const" in option:
                labels[_key(option["const"])] = str(option.get("title", option["const"]))
        names = target.get("x-enumNames")
        for index, value in enumerate(target.get("enum") or []):
            if isinstance(names, list) and index < len(names):
                labels[_key(value)] = str(names[index])
        if labels:
            found[str(name)] = labels
    return found


def _key(value: Any) -> str:
    return repr(value)


def _form_of(parsed: ParsedSpec, task: str) -> dict[str, Any] | None:
    if task == "":
        return parsed.form_schema(parsed.start_form)
    info = parsed.user_tasks.get(task)
    return parsed.form_schema(info.form) if info is not None else None


def changed_meanings(old: ParsedSpec, new: ParsedSpec, recorded: Iterable[Recorded]
                     ) -> list[Reason]:
    """Why a recorded choice would mean something else on `new` (empty when none would)."""
    reasons: list[Reason] = []
    cache: dict[tuple[int, str], dict[str, dict[str, str]]] = {}

    def labels(parsed: ParsedSpec, task: str) -> dict[str, dict[str, str]]:
        key = (id(parsed), task)
        if key not in cache:
            cache[key] = choice_labels(_form_of(parsed, task))
        return cache[key]

    for task, name, value in recorded:
        before = labels(old, task).get(name)
        if before is None:
            continue
        values = value if isinstance(value, list) else [value]
        after = labels(new, task).get(name, {})
        for one in values:
            was = before.get(_key(one))
            if was is None:
                continue
            now = after.get(_key(one))
            if now != was:
                shown = f"'{now}'" if now is not None else "no choice"
                reasons.append(Reason(
                    f"the recorded choice '{was}' ({name} = {one!r}) would show as {shown} in "
                    "the new version",
                    "meaning.choice_relabelled" if now is not None else "meaning.choice_removed",
                    was=was, variable=name, value=repr(one), now=now or ""))
    return sorted(set(reasons))


def recorded_choices(events: Iterable[Any]) -> list[Recorded]:
    """Every form value recorded in a history (`started` start data, `completed` forms)."""
    found: list[Recorded] = []
    for event in events:
        data = event.data or {}
        if event.kind == "started":
            values = data.get("data") or {}
            task = ""
        elif event.kind == "completed":
            values = data.get("form") or {}
            task = event.task or ""
        else:
            continue
        if isinstance(values, dict):
            found.extend((task, str(k), v) for k, v in values.items())
    return found
