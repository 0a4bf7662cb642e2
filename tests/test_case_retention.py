"""Retention of ended cases (issue 18): `finsam retention` lists and purges the free text of a case
that ended longer ago than its förbund's retention (titles, form text fields, notes), every chain
still verifying with its anchors kept (`finsam replay --all`); what the follow-up needs stays; a
running case is never touched; a purged event or note changed afterwards is found."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from engine import Event, Instance, InstanceAttribute, Redaction
from engine.store.chain import chain_hash, event_body
from webui.cli import main
from workflows import Finsam, admin_history, retention
from workflows.case_retention import KEPT_VARIABLES, due_cases, purge_cases
from workflows.casefiles.files import PURGED
from workflows.memberships import OPERATOR
from workflows.models import CaseNote
from workflows.system import diagrams_dir
from workflows.users import capacities

from .walk import Desk

TITLE = "HEMLIG-TITEL-Knutpunkt"
MALGRUPP = "HEMLIG-MALGRUPP-unga"
SKAL = "HEMLIG-SKAL-annan huvudman"
NOTE = "HEMLIG-ANTECKNING om Eva"
SECRETS = (TITLE, MALGRUPP, SKAL, NOTE)
PARTIES = ["angelholm", "klippan", "region-skane"]


def texts_of(finsam: Finsam, instance_id: int) -> str:
    """Everything stored of one case, as one text: events, state, data, title, searchable
    variables and notes."""
    with finsam.db.read() as session:
        instance = session.get_one(Instance, instance_id)
        events = session.scalars(select(Event.data).where(Event.instance_id == instance_id))
        attributes = session.scalars(select(InstanceAttribute.value_text).where(
            InstanceAttribute.instance_id == instance_id))
        notes = session.scalars(select(CaseNote.body).where(
            CaseNote.instance_id == instance_id))
        return json.dumps([instance.title, instance.state, instance.data, list(events),
                           list(attributes), list(notes)], ensure_ascii=False)


@pytest.fixture
def cases(finsam: Finsam, database_url: str) -> dict[str, Any]:
    desk = Desk(database_url)
    ended, _ = desk.need(PARTIES, "utanfor_rutinen", titel=TITLE, malgrupp=MALGRUPP, skal=SKAL)
    finsam.case_files.add_note(capacities(finsam.db, "kansli")[0], ended.instance.id, NOTE)
    need, routes = desk.need(PARTIES, "finansiell_samordning", titel=TITLE, malgrupp=MALGRUPP)
    route = routes["finansiell_samordning"].id  # running: never purged
    with finsam.db.read() as session:
        done = session.get_one(Instance, ended.instance.id).completed_at
    assert done is not None
    return {"ended": ended.instance.id, "need": need.instance.id, "route": route, "at": done}


def verify_all(finsam: Finsam) -> list[str]:
    results, other = finsam.verify("nnv-skane")
    return [str(f) for r in results for f in r.findings] + [str(f) for f in other]


def test_the_kept_variables_are_every_structured_field_of_the_bundled_forms() -> None:
    """Generated from the forms: a choice, a date, a number or a yes/no stays; a text people
    write (no choices, no format) is purged unless it names an organisation or a reference."""
    references = {"parter", "medfinansiarer", "projektagare", "processagare",
                  "rehabilitering_utfors_av", "utlysning", "ansvarsoverenskommelse",
                  "beslut_referens", "ansokan_referens", "esf_diarienummer",
                  "protokoll_paragraf"}
    structured, written = set(), set()
    for path in (diagrams_dir() / "forms").glob("*.json"):
        for name, schema in json.loads(path.read_text())["properties"].items():
            items = schema.get("items", {})
            choice = any(k in schema or k in items for k in ("enum", "oneOf", "const")) \
                or schema.get("format") == "date" \
                or {schema.get("type"), items.get("type")} & {"boolean", "integer", "number"}
            (structured if choice else written).add(name)
    assert structured <= KEPT_VARIABLES
    assert written & KEPT_VARIABLES <= references
    assert {"titel", "malgrupp", "skal", "syfte", "mal", "genomfort"} <= written - KEPT_VARIABLES


def test_retention_purges_the_free_text_of_ended_cases_and_every_chain_verifies(
        finsam: Finsam, cases: dict[str, Any], database_url: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    ended, need, route = cases["ended"], cases["need"], cases["route"]
    assert not due_cases(finsam.db, cases["at"] + timedelta(days=400))  # no retention set
    retention.set_months(finsam.db, "nnv-skane", 12, OPERATOR)
    assert not due_cases(finsam.db, cases["at"] + timedelta(days=300))
    later = cases["at"] + timedelta(days=370)
    assert {c.instance_id for c in due_cases(finsam.db, later)} == {ended, need}
    with finsam.db.read() as session:
        hashes = list(session.execute(select(Event.instance_id, Event.seq, Event.hash)
                                      .order_by(Event.id)))
    head = finsam.engine.ledger_head("nnv-skane")
    for secret in SECRETS:
        assert secret in texts_of(finsam, ended)

    outcomes = purge_cases(finsam.engine, OPERATOR, later)
    assert [(o.case.instance_id, o.purged) for o in outcomes] == [(ended, True), (need, True)]
    assert outcomes[0].events >= 2 and outcomes[0].notes == 1
    for instance_id in (ended, need):
        stored = texts_of(finsam, instance_id)
        assert not [s for s in SECRETS if s in stored], stored[:2000]
        assert PURGED in stored
    with finsam.db.read() as session:
        data = session.get_one(Instance, ended).data
        # what the follow-up reads stays
        assert data["finansieringsform"] == "utanfor_rutinen" and data["parter"] == PARTIES
        assert session.get_one(Instance, ended).outcome == "utanfor_rutinen"
        assert list(session.execute(select(Event.instance_id, Event.seq, Event.hash)
                                    .order_by(Event.id))) == hashes  # every link kept
    assert finsam.engine.ledger_head("nnv-skane") == head  # the anchor kept
    assert TITLE in texts_of(finsam, route)  # the running route is untouched
    assert verify_all(finsam) == []
    assert [e.kind for e in admin_history.events(finsam.db, "nnv-skane")][-2:] == [
        "case_text_purged", "case_text_purged"]
    assert due_cases(finsam.db, later) == []  # purged once
    assert finsam.case_files.notes(capacities(finsam.db, "kansli")[0], ended)[0].body == PURGED

    monkeypatch.setenv("FINSAM_DATABASE_URL", database_url)
    replay = CliRunner().invoke(main, ["replay", "--all"], catch_exceptions=False)
    assert replay.exit_code == 0, replay.output

    # A purged event or note changed afterwards is found.
    with finsam.db.write() as session:
        event = session.scalars(select(Event).where(Event.instance_id == ended, Event.seq == 1)
                                ).one()
        event.data = {**event.data, "data": {**event.data["data"], "titel": "ändrad"}}
        session.execute(update(CaseNote).where(CaseNote.instance_id == ended)
                        .values(body="ny text"))
    found = verify_all(finsam)
    assert any("does not match its hash" in f for f in found), found
    assert any("purged note holds text again" in f for f in found), found

    # Re-hashing the changed event into its redaction row is found too: the administrative
    # history recorded the hashes at the purge.
    with finsam.db.write() as session:
        event = session.scalars(select(Event).where(Event.instance_id == ended, Event.seq == 1)
                                ).one()
        row = session.scalars(select(Redaction).where(Redaction.instance_id == ended,
                                                      Redaction.seq == 1)).one()
        row.content_hash = chain_hash(event.prev_hash, event_body(
            event.instance_id, event.seq, event.at, event.actor, event.acting_as, event.kind,
            event.task, event.task_guid, event.data))
    found = verify_all(finsam)
    assert not any("does not match its hash" in f for f in found), found
    assert any("differ from those the administrative history recorded" in f for f in found)


def test_the_cli_lists_then_purges(finsam: Finsam, cases: dict[str, Any], database_url: str,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINSAM_DATABASE_URL", database_url)
    run = CliRunner()
    assert run.invoke(main, ["retention", "--forbund", "nnv-skane", "--months", "1"]
                      ).exit_code == 0
    with finsam.db.write() as session:  # the cases ended two months ago
        session.execute(update(Instance).where(Instance.status == "completed").values(
            completed_at=cases["at"] - timedelta(days=62)))
    listed = run.invoke(main, ["retention", "--dry-run"], catch_exceptions=False)
    assert f"DUE case {cases['ended']} (behovsanalys) in nnv-skane" in listed.output
    assert "2 ended cases due; no text purged" in listed.output
    assert TITLE in texts_of(finsam, cases["ended"])
    purged = run.invoke(main, ["retention"], catch_exceptions=False)
    assert purged.exit_code == 0, purged.output
    assert "PURGED (" in purged.output and "2 ended cases purged, 0 kept" in purged.output
    assert TITLE not in texts_of(finsam, cases["ended"])


def test_a_case_that_does_not_verify_is_kept_with_the_reason(
        finsam: Finsam, cases: dict[str, Any]) -> None:
    retention.set_months(finsam.db, "nnv-skane", 1, OPERATOR)
    with finsam.db.write() as session:
        event = session.scalars(select(Event).where(Event.instance_id == cases["ended"],
                                                    Event.seq == 1)).one()
        event.actor = "någon annan"
    outcomes = purge_cases(finsam.engine, OPERATOR, cases["at"] + timedelta(days=40))
    kept = [o for o in outcomes if o.case.instance_id == cases["ended"]]
    assert len(kept) == 1 and not kept[0].purged and "does not verify" in kept[0].reason
    assert TITLE in texts_of(finsam, cases["ended"])


def test_a_purged_case_exported_verifies_offline(finsam: Finsam, cases: dict[str, Any],
                                                 database_url: str, tmp_path: Any,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # The auditor's export of a purged case carries, for each purged event, the hash its purged
    # content chains to, so `finsam audit verify` checks it offline as the database's
    # verification does; its head is the head the case had before the purge.
    ended = cases["ended"]
    before = finsam.engine.events("nnv-skane", ended)[-1]
    retention.set_months(finsam.db, "nnv-skane", 12, OPERATOR)
    purge_cases(finsam.engine, OPERATOR, cases["at"] + timedelta(days=370))
    monkeypatch.setenv("FINSAM_DATABASE_URL", database_url)
    monkeypatch.delenv("FINSAM_AUDIT_KEY", raising=False)
    run = CliRunner()
    for fmt in ("json", "csv"):
        exported = tmp_path / f"case.{fmt}"
        result = run.invoke(main, ["audit", "export", str(ended), "--forbund", "nnv-skane",
                                   "--format", fmt, "-o", str(exported)], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        text = exported.read_text(encoding="utf-8")
        assert not [s for s in SECRETS if s in text] and PURGED in text and "purged_hash" in text
        kept = f"{before.seq}:{before.hash}"
        checked = run.invoke(main, ["audit", "verify", str(exported), "--head", kept])
        assert checked.exit_code == 0, checked.output
        # A purged event changed in the file is found.
        changed = exported.with_suffix(f".changed.{fmt}")
        changed.write_text(text.replace(PURGED, "ändrad", 1), encoding="utf-8")
        checked = run.invoke(main, ["audit", "verify", str(changed), "--head", kept])
        assert checked.exit_code == 1 and "content does not match its hash" in checked.output, \
            checked.output
