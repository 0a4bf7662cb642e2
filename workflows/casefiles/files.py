"""`CaseFiles`: a case's note thread and documents, for the capacities the policy lets.

Every call asks the policy with the caller's capacity: the thread and the documents of a case
are read by those who see the case (`policy.sees_instance`; the styrelse never an ESF+ case),
written by those who may annotate it (`policy.may_annotate`; never the auditor).
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from engine import Engine, InstanceView, InvalidData, NotFound

from .. import policy
from ..models import CaseDocument, CaseNote
from ..parties import Capacity
from .content_types import EXTENSIONS, sniff
from .store import DocumentStore

NOTE_MAX = 4000
DEFAULT_DOCUMENT_MAX = 8 * 1024 * 1024
# A Swedish personal identity number (personnummer or samordningsnummer), with or without the
# century and the hyphen: a note that holds one is refused (no personal data in notes).
PERSONNUMMER = re.compile(r"(?<!\d)(?:19|20)?\d{6}[-+]?\d{4}(?!\d)")


@dataclass(frozen=True)
class Note:
    """One note of a case's thread."""

    id: int
    author: str
    acting_as: str
    created_at: datetime
    body: str


@dataclass(frozen=True)
class Document:
    """One document of a case (without its bytes)."""

    id: int
    instance_id: int
    step: str | None
    filename: str
    media_type: str
    size: int
    sha256: str
    uploaded_by: str
    acting_as: str
    created_at: datetime


def document_limit() -> int:
    """The largest document accepted, in bytes (`FINSAM_DOCUMENT_MAX_BYTES`, default 8 MiB)."""
    value = os.environ.get("FINSAM_DOCUMENT_MAX_BYTES", "")
    return int(value) if value.isdigit() else DEFAULT_DOCUMENT_MAX


class CaseFiles:
    """The notes and documents of the cases of one system."""

    def __init__(self, engine: Engine, store: DocumentStore) -> None:
        self.engine = engine
        self.db = engine.db
        self.store = store

    def _instance(self, capacity: Capacity, instance_id: int) -> InstanceView:
        try:
            instance = self.engine.get_instance(capacity.forbund, instance_id)
        except NotFound:
            raise NotFound(f"ärende {instance_id} finns inte") from None
        if not policy.sees_instance(capacity, instance):
            raise NotFound(f"ärende {instance_id} finns inte")
        return instance

    def _writable(self, capacity: Capacity, instance_id: int) -> InstanceView:
        instance = self._instance(capacity, instance_id)
        policy.require_annotate(capacity, instance)
        return instance

    def require_writable(self, capacity: Capacity, instance_id: int) -> None:
        """NotFound unless the capacity sees the case, Forbidden unless it may write on it: what
        a route asks before it reads what was sent (a refusal never depends on the body)."""
        self._writable(capacity, instance_id)

    # -- notes -----------------------------------------------------------------------------

    def notes(self, capacity: Capacity, instance_id: int) -> list[Note]:
        """The note thread of a case the capacity sees, oldest first."""
        instance = self._instance(capacity, instance_id)
        with self.db.read() as session:
            rows = session.scalars(select(CaseNote).where(
                CaseNote.tenant == instance.tenant, CaseNote.instance_id == instance.id,
            ).order_by(CaseNote.id))
            return [Note(r.id, r.author, r.acting_as, r.created_at, r.body) for r in rows]

    def add_note(self, capacity: Capacity, instance_id: int, text: str) -> Note:
        """Add a note to a case the capacity may annotate, recorded in its history (`noted`,
        with the note's sha256). Raises NotFound, Forbidden, InvalidData (empty, too long, or a
        personal identity number)."""
        instance = self._writable(capacity, instance_id)
        body = clean_note(text)
        row = CaseNote(key=str(uuid.uuid4()), tenant=instance.tenant, instance_id=instance.id,
                       author=capacity.actor_id, acting_as=capacity.acting_as,
                       created_at=self.engine.clock(), body=body)
        self.engine.annotate(policy.actor(capacity), instance.id, "noted",
                             {"note": row.key, "sha256": note_hash(body)}, [row])
        return Note(row.id, row.author, row.acting_as, row.created_at, row.body)

    # -- documents -------------------------------------------------------------------------

    def documents(self, capacity: Capacity, instance_id: int, step: str | None = None
                  ) -> list[Document]:
        """The documents of a case the capacity sees (only those of one step, by its bpmn id,
        when `step` is given), oldest first."""
        instance = self._instance(capacity, instance_id)
        query = select(CaseDocument).where(
            CaseDocument.tenant == instance.tenant, CaseDocument.instance_id == instance.id)
        if step is not None:
            query = query.where(CaseDocument.step == step)
        with self.db.read() as session:
            return [_document(r) for r in session.scalars(query.order_by(CaseDocument.id))]

    def attach_to_task(self, capacity: Capacity, task_id: int, filename: str, content: bytes,
                       instance_id: int | None = None) -> Document:
        """Attach a document to a task's step (the document records the step's bpmn id): the
        task must be one the capacity sees (`policy.sees_task`; of case `instance_id` when
        given), else NotFound as if it did not exist; then as `attach` (the case annotated
        within the policy, the same checks and the same `attached` event)."""
        try:
            detail = self.engine.get_task(capacity.forbund, task_id)
            instance = self.engine.get_instance(capacity.forbund, detail.task.instance_id)
        except NotFound:
            raise NotFound(f"uppgift {task_id} finns inte") from None
        if (instance_id is not None and instance.id != instance_id) or not policy.sees_task(
                capacity, detail.task, instance):
            raise NotFound(f"uppgift {task_id} finns inte")
        return self.attach(capacity, instance.id, filename, content, detail.task.bpmn_id,
                           detail.task.name)

    def attach(self, capacity: Capacity, instance_id: int, filename: str, content: bytes,
               step: str | None = None, step_name: str | None = None) -> Document:
        """Attach a document (PDF, ODT or DOCX, by its content; at most `document_limit()`
        bytes) to a case the capacity may annotate (to one of its steps: its bpmn id and name),
        recorded in its history (`attached`, with the document's sha256). Raises NotFound,
        Forbidden, InvalidData."""
        instance = self._writable(capacity, instance_id)
        if not content:
            raise InvalidData("the file is empty", {"file": "Välj en fil att bifoga."})
        if len(content) > document_limit():
            raise InvalidData("the file is too large", {"file": (
                f"Filen är större än {document_limit() // (1024 * 1024)} MB.")})
        media_type = sniff(content)
        if media_type is None:
            raise InvalidData("the file is not a PDF, ODT or DOCX document", {"file": (
                "Filen är inte en PDF, ODT eller DOCX (vi läser filens innehåll, inte namnet)."
            )})
        digest = hashlib.sha256(content).hexdigest()
        row = CaseDocument(
            key=str(uuid.uuid4()), tenant=instance.tenant, instance_id=instance.id,
            step=step[:200] if step else None, filename=clean_filename(filename, media_type),
            media_type=media_type, size=len(content), sha256=digest,
            uploaded_by=capacity.actor_id, acting_as=capacity.acting_as,
            created_at=self.engine.clock())
        self.store.put(row, content)
        self.engine.annotate(policy.actor(capacity), instance.id, "attached", {
            "document": row.key, "filename": row.filename, "media_type": media_type,
            "size": row.size, "sha256": digest, "step": row.step,
            **({"name": step_name[:200]} if step and step_name else {})}, [row])
        return _document(row)

    def download(self, capacity: Capacity, instance_id: int, document_id: int
                 ) -> tuple[Document, bytes]:
        """A document of a case the capacity sees, with its bytes. Raises NotFound (also when
        the bytes are missing from the store)."""
        instance = self._instance(capacity, instance_id)
        with self.db.read() as session:
            row = session.scalars(select(CaseDocument).where(
                CaseDocument.id == document_id, CaseDocument.tenant == instance.tenant,
                CaseDocument.instance_id == instance.id)).one_or_none()
            if row is None:
                raise NotFound(f"dokument {document_id} finns inte")
            content = self.store.get(row)
            if content is None:
                raise NotFound(f"dokument {document_id} saknas i lagringen")
            return _document(row), content


def _document(row: CaseDocument) -> Document:
    return Document(row.id, row.instance_id, row.step, row.filename, row.media_type, row.size,
                    row.sha256, row.uploaded_by, row.acting_as, row.created_at)


# What a note's text and a case's other free text become once retention purged them.
PURGED = "(gallrad)"


def note_hash(body: str) -> str:
    """The sha256 of a note's text (UTF-8), as its `noted` event records it."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def clean_note(text: str) -> str:
    """The note's text, trimmed, with line breaks kept and other control characters refused."""
    body = text.replace("\r\n", "\n").strip()
    if not body:
        raise InvalidData("the note is empty", {"text": "Skriv något i anteckningen."})
    if len(body) > NOTE_MAX:
        raise InvalidData("the note is too long", {"text": (
            f"Anteckningen får vara högst {NOTE_MAX} tecken.")})
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in body):
        raise InvalidData("the note holds control characters", {"text": (
            "Anteckningen innehåller osynliga styrtecken. Skriv om den.")})
    if PERSONNUMMER.search(body):
        raise InvalidData("the note holds a personal identity number", {"text": (
            "Anteckningen ser ut att innehålla ett personnummer. Skriv inga personuppgifter "
            "i anteckningar.")})
    return body


def clean_filename(name: str, media_type: str) -> str:
    """The file's own name without folders or control characters, at most 200 characters,
    ending as its type (read from its content) does."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip(" .")
    extension = EXTENSIONS[media_type]
    stem = base[: -len(extension)] if base.lower().endswith(extension) else base
    return (stem[:200 - len(extension)] or "dokument") + extension
