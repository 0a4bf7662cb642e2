"""The modeler's server side: form files edited beside the diagram (linted with it, deployed
with it as one version), without and with JavaScript."""

from __future__ import annotations

import json
from html import unescape

import pytest

from workflows import Finsam
from workflows.users import new_token

from .conftest import Browser
from .test_designer import ESF, versions

FORM = "forms/formulera_ansokan.schema.json"
NEW_FORM = "forms/formulera_ansokan_v2.schema.json"
USES_NEW_FORM = ESF.replace(f'value="{FORM}"', f'value="{NEW_FORM}"')
A_FORM = json.dumps({"title": "Formulera ansökan v2", "type": "object", "properties": {
    "sammanfattning": {"type": "string", "title": "Sammanfattning"}}}, ensure_ascii=False)


@pytest.fixture
def designer(browser: Browser) -> Browser:
    browser.login("designer")
    return browser


def lint(client, finsam: Finsam, body: object) -> object:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {new_token(finsam.db, 'designer')}"}
    return client.post("/api/specs/lint?filename=esf_plus.bpmn", json=body, headers=headers)


def test_api_lint_checks_the_form_files_the_modeler_brings(client, finsam: Finsam  # type: ignore[no-untyped-def]
                                                           ) -> None:
    before = versions(finsam)
    missing = lint(client, finsam, {"bpmn": USES_NEW_FORM, "forms": {}}).get_json()
    assert missing["ok"] is False
    assert missing["problems"][0]["element_id"] == "formulera_ansokan"
    broken = lint(client, finsam, {"bpmn": USES_NEW_FORM, "forms": {NEW_FORM: "{ inte json"}})
    problem = broken.get_json()["problems"][0]
    assert broken.status_code == 200 and problem["file"] == NEW_FORM
    assert "JSON" in problem["text"]
    clean = lint(client, finsam, {"bpmn": USES_NEW_FORM, "forms": {NEW_FORM: A_FORM}})
    assert clean.get_json() == {"ok": True, "process_id": "esf_plus", "problems": []}
    outside = lint(client, finsam, {"bpmn": ESF, "forms": {"../../etc/x.json": A_FORM}})
    assert outside.status_code == 422 and "forms" in outside.get_json()["details"]
    for bad in ({"forms": {}}, {"bpmn": ESF, "forms": []}, {"bpmn": ESF, "forms": {"a.json": 1}},
                ["bpmn"]):
        assert lint(client, finsam, bad).status_code == 400
    assert versions(finsam) == before


def test_the_modeler_page_shows_the_diagrams_forms_and_deploys_them_with_it(
        designer: Browser, finsam: Finsam) -> None:
    page = unescape(designer.get("/designer/modeler?process_id=esf_plus&version=1").get_data(
        as_text=True))
    assert f'value="{FORM}"' in page and '"title": "Formulera ansökan"' in page
    assert "Ny formulärfil: sökväg" in page
    before = versions(finsam)
    refused = designer.post("/designer/modeler/deploy", {
        "xml": USES_NEW_FORM, "filename": "esf_plus.bpmn", "action": "deploy",
        "form_path": ["/etc/passwd.json"], "form_json": [A_FORM]})
    assert refused.status_code == 422
    text = unescape(refused.get_data(as_text=True))
    assert "ska sluta på .json och ligga bredvid diagrammet" in text
    assert "Formulera ansökan v2" in text  # what the designer wrote is kept on the page
    deployed = designer.post("/designer/modeler/deploy", {
        "xml": USES_NEW_FORM, "filename": "esf_plus.bpmn", "action": "deploy",
        "form_path": [NEW_FORM, ""], "form_json": [A_FORM, ""]})
    assert deployed.status_code == 200
    assert "Driftsatt i ert förbund som esf_plus version 2" in deployed.get_data(as_text=True)
    assert versions(finsam) == before + 1
    assert finsam.engine.deployed_form("nnv-skane", NEW_FORM)["title"] == "Formulera ansökan v2"
    assert b"v2.schema.json" in finsam.engine.spec_bpmn("nnv-skane", "esf_plus", 2)
