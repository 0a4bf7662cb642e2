"""The auditor's pages and the replay API."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from engine.history.export import parse, verify_export
from engine.store.models import Event
from workflows import Finsam

from . import test_processes as walks
from .conftest import Browser
from .walk import Desk


@pytest.fixture
def history(finsam: Finsam, database_url: str) -> int:
    walks.test_esf_ansokan_avslagen(Desk(database_url))
    return 2


def test_auditor_lists_filters_and_verifies(browser: Browser, history: int) -> None:
    browser.login("auditor")
    page = browser.get("/audit/").get_data(as_text=True)
    assert f"/audit/instances/{history}" in page and "/audit/instances/1" in page
    esf_only = browser.get("/audit/?process=esf_plus&org=fk&status=completed").get_data(
        as_text=True
    )
    assert f"/audit/instances/{history}" in esf_only and "/audit/instances/1\"" not in esf_only
    none = browser.get("/audit/?org=bastad").get_data(as_text=True)
    assert "Inga ärenden matchar filtret" in none
    verified = browser.post("/audit/verify").get_data(as_text=True)
    assert "Alla 2 ärenden verifierades" in verified


def test_verify_all_shows_findings(browser: Browser, finsam: Finsam, history: int) -> None:
    with finsam.db.write() as session:
        session.execute(update(Event).where(Event.instance_id == history, Event.seq == 3)
                        .values(acting_as="styrelse"))
    browser.login("auditor")
    page = browser.get("/audit/").get_data(as_text=True)
    assert "Avvikelse" not in page
    verified = browser.post("/audit/verify").get_data(as_text=True)
    assert "Avvikelser hittades" in verified and f"instance {history}, event 3" in verified


def test_step_through_replay(browser: Browser, history: int) -> None:
    browser.login("auditor")
    last = browser.get(f"/audit/instances/{history}").get_data(as_text=True)
    assert "Händelse 18 av 18" in last and "Stämmer" in last
    first = browser.get(f"/audit/instances/{history}?step=0").get_data(as_text=True)
    assert "Händelse 1 av 18" in first and 'rel="next"' in first and 'rel="prev"' not in first
    middle = browser.get(f"/audit/instances/{history}?step=9").get_data(as_text=True)
    assert "Ändrade uppgifter" in middle and 'class="changed"' in middle
    svg = browser.get(f"/audit/instances/{history}/diagram.svg?step=9")
    assert svg.mimetype == "image/svg+xml"
    text = svg.get_data(as_text=True)
    assert 'class="bpmn-element bpmn-userTask completed"' in text or "completed" in text
    assert "open" in text and "<script" not in text
    assert "script-src" not in svg.headers["Content-Security-Policy"]


def test_export_downloads_verify_offline(browser: Browser, history: int) -> None:
    browser.login("auditor")
    for fmt in ("json", "csv"):
        response = browser.get(f"/audit/instances/{history}/export.{fmt}")
        assert response.status_code == 200
        assert "attachment" in response.headers["Content-Disposition"]
        assert verify_export(parse(response.get_data(as_text=True))) == []


@pytest.mark.parametrize("user", ["fk", "kansli", "styrelse", "admin"])
def test_audit_pages_are_for_the_auditor(browser: Browser, history: int, user: str) -> None:
    browser.login(user)
    assert browser.get("/audit/").status_code == 403
    assert browser.get(f"/audit/instances/{history}").status_code in (403, 404)
    assert browser.post("/audit/verify").status_code == 403


def test_replay_api(client, browser: Browser, finsam: Finsam, history: int) -> None:  # type: ignore[no-untyped-def]
    browser.login("fk")
    body = browser.get(f"/api/instances/{history}/replay").get_json()
    assert body["ok"] is True and body["steps_replayed"] == 18 and body["findings"] == []
    with finsam.db.write() as session:
        session.execute(update(Event).where(Event.instance_id == history, Event.seq == 5)
                        .values(actor="x"))
    body = browser.get(f"/api/instances/{history}/replay").get_json()
    assert body["ok"] is False and body["findings"][0]["seq"] == 5
    events = browser.get(f"/api/instances/{history}/events").get_json()
    assert [e["seq"] for e in events] == list(range(1, 19))
    assert all(len(e["hash"]) == 64 for e in events)
    browser.logout()
    browser.login("styrelse")
    assert browser.get(f"/api/instances/{history}/replay").status_code == 404
