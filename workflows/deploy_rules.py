"""The domain's deploy rules: what a diagram must be for the promises to hold whatever a designer
draws. Each refusal names the element, says why in plain Swedish and how to fix it.

The rules bind the promises to what a diagram means (lanes, paths, the variables its forms
write), not to process ids alone; the policy (`workflows/policy/`) says where the styrelse may
work and which variables are ESF+'s own.
"""

from __future__ import annotations

import ast
from typing import Any

from engine import ParsedSpec, Problem, UserTaskInfo, choice_labels, lane_members, path_from_start

from . import policy
from .catalogue import (
    CHOICES,
    ESF_ONLY_FIELDS,
    ESF_PROCESSES,
    KNOWN_LANES,
    NEED_PROCESS,
    STYRELSE_LANE,
)


def lanes_resolve(parsed: ParsedSpec) -> list[Problem]:
    """Every user task sits in a lane that resolves to a role."""
    return [
        Problem(
            f"användaruppgiften ligger i banan '{task.lane}', som inte motsvarar någon roll",
            element_id=task.bpmn_id,
            element_name=task.name,
            line=task.line,
            file=parsed.source.filename,
            hint="lägg uppgiften i en av banorna: " + ", ".join(KNOWN_LANES),
        )
        for task in parsed.user_tasks.values()
        if task.lane not in KNOWN_LANES
    ]


def styrelse_only_where_it_decides(parsed: ParsedSpec) -> list[Problem]:
    """No Styrelse-lane element where the styrelse does not decide: it works only in the
    processes the policy lets it see (finansiell samordning), never where ESF+ can be chosen or
    is the matter. Each refusal names the path from the start to the element."""
    if policy.styrelse_may_work_in(parsed.process_id):
        return []
    members = lane_members(parsed).get(STYRELSE_LANE, [])
    problems = []
    for element in members:
        element_id = element.get("id")
        path = [parsed.element_names.get(e) or e for e in path_from_start(parsed, element_id)]
        route = " → ".join(path) if path else "(inget flöde når steget)"
        problems.append(Problem(
            "styrelsen kan inte ha något steg i den här processen: ESF+-frågor når aldrig "
            f"styrelsen, och här kan ESF+ väljas eller är ärendet. Vägen dit: {route}",
            element_id=element_id,
            element_name=element.get("name"),
            line=element.sourceline,
            file=parsed.source.filename,
            hint="flytta steget till en annan bana (Beredningsgrupp, Förbundskansli, Parterna "
                 "eller Projektägare); styrelsens beslut ritas i processen finansiell samordning",
        ))
    if STYRELSE_LANE in parsed.lanes and not members:
        problems.append(Problem(
            "styrelsen kan inte ha någon bana i den här processen: ESF+-frågor når aldrig "
            "styrelsen",
            file=parsed.source.filename,
            hint="ta bort banan Styrelse",
        ))
    return problems


def esf_fields_stay_in_esf(parsed: ParsedSpec) -> list[Problem]:
    """A form of a process that is not an ESF+ matter (nor the need, where the choice is made)
    does not ask for an ESF+ variable: such a value would reach those who never see ESF+."""
    if parsed.process_id in ESF_PROCESSES or parsed.process_id == NEED_PROCESS:
        return []
    problems = []
    for task in parsed.user_tasks.values():
        schema = parsed.form_schema(task.form)
        fields = sorted(set(_properties(schema)) & ESF_ONLY_FIELDS)
        if fields:
            problems.append(Problem(
                f"formuläret {task.form} frågar efter {', '.join(fields)}, som bara hör till "
                "ESF+; det får inte finnas i den här processen",
                element_id=task.bpmn_id,
                element_name=task.name,
                line=task.line,
                file=parsed.source.filename,
                hint="ta bort fältet ur formuläret",
            ))
    return problems


def _properties(schema: dict[str, Any] | None) -> list[str]:
    if not isinstance(schema, dict):
        return []
    properties = schema.get("properties")
    return [str(k) for k in properties] if isinstance(properties, dict) else []


def choices_keep_their_meaning(parsed: ParsedSpec) -> list[Problem]:
    """A form offers each choice the domain reads (`catalogue.CHOICES`) with its own label, and
    no value the domain does not know: a label is what a person decides by, the value is what
    the gateways and the follow-up count, and the two must never disagree."""
    problems = []
    forms: dict[str, UserTaskInfo | None] = {
        task.form: task for task in parsed.user_tasks.values() if task.form}
    if parsed.start_form:
        forms.setdefault(parsed.start_form, None)
    for path, task in forms.items():
        for name, labels in choice_labels(parsed.form_schema(path)).items():
            meaning = CHOICES.get(name)
            if meaning is None:
                continue
            for key, label in labels.items():
                value = ast.literal_eval(key)
                wanted = meaning.get(value) if isinstance(value, str) else None
                if wanted is None:
                    message = (f"formuläret {path} erbjuder värdet {value!r} i fältet {name}, "
                               "som finsam-flow inte känner: grindarna och uppföljningen "
                               "räknar bara " + ", ".join(meaning))
                    hint = "använd ett av värdena " + ", ".join(meaning)
                elif label != wanted:
                    message = (f"formuläret {path} visar värdet {value!r} i fältet {name} som "
                               f"'{label}', men det betyder '{wanted}' (så räknas det vid "
                               "grindarna och i uppföljningen)")
                    hint = f"ändra etiketten till '{wanted}'"
                else:
                    continue
                problems.append(Problem(
                    message,
                    element_id=task.bpmn_id if task else None,
                    element_name=task.name if task else None,
                    line=task.line if task else None,
                    file=parsed.source.filename,
                    hint=hint,
                ))
    return problems
