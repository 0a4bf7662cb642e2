"""A case's notes and documents (issue 19): a note thread with the no-personal-data reminder,
documents by content type and size, both in the case's history and hash chain, read only by
those who see the case, and a changed or missing document named by `finsam replay`."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from engine import Database
from workflows import Finsam
from workflows.casefiles.content_types import DOCX, ODT, PDF, sniff
from workflows.casefiles.store import FolderStore
from workflows.models import CaseDocument, CaseNote

from .conftest import Browser
from .test_plain_swedish import visible_text
from .test_processes import ESF_PARTIES, FINSAM_PARTIES
from .walk import Desk

PDF_BYTES = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _zip(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries:
            archive.writestr(name, content)
    return buffer.getvalue()


ODT_BYTES = _zip([("mimetype", ODT.encode()), ("content.xml", b"<office:document/>")])
DOCX_BYTES = _zip([("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w:document/>")])


def _upload(browser: Browser, iid: int, name: str, content: bytes):  # type: ignore[no-untyped-def]
    return browser.client.post(f"/instances/{iid}/documents", data={
        "file": (io.BytesIO(content), name), "csrf_token": browser.csrf()},
        content_type="multipart/form-data")


def test_content_types_are_read_from_the_bytes() -> None:
    assert sniff(PDF_BYTES) == PDF and sniff(ODT_BYTES) == ODT and sniff(DOCX_BYTES) == DOCX
    assert sniff(b"MZ\x90\x00 an exe") is None
    assert sniff(b"PK\x03\x04 not really a zip") is None
    assert sniff(_zip([("readme.txt", b"x")])) is None


def test_a_note_thread_in_the_history_within_the_policy(
    browser: Browser, finsam: Finsam, database_url: str
) -> None:
    desk = Desk(database_url)
    need, routes = desk.need(FINSAM_PARTIES, "finansiell_samordning", titel="Unga vuxna")
    iid = routes["finansiell_samordning"].id
    browser.login("kansli")
    page = browser.get(f"/instances/{iid}").get_data(as_text=True)
    assert "Skriv inga personuppgifter" in visible_text(page)  # the reminder by the form
    answer = browser.post(f"/instances/{iid}/notes", {"text": "Ring Klippan om lokalen."})
    assert answer.status_code == 302
    page = browser.get(f"/instances/{iid}").get_data(as_text=True)
    text = visible_text(page)
    assert "Ring Klippan om lokalen." in text
    assert "skrev en anteckning" in text  # the history says it
    events = finsam.engine.events("nnv-skane", iid)
    noted = [e for e in events if e.kind == "noted"]
    assert len(noted) == 1
    text_hash = hashlib.sha256(b"Ring Klippan om lokalen.").hexdigest()
    assert noted[0].data["sha256"] == text_hash

    refused = browser.post(f"/instances/{iid}/notes",
                           {"text": "Deltagaren 19900101-1234 behöver stöd."})
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert "personnummer" in visible_text(body)
    assert "Deltagaren 19900101-1234 behöver stöd." in body  # what was typed is kept
    assert browser.post(f"/instances/{iid}/notes", {"text": "  "}).status_code == 422
    assert len([e for e in finsam.engine.events("nnv-skane", iid) if e.kind == "noted"]) == 1

    browser.logout()
    browser.login("styrelse")  # a Finsam case: the board reads its notes and may write one
    assert "Ring Klippan om lokalen." in browser.get(f"/instances/{iid}").get_data(as_text=True)
    browser.logout()
    browser.login("auditor")  # reads every case, writes nothing
    page = browser.get(f"/instances/{iid}").get_data(as_text=True)
    assert "Ring Klippan om lokalen." in page and 'name="text"' not in page
    assert browser.post(f"/instances/{iid}/notes", {"text": "x"}).status_code == 403
    browser.logout()
    browser.login("bastad")  # no party of this case: it does not exist for bastad
    assert browser.get(f"/instances/{iid}").status_code == 404
    assert browser.post(f"/instances/{iid}/notes", {"text": "x"}).status_code == 404
    assert len([e for e in finsam.engine.events("nnv-skane", iid) if e.kind == "noted"]) == 1


def test_the_board_never_sees_an_esf_note(
    browser: Browser, finsam: Finsam, database_url: str
) -> None:
    desk = Desk(database_url)
    _, routes = desk.need(ESF_PARTIES, "esf_plus", titel="Bara ESF")
    iid = routes["esf_plus"].id
    browser.login("kansli")
    assert browser.post(f"/instances/{iid}/notes", {"text": "ESF-ANTECKNING"}).status_code == 302
    browser.logout()
    browser.login("styrelse")
    assert browser.get(f"/instances/{iid}").status_code == 404
    assert browser.post(f"/instances/{iid}/notes", {"text": "x"}).status_code == 404
    assert "ESF-ANTECKNING" not in browser.get("/instances").get_data(as_text=True)
    assert browser.get(f"/api/instances/{iid}/events").status_code in (403, 404)


def test_upload_and_download_by_content_and_size(
    browser: Browser, finsam: Finsam, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk = Desk(database_url)
    _, routes = desk.need(FINSAM_PARTIES, "finansiell_samordning")
    iid = routes["finansiell_samordning"].id
    browser.login("angelholm")
    assert _upload(browser, iid, "Ansökan.pdf", PDF_BYTES).status_code == 302
    assert _upload(browser, iid, "protokoll", ODT_BYTES).status_code == 302  # named by type
    assert _upload(browser, iid, "avtal.docx", DOCX_BYTES).status_code == 302
    refused = _upload(browser, iid, "virus.pdf", b"MZ\x90\x00 not a pdf")
    assert refused.status_code == 422
    assert "inte en PDF, ODT eller DOCX" in visible_text(refused.get_data(as_text=True))
    monkeypatch.setenv("FINSAM_DOCUMENT_MAX_BYTES", "20")
    too_big = _upload(browser, iid, "stor.pdf", PDF_BYTES)
    assert too_big.status_code == 422
    monkeypatch.delenv("FINSAM_DOCUMENT_MAX_BYTES")

    documents = finsam.case_files.documents(desk_capacity(finsam, "kansli"), iid)
    assert [(d.filename, d.media_type) for d in documents] == [
        ("Ansökan.pdf", PDF), ("protokoll.odt", ODT), ("avtal.docx", DOCX)]
    attached = [e for e in finsam.engine.events("nnv-skane", iid) if e.kind == "attached"]
    assert [e.data["sha256"] for e in attached] == [
        hashlib.sha256(b).hexdigest() for b in (PDF_BYTES, ODT_BYTES, DOCX_BYTES)]
    page = browser.get(f"/instances/{iid}").get_data(as_text=True)
    assert "bifogade dokumentet »Ansökan.pdf«" in visible_text(page)
    url = f"/instances/{iid}/documents/{documents[0].id}"
    got = browser.get(url)
    assert got.status_code == 200 and got.data == PDF_BYTES
    assert got.mimetype == PDF and "attachment" in got.headers["Content-Disposition"]
    browser.logout()
    browser.login("bastad")  # sees no case of this one, so no document of it
    assert browser.get(url).status_code == 404
    assert _upload(browser, iid, "x.pdf", PDF_BYTES).status_code == 404
    browser.logout()
    browser.login("kansli")  # another case's id with this document's: not found
    assert browser.get(f"/instances/{routes['finansiell_samordning'].parent_id}/documents/"
                       f"{documents[0].id}").status_code == 404


def desk_capacity(finsam: Finsam, username: str):  # type: ignore[no-untyped-def]
    from workflows.users import capacities

    return capacities(finsam.db, username)[0]


def _replay(database_url: str, monkeypatch: pytest.MonkeyPatch, *args: str):  # type: ignore[no-untyped-def]
    from webui.cli import main

    monkeypatch.setenv("FINSAM_DATABASE_URL", database_url)
    return CliRunner().invoke(main, ["replay", *args], catch_exceptions=False)


def test_a_changed_document_or_note_is_named_by_replay(
    finsam: Finsam, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk = Desk(database_url)
    _, routes = desk.need(FINSAM_PARTIES, "finansiell_samordning")
    iid = routes["finansiell_samordning"].id
    kansli = desk_capacity(finsam, "kansli")
    document = finsam.case_files.attach(kansli, iid, "Protokoll.pdf", PDF_BYTES)
    finsam.case_files.add_note(kansli, iid, "Beslut i maj.")
    assert _replay(database_url, monkeypatch, str(iid)).exit_code == 0
    db = Database(database_url)
    with db.write() as session:
        session.execute(update(CaseDocument).where(CaseDocument.id == document.id)
                        .values(content=PDF_BYTES + b"%changed"))
        session.execute(update(CaseNote).where(CaseNote.instance_id == iid)
                        .values(body="Beslut i juni."))
    db.dispose()
    result = _replay(database_url, monkeypatch, "--all")
    assert result.exit_code == 1
    assert f"FINDING instance {iid}" in result.output
    assert "the document »Protokoll.pdf« was changed" in result.output
    assert "the note was changed" in result.output


def test_a_missing_document_in_a_folder_store_is_named(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workflows.demo import load_demo

    folder = tmp_path / "dokument"
    monkeypatch.setenv("FINSAM_DOCUMENT_DIR", str(folder))
    finsam = Finsam(database_url)
    try:
        finsam.init()
        load_demo(finsam)
        assert isinstance(finsam.case_files.store, FolderStore)
        desk = Desk(database_url)
        _, routes = desk.need(FINSAM_PARTIES, "finansiell_samordning")
        iid = routes["finansiell_samordning"].id
        kansli = desk_capacity(finsam, "kansli")
        document = finsam.case_files.attach(kansli, iid, "Avtal.docx", DOCX_BYTES)
        stored = list(folder.rglob("*"))
        files = [p for p in stored if p.is_file()]
        assert len(files) == 1 and files[0].read_bytes() == DOCX_BYTES
        assert finsam.case_files.download(kansli, iid, document.id)[1] == DOCX_BYTES
        files[0].unlink()
        results, _ = finsam.verify("nnv-skane", [iid])
        assert any("»Avtal.docx« is missing from the store" in f.what
                   for f in results[0].findings)
    finally:
        finsam.close()
