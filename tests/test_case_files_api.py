"""A case's notes and documents through the JSON API (issue 19): the same policy, checks and chain
events as the pages, with bearer tokens; and refusals for another förbund, a non-party, the
styrelse on an ESF+ case and the auditor writing."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest

from workflows import Finsam
from workflows.casefiles.content_types import DOCX, PDF
from workflows.system import diagrams_dir
from workflows.tenants import add_forbund
from workflows.users import add_user, new_token

from .test_case_files import DOCX_BYTES, PDF_BYTES
from .test_processes import ESF_PARTIES, FINSAM_PARTIES
from .walk import Desk


class Api:
    """A client calling the API with one user's bearer token."""

    def __init__(self, client: Any, finsam: Finsam, username: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {new_token(finsam.db, username)}"}

    def get(self, url: str) -> Any:
        return self.client.get(url, headers=self.headers)

    def note(self, iid: int, text: Any) -> Any:
        return self.client.post(f"/api/instances/{iid}/notes", json={"text": text},
                                headers=self.headers)

    def upload(self, iid: int, name: str, content: bytes, task_id: int | None = None) -> Any:
        form: dict[str, Any] = {"file": (io.BytesIO(content), name)}
        if task_id is not None:
            form["task_id"] = str(task_id)
        return self.client.post(f"/api/instances/{iid}/documents", data=form,
                                content_type="multipart/form-data", headers=self.headers)

    def upload_raw(self, iid: int, name: str, content: bytes) -> Any:
        return self.client.post(f"/api/instances/{iid}/documents?filename={name}", data=content,
                                content_type="application/pdf", headers=self.headers)


def _events(finsam: Finsam, iid: int, kind: str) -> list[Any]:
    return [e for e in finsam.engine.events("nnv-skane", iid) if e.kind == kind]


def test_notes_and_documents_through_the_api(client, finsam: Finsam,  # type: ignore[no-untyped-def]
                                             database_url: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    desk = Desk(database_url)
    _, routes = desk.need(FINSAM_PARTIES, "finansiell_samordning", titel="Via API")
    iid = routes["finansiell_samordning"].id
    party = Api(client, finsam, "angelholm")

    added = party.note(iid, "Möte med Klippan i maj.")
    assert added.status_code == 201
    assert added.get_json()["text"] == "Möte med Klippan i maj."
    assert added.get_json()["author"] == "angelholm"
    listed = party.get(f"/api/instances/{iid}/notes").get_json()
    assert [(n["author"], n["text"]) for n in listed] == [("angelholm", "Möte med Klippan i maj.")]
    (noted,) = _events(finsam, iid, "noted")
    assert noted.data["sha256"] == hashlib.sha256("Möte med Klippan i maj.".encode()).hexdigest()
    refused = party.note(iid, "Deltagare 19900101-1234")
    assert refused.status_code == 422 and "personnummer" in refused.get_json()["details"]["text"]
    assert party.note(iid, 42).status_code == 400
    assert party.note(iid, "  ").status_code == 422

    sent = party.upload(iid, "Ansökan.pdf", PDF_BYTES)
    assert sent.status_code == 201, sent.get_json()
    document = sent.get_json()
    assert (document["filename"], document["media_type"], document["step"]) == (
        "Ansökan.pdf", PDF, None)
    assert document["sha256"] == hashlib.sha256(PDF_BYTES).hexdigest()
    raw = party.upload_raw(iid, "avtal", DOCX_BYTES)  # the bytes as the body, named by type
    assert raw.status_code == 201 and raw.get_json()["filename"] == "avtal.docx"
    assert raw.get_json()["media_type"] == DOCX
    (design,) = finsam.engine.open_tasks_of(iid)
    on_step = party.upload(iid, "Utkast.pdf", PDF_BYTES, task_id=design.id)
    assert on_step.status_code == 201 and on_step.get_json()["step"] == "utforma_insats"
    assert [e.data["step"] for e in _events(finsam, iid, "attached")] == [
        None, None, "utforma_insats"]
    assert [d["filename"] for d in party.get(
        f"/api/instances/{iid}/documents?step=utforma_insats").get_json()] == ["Utkast.pdf"]
    assert [d["filename"] for d in party.get(f"/api/instances/{iid}/documents").get_json()] == [
        "Ansökan.pdf", "avtal.docx", "Utkast.pdf"]
    got = party.get(f"/api/instances/{iid}/documents/{document['id']}")
    assert got.status_code == 200 and got.data == PDF_BYTES and got.mimetype == PDF
    assert got.headers["X-Content-SHA256"] == document["sha256"]

    not_a_document = party.upload(iid, "virus.pdf", b"MZ\x90\x00 not a pdf")
    assert not_a_document.status_code == 422
    assert not_a_document.get_json()["error"] == "invalid_data"
    assert "file" in not_a_document.get_json()["details"]
    assert party.upload(iid, "tom.pdf", b"").status_code == 422
    assert party.upload(iid, "x.pdf", PDF_BYTES, task_id=design.id + 10_000).status_code == 404
    other_need = routes["finansiell_samordning"].parent_id
    assert other_need is not None  # a task of this case named under its need: not there
    assert party.upload(other_need, "x.pdf", PDF_BYTES, task_id=design.id).status_code == 404
    monkeypatch.setenv("FINSAM_DOCUMENT_MAX_BYTES", "20")
    too_big = party.upload(iid, "stor.pdf", PDF_BYTES)
    assert too_big.status_code == 413 and too_big.get_json()["error"] == "too_large"
    monkeypatch.delenv("FINSAM_DOCUMENT_MAX_BYTES")
    assert len(_events(finsam, iid, "attached")) == 3  # nothing of the refused ones

    assert client.get(f"/api/instances/{iid}/notes").status_code == 401  # no token, no session


def _another_forbund(finsam: Finsam) -> None:
    add_forbund(finsam.engine, "annat", "Samordningsförbundet Annat",
                ["af:af:Arbetsförmedlingen", "annan-kommun:kommun:Annans kommun"],
                sorted(diagrams_dir().glob("*.bpmn")), "test")
    add_user(finsam.db, "annat-kansli", "annat", "kansli", "kansli", "finsam-demo")


@pytest.mark.parametrize("who", ["annat-kansli", "bastad", "styrelse", "auditor"])
def test_the_api_refuses_those_the_policy_refuses(client, finsam: Finsam,  # type: ignore[no-untyped-def]
                                                   database_url: str, who: str) -> None:
    desk = Desk(database_url)
    _, routes = desk.need(ESF_PARTIES, "esf_plus", titel="ESF via API")
    iid = routes["esf_plus"].id
    (task,) = finsam.engine.open_tasks_of(iid)
    kansli = Api(client, finsam, "kansli")
    assert kansli.note(iid, "ESF-HEMLIS").status_code == 201
    document = kansli.upload(iid, "ESF-HEMLIS.pdf", PDF_BYTES).get_json()
    if who == "annat-kansli":
        _another_forbund(finsam)
    caller = Api(client, finsam, who)
    reads = [f"/api/instances/{iid}/notes", f"/api/instances/{iid}/documents",
             f"/api/instances/{iid}/documents/{document['id']}"]
    writes = [caller.note(iid, "x"), caller.upload(iid, "x.pdf", PDF_BYTES),
              caller.upload(iid, "x.pdf", PDF_BYTES, task_id=task.id)]
    if who == "auditor":  # reads every case of its förbund, writes nothing
        assert [caller.get(url).status_code for url in reads] == [200, 200, 200]
        assert "ESF-HEMLIS" in caller.get(reads[0]).get_data(as_text=True)
        assert [w.status_code for w in writes] == [403, 403, 403]
    else:  # another förbund's case, no party of it, the styrelse on ESF+: it does not exist
        for url in reads:
            answer = caller.get(url)
            assert answer.status_code == 404, (who, url)
            assert "ESF-HEMLIS" not in answer.get_data(as_text=True)
            assert set(answer.get_json()) == {"error", "message", "details"}
        assert [w.status_code for w in writes] == [404, 404, 404]
    assert len(_events(finsam, iid, "noted")) == 1
    assert len(_events(finsam, iid, "attached")) == 1


def test_a_session_needs_the_csrf_token(client, finsam: Finsam,  # type: ignore[no-untyped-def]
                                        database_url: str) -> None:
    from .conftest import Browser

    desk = Desk(database_url)
    _, routes = desk.need(FINSAM_PARTIES, "finansiell_samordning")
    iid = routes["finansiell_samordning"].id
    browser = Browser(client)
    browser.login("angelholm")
    refused = client.post(f"/api/instances/{iid}/notes", json={"text": "utan token"})
    assert refused.status_code == 400 and refused.get_json()["error"] == "csrf"
    sent = client.post(f"/api/instances/{iid}/notes", json={"text": "med token"},
                       headers={"X-CSRF-Token": browser.csrf()})
    assert sent.status_code == 201
    assert [e.data["sha256"] for e in _events(finsam, iid, "noted")] == [
        hashlib.sha256(b"med token").hexdigest()]


def test_a_form_part_without_a_readable_name(client, finsam: Finsam,  # type: ignore[no-untyped-def]
                                             database_url: str) -> None:
    """A multipart part named `"\\"` (werkzeug reads no name): the NUL check passes it over,
    the file beside it is attached; a NUL in its value is refused (found by the API fuzz)."""
    desk = Desk(database_url)
    _, routes = desk.need(FINSAM_PARTIES, "finansiell_samordning")
    iid = routes["finansiell_samordning"].id
    headers = {"Authorization": f"Bearer {new_token(finsam.db, 'angelholm')}"}

    def body(value: bytes) -> bytes:
        return (b'--b\r\nContent-Disposition: form-data; name="\\"\r\n\r\n' + value
                + b'\r\n--b\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"'
                b"\r\n\r\n" + PDF_BYTES + b"\r\n--b--\r\n")

    for value, status in ((b"null", 201), (b"nu\x00ll", 400)):
        answer = client.post(f"/api/instances/{iid}/documents", data=body(value),
                             content_type="multipart/form-data; boundary=b", headers=headers)
        assert answer.status_code == status, answer.get_data(as_text=True)
    assert len(_events(finsam, iid, "attached")) == 1
