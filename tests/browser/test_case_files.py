"""Issue 19 in the browser: a note and a refused one that keeps its text, an upload and its
download; the case page passes axe at 1280 and 375 px each time."""

from __future__ import annotations

from pathlib import Path

from ..test_processes import FINSAM_PARTIES
from ..walk import Desk
from .conftest import UI, LiveServer

PDF_BYTES = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def test_a_note_an_upload_and_a_download(ui: UI, live_server: LiveServer,
                                         tmp_path: Path) -> None:
    desk = Desk(live_server.database_url)
    _, routes = desk.need(FINSAM_PARTIES, "finansiell_samordning", titel="Unga vuxna")
    iid = routes["finansiell_samordning"].id
    page = ui.page
    ui.login("kansli")
    ui.visit(f"/instances/{iid}", "case-file-empty")
    page.get_by_label("Ny anteckning").fill("Deltagaren 900101-1234 har fått plats.")
    with page.expect_navigation():
        page.get_by_role("button", name="Spara anteckningen").click()
    ui.check("note-refused")
    assert page.get_by_label("Ny anteckning").input_value() == \
        "Deltagaren 900101-1234 har fått plats."  # kept, with the reason beside it
    assert page.get_by_text("personnummer").count() >= 1
    page.get_by_label("Ny anteckning").fill("Lokalen är bokad till mars.")
    with page.expect_navigation():
        page.get_by_role("button", name="Spara anteckningen").click()
    assert page.get_by_text("Lokalen är bokad till mars.").count() == 1

    document = tmp_path / "Ansökan.pdf"
    document.write_bytes(PDF_BYTES)
    page.get_by_label("Bifoga ett dokument").set_input_files(str(document))
    with page.expect_navigation():
        page.get_by_role("button", name="Bifoga", exact=True).click()
    ui.check("case-file")
    with page.expect_download() as info:
        page.get_by_role("link", name="Ansökan.pdf").click()
    saved = tmp_path / "downloaded.pdf"
    info.value.save_as(saved)
    assert saved.read_bytes() == PDF_BYTES


def test_a_document_on_a_steps_page(ui: UI, live_server: LiveServer, tmp_path: Path) -> None:
    """A party attaches a document on the task's page: refused when it is no document (the page
    says why, with axe), shown on the step and on the case with the step's name, downloaded."""
    desk = Desk(live_server.database_url)
    _, routes = desk.need(FINSAM_PARTIES, "finansiell_samordning", titel="Steg med dokument")
    iid = routes["finansiell_samordning"].id
    system = desk.system()
    try:
        (task,) = system.engine.open_tasks_of(iid)
    finally:
        system.close()
    page = ui.page
    ui.login("angelholm")
    ui.visit(f"/tasks/{task.id}", "step-documents-empty")
    assert page.get_by_text("Inga dokument till det här steget ännu.").count() == 1
    not_a_document = tmp_path / "bild.pdf"
    not_a_document.write_bytes(b"\x89PNG\r\n\x1a\n not a pdf")
    page.get_by_label("Bifoga ett dokument till steget").set_input_files(str(not_a_document))
    with page.expect_navigation():
        page.get_by_role("button", name="Bifoga till steget").click()
    ui.check("step-document-refused")
    assert page.get_by_role("alert").filter(has_text="inte en PDF, ODT eller DOCX").count() == 1

    document = tmp_path / "Utkast till insats.pdf"
    document.write_bytes(PDF_BYTES)
    page.get_by_label("Bifoga ett dokument till steget").set_input_files(str(document))
    with page.expect_navigation():
        page.get_by_role("button", name="Bifoga till steget").click()
    assert page.url.endswith(f"/tasks/{task.id}#dokument")
    ui.check("step-documents")
    with page.expect_download() as info:
        page.get_by_role("link", name="Utkast till insats.pdf").click()
    saved = tmp_path / "from-step.pdf"
    info.value.save_as(saved)
    assert saved.read_bytes() == PDF_BYTES

    page.get_by_role("link", name="Alla dokument i ärendet").click()
    page.wait_for_load_state()
    listed = page.locator("#dokument li").filter(has_text="Utkast till insats.pdf")
    assert listed.count() == 1
    assert "till steget »Parterna utformar insats«" in listed.inner_text()
    ui.check("case-file-with-step")
