"""What a BPMN file may contain before the engine builds anything from it: BPMN 2.0's schema,
then the engine's own refusals (elements it will not run, scripts, expressions over their budget,
forms that are missing or too large), each as a `Problem` with the element, its line and a fix.
"""

from __future__ import annotations

from typing import Any

from lxml import etree
from SpiffWorkflow.spiff.parser.process import VALIDATOR

from engine.base.errors import ExpressionError, ExpressionLimit, Problem
from engine.specs.expressions import compile_expression
from engine.specs.form_check import schema_errors
from engine.specs.schemas import size_problems
from engine.specs.sources import SpecSource, _form_references

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN_NS, "bpmndi": BPMNDI_NS, "spiffworkflow": SPIFF_NS}

# Elements the engine refuses to run: the problem's code, the reason and the fix shown to the
# designer.
_REFUSED_ELEMENTS: dict[str, tuple[str, str, str]] = {
    "scriptTask": (
        "spec.refused_script_task",
        "script tasks are refused: BPMN scripts would run arbitrary code on the server",
        "replace it with a user task or move the logic into a gateway condition",
    ),
    "serviceTask": (
        "spec.refused_service_task",
        "service tasks are not supported by this engine",
        "replace it with a user task",
    ),
    "businessRuleTask": (
        "spec.refused_business_rule_task",
        "business rule (DMN) tasks are not supported by this engine",
        "express the rule as gateway conditions",
    ),
    "task": (
        "spec.refused_untyped_task",
        "an untyped task would wait forever: nobody can complete it",
        "make it a user task (with a lane and a form) or remove it",
    ),
    # Lint and run must agree: the runtime starts no task inside an embedded sub-process.
    **{tag: (
        "spec.refused_subprocess",
        "embedded sub-processes are not supported by this engine: the tasks inside would not "
        "run",
        "draw the sub-process's steps in the process itself, each task in its lane",
    ) for tag in ("subProcess", "adHocSubProcess", "transaction")},
}
_REFUSED_EXTENSIONS = ("preScript", "postScript")
_BUDGET_HINT = ("make it do less: at most 10,000 comprehension rounds, texts of 100,000 "
                "characters, lists of 10,000 items and numbers below 2^256 (see "
                "docs/architecture.md)")


def xsd_problems(tree: etree._ElementTree, filename: str) -> list[Problem]:
    schema: etree.XMLSchema = VALIDATOR.validator
    VALIDATOR.preprocess(tree)
    if schema.validate(tree):
        return []
    return [
        Problem(
            f"not valid BPMN 2.0 (XSD): {error.message}",
            file=filename,
            line=error.line,
            hint="open and save the file in Camunda Modeler to see the element",
            code="spec.xsd",
            params=(("line", str(error.line)), ("detail", str(error.message))),
        )
        for error in list(schema.error_log)[:20]
    ]


def engine_problems(tree: etree._ElementTree, source: SpecSource) -> list[Problem]:
    root = tree.getroot()
    problems: list[Problem] = []

    def problem(
        element: Any, message: str, hint: str | None = None, line: int | None = None,
        code: str = "", **params: str,
    ) -> None:
        name = " ".join((element.get("name") or "").split()) or element.get("id") or ""
        problems.append(
            Problem(
                message,
                element_id=element.get("id"),
                element_name=element.get("name"),
                line=line or element.sourceline,
                file=source.filename,
                hint=hint,
                code=code,
                params=tuple(sorted({**params, "name": name}.items())) if code else (),
            )
        )

    executable = [
        p for p in root.iterfind("bpmn:process", NS) if p.get("isExecutable") == "true"
    ]
    if len(executable) != 1:
        problems.append(
            Problem(
                f"the file must hold exactly one executable process; found {len(executable)}",
                file=source.filename,
                hint='set isExecutable="true" on the one process to run',
                code="spec.executable_count",
                params=(("found", str(len(executable))),),
            )
        )
    for tag, (code, message, hint) in _REFUSED_ELEMENTS.items():
        for element in root.iter(f"{{{BPMN_NS}}}{tag}"):
            problem(element, message, hint, code=code)
    for tag in _REFUSED_EXTENSIONS:
        for element in root.iter(f"{{{SPIFF_NS}}}{tag}"):
            owner = element.getparent().getparent()
            problem(owner, f"spiffworkflow:{tag} scripts are refused", "remove the script",
                    code="spec.script_refused")
    expression_tags = (
        "conditionExpression",
        "timeDuration",
        "timeDate",
        "timeCycle",
        "loopCardinality",
        "completionCondition",
    )
    for tag in expression_tags:
        for element in root.iter(f"{{{BPMN_NS}}}{tag}"):
            text = (element.text or "").strip()
            if not text:
                continue
            try:
                compile_expression(text)
            except ExpressionError as exc:
                owner = element.getparent()
                if tag == "loopCardinality" or tag == "completionCondition":
                    owner = owner.getparent()
                elif tag.startswith("time"):
                    owner = owner.getparent()
                problem(
                    owner,
                    f"expression '{text[:120]}' is refused: {exc}",
                    _BUDGET_HINT if isinstance(exc, ExpressionLimit) else
                    "use only comparisons, and/or/not, literals, variables, x['key'] and "
                    "the allowed functions",
                    line=element.sourceline,
                    code="spec.expression_refused", expression=text[:120], detail=str(exc),
                )
    checked: set[str] = set()
    for form_path, element in _form_references(tree):
        schema = source.forms.get(form_path)
        if schema is None:
            problem(element, f"the form '{form_path}' is missing", "add the form file",
                    code="form.missing", form=form_path)
            continue
        if form_path in checked:
            continue
        checked.add(form_path)
        bounds = size_problems(schema)  # before check_schema walks it
        for message, hint in bounds:
            problems.append(Problem(f"the form '{form_path}': {message}",
                                    element_id=element.get("id"),
                                    element_name=element.get("name"), file=form_path,
                                    hint=hint, code="form.bounds",
                                    params=(("detail", message), ("form", form_path))))
        if bounds:
            continue
        invalid = schema_errors(schema)
        name = " ".join((element.get("name") or "").split()) or element.get("id") or ""
        for message, code, params in invalid:
            problems.append(Problem(
                f"the form '{form_path}' is {message}", element_id=element.get("id"),
                element_name=element.get("name"), line=element.sourceline,
                file=source.filename, code=code,
                params=tuple(sorted({**params, "form": form_path, "name": name}.items()))))
        if not invalid and not (isinstance(schema, dict) and schema.get("type") == "object"):
            problem(element, f"the form '{form_path}' must describe an object",
                    code="form.not_object", form=form_path)
    return problems
