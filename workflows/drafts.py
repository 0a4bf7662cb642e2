"""Modeler drafts kept on the server: a designer saves the diagram and its form files without
deploying, and opens them again from any browser. Each draft is its designer's in one förbund
(`policy.owns_draft`); saving again overwrites the draft of the same process."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from engine import InvalidData, NotFound, utc_now

from . import policy
from .modeling import MAX_FORM_FILES, form_path_ok
from .models import ModelerDraft
from .parties import Capacity
from .system import Finsam

MAX_DRAFT_BYTES = 2 * 1024 * 1024  # the diagram and its forms together
MAX_DRAFTS = 50  # per designer and förbund


@dataclass(frozen=True)
class DraftView:
    """A draft as its designer sees it."""

    id: int
    process_id: str
    bpmn: str
    forms: dict[str, str]
    saved_at: datetime


def _view(row: ModelerDraft) -> DraftView:
    return DraftView(id=row.id, process_id=row.process_id, bpmn=row.bpmn,
                     forms={str(k): str(v) for k, v in row.forms.items()},
                     saved_at=row.saved_at)


def save_draft(finsam: Finsam, capacity: Capacity, process_id: str, bpmn: str,
               forms: dict[str, str]) -> DraftView:
    """Save the designer's draft of `process_id` ('' for a new diagram), overwriting the one it
    had. Raises InvalidData for an empty or too large draft, a form path a designer may not
    name, or one draft too many."""
    policy.require(capacity, policy.DESIGN)
    forms = {path.strip(): text for path, text in forms.items() if path.strip()}
    if not bpmn.strip():
        raise InvalidData("the draft has no diagram", {"xml": "tomt"})
    if len(forms) > MAX_FORM_FILES or not all(form_path_ok(p) for p in forms):
        raise InvalidData("a form path is not a .json file beside the diagram",
                          {"forms": "sökvägar som forms/x.schema.json"})
    size = len(bpmn.encode()) + sum(len(p) + len(t.encode()) for p, t in forms.items())
    if size > MAX_DRAFT_BYTES or len(process_id) > 100:
        raise InvalidData("the draft is too large", {"xml": "för stort"})
    with finsam.db.write() as session:
        row = session.scalars(select(ModelerDraft).where(
            ModelerDraft.forbund == capacity.forbund, ModelerDraft.username == capacity.username,
            ModelerDraft.process_id == process_id)).first()
        if row is None:
            count = len(session.scalars(select(ModelerDraft.id).where(
                ModelerDraft.forbund == capacity.forbund,
                ModelerDraft.username == capacity.username)).all())
            if count >= MAX_DRAFTS:
                raise InvalidData("too many drafts", {"drafts": f"högst {MAX_DRAFTS}"})
            row = ModelerDraft(forbund=capacity.forbund, username=capacity.username,
                               process_id=process_id, bpmn=bpmn, forms=forms,
                               saved_at=utc_now())
            session.add(row)
        else:
            row.bpmn, row.forms, row.saved_at = bpmn, forms, utc_now()
        session.flush()
        return _view(row)


def drafts(finsam: Finsam, capacity: Capacity) -> list[DraftView]:
    """The designer's own drafts in the förbund it acts for, newest first."""
    policy.require(capacity, policy.DESIGN)
    with finsam.db.read() as session:
        rows = session.scalars(select(ModelerDraft).where(
            ModelerDraft.forbund == capacity.forbund, ModelerDraft.username == capacity.username
        ).order_by(ModelerDraft.saved_at.desc(), ModelerDraft.id.desc())).all()
        return [_view(row) for row in rows]


def _own(finsam: Finsam, capacity: Capacity, draft_id: int) -> ModelerDraft:
    with finsam.db.read() as session:
        row = session.get(ModelerDraft, draft_id)
    if row is None or not policy.owns_draft(capacity, row.forbund, row.username):
        raise NotFound(f"draft {draft_id}")
    return row


def open_draft(finsam: Finsam, capacity: Capacity, draft_id: int) -> DraftView:
    """One of the designer's own drafts; NotFound for anyone else's (and for another förbund's)."""
    policy.require(capacity, policy.DESIGN)
    return _view(_own(finsam, capacity, draft_id))


def delete_draft(finsam: Finsam, capacity: Capacity, draft_id: int) -> None:
    """Delete one of the designer's own drafts; NotFound for anyone else's."""
    policy.require(capacity, policy.DESIGN)
    _own(finsam, capacity, draft_id)
    with finsam.db.write() as session:
        row = session.get(ModelerDraft, draft_id)
        if row is not None:
            session.delete(row)
