"""The task list's search and filters (issue 19): words over the step, the case's title and its
notes, the party a step waits for, overdue steps and the period, in the list's own statement."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import update

from engine.store.models import HumanTask
from workflows import Finsam
from workflows.users import capacities

from .conftest import Browser
from .test_plain_swedish import visible_text
from .test_processes import ESF_PARTIES, FINSAM_PARTIES
from .walk import Desk


def _cards(page: str) -> list[str]:
    return [visible_text(c) for c in re.findall(r'(?s)<li class="task-card.*?</li>', page)]


def test_search_and_filters(browser: Browser, finsam: Finsam, database_url: str) -> None:
    desk = Desk(database_url)
    _, finsam_routes = desk.need(FINSAM_PARTIES, "finansiell_samordning",
                                 titel="Arbetsträning i Klippan")
    _, esf_routes = desk.need(ESF_PARTIES, "esf_plus", titel="Språkcafé för nyanlända")
    kansli = capacities(finsam.db, "kansli")[0]
    finsam.case_files.add_note(kansli, esf_routes["esf_plus"].id, "Volontärerna är bokade.")
    fk = "fk" if "fk" in FINSAM_PARTIES and "fk" in ESF_PARTIES else sorted(
        set(FINSAM_PARTIES) & set(ESF_PARTIES))[0]
    browser.login(fk)
    everything = _cards(browser.get("/").get_data(as_text=True))
    assert len(everything) >= 2

    by_title = _cards(browser.get("/?q=arbetsträning").get_data(as_text=True))
    assert by_title and all("Arbetsträning i Klippan" in c for c in by_title)
    by_note = _cards(browser.get("/?q=volontärerna").get_data(as_text=True))
    assert by_note and all("Språkcafé för nyanlända" in c for c in by_note)
    by_step = _cards(browser.get("/?q=projektid").get_data(as_text=True))
    assert by_step and all("projektidé" in c.casefold() for c in by_step)
    none = browser.get("/?q=finnsinte").get_data(as_text=True)
    assert not _cards(none) and "Visa alla uppgifter" in none  # a way onward

    with finsam.db.write() as session:  # one step of the Finsam route is late
        session.execute(update(HumanTask).where(
            HumanTask.instance_id == finsam_routes["finansiell_samordning"].id,
            HumanTask.state == "open").values(
                due_at=finsam.engine.clock() - timedelta(days=2)))
    late = _cards(browser.get("/?overdue=1").get_data(as_text=True))
    assert late and all("Arbetsträning i Klippan" in c for c in late)

    today = finsam.engine.clock().date()
    assert len(_cards(browser.get(f"/?from={today}&to={today}").get_data(as_text=True))) == \
        len(everything)
    assert not _cards(browser.get(f"/?from={today + timedelta(days=1)}").get_data(as_text=True))
    assert browser.get("/?to=igår").status_code == 400
    party = _cards(browser.get("/?party=parternas_foretradare").get_data(as_text=True))
    assert all("Parternas företrädare" in c for c in party)
