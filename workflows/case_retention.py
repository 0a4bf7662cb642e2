"""Retention of ended cases: the free text of a case that ended longer ago than its förbund's
retention (`Forbund.retention_months`, the same setting as for people) is purged.

Free text is every text of a case but what the follow-up and the audit need (`KEPT_VARIABLES`,
an allow-list: choices, organisations, dates, amounts, references): the title, the texts people
wrote into forms (a need's målgrupp, an insats's syfte and mål, an agreement's reason, what each
party did, ...) and the case's notes. They become `PURGED` in the history's events, the stored
state, the data, the searchable variables and the notes (`Engine.redact`); each event keeps its
stored hash, so every chain, the ledger and every anchor kept outside stay as they were, and
`finsam replay --all` still verifies (each purged event against the hash its purged content
chains to; the replay itself ran, clean, just before the purge). Each purge is an event of the
förbund's administrative history. Documents attached to a case are not purged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select

from engine import Conflict, Database, Engine, Finding, Instance, Redaction, utc_now

from .admin_history import record
from .casefiles.files import PURGED
from .models import AdminEvent, CaseNote, Forbund
from .retention import plus_months

# What stays of an ended case: the variables the follow-up report, the links between cases and
# the audit read. Every other variable's text is purged.
KEPT_VARIABLES = frozenset({
    # the need and the routes it started
    "inom_finsam_malgrupp", "parter", "finansieringsform", "utlysning", "behov_id",
    "projektparter", "fk_fallback", "nytt_behov", "avbryt",
    # the insats (finansiell samordning)
    "insatstyp", "preciserad_inriktning", "specifik_malgrupp", "sokt_belopp", "processagare",
    "rehabilitering_utfors_av", "forankrad", "styrelsebeslut", "beviljat_belopp",
    "period_start", "period_slut", "motesdatum", "protokoll_paragraf", "deltagare_kvinnor",
    "deltagare_man", "genomford_datum", "personal_antal", "personal_uppfoljning",
    # the yearly participants while an insats runs (numbers and a choice, issue 17)
    "arets_kvinnor", "arets_man", "arets_personal_antal", "arets_personal_uppfoljning",
    "deltagare_per_ar",
    # the ESF+ project
    "mandat", "vill_vara_projektagare", "medfinansierar", "overenskommelse", "projektagare",
    "medfinansiarer", "ansvarsoverenskommelse", "beslut", "beslut_referens", "ansokan_referens",
    "inskickad_datum", "esf_beslut", "esf_diarienummer", "beslut_datum", "projektperiod_start",
    "projektperiod_slut", "slutrapport_datum",
    # the bevakning of the utlysningsplan
    "utlysningsplan_kontrollerad", "fortsatt_bevakning",
})


def keeps(name: str) -> bool:
    """Whether a case's variable `name` stays when its free text is purged."""
    return name in KEPT_VARIABLES


@dataclass(frozen=True)
class DueCase:
    """An ended case whose free text retention purges: which, and since when ended."""

    tenant: str
    instance_id: int
    process_id: str
    completed_at: datetime
    months: int


@dataclass(frozen=True)
class CaseOutcome:
    """What a retention run did to one case: purged (events changed, notes), or kept and why."""

    case: DueCase
    purged: bool
    events: int = 0
    notes: int = 0
    reason: str = ""


def due_cases(db: Database, now: datetime | None = None) -> list[DueCase]:
    """Every ended case of a förbund with a retention whose end is older than it and whose text
    was not purged yet, oldest first."""
    at = now or utc_now()
    with db.read() as session:
        months = {slug: m for slug, m in session.execute(
            select(Forbund.slug, Forbund.retention_months)) if m is not None}
        if not months:
            return []
        rows = session.execute(
            select(Instance.tenant, Instance.id, Instance.process_id, Instance.completed_at)
            .where(Instance.status == "completed", Instance.completed_at.is_not(None),
                   Instance.tenant.in_(list(months)), Instance.title != PURGED,
                   ~exists().where(Redaction.instance_id == Instance.id))
            .order_by(Instance.completed_at, Instance.id)).all()
    return [DueCase(tenant, instance_id, process_id, ended, months[tenant])
            for tenant, instance_id, process_id, ended in rows
            if ended is not None and plus_months(ended, months[tenant]) <= at]


def purge_cases(engine: Engine, by: str, now: datetime | None = None) -> list[CaseOutcome]:
    """Purge the free text of every case `due_cases` names, each in the förbund's
    administrative history; a case whose history does not verify is kept, with the reason."""
    at = now or utc_now()
    outcomes = []
    for case in due_cases(engine.db, at):
        try:
            events = engine.redact(case.tenant, case.instance_id, keeps, PURGED)
        except Conflict as error:
            outcomes.append(CaseOutcome(case, False, reason=str(error)))
            continue
        with engine.db.write() as session:
            hashes = {str(seq): digest for seq, digest in session.execute(
                select(Redaction.seq, Redaction.content_hash)
                .where(Redaction.instance_id == case.instance_id).order_by(Redaction.seq))}
            notes = 0
            for note in session.scalars(select(CaseNote).where(
                    CaseNote.instance_id == case.instance_id, CaseNote.purged_at.is_(None))):
                note.body, note.purged_at = PURGED, at
                notes += 1
            record(session, case.tenant, by, "case_text_purged", {
                "instance_id": case.instance_id, "process_id": case.process_id,
                "events": events, "notes": notes, "retention_months": case.months,
                "redactions": hashes}, at)
        outcomes.append(CaseOutcome(case, True, events, notes))
    return outcomes


def check_redactions(db: Database, tenant: str, instance_ids: Iterable[int]
                     ) -> dict[int, list[Finding]]:
    """Each instance's redaction rows against the hashes its `case_text_purged` event in the
    förbund's hash-chained administrative history recorded (findings per instance, only those
    with any): a purged event re-written together with its redaction row is found here."""
    ids = set(instance_ids)
    recorded: dict[int, dict[str, str]] = {}
    with db.read() as session:
        for data in session.scalars(select(AdminEvent.data).where(
                AdminEvent.tenant == tenant, AdminEvent.kind == "case_text_purged")):
            if data.get("instance_id") in ids:
                recorded.setdefault(int(data["instance_id"]), {}).update(
                    data.get("redactions") or {})
        rows = session.execute(select(Redaction.instance_id, Redaction.seq,
                                      Redaction.content_hash)
                               .join(Instance, Instance.id == Redaction.instance_id)
                               .where(Instance.tenant == tenant)).all()
    stored: dict[int, dict[str, str]] = {}
    for instance_id, seq, digest in rows:
        if instance_id in ids:
            stored.setdefault(instance_id, {})[str(seq)] = digest
    found: dict[int, list[Finding]] = {}
    for instance_id in sorted(set(recorded) | set(stored)):
        if recorded.get(instance_id, {}) != stored.get(instance_id, {}):
            found[instance_id] = [Finding(instance_id, (
                "the purged events' hashes differ from those the administrative history "
                "recorded at the purge"))]
    return found
