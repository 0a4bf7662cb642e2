"""Designer content is bounded (issue 14, findings 6 and 9): forms.

A form's `$ref` points only inside its own file (refused at deploy otherwise), validation never
retrieves anything, `pattern` runs in linear time (RE2), and a form's size and nesting are
bounded at deploy. A version stored before these rules fails its step with a 409, never a 500.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from engine import Engine, InvalidData, SpecError, WorkflowFailure, read_source
from engine.specs.forms import validate_form_data
from engine.specs.sources import SpecSource
from engine.store.models import HumanTask, SpecVersion

from . import hostile
from .conftest import DATA

APPROVAL = DATA / "engine" / "approval.bpmn"
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def form(**properties: Any) -> dict[str, Any]:
    return {"$schema": DIALECT, "type": "object", "properties": properties}


def nested(levels: int) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(levels):
        schema = {"type": "object", "properties": {"x": schema}}
    return schema


def doubling(levels: int) -> dict[str, Any]:
    """References that double at every level: 2 ** levels parts when followed."""
    defs: dict[str, Any] = {"d0": {"type": "string"}}
    for i in range(1, levels):
        defs[f"d{i}"] = {"allOf": [{"$ref": f"#/$defs/d{i - 1}"}, {"$ref": f"#/$defs/d{i - 1}"}]}
    return {**form(x={"$ref": f"#/$defs/d{levels - 1}"}), "$defs": defs}


class _Counter(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        _Counter.hits.append(self.path)
        body = b'{"type": "string"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def schema_server() -> Iterator[str]:
    """A local HTTP server that serves a schema and counts who asked."""
    _Counter.hits = []
    server = HTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/schema.json"
    server.shutdown()
    server.server_close()


# (the form, a word of the expected problem): every one refused at deploy.
REFUSED_FORMS: list[tuple[dict[str, Any], str]] = [
    (form(x={"$ref": "http://127.0.0.1:9/schema.json"}), "does not point inside"),  # finding 6
    (form(x={"$ref": "file:///etc/passwd"}), "does not point inside"),  # findings 6 and 9
    (form(x={"$ref": "#/$defs/missing"}), "does not point inside"),
    (form(x={"$ref": "other.schema.json#/x"}), "does not point inside"),
    ({**form(x={"$ref": "#/$defs/a"}), "$defs": {"a": {"$ref": "#/$defs/a"}}}, "back to itself"),
    ({**form(x={"$ref": "#"})}, "back to itself"),
    (doubling(20), "expand to more than"),
    (form(x={"type": "string", "pattern": "(a)\\1"}), "linear time"),  # backreference
    (form(x={"type": "string", "pattern": "^(?=a)a$"}), "linear time"),  # lookahead
    (form(x={"type": "string", "pattern": "a{2000}"}), "linear time"),
    (form(x={"type": "string", "pattern": "a" * 1001}), "longer than"),
    ({**form(), "patternProperties": {"^(a+)+$": {"type": "string"}}}, "patternProperties"),
    ({**form(), "$id": "http://example.org/form"}, "$id"),
    (form(x={"$dynamicRef": "#meta"}), "$dynamicRef"),
    ({**form(), "$schema": "http://json-schema.org/draft-04/schema#"}, "another dialect"),
    (form(x={"type": "string", "format": "idn-hostname"}), "not checked by the engine"),
    ({**form(), "properties": {"x": nested(40)}}, "nested more than"),
    (form(**{f"f{i}": {"type": "string"} for i in range(2600)}), "more than 5000 values"),
]


def _approval_with(request_form: Any) -> SpecSource:
    base = read_source(APPROVAL)
    return SpecSource("approval.bpmn", base.bpmn,
                      {**base.forms, "forms/request.schema.json": request_form})


@pytest.mark.parametrize(("schema", "expected"), REFUSED_FORMS,
                         ids=[str(i) for i in range(len(REFUSED_FORMS))])
def test_an_unbounded_form_is_refused_at_deploy(engine: Engine, schema: dict[str, Any],
                                                expected: str) -> None:
    started = time.monotonic()
    with pytest.raises(SpecError) as error:
        engine.deploy("t1", _approval_with(schema), "tester")
    assert time.monotonic() - started < 2.0
    problem = error.value.problems[0]
    assert expected in problem.message, problem
    assert problem.file == "forms/request.schema.json" and problem.hint
    assert problem.element_id == "request"
    with engine.db.read() as session:
        assert session.scalar(select(func.count()).select_from(SpecVersion)) == 0


def test_validation_never_retrieves_a_reference(schema_server: str) -> None:
    schema = form(x={"$ref": schema_server})
    with pytest.raises(WorkflowFailure, match="does not point inside"):
        validate_form_data(schema, {"x": "a"}, "forms/x.schema.json")
    assert _Counter.hits == []


def test_a_file_reference_is_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.json"
    secret.write_text('{"type": "integer"}')
    schema = form(x={"$ref": secret.as_uri()})
    with pytest.raises(WorkflowFailure, match="forms/x.schema.json"):
        validate_form_data(schema, {"x": "not an integer"}, "forms/x.schema.json")


@pytest.mark.parametrize("text", ["a" * 26 + "!", "a" * 19_000 + "!"])
def test_a_pattern_that_backtracks_in_python_runs_in_linear_time(text: str) -> None:
    schema = form(x={"type": "string", "pattern": "^(a+)+$"})
    started = time.monotonic()
    with pytest.raises(InvalidData) as error:
        validate_form_data(schema, {"x": text})
    assert time.monotonic() - started < 0.5
    assert error.value.details == {"x": "has the wrong format"}
    assert validate_form_data(schema, {"x": "aaaa"}) == {"x": "aaaa"}


def test_a_regex_format_is_checked_by_re2() -> None:
    schema = form(x={"type": "string", "format": "regex"})
    assert validate_form_data(schema, {"x": "^[a-z]+$"}) == {"x": "^[a-z]+$"}
    with pytest.raises(InvalidData):
        validate_form_data(schema, {"x": "(a)\\1"})


@pytest.mark.parametrize(("data", "message"), [
    ({"x": ["a"] * 501}, "too many items"),
    ({f"f{i}": [[["a"] * 50] * 10] for i in range(30)}, "too many values"),
])
def test_form_data_is_bounded_before_validation(data: dict[str, Any], message: str) -> None:
    schema = form(x={"type": "array", "uniqueItems": True})
    with pytest.raises(InvalidData) as error:
        validate_form_data(schema, data)
    assert any(message in m for m in error.value.details.values())


def test_a_version_stored_before_the_rules_fails_its_step_with_a_409(engine: Engine) -> None:
    """A form with `$ref file://` stored by an older release: its task cannot be completed (409,
    nothing changed, nothing read), the rest of the process still runs."""
    source = hostile.process(form=form(x={"$ref": "file:///etc/hostname"}))
    with engine.db.write() as session:  # as an older release deployed it
        session.add(SpecVersion(
            tenant="t1", process_id="hostile", version=1, content_hash=source.content_hash,
            name="Hostile",
            filename=source.filename, bpmn=source.bpmn, forms=source.forms,
            deployed_at=engine.clock(), deployed_by="older release"))
    started = engine.start_instance(hostile.actor(), "hostile", {"title": "x"})
    task = started.open_tasks[0]
    with pytest.raises(WorkflowFailure, match="forms/ask.schema.json"):
        engine.complete_task(hostile.actor(), task.id, {"x": "a"})
    with engine.db.read() as session:
        assert session.get_one(HumanTask, task.id).state == "open"


def test_a_form_is_checked_once_and_validated_by_what_it_says_now() -> None:
    # The schema's rules and its validator are kept by the schema's content, so a completion
    # neither walks the schema again nor builds a validator; a schema changed in place (a hook
    # may prepare the form per task) is a new content, checked and validated as it now reads.
    from engine.specs import forms

    schema: dict[str, Any] = {"type": "object", "properties": {"antal": {"type": "integer",
                              "maximum": 10}}, "additionalProperties": False}
    forms._checked.cache_clear()
    assert validate_form_data(schema, {"antal": 3}) == {"antal": 3}
    assert validate_form_data(schema, {"antal": 4}) == {"antal": 4}
    assert forms._checked.cache_info().misses == 1 and forms._checked.cache_info().hits == 1
    schema["properties"]["antal"]["maximum"] = 2
    with pytest.raises(InvalidData) as refused:
        validate_form_data(schema, {"antal": 3})
    assert "antal" in refused.value.details
    schema["properties"]["antal"]["$ref"] = "https://example.org/elsewhere.json"
    with pytest.raises(WorkflowFailure):
        validate_form_data(schema, {"antal": 1})
