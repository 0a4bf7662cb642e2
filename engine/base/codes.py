"""Every stable code the engine gives a problem (`Problem.code`) or a reason (`Reason.code`).

A product says each in its own words and languages by the code and its parameters; this is the
one list of what it has to word. A `Problem` or `Reason` with a code not listed here is refused
when it is made (a programming error, found by the tests that reach it), so the list cannot fall
behind the code that produces them.
"""

from __future__ import annotations

PROBLEM_CODES: frozenset[str] = frozenset({
    # XML safety (engine/base/xmlsafe.py)
    "xml.too_large", "xml.empty", "xml.not_well_formed", "xml.doctype", "xml.entities",
    # BPMN 2.0 and what the engine runs (engine/specs/reading.py, engine/specs/checks.py)
    "spec.not_bpmn", "spec.xsd", "spec.executable_count", "spec.flow_without_condition",
    "spec.script_refused", "spec.expression_refused",
    "spec.refused_script_task", "spec.refused_service_task", "spec.refused_business_rule_task",
    "spec.refused_untyped_task", "spec.refused_subprocess",
    # Forms (engine/specs/sources.py, engine/specs/checks.py, engine/runtime/limits.py)
    "form.missing", "form.not_brought", "form.not_json", "form.json_syntax", "form.bounds",
    "form.invalid_schema", "form.schema_type", "form.schema_value", "form.not_object",
    # What the database stores (engine/runtime/limits.py)
    "limit.too_long", "limit.cardinality",
    # Due dates and timers (engine/specs/schedule.py)
    "due.invalid", "timer.cycle", "timer.unquoted", "timer.not_text", "timer.duration_invalid",
    "timer.date_invalid",
    # Lint (engine/specs/lint.py)
    "lint.gateway_flow_without_condition", "lint.gateway_uncovered",
    "lint.gateway_uncovered_other", "lint.not_drawn", "lint.never_ends",
    "lint.cycle_without_wait",
})

REASON_CODES: frozenset[str] = frozenset({
    # Why an instance cannot move to another version (engine/runtime/migration.py,
    # engine/operations/maintenance.py)
    "migrate.removed_open", "migrate.removed_waiting", "migrate.removed_done",
    "migrate.changed_started", "migrate.changed_completed", "migrate.multi_instance_running",
    "migrate.subprocess_removed", "migrate.finished", "migrate.not_newer",
    # Choices whose meaning a new version would change (engine/specs/meanings.py)
    "meaning.choice_relabelled", "meaning.choice_removed",
})
