"""Designer content is bounded (issue 14, findings 6 and 9) where designers and users meet it: the
designer's upload, `POST /api/specs`, `finsam lint`, and a task page whose step runs hostile
content. Every refusal is a 4xx naming the element or the file, never a 500."""

from __future__ import annotations

import json
import shutil
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from engine.store.models import HumanTask
from webui.cli import main
from workflows import Finsam, utlysningsplan
from workflows.system import diagrams_dir
from workflows.users import new_token

from .conftest import Browser
from .test_designer import upload, versions

ESF = (diagrams_dir() / "esf_plus.bpmn").read_text(encoding="utf-8")
PLAN = (diagrams_dir() / "utlysningsplan.bpmn").read_text(encoding="utf-8")
FORM_FILE = "slutrapportera.schema.json"
FORM = json.loads((diagrams_dir() / "forms" / FORM_FILE).read_text(encoding="utf-8"))
CONDITION = "esf_beslut == 'beviljad'"


def esf(old: str, new: str) -> bytes:
    assert old in ESF
    return ESF.replace(old, new).encode()


def with_form(**extra: Any) -> bytes:
    changed = json.loads(json.dumps(FORM))
    changed["properties"]["slutrapport_datum"].update(extra)
    return json.dumps(changed).encode()


# (the files uploaded, what the refusal says): each refused at deploy with a 422.
HOSTILE_UPLOADS: list[tuple[list[tuple[str, bytes]], list[str]]] = [
    ([("esf_plus.bpmn", esf(CONDITION, "'a' * 100000 * 100000 == esf_beslut"))],
     ["flow_esf_beslut_beviljad", "text longer than 100,000"]),
    ([("esf_plus.bpmn", esf(CONDITION, "('%0999999999d' % 1) == esf_beslut"))],
     ["flow_esf_beslut_beviljad", "formatting text with %"]),
    ([("esf_plus.bpmn", esf('>"P14D"<', '>"P99999999Y"<'))],
     ["P99999999Y", "inte går att läsa som en tid", "3660 dagar"]),
    ([("esf_plus.bpmn", esf('>"P14D"<', ">P14D<"))], ["P14D", "utan citattecken"]),
    ([("esf_plus.bpmn", esf('>"P14D"<', '>"fjorton dagar"<'))],
     ["fjorton dagar", "inte går att läsa som en tid"]),
    ([("esf_plus.bpmn", esf('value="P30D"', 'value="P999999999999W"'))], ["dueIn", "3660"]),
    ([("esf_plus.bpmn", esf('value="P30D"', 'value="P1Y"'))], ["dueIn", "P1Y", "kalendern"]),
    ([("esf_plus.bpmn", ESF.encode()), (FORM_FILE, with_form(**{"$ref": "http://x.test/s"}))],
     [FORM_FILE, "does not point inside this form"]),
    ([("esf_plus.bpmn", ESF.encode()), (FORM_FILE, with_form(**{"$ref": "file:///etc/passwd"}))],
     [FORM_FILE, "does not point inside this form"]),
    ([("esf_plus.bpmn", ESF.encode()), (FORM_FILE, with_form(pattern="^(a)\\1$"))],
     [FORM_FILE, "linear time"]),
    ([("esf_plus.bpmn", ESF.encode()),
      (FORM_FILE, b'{"a": ' * 30_000 + b"1" + b"}" * 30_000)],  # finding 9: was a 500
     [FORM_FILE, "nested more than 32 levels"]),
    ([("esf_plus.bpmn", ESF.encode()), (FORM_FILE, b"[" * 500 + b"]" * 500)],
     [FORM_FILE, "nested more than 32 levels"]),
    ([("esf_plus.bpmn", ESF.encode()), (FORM_FILE, with_form(**{"$id": "http://x.test/"}))],
     [FORM_FILE, "$id"]),
]


@pytest.fixture
def designer(browser: Browser) -> Browser:
    browser.login("designer")
    return browser


@pytest.mark.parametrize(("files", "expected"), HOSTILE_UPLOADS,
                         ids=[str(i) for i in range(len(HOSTILE_UPLOADS))])
def test_hostile_designer_content_is_refused_at_upload(designer: Browser, finsam: Finsam,
                                                       files: list[tuple[str, bytes]],
                                                       expected: list[str]) -> None:
    before = versions(finsam)
    response = upload(designer, files, action="deploy")
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 422, html[-2000:]
    assert "inget driftsattes" in html
    for text in expected:
        assert text in html, text
    assert versions(finsam) == before


@pytest.mark.parametrize(("bpmn", "expected"), [
    (esf(CONDITION, "len([1 for a in [1] * 3000 for b in [1] * 3000]) > 0"), "10,000 rounds"),
    (esf('"P14D"', '"R3/PT1H"'), "not an ISO 8601 duration"),
    (esf("<bpmn:timeDuration", "<bpmn:timeCycle").replace(b"</bpmn:timeDuration",
                                                          b"</bpmn:timeCycle"), "timeCycle"),
])
def test_hostile_content_is_refused_by_the_api(client, finsam: Finsam, bpmn: bytes,  # type: ignore[no-untyped-def]
                                               expected: str) -> None:
    headers = {"Authorization": f"Bearer {new_token(finsam.db, 'designer')}",
               "Content-Type": "application/xml"}
    before = versions(finsam)
    response = client.post("/api/specs?filename=esf_plus.bpmn", data=bpmn, headers=headers)
    assert response.status_code == 422
    problems = response.get_json()["details"]["problems"]
    assert any(expected in p["message"] and p["element_id"] and p["hint"] for p in problems)
    assert versions(finsam) == before


def test_finsam_lint_refuses_hostile_content(database_url: str, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINSAM_DATABASE_URL", database_url)
    shutil.copytree(diagrams_dir() / "forms", tmp_path / "forms")
    (tmp_path / "forms" / FORM_FILE).write_bytes(with_form(pattern="(?=a)"))
    (tmp_path / "esf_plus.bpmn").write_bytes(esf('>"P14D"<', '>"P99999999Y"<'))
    result = CliRunner().invoke(main, ["lint", str(tmp_path / "esf_plus.bpmn")],
                                catch_exceptions=False)
    assert result.exit_code == 1
    assert "timeDuration" in result.output and "3660 days" in result.output
    assert f"forms/{FORM_FILE}" in result.output and "linear time" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("old", "new", "data", "expected"), [
    # A condition over what the user typed: a comprehension of 1,000 × 1,000 rounds.
    ("not fortsatt_bevakning",
     "len([a for a in planerade_utlysningar for b in planerade_utlysningar]) &lt; 0 "
     "or not fortsatt_bevakning",
     {"planerade_utlysningar": "x" * 1000}, "rounds"),
    # A timer computed from what the user typed (finding 9: was a 500).
    ('"P13W"', "planerade_utlysningar if fortsatt_bevakning else 'P13W'",
     {"planerade_utlysningar": "om ett kvartal"}, "not a valid time"),
])
def test_a_step_stopped_by_its_bounds_is_a_409_in_swedish(
        designer: Browser, finsam: Finsam, old: str, new: str, data: dict[str, str],
        expected: str) -> None:
    assert old in PLAN
    deployed = upload(designer, [("utlysningsplan.bpmn", PLAN.replace(old, new).encode())],
                      action="deploy")
    assert "Driftsatt i ert förbund som utlysningsplan version 2" in deployed.get_data(as_text=True)
    assert utlysningsplan.ensure_running(finsam) == 1
    with finsam.db.read() as session:
        task_id = session.scalar(select(HumanTask.id).where(
            HumanTask.bpmn_id == "bevaka_utlysningsplan"))
    designer.logout()
    designer.login("fk")
    form = {"utlysningsplan_kontrollerad": "true", "nytt_behov": "false",
            "fortsatt_bevakning": "true", **data}
    response = designer.post(f"/tasks/{task_id}", form)
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 409, html[-1500:]
    assert "Inget har sparats" in html and "processdesigner" in html and expected in html
    with finsam.db.read() as session:
        assert session.get_one(HumanTask, task_id).state == "open"
