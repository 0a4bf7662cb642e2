"""The modeler's server side: form files edited beside the diagram (linted with it, deployed
with it as one version), without and with JavaScript."""

from __future__ import annotations

import json
from html import unescape

import pytest
from flask import Flask

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


def drafts_of(finsam: Finsam) -> list[tuple[int, str, str, str]]:
    from sqlalchemy import select

    from workflows.models import ModelerDraft

    with finsam.db.read() as session:
        return [tuple(r) for r in session.execute(select(  # type: ignore[misc]
            ModelerDraft.id, ModelerDraft.forbund, ModelerDraft.username,
            ModelerDraft.process_id).order_by(ModelerDraft.id)).all()]


def test_a_draft_is_kept_on_the_server_for_its_designer_only(designer: Browser, app: Flask,
                                                             finsam: Finsam) -> None:
    from engine import utc_now
    from workflows.models import ModelerDraft
    from workflows.users import add_user

    before = versions(finsam)
    empty = designer.post("/designer/modeler/drafts", {"process_id": "esf_plus", "xml": " "})
    assert empty.status_code == 422 and "Utkastet kunde inte sparas" in empty.get_data(
        as_text=True)
    assert drafts_of(finsam) == []
    saved = designer.post("/designer/modeler/drafts", {
        "process_id": "esf_plus", "xml": USES_NEW_FORM.replace("Projektägare formulerar",
                                                               "UTKAST-HEMLIS formulerar"),
        "form_path": [NEW_FORM, ""], "form_json": [A_FORM, ""]})
    assert saved.status_code == 302
    [(draft_id, forbund, username, process_id)] = drafts_of(finsam)
    assert (forbund, username, process_id) == ("nnv-skane", "designer", "esf_plus")
    assert saved.headers["Location"].endswith(f"/designer/modeler/drafts/{draft_id}")
    page = unescape(designer.get(f"/designer/modeler/drafts/{draft_id}").get_data(as_text=True))
    assert "UTKAST-HEMLIS formulerar" in page and "Formulera ansökan v2" in page
    assert "Ditt utkast: esf_plus" in page
    listing = designer.get("/designer/modeler").get_data(as_text=True)
    assert f"/designer/modeler/drafts/{draft_id}" in listing
    again = designer.post("/designer/modeler/drafts", {"process_id": "esf_plus", "xml": ESF})
    assert again.status_code == 302 and len(drafts_of(finsam)) == 1  # overwritten
    assert versions(finsam) == before  # a draft deploys nothing
    # Another designer of the förbund, and a draft of another förbund: never seen or deleted.
    with finsam.db.write() as session:
        other = ModelerDraft(forbund="annat", username="designer", process_id="esf_plus",
                             bpmn="ANNAT-HEMLIS", forms={}, saved_at=utc_now())
        session.add(other)
        session.flush()
        other_id = other.id
    assert designer.get(f"/designer/modeler/drafts/{other_id}").status_code == 404
    assert designer.post(f"/designer/modeler/drafts/{other_id}/delete", {}).status_code == 404
    assert "ANNAT-HEMLIS" not in designer.get("/designer/modeler").get_data(as_text=True)
    add_user(finsam.db, "designer2", "nnv-skane", "kansli", "designer", "finsam-demo")
    colleague = Browser(app.test_client())
    colleague.login("designer2")
    assert colleague.get(f"/designer/modeler/drafts/{draft_id}").status_code == 404
    assert colleague.post(f"/designer/modeler/drafts/{draft_id}/delete", {}).status_code == 404
    assert f"/drafts/{draft_id}" not in colleague.get("/designer/modeler").get_data(as_text=True)
    assert len(drafts_of(finsam)) == 2
    gone = designer.post(f"/designer/modeler/drafts/{draft_id}/delete", {})
    assert gone.status_code == 302
    assert [d[0] for d in drafts_of(finsam)] == [other_id]


@pytest.mark.parametrize(("body", "code", "swedish"), [
    (b"", "xml.empty", "Filen är tom."),
    (b"<bpmn:definitions", "xml.not_well_formed", "Filen är inte välformad XML (rad 1)"),
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "xml.doctype",
     "Filen har en dokumenttypsdeklaration (DOCTYPE)"),
    (b'<x xmlns="urn:x"/>', "spec.not_bpmn", "Det här är ingen BPMN 2.0-fil."),
    (ESF.replace("<bpmn:startEvent ", "<bpmn:startEvent foo=\"1\" ", 1).encode(), "spec.xsd",
     "Filen följer inte BPMN 2.0-schemat (XSD) på rad"),
    (ESF.replace('isExecutable="true"', 'isExecutable="false"').encode(),
     "spec.executable_count", "Filen ska innehålla exakt en körbar process; den har 0."),
    (USES_NEW_FORM.encode(), "form.not_brought",
     f"Formuläret ”{NEW_FORM}” finns varken bland filerna du skickade"),
])
def test_xml_bpmn_and_form_problems_in_swedish_and_english_by_code(
        client, finsam: Finsam, body: bytes, code: str, swedish: str) -> None:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {new_token(finsam.db, 'designer')}",
               "Content-Type": "application/xml"}
    answer = client.post("/api/specs/lint?filename=x.bpmn", data=body, headers=headers).get_json()
    problem = answer["problems"][0]
    assert problem["code"] == code
    assert problem["text"].startswith(swedish), problem["text"]
    assert problem["fix"] and problem["fix"] != problem["hint"]  # worded here, not the engine's
    english = client.post("/api/specs/lint?filename=x.bpmn&lang=en", data=body,
                          headers=headers).get_json()
    assert english["problems"][0]["text"] != problem["text"]


def test_form_problems_in_swedish_by_code(client, finsam: Finsam) -> None:  # type: ignore[no-untyped-def]
    cases = {"{ inte json": ("form.json_syntax", f"Formuläret ”{NEW_FORM}” är inte giltig JSON: "
                                                 "något är fel på rad 1, tecken 3."),
             '{"type": "array"}': ("form.not_object",
                                   f"Formuläret ”{NEW_FORM}” ska beskriva ett objekt"),
             '{"type": "object", "properties": 3}': (
                 "form.schema_type", f"Formuläret ”{NEW_FORM}” är inget giltigt JSON Schema: vid "
                 "/properties ska värdet vara av typen object.")}
    for text, (code, swedish) in cases.items():
        answer = lint(client, finsam, {"bpmn": USES_NEW_FORM, "forms": {NEW_FORM: text}})
        problem = answer.get_json()["problems"][0]
        assert problem["code"] == code and problem["text"].startswith(swedish), problem
