"""Verifying a case's file against its history: every `noted` and `attached` event's note or
document must exist and still hash to the sha256 the event recorded, and every note and
document must be recorded by one."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import select

from engine import Database, Event, Finding

from ..models import CaseDocument, CaseNote
from .files import PURGED, note_hash
from .store import DocumentStore


def check_case_files(db: Database, store: DocumentStore, tenant: str,
                     instance_ids: Iterable[int]) -> dict[int, list[Finding]]:
    """The findings per instance (only instances with any)."""
    ids = list(instance_ids)
    found: dict[int, list[Finding]] = {}
    if not ids:
        return found

    def add(instance_id: int, what: str, seq: int | None = None) -> None:
        found.setdefault(instance_id, []).append(Finding(instance_id, what, seq))

    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        with db.read() as session:
            events = session.scalars(select(Event).where(
                Event.tenant == tenant, Event.instance_id.in_(chunk),
                Event.kind.in_(("noted", "attached"))).order_by(Event.instance_id, Event.seq))
            recorded: dict[str, Event] = {}
            for event in events:
                recorded[str(event.data.get("note") or event.data.get("document"))] = event
            notes = {r.key: r for r in session.scalars(select(CaseNote).where(
                CaseNote.tenant == tenant, CaseNote.instance_id.in_(chunk)))}
            documents = {r.key: r for r in session.scalars(select(CaseDocument).where(
                CaseDocument.tenant == tenant, CaseDocument.instance_id.in_(chunk)))}
            for key, event in recorded.items():
                if event.kind == "noted":
                    note = notes.get(key)
                    if note is None or note.instance_id != event.instance_id:
                        add(event.instance_id, "the note recorded here is missing", event.seq)
                    elif note.purged_at is not None:  # retention purged its text
                        if note.body != PURGED:
                            add(event.instance_id, "a purged note holds text again", event.seq)
                    elif note_hash(note.body) != event.data.get("sha256"):
                        add(event.instance_id, "the note was changed: its text no longer "
                            "matches the sha256 recorded here", event.seq)
                    continue
                name = f"»{event.data.get('filename')}«"
                row = documents.get(key)
                if row is None or row.instance_id != event.instance_id:
                    add(event.instance_id, f"the document {name} recorded here is missing",
                        event.seq)
                    continue
                content = store.get(row)
                if content is None:
                    add(event.instance_id, f"the content of the document {name} is missing "
                        "from the store", event.seq)
                elif hashlib.sha256(content).hexdigest() != event.data.get("sha256"):
                    add(event.instance_id, f"the document {name} was changed: its content no "
                        "longer matches the sha256 recorded here", event.seq)
            for key, note in notes.items():
                if key not in recorded:
                    add(note.instance_id, f"note {note.id} is not recorded in the history")
            for key, document in documents.items():
                if key not in recorded:
                    add(document.instance_id, f"the document »{document.filename}« is not "
                        "recorded in the history")
    return found
