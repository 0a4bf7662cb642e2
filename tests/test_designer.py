"""The designer's pages and API: lint, deploy, hostile uploads, versions, diffs, migration."""

from __future__ import annotations

import io
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from engine.store.models import SpecVersion
from workflows import Finsam
from workflows.system import diagrams_dir

from . import test_processes as walks
from .conftest import Browser
from .walk import Desk

ESF = (diagrams_dir() / "esf_plus.bpmn").read_text(encoding="utf-8")
RENAMED = ESF.replace('name="Projektägare formulerar ansökan"',
                      'name="Projektägaren formulerar ansökan"')


def versions(finsam: Finsam) -> int:
    with finsam.db.read() as session:
        return session.scalar(select(func.count()).select_from(SpecVersion)) or 0


def upload(browser: Browser, files: list[tuple[str, bytes]], action: str = "lint") -> Any:
    from werkzeug.datastructures import MultiDict

    data = MultiDict([("action", action), ("csrf_token", browser.csrf())]
                     + [("files", (io.BytesIO(content), name)) for name, content in files])
    return browser.client.post("/designer/upload", data=data,
                               content_type="multipart/form-data")


@pytest.fixture
def designer(browser: Browser) -> Browser:
    browser.login("designer")
    return browser


def test_lint_then_deploy_a_changed_diagram(designer: Browser, finsam: Finsam) -> None:
    checked = upload(designer, [("esf_plus.bpmn", RENAMED.encode())])
    assert checked.status_code == 200
    assert "Inga problem: filen kan driftsättas" in checked.get_data(as_text=True)
    assert versions(finsam) == 4
    deployed = upload(designer, [("esf_plus.bpmn", RENAMED.encode())], action="deploy")
    html = deployed.get_data(as_text=True)
    assert "Driftsatt i ert förbund som esf_plus version 2" in html
    assert versions(finsam) == 5
    again = upload(designer, [("esf_plus.bpmn", RENAMED.encode())], action="deploy")
    assert "redan driftsatt som esf_plus version 2" in again.get_data(as_text=True)
    page = designer.get("/designer/").get_data(as_text=True)
    assert "/designer/processes/esf_plus/diff?a=1&amp;b=2" in page
    diff = designer.get("/designer/processes/esf_plus/diff?a=1&b=2").get_data(as_text=True)
    assert "formulera_ansokan" in diff and "Projektägaren formulerar ansökan" in diff
    assert "data:image/svg+xml;base64," in diff


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("xxe.bpmn", b'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM '
                     b'"file:///etc/passwd">]>\n<d>&x;</d>', "dokumenttypsdeklaration"),
        ("laughs.bpmn", b'<?xml version="1.0"?>\n<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
                        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
                        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>\n<l>&c;</l>',
         "dokumenttypsdeklaration"),
        ("picture.bpmn", b"\x89PNG\r\n\x1a\n" + bytes(200), "inte välformad XML"),
        ("script.bpmn", ESF.replace(
            '<bpmn:endEvent id="ej_ansokan"',
            '<bpmn:scriptTask id="hack" name="Hack"><bpmn:script>import os</bpmn:script>'
            '</bpmn:scriptTask>\n    <bpmn:endEvent id="ej_ansokan"').encode(),
         "är en skriptuppgift; skript körs inte här"),
        ("import.bpmn", ESF.replace("esf_beslut == 'beviljad'",
                                    "__import__('os').system('id')").encode(),
         "__import__"),
        ("other.xml.bpmn", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "ingen BPMN 2.0-fil"),
    ],
)
def test_hostile_uploads_are_refused(designer: Browser, finsam: Finsam, name: str, content: bytes,
                                     expected: str) -> None:
    before = versions(finsam)
    response = upload(designer, [(name, content)], action="deploy")
    html = response.get_data(as_text=True)
    assert response.status_code == 422, html[:500]
    assert "inget driftsattes" in html and expected in html
    assert versions(finsam) == before


def test_a_50_mb_upload_is_413(designer: Browser, finsam: Finsam) -> None:
    before = versions(finsam)
    big = b"<x>" + b"a" * (50 * 1024 * 1024) + b"</x>"
    boundary = "finsamboundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
            f"{designer.csrf()}\r\n--{boundary}\r\nContent-Disposition: form-data; "
            f"name=\"files\"; filename=\"big.bpmn\"\r\n\r\n").encode()
    body = head + big + f"\r\n--{boundary}--\r\n".encode()
    response = designer.client.post(
        "/designer/upload", data=body,
        content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413, (response.headers.get("Location"), len(body))
    assert "för stort" in response.get_data(as_text=True)
    assert versions(finsam) == before


def test_problems_are_marked_on_the_diagram(designer: Browser) -> None:
    flow = ('<bpmn:sequenceFlow id="flow_esf_beslut_avslag" name="Avslag" '
            'sourceRef="gw_esf_beslut" targetRef="ansokan_avslagen" />')
    conditioned = flow[:-3] + ('><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">'
                               "esf_beslut == 'okand'</bpmn:conditionExpression>"
                               "</bpmn:sequenceFlow>")
    assert flow in ESF
    broken = ESF.replace(' default="flow_esf_beslut_avslag"', "").replace(flow, conditioned)
    response = upload(designer, [("esf_plus.bpmn", broken.encode())])
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "gw_esf_beslut" in html and ("Grinden ”Beviljad?” har inget flöde att ta när "
                                        "esf_beslut är 'avslag', och inget standardflöde") in html
    assert "Åtgärd: Lägg till ett standardflöde (”annars”)" in html
    assert "data:image/svg+xml;base64," in html


def test_a_form_that_is_neither_uploaded_nor_deployed(designer: Browser) -> None:
    text = ESF.replace("forms/slutrapportera.schema.json", "forms/ny.schema.json")
    response = upload(designer, [("esf_plus.bpmn", text.encode())])
    assert ("Formuläret ”forms/ny.schema.json” finns varken bland filerna du skickade eller i "
            "förbundets driftsatta versioner.") in unescape(response.get_data(as_text=True))
    form = (diagrams_dir() / "forms" / "slutrapportera.schema.json").read_bytes()
    ok = upload(designer, [("esf_plus.bpmn", text.encode()), ("ny.schema.json", form)])
    assert ok.status_code == 200


def test_migration_page_moves_a_safe_instance(designer: Browser, finsam: Finsam,
                                              database_url: str) -> None:
    desk = Desk(database_url)
    iid = walks.esf_route(desk)
    walks.to_agreement(desk, iid, {org: walks.position() for org in walks.ESF_PARTIES})
    upload(designer, [("esf_plus.bpmn", RENAMED.encode())], action="deploy")
    page = designer.get("/designer/processes/esf_plus/instances").get_data(as_text=True)
    assert f"#{iid}" in page and "Flytta till version 2" in page
    moved = designer.post(f"/designer/instances/{iid}/migrate", {"process_id": "esf_plus"},
                          follow_redirects=True)
    assert f"Ärende #{iid} kör nu version 2" in moved.get_data(as_text=True)
    assert finsam.engine.events("nnv-skane", iid)[-1].kind == "migrated"


MIWG = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "miwg"


def test_corpus_page_shows_every_reference_model(designer: Browser,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINSAM_MIWG_DIR", str(MIWG))
    assert "/designer/corpus" in designer.get("/designer/").get_data(as_text=True)
    page = designer.get("/designer/corpus").get_data(as_text=True)
    assert page.count('class="card corpus"') == 21
    assert "/designer/corpus/C.4.0.1.png" in page
    image = designer.get("/designer/corpus/A.1.0.png")
    assert image.status_code == 200 and image.mimetype == "image/png"
    image.close()
    assert designer.get("/designer/corpus/..%2F..%2Fetc%2Fpasswd").status_code == 404
    assert designer.get("/designer/corpus/Z.9.9.png").status_code == 404


def test_api_deploy(client, finsam: Finsam) -> None:  # type: ignore[no-untyped-def]
    from workflows.users import new_token

    token = new_token(finsam.db, "designer")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/xml"}
    created = client.post("/api/specs?filename=esf_plus.bpmn", data=RENAMED.encode(),
                          headers=headers)
    assert created.status_code == 201 and created.get_json()["version"] == 2
    bad = client.post("/api/specs", data=b"<nope/>", headers=headers)
    assert bad.status_code == 422 and bad.get_json()["details"]["problems"]
    fk = {"Authorization": f"Bearer {new_token(finsam.db, 'fk')}"}
    assert client.post("/api/specs", data=RENAMED.encode(), headers=fk).status_code == 403
    listed = client.get("/api/specs", headers=headers).get_json()
    assert {(v["process_id"], v["version"]) for v in listed} >= {("esf_plus", 2)}


@pytest.mark.parametrize("user", ["fk", "kansli", "auditor", "styrelse", "admin"])
def test_designer_pages_are_for_designers(browser: Browser, user: str) -> None:
    browser.login(user)
    assert browser.get("/designer/").status_code == 403
    assert browser.get("/designer/corpus").status_code == 403


def test_diagrams_are_readable_without_javascript_and_zoomable_with_it(designer: Browser) -> None:
    """Every diagram sits in a scrollable, focusable frame at its own size (no script needed);
    the zoom buttons are there for app.js to reveal, and no inline script is added."""
    response = designer.get("/designer/processes/esf_plus/versions/1")
    page = response.get_data(as_text=True)
    assert 'class="diagram-frame" tabindex="0" role="region"' in page
    assert '<div class="diagram-tools" hidden>' in page and 'data-zoom="in"' in page
    assert "<script>" not in page and "onclick" not in page
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    static = designer.get("/static/app.css")
    css = static.get_data(as_text=True)
    static.close()
    assert ".diagram-frame { overflow: auto;" in css and "max-width: none" in css
    upload(designer, [("esf_plus.bpmn", RENAMED.encode())], action="deploy")
    diff = designer.get("/designer/processes/esf_plus/diff?a=1&b=2").get_data(as_text=True)
    assert diff.count('class="diagram-frame"') == 2


def test_reference_models_only_when_a_corpus_folder_is_configured(
        designer: Browser, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("FINSAM_MIWG_DIR", raising=False)
    index = designer.get("/designer/").get_data(as_text=True)
    assert "/designer/corpus" not in index and "Referensmodell" not in index
    assert designer.get("/designer/corpus").status_code == 404
    assert designer.get("/designer/corpus/A.1.0.png").status_code == 404
    monkeypatch.setenv("FINSAM_MIWG_DIR", str(tmp_path / "secret-server-folder"))
    page = designer.get("/designer/corpus").get_data(as_text=True)
    assert "Den angivna mappen har inga referensmodeller" in page
    assert "secret-server-folder" not in page and str(tmp_path) not in page


def test_lint_messages_in_swedish_and_english_from_the_engine_codes(designer: Browser) -> None:
    """The engine gives a code, its parameters and the element's name; the page says it in the
    reader's language (the engine's English text stays the engine's)."""
    flow = ('<bpmn:sequenceFlow id="flow_esf_beslut_avslag" name="Avslag" '
            'sourceRef="gw_esf_beslut" targetRef="ansokan_avslagen" />')
    broken = ESF.replace(' default="flow_esf_beslut_avslag"', "")
    assert flow in broken
    response = upload(designer, [("esf_plus.bpmn", broken.encode())])
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert ("Flödet ”Avslag” lämnar grinden ”Beviljad?” utan villkor och är inte grindens "
            "standardflöde.") in html
    assert "Sätt ett villkor på flödet, eller gör det till grindens standardflöde." in html
    assert "without condition" not in html
    designer.post("/language", {"lang": "en", "next": "/"})
    english = unescape(upload(designer, [("esf_plus.bpmn", broken.encode())]).get_data(
        as_text=True))
    assert ("The flow “Avslag” leaves the gateway “Beviljad?” without a condition and is not "
            "the gateway's default flow.") in english
    assert "Set a condition on the flow, or make it the gateway's default flow." in english


def test_migration_reasons_in_swedish_with_the_steps_name(designer: Browser, finsam: Finsam,
                                                          database_url: str) -> None:
    desk = Desk(database_url)
    iid = walks.esf_route(desk)
    walks.to_agreement(desk, iid, {org: walks.position() for org in walks.ESF_PARTIES})
    changed = ESF.replace('name="Parterna utformar projektidé"', 'name="Parterna formar en idé"')
    assert changed != ESF
    upload(designer, [("esf_plus.bpmn", changed.encode())], action="deploy")
    check = finsam.engine.check_migration("nnv-skane", iid)
    assert "migrate.changed_completed" in {getattr(r, "code", "") for r in check.reasons}
    page = designer.get("/designer/processes/esf_plus/instances").get_data(as_text=True)
    assert ("Steget ”Parterna utformar projektidé” är redan gjort och är ändrat i den nya "
            "versionen.") in unescape(page)
    assert "has already been completed" not in page
    refused = designer.post(f"/designer/instances/{iid}/migrate", {"process_id": "esf_plus"},
                            follow_redirects=True).get_data(as_text=True)
    assert f"Ärende #{iid} kan inte flyttas till den nyaste versionen" in refused
    designer.post("/language", {"lang": "en", "next": "/"})
    english = designer.get("/designer/processes/esf_plus/instances").get_data(as_text=True)
    assert ("The step “Parterna utformar projektidé” has already been completed and is changed "
            "in the new version.") in unescape(english)


def test_api_lint_gives_problems_with_codes_in_the_callers_language(client, finsam: Finsam  # type: ignore[no-untyped-def]
                                                                    ) -> None:
    from workflows.users import new_token

    headers = {"Authorization": f"Bearer {new_token(finsam.db, 'designer')}",
               "Content-Type": "application/xml"}
    before = versions(finsam)
    clean = client.post("/api/specs/lint?filename=esf_plus.bpmn", data=RENAMED.encode(),
                        headers=headers)
    assert clean.status_code == 200
    assert clean.get_json() == {"ok": True, "process_id": "esf_plus", "problems": []}
    broken = ESF.replace(' default="flow_esf_beslut_avslag"', "")
    answer = client.post("/api/specs/lint?filename=esf_plus.bpmn", data=broken.encode(),
                         headers=headers).get_json()
    assert answer["ok"] is False
    problem = answer["problems"][0]
    # Marked on the gateway, where the designer adds the default or a condition.
    assert problem["element_id"] == "gw_esf_beslut"
    assert problem["code"] == "spec.flow_without_condition"
    assert problem["params"] == {"name": "Avslag", "gateway": "Beviljad?",
                                 "flow": "flow_esf_beslut_avslag"}
    assert problem["text"].startswith("Flödet ”Avslag” lämnar grinden ”Beviljad?”")
    assert "without condition" in problem["message"]
    assert versions(finsam) == before
    fk = {**headers, "Authorization": f"Bearer {new_token(finsam.db, 'fk')}"}
    assert client.post("/api/specs/lint", data=broken.encode(), headers=fk).status_code == 403
    anonymous = client.post("/api/specs/lint", data=broken.encode(),
                            headers={**headers, "Authorization": "Bearer not-a-token"})
    assert anonymous.status_code == 401


def test_the_modeler_page_without_and_with_bpmn_js(designer: Browser, finsam: Finsam,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    from webui import modeler as pages

    monkeypatch.setattr(pages, "NODE_MODULES", tmp_path / "missing")
    plain = designer.get("/designer/modeler?process_id=esf_plus&version=1").get_data(
        as_text=True)
    assert "Modelleraren i webbläsaren är inte installerad" in plain
    assert "modeler.js" not in plain and 'id="xml"' in plain
    assert "Projektägare formulerar ansökan" in unescape(plain)
    assert designer.get("/designer/modeler/assets/modeler.js").status_code == 404
    new = designer.get("/designer/modeler").get_data(as_text=True)
    assert "Modellera en ny process" in new and "ny_process" in new
    assert designer.get("/designer/modeler?process_id=nope&version=1").status_code == 404
    # Without JavaScript (or bpmn-js) the XML is edited in the text area: lint, then deploy.
    deployed = designer.post("/designer/modeler/deploy", {
        "xml": RENAMED, "filename": "esf_plus.bpmn", "action": "deploy"})
    assert deployed.status_code == 200
    assert "Driftsatt i ert förbund som esf_plus version 2" in deployed.get_data(as_text=True)
    broken = designer.post("/designer/modeler/deploy", {
        "xml": ESF.replace(' default="flow_esf_beslut_avslag"', ""), "filename": "../x",
        "action": "deploy"})
    assert broken.status_code == 422 and "inget driftsattes" in broken.get_data(as_text=True)
    assert versions(finsam) == 5


def test_the_modeler_serves_only_its_listed_assets(designer: Browser,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    from webui import modeler as pages

    (tmp_path / ".finsam").mkdir()
    (tmp_path / "bpmn-js" / "dist" / "assets").mkdir(parents=True)
    (tmp_path / ".finsam" / "modeler.js").write_text("// the modeler bundle")
    (tmp_path / "bpmn-js" / "dist" / "bpmn-modeler.development.js").write_text("// not listed")
    (tmp_path / "bpmn-js" / "dist" / "assets" / "bpmn-js.css").write_text(".djs-container {}")
    monkeypatch.setattr(pages, "NODE_MODULES", tmp_path)
    page = designer.get("/designer/modeler?process_id=esf_plus&version=1")
    html = page.get_data(as_text=True)
    assert "/designer/modeler/assets/modeler.js" in html
    assert "/static/modeler.js" in html and "<script>" not in html
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"]
    script = designer.get("/designer/modeler/assets/modeler.js")
    assert script.status_code == 200 and script.get_data(as_text=True) == "// the modeler bundle"
    script.close()
    css = designer.get("/designer/modeler/assets/assets/bpmn-js.css")
    assert css.status_code == 200 and css.get_data(as_text=True) == ".djs-container {}"
    css.close()
    for name in ("bpmn-modeler.development.js", "bpmn-js/dist/bpmn-modeler.development.js",
                 "..%2Fpackage.json", "assets/../x.js", ".finsam/modeler.js"):
        assert designer.get(f"/designer/modeler/assets/{name}").status_code == 404


@pytest.mark.parametrize("user", ["fk", "auditor"])
def test_the_modeler_is_for_designers(browser: Browser, user: str) -> None:
    browser.login(user)
    assert browser.get("/designer/modeler").status_code == 403
    assert browser.post("/designer/modeler/deploy", {"xml": RENAMED}).status_code == 403
