"""Deploy-time validation: hardened parsing, XSD, the engine's refusals, with element and line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine import Engine, SpecError, read_source
from engine.specs.reading import validate_source
from engine.specs.sources import SpecSource
from engine.store.models import SpecVersion

from .conftest import DATA

APPROVAL = DATA / "engine" / "approval.bpmn"
SOURCE = APPROVAL.read_text(encoding="utf-8")


def source_of(text: str, forms: dict[str, object] | None = None) -> SpecSource:
    base = read_source(APPROVAL)
    return SpecSource("approval.bpmn", text.encode("utf-8"), forms or base.forms)


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def problems(text: str) -> list[str]:
    with pytest.raises(SpecError) as error:
        validate_source(source_of(text))
    return [str(p) for p in error.value.problems]


def test_the_fixture_is_valid() -> None:
    parsed = validate_source(read_source(APPROVAL))
    assert parsed.process_id == "approval"
    assert parsed.user_tasks["sign"].multi_instance
    assert parsed.user_tasks["sign"].input_item == "party"
    assert parsed.user_tasks["request"].lane == "Requester"
    assert parsed.start_form == "forms/start.schema.json"
    assert set(parsed.end_events) == {"refused", "approved", "rejected"}


@pytest.mark.parametrize(
    "condition",
    [
        "().__class__.__base__.__subclasses__()",
        "__import__('os')",
        "decision.upper() == 'YES'",
    ],
)
def test_unsafe_condition_is_refused_with_element_and_line(condition: str) -> None:
    text = SOURCE.replace("decision == 'again'", condition)
    [message] = problems(text)
    assert "f_again" in message
    assert f"approval.bpmn:{line_of(text, condition)}" in message
    assert "refused" in message


def test_script_task_is_refused_with_element_and_line() -> None:
    script = (
        '<bpmn:scriptTask id="run_code" name="Run code"><bpmn:script>'
        "import os</bpmn:script></bpmn:scriptTask>"
    )
    flow = "<bpmn:sequenceFlow id=\"f1\""
    text = SOURCE.replace(flow, script + "\n    " + flow)
    [message] = problems(text)
    assert "run_code (Run code)" in message
    assert f":{line_of(text, '<bpmn:scriptTask')}" in message
    assert "script tasks are refused" in message


def test_pre_and_post_scripts_are_refused() -> None:
    text = SOURCE.replace(
        "<spiffworkflow:instructionsForEndUser>",
        "<spiffworkflow:preScript>x = 1</spiffworkflow:preScript>"
        "<spiffworkflow:instructionsForEndUser>",
    )
    [message] = problems(text)
    assert "request" in message and "preScript" in message


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (
            '<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            "\n<d>&x;</d>",
            "document type declaration",
        ),
        (
            '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
            '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n'
            '<lolz>&lol2;</lolz>',
            "document type declaration",
        ),
        ("<notbpmn/>", "not a BPMN 2.0 file"),
        ("<bpmn:definitions xmlns:bpmn='x'>", "not well-formed XML"),
        ("\x89PNG\r\n\x1a\n\x00\x00", "not well-formed XML"),
        ("", "empty"),
    ],
)
def test_hostile_or_foreign_files_are_refused(payload: str, expected: str) -> None:
    with pytest.raises(SpecError) as error:
        validate_source(SpecSource("x.bpmn", payload.encode("latin-1"), {}))
    assert expected in str(error.value)
    assert "root:" not in str(error.value)


def test_xsd_errors_name_the_line() -> None:
    text = SOURCE.replace('<bpmn:sequenceFlow id="f3" sourceRef="join" targetRef="sign"/>',
                          '<bpmn:sequenceFlow id="f3" sourceRef="join"/>')
    [message] = problems(text)
    assert "XSD" in message and "targetRef" in message
    line = line_of(text, 'id="f3"')
    assert f":{line}" in message


def test_missing_and_invalid_forms(tmp_path: Path) -> None:
    shutil.copy(APPROVAL, tmp_path / "approval.bpmn")
    with pytest.raises(SpecError) as error:
        read_source(tmp_path / "approval.bpmn")
    assert "forms/start.schema.json' does not exist" in str(error.value)
    shutil.copytree(APPROVAL.parent / "forms", tmp_path / "forms")
    (tmp_path / "forms" / "sign.schema.json").write_text(json.dumps({"type": 12}))
    with pytest.raises(SpecError) as error:
        validate_source(read_source(tmp_path / "approval.bpmn"))
    assert "sign" in str(error.value) and "not a valid JSON Schema" in str(error.value)


def test_form_path_may_not_leave_the_folder(tmp_path: Path) -> None:
    text = SOURCE.replace("forms/sign.schema.json", "../../etc/passwd")
    (tmp_path / "approval.bpmn").write_text(text)
    with pytest.raises(SpecError, match="leaves the diagram's folder"):
        read_source(tmp_path / "approval.bpmn")


def test_refused_spec_deploys_nothing(engine: Engine) -> None:
    text = SOURCE.replace("decision == 'again'", "__import__('os')")
    with pytest.raises(SpecError):
        engine.deploy("t", source_of(text), "tester")
    with engine.db.read() as session:
        assert session.scalar(select(func.count()).select_from(SpecVersion)) == 0
