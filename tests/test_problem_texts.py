"""Every problem and reason the engine can give has its Swedish words (webui/problem_texts.py),
and a designer reads them, with the element's name, on the page and in the JSON API."""

from __future__ import annotations

import ast
import re
from html import unescape
from pathlib import Path

import pytest

from engine import PROBLEM_CODES, REASON_CODES, Problem, Reason, SpecError
from webui import problem_texts
from workflows import Finsam
from workflows.users import new_token

from . import hostile
from .conftest import Browser
from .test_designer import ESF, upload

ENGINE = Path(__file__).resolve().parent.parent / "engine"
CODE = re.compile(r"(?:xml|spec|form|limit|due|timer|lint|migrate|meaning)\.[a-z_]*")


def _code_texts() -> set[str]:
    """Every text in the engine's source that is, or begins, a problem's or reason's code."""
    found: set[str] = set()
    for path in ENGINE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and CODE.fullmatch(node.value):
                found.add(node.value)
    return found


def test_every_code_the_engine_can_give_has_swedish_words() -> None:
    assert PROBLEM_CODES - set(problem_texts.PROBLEMS) == set()
    assert REASON_CODES - set(problem_texts.REASONS) == set()
    # Nothing worded here that the engine never says.
    assert set(problem_texts.PROBLEMS) - PROBLEM_CODES == set()
    assert set(problem_texts.REASONS) - REASON_CODES == set()


def test_the_engines_codes_are_all_listed() -> None:
    """Each code written in the engine is in its list (a prefix, for codes it completes as it
    runs, such as migrate.removed_ + the step's state), and a code outside it is refused."""
    codes = PROBLEM_CODES | REASON_CODES
    written = _code_texts()
    assert {"timer.cycle", "due.invalid", "spec.refused_script_task"} <= written
    for text in written:
        assert text in codes or any(code.startswith(text) for code in codes), text
    with pytest.raises(ValueError, match="not in engine/base/codes.py"):
        Problem("x", code="timer.nonsense")
    with pytest.raises(ValueError, match="not in engine/base/codes.py"):
        Reason("x", "migrate.nonsense")


SCRIPT = ESF.replace("<bpmn:startEvent ", '<bpmn:scriptTask id="berakna" name="Beräkna beloppet" />'
                     "<bpmn:startEvent ", 1)
_AGREEMENT = ESF.index('<bpmn:userTask id="overenskommelse"')  # every user task has a dueIn
DUE = ESF[:_AGREEMENT] + ESF[_AGREEMENT:].replace(
    '<spiffworkflow:property name="dueIn" value="P30D" />',
    '<spiffworkflow:property name="dueIn" value="P1M" />', 1)
TIMER = ESF.replace('<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"P14D"',
                    '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">P14D', 1)
# (diagram, code, element, Swedish words with the element's name)
CASES = [
    (SCRIPT, "spec.refused_script_task", "berakna",
     "”Beräkna beloppet” är en skriptuppgift; skript körs inte här"),
    (DUE, "due.invalid", "overenskommelse",
     "Tidsfristen (dueIn) ”P1M” på ”Parterna kommer överens om projektägare och "
     "medfinansiärer” går inte att läsa som en tid."),
    (TIMER, "timer.unquoted", "paminnelse_overenskommelse",
     "Timern på ”Efter 14 dagar” har P14D utan citattecken"),
]


@pytest.mark.parametrize(("bpmn", "code", "element", "swedish"), CASES)
def test_a_designer_reads_a_refused_element_or_timer_in_swedish_on_the_page(
        designer: Browser, bpmn: str, code: str, element: str, swedish: str) -> None:
    assert bpmn != ESF
    for action in ("lint", "deploy"):
        response = upload(designer, [("esf_plus.bpmn", bpmn.encode())], action=action)
        html = unescape(response.get_data(as_text=True))
        assert response.status_code == 422
        assert swedish in html
        assert element in html
        assert "not supported" not in html and "without quotes" not in html
        assert "dueIn: " not in html and "script tasks are refused" not in html


@pytest.mark.parametrize(("bpmn", "code", "element", "swedish"), CASES)
def test_the_api_gives_a_refused_element_or_timer_in_swedish(
        client, finsam: Finsam, bpmn: str, code: str, element: str, swedish: str  # type: ignore[no-untyped-def]
        ) -> None:
    headers = {"Authorization": f"Bearer {new_token(finsam.db, 'designer')}",
               "Content-Type": "application/xml"}
    linted = client.post("/api/specs/lint?filename=esf_plus.bpmn", data=bpmn.encode(),
                         headers=headers).get_json()
    deployed = client.post("/api/specs?filename=esf_plus.bpmn", data=bpmn.encode(),
                           headers=headers)
    assert deployed.status_code == 422
    for problems in (linted["problems"], deployed.get_json()["details"]["problems"]):
        [problem] = [p for p in problems if p["code"] == code]
        assert problem["element_id"] == element
        assert problem["text"].startswith(swedish), problem["text"]
        assert problem["fix"] and problem["fix"] != problem["hint"]
    english = client.post("/api/specs/lint?filename=esf_plus.bpmn&lang=en", data=bpmn.encode(),
                          headers=headers).get_json()
    [problem] = [p for p in english["problems"] if p["code"] == code]
    assert problem["text"] != problem["message"] and not problem["text"].startswith(swedish)


@pytest.mark.parametrize(("timer", "code", "swedish"), [
    (("timeDuration", '"P1.5D"'), "timer.duration_invalid",
     "Timern på ”Wait” har varaktigheten ”P1.5D”, som inte går att läsa som en tid."),
    (("timeDuration", "30"), "timer.not_text",
     "Timern på ”Wait” ger 30, som inte är en text inom citattecken."),
    (("timeDate", '"den första maj"'), "timer.date_invalid",
     "Timern på ”Wait” har tidpunkten ”den första maj”, som inte går att läsa som datum"),
    (("timeCycle", '"R/PT1S"'), "timer.cycle",
     "Timern på ”Wait” upprepas (timeCycle); upprepade timrar körs inte här."),
])
def test_every_timer_problem_in_swedish(app, finsam: Finsam, timer: tuple[str, str],  # type: ignore[no-untyped-def]
                                        code: str, swedish: str) -> None:
    with pytest.raises(SpecError) as error:
        finsam.engine.lint(hostile.process(timer=timer))
    [problem] = [p for p in error.value.problems if p.code == code]
    assert problem.element_id == "wait"
    with app.test_request_context("/"):
        assert problem_texts.problem_message(problem).startswith(swedish)
        assert problem_texts.problem_hint(problem) != problem.hint


@pytest.fixture
def designer(browser: Browser) -> Browser:
    browser.login("designer")
    return browser
