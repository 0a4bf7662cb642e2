"""Documents on a step (issue 19): attached from the task's page, recorded with the step in the
case's history, shown on that step's page and on the case's with the step's name; refused as
the case page refuses (the policy, the type, the size)."""

from __future__ import annotations

import io

import pytest

from workflows import Finsam

from .conftest import Browser
from .test_case_files import PDF_BYTES
from .test_plain_swedish import visible_text
from .test_processes import FINSAM_PARTIES
from .walk import Desk


def _upload(browser: Browser, task_id: int, name: str, content: bytes):  # type: ignore[no-untyped-def]
    return browser.client.post(f"/tasks/{task_id}/documents", data={
        "file": (io.BytesIO(content), name), "csrf_token": browser.csrf()},
        content_type="multipart/form-data")


def test_a_document_on_a_step(browser: Browser, finsam: Finsam, database_url: str,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    desk = Desk(database_url)
    _, routes = desk.need(FINSAM_PARTIES, "finansiell_samordning", titel="Stegdokument")
    iid = routes["finansiell_samordning"].id
    (task,) = finsam.engine.open_tasks_of(iid)
    browser.login("klippan")
    answer = _upload(browser, task.id, "Utkast.pdf", PDF_BYTES)
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/tasks/{task.id}#dokument")
    (attached,) = [e for e in finsam.engine.events("nnv-skane", iid) if e.kind == "attached"]
    assert attached.data["step"] == "utforma_insats" and attached.data["filename"] == "Utkast.pdf"
    assert attached.data["name"] == "Parterna utformar insats"
    step_page = visible_text(browser.get(f"/tasks/{task.id}").get_data(as_text=True))
    assert "Dokument till steget" in step_page and "Utkast.pdf" in step_page
    case_page = visible_text(browser.get(f"/instances/{iid}").get_data(as_text=True))
    assert "Utkast.pdf" in case_page
    assert "till steget »Parterna utformar insats«" in case_page  # in the list of documents
    assert "bifogade dokumentet »Utkast.pdf« till steget »Parterna utformar insats«." in case_page

    refused = _upload(browser, task.id, "bild.pdf", b"\x89PNG\r\n\x1a\n")
    assert refused.status_code == 422
    assert "inte en PDF, ODT eller DOCX" in visible_text(refused.get_data(as_text=True))
    monkeypatch.setenv("FINSAM_DOCUMENT_MAX_BYTES", "20")
    assert _upload(browser, task.id, "stor.pdf", PDF_BYTES).status_code == 422
    monkeypatch.delenv("FINSAM_DOCUMENT_MAX_BYTES")
    browser.logout()

    browser.login("bastad")  # no party of the case: the task does not exist for it
    assert _upload(browser, task.id, "x.pdf", PDF_BYTES).status_code == 404
    browser.logout()
    browser.login("auditor")  # reads the step's documents, attaches none
    page = browser.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "Utkast.pdf" in page and 'name="file"' not in page
    assert _upload(browser, task.id, "x.pdf", PDF_BYTES).status_code == 403
    assert len([e for e in finsam.engine.events("nnv-skane", iid) if e.kind == "attached"]) == 1
