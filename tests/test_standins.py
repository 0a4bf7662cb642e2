"""Ställföreträdare and handing a held task to a named colleague (issue 18).

A stand-in named for a period sees and acts on the absent colleague's work in that period (the
policy's grants and the engine's lock ask the same), never outside it; every step it takes on
the absent person's held task is recorded "X för Y". A held task goes only to a colleague the
policy lets act on it, and that colleague is told by mail.
"""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import select

from engine import Conflict, Forbidden, InvalidData, NotFound
from engine.store.models import Event, HumanTask, Notification
from workflows import Finsam, notify
from workflows.models import Membership, StandIn, User
from workflows.standins import (
    candidates,
    end_stand_in,
    name_stand_in,
    stand_ins_of,
)
from workflows.system import diagrams_dir
from workflows.tenants import add_forbund
from workflows.users import add_user, capacities, today

from .conftest import Browser
from .test_processes import DESIGN
from .walk import Desk

TODAY = today()


def _me(finsam: Finsam, username: str) -> Any:
    return capacities(finsam.db, username)[0]


@pytest.fixture
def held(finsam: Finsam, database_url: str) -> dict[str, Any]:
    """A Finsam insats whose design task Arbetsförmedlingen's `af` has taken, and two more
    people of Arbetsförmedlingen: `af2` (a representative) and `af-admin` (no work)."""
    add_user(finsam.db, "af2", "nnv-skane", "af", "representant", "finsam-demo",
             display_name="Anna Andersson")
    add_user(finsam.db, "af-admin", "nnv-skane", "af", "admin", "finsam-demo")
    desk = Desk(database_url)
    _, routes = desk.need(["af", "fk", "angelholm"], "finansiell_samordning", user="af")
    insats = routes["finansiell_samordning"].id
    task = desk.task("af", insats, "utforma_insats")
    finsam.claim_task(_me(finsam, "af"), task.id)
    return {"instance": insats, "task": task.id}


def _events(finsam: Finsam, instance_id: int) -> list[Event]:
    with finsam.db.read() as session:
        return list(session.scalars(select(Event).where(Event.instance_id == instance_id)
                                    .order_by(Event.seq)))


def _membership(finsam: Finsam, username: str, org: str) -> int:
    with finsam.db.read() as session:
        return int(session.scalar(select(Membership.id).join(User).where(
            User.username == username, Membership.org == org)))


def test_a_stand_in_completes_the_absent_persons_task_recorded_for_whom(
        finsam: Finsam, held: dict[str, Any]) -> None:
    af2 = _me(finsam, "af2")
    with pytest.raises(Conflict):  # before: af's task is not af2's
        finsam.complete_task(af2, held["task"], {**DESIGN, "processagare": "af"})
    offered = [c.username for c in candidates(finsam.db, _me(finsam, "af"))]
    assert offered == ["af2"]  # not af itself, not af-admin (no work), not fk
    name_stand_in(finsam.db, _me(finsam, "af"), _membership(finsam, "af2", "af"), TODAY,
                  TODAY + timedelta(days=3))
    af2 = _me(finsam, "af2")
    assert [a.username for a in af2.stands_in_for] == ["af"]
    mine = finsam.task_list(af2, claimed_by_me=True)
    assert [t.id for t in mine] == [held["task"]]
    finsam.complete_task(af2, held["task"], {**DESIGN, "processagare": "af"})
    last = _events(finsam, held["instance"])[-1]
    # The history records both people by their pseudonymous ids (tests/test_personal_data.py).
    assert (last.kind, last.actor, last.acting_as) == (
        "completed", af2.actor_id, f"af (representant) för {_me(finsam, 'af').actor_id}")


def test_a_stand_in_releases_and_hands_on_the_absent_persons_task(
        finsam: Finsam, held: dict[str, Any]) -> None:
    name_stand_in(finsam.db, _me(finsam, "af"), _membership(finsam, "af2", "af"), TODAY, TODAY)
    finsam.unclaim_task(_me(finsam, "af2"), held["task"])
    last = _events(finsam, held["instance"])[-1]
    assert (last.kind, last.acting_as) == (
        "unclaimed", f"af (representant) för {_me(finsam, 'af').actor_id}")


@pytest.mark.parametrize("period", [(-5, -1), (1, 4)], ids=["over", "not-begun"])
def test_a_stand_in_outside_the_period_is_refused(finsam: Finsam, held: dict[str, Any],
                                                  period: tuple[int, int]) -> None:
    with finsam.db.write() as session:  # a period already over cannot be named; stored as if
        forbund_id = session.scalar(select(Membership.forbund_id).where(
            Membership.id == _membership(finsam, "af", "af")))
        session.add(StandIn(forbund_id=forbund_id,
                            absent_membership_id=_membership(finsam, "af", "af"),
                            deputy_membership_id=_membership(finsam, "af2", "af"),
                            starts_on=TODAY + timedelta(days=period[0]),
                            ends_on=TODAY + timedelta(days=period[1]),
                            created_by="af", created_at=finsam.engine.clock()))
    af2 = _me(finsam, "af2")
    assert af2.stands_in_for == ()
    assert finsam.task_list(af2, claimed_by_me=True) == []
    with pytest.raises(Conflict):
        finsam.complete_task(af2, held["task"], {**DESIGN, "processagare": "af"})
    with pytest.raises(Conflict):
        finsam.unclaim_task(af2, held["task"])


def test_naming_and_ending_a_stand_in_is_in_the_administrative_history(
        finsam: Finsam, held: dict[str, Any], app) -> None:  # type: ignore[no-untyped-def]
    from workflows import admin_history

    af, af2 = _me(finsam, "af"), _me(finsam, "af2")
    row = name_stand_in(finsam.db, af, _membership(finsam, "af2", "af"), TODAY,
                        TODAY + timedelta(days=2))
    end_stand_in(finsam.db, af2, row.id)
    named, ended = admin_history.events(finsam.db, "nnv-skane")[-2:]
    assert (named.kind, named.actor, named.data) == ("stand_in_named", af.actor_id, {
        "stand_in": row.id, "absent": af.actor_id, "deputy": af2.actor_id, "org": "af",
        "starts_on": TODAY.isoformat(), "ends_on": (TODAY + timedelta(days=2)).isoformat()})
    assert (ended.kind, ended.actor, ended.data) == ("stand_in_ended", af2.actor_id, {
        "stand_in": row.id, "absent": af.actor_id, "deputy": af2.actor_id})
    assert admin_history.verify(finsam.db, "nnv-skane").ok
    auditor = Browser(app.test_client())
    auditor.login("auditor")
    page = auditor.get("/audit/administration").get_data(as_text=True)
    assert "Ställföreträdare utsedd" in page and "Ställföreträdare avslutad" in page
    assert "deputy: Anna Andersson" in page and af2.actor_id not in page


def test_an_ended_stand_in_acts_no_more(finsam: Finsam, held: dict[str, Any]) -> None:
    row = name_stand_in(finsam.db, _me(finsam, "af"), _membership(finsam, "af2", "af"), TODAY,
                        TODAY + timedelta(days=2))
    with pytest.raises(NotFound):  # a third person cannot end it
        end_stand_in(finsam.db, _me(finsam, "fk"), row.id)
    end_stand_in(finsam.db, _me(finsam, "af2"), row.id)  # either of the two can
    assert stand_ins_of(finsam.db, _me(finsam, "af")) == []
    with pytest.raises(Conflict):
        finsam.complete_task(_me(finsam, "af2"), held["task"], {**DESIGN, "processagare": "af"})


def test_a_switched_off_absent_membership_lends_nothing(finsam: Finsam,
                                                        held: dict[str, Any]) -> None:
    from workflows.memberships import set_active

    name_stand_in(finsam.db, _me(finsam, "af"), _membership(finsam, "af2", "af"), TODAY, TODAY)
    set_active(finsam.db, "nnv-skane", "af", False)
    assert _me(finsam, "af2").stands_in_for == ()


@pytest.mark.parametrize("who, days, field", [
    ("fk", (0, 1), "deputy"),  # another organisation
    ("af", (0, 1), "deputy"),  # oneself
    ("af-admin", (0, 1), "deputy"),  # a colleague without work
    ("annat-af", (0, 1), "deputy"),  # Arbetsförmedlingen of another förbund
    ("af2", (3, 1), "ends_on"),  # ends before it begins
    ("af2", (-3, -1), "ends_on"),  # already over
    ("af2", (0, 400), "ends_on"),  # more than a year
])
def test_naming_a_stand_in_refuses(finsam: Finsam, held: dict[str, Any], who: str,
                                   days: tuple[int, int], field: str) -> None:
    add_forbund(finsam.engine, "annat", "Samordningsförbundet Annat",
                ["af:af:Arbetsförmedlingen"], sorted(diagrams_dir().glob("*.bpmn")), "test")
    add_user(finsam.db, "annat-af", "annat", "af", "representant", "finsam-demo")
    org = "fk" if who == "fk" else "af"
    with pytest.raises(InvalidData) as refused:
        name_stand_in(finsam.db, _me(finsam, "af"), _membership(finsam, who, org),
                      TODAY + timedelta(days=days[0]), TODAY + timedelta(days=days[1]))
    assert field in refused.value.details
    with finsam.db.read() as session:
        assert session.scalar(select(StandIn.id)) is None


def test_a_held_task_goes_only_to_a_colleague_who_may_act_on_it(
        finsam: Finsam, held: dict[str, Any]) -> None:
    af = _me(finsam, "af")
    offered = [c.username for c in finsam.handover_candidates(af, held["task"])]
    assert offered == ["af2"]
    for stranger in ("fk", "af-admin", "kansli", "af"):
        with pytest.raises(Forbidden):
            finsam.hand_over_task(af, held["task"], stranger)
    with pytest.raises(Conflict):  # only who holds it hands it on
        finsam.hand_over_task(_me(finsam, "fk"), held["task"], "af2")
    finsam.hand_over_task(af, held["task"], "af2")
    af_id, af2_id = af.actor_id, _me(finsam, "af2").actor_id  # what the history records
    with finsam.db.read() as session:
        assert session.get_one(HumanTask, held["task"]).claimed_by == af2_id
        told = session.scalars(select(Notification.assignee)
                               .where(Notification.kind == "handed_over")).all()
    assert told == [af2_id]
    last = _events(finsam, held["instance"])[-1]
    assert (last.kind, last.actor, last.data) == (
        "handed_over", af_id, {"name": last.data["name"], "from": af_id, "to": af2_id})
    with pytest.raises(Conflict):  # af holds it no more
        finsam.hand_over_task(af, held["task"], "af2")
    assert finsam.handover_candidates(af, held["task"]) == []


def test_an_unclaimed_task_is_taken_before_it_is_handed_on(finsam: Finsam,
                                                           held: dict[str, Any]) -> None:
    af = _me(finsam, "af")
    finsam.unclaim_task(af, held["task"])
    with pytest.raises(Conflict):
        finsam.hand_over_task(af, held["task"], "af2")


def test_the_colleague_handed_a_task_is_told_by_mail(finsam: Finsam,
                                                     held: dict[str, Any]) -> None:
    notify.set_preferences(finsam.db, "af2", "af2@example.se", "digest")
    notify.set_preferences(finsam.db, "fk", "fk@example.se", "each")
    sent: list[EmailMessage] = []
    config = notify.SmtpConfig(host="unused")
    notify.send_outbox(finsam.db, finsam.engine.clock, config, send=sent.extend)
    sent.clear()
    finsam.hand_over_task(_me(finsam, "af"), held["task"], "af2")
    notify.send_outbox(finsam.db, finsam.engine.clock, config, send=sent.extend)
    assert [str(m["To"]) for m in sent] == ["af2@example.se"]
    assert "lämnats till dig" in str(sent[0]["Subject"])


def test_the_pages_name_a_stand_in_and_hand_a_task_over(finsam: Finsam, held: dict[str, Any],
                                                        browser: Browser) -> None:
    browser.login("af")
    page = browser.get(f"/tasks/{held['task']}").get_data(as_text=True)
    offered = page.split('id="handover-username"')[1].split("</select>")[0]
    assert 'value="af2"' in offered and offered.count("<option") == 1
    assert browser.get("/standins").status_code == 200
    wrong = browser.post("/standins", {"deputy": _membership(finsam, "fk", "fk"),
                                       "starts_on": TODAY.isoformat(),
                                       "ends_on": TODAY.isoformat()})
    assert wrong.status_code == 422
    bad_date = browser.post("/standins", {"deputy": _membership(finsam, "af2", "af"),
                                          "starts_on": "igår", "ends_on": "imorgon"})
    assert bad_date.status_code == 422
    named = browser.post("/standins", {"deputy": _membership(finsam, "af2", "af"),
                                       "starts_on": TODAY.isoformat(),
                                       "ends_on": (TODAY + timedelta(days=1)).isoformat()})
    assert named.status_code == 302
    assert "Anna Andersson" in browser.get("/standins").get_data(as_text=True)
    handed = browser.post(f"/tasks/{held['task']}/handover", {"username": "af2"})
    assert handed.status_code == 302
    refused = browser.post(f"/tasks/{held['task']}/handover", {"username": "af2"})
    assert refused.status_code == 409
    browser.logout()
    browser.login("af2")
    page = browser.get(f"/instances/{held['instance']}").get_data(as_text=True)
    assert "lämnade" in page and "till Anna Andersson" in page  # by name (issue 19)


def test_a_role_without_work_has_no_stand_in_page(finsam: Finsam, browser: Browser) -> None:
    browser.login("designer")
    assert browser.get("/standins").status_code == 403


def test_the_api_hands_a_held_task_over(finsam: Finsam, held: dict[str, Any], client) -> None:  # type: ignore[no-untyped-def]
    from workflows.users import new_token

    headers = {"Authorization": f"Bearer {new_token(finsam.db, 'af')}"}
    url = f"/api/tasks/{held['task']}/handover"
    assert client.post(url, json={"username": "fk"}, headers=headers).status_code == 403
    assert client.post(url, json=["af2"], headers=headers).status_code == 422
    answer = client.post(url, json={"username": "af2"}, headers=headers)
    assert answer.status_code == 200 and answer.get_json()["claimed_by"] == "af2"
    assert client.post(url, json={"username": "af2"}, headers=headers).status_code == 409
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert "/api/tasks/{task_id}/handover" in paths
