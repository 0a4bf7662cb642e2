"""Personal data (issue 18): the history records people by a stable pseudonymous id, the
directory maps ids to names, and erasing a person (GDPR art. 17, after their memberships have
ended) removes their name and e-mail while every chain still verifies."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from engine import HumanTask, InvalidData, NotFound
from webui.cli import main
from workflows import Finsam, admin_history, directory, policy
from workflows.models import Person, User
from workflows.users import add_user, capacities

from .conftest import Browser
from .walk import NEED, Desk

NAME, DISPLAY, EMAIL = "vendela", "Vendela Quist", "vendela.quist@bastad.se"


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def _vendela(finsam: Finsam, now: datetime | None = None) -> str:
    """A person of Båstad with an e-mail address, added at `now`."""
    add_user(finsam.db, NAME, "nnv-skane", "bastad", "representant", "vendelas-losenord",
             display_name=DISPLAY, now=now)
    with finsam.db.write() as session:
        user = session.scalars(select(User).where(User.username == NAME)).one()
        user.email = EMAIL
    return NAME


def _actor_id(finsam: Finsam, username: str) -> str:
    return capacities(finsam.db, username)[0].actor_id


def test_new_events_record_a_pseudonymous_id_and_pages_show_the_name(
        finsam: Finsam, database_url: str, browser: Browser) -> None:
    _vendela(finsam)
    desk = Desk(database_url)
    started = desk.start_need(NAME, {"titel": NEED["titel"]})
    actor_id = _actor_id(finsam, NAME)
    assert actor_id.startswith("p-") and NAME not in actor_id
    events = finsam.engine.events("nnv-skane", started.instance.id)
    assert [e.actor for e in events] == [actor_id]
    # The id is the same on every capacity of the person, and another person's is another.
    assert _actor_id(finsam, "bastad") != actor_id
    browser.login("kansli")
    page = text(browser.get(f"/instances/{started.instance.id}"))
    assert DISPLAY in page and actor_id not in page
    # The administrative history records the person acted on and the admin by their ids, and
    # no address.
    added = admin_history.events(finsam.db, "nnv-skane")[-1]
    assert added.data.get("person") == actor_id and NAME not in str(added.data)
    assert EMAIL not in str([e.data for e in admin_history.events(finsam.db, "nnv-skane")])


def test_erasing_a_person_removes_the_name_and_every_chain_still_verifies(
        finsam: Finsam, database_url: str, browser: Browser,
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _vendela(finsam)
    desk = Desk(database_url)
    need, _routes = desk.need(["af", "fk", "bastad"], "finansiell_samordning", user=NAME)
    iid = need.instance.id
    actor_id = _actor_id(finsam, NAME)
    # An event as the history wrote them before the directory: the username itself.
    task = desk.tasks(NAME)[0]
    capacity = capacities(finsam.db, NAME)[0]
    old_style = replace(policy.actor(capacity), username=NAME)
    finsam.engine.claim_task(old_style, task.id)
    finsam.engine.unclaim_task(old_style, task.id)
    old_iid = task.instance_id
    assert any(e.actor == NAME for e in finsam.engine.events("nnv-skane", old_iid))

    kept = {i: finsam.engine.events("nnv-skane", i)[-1] for i in (iid, old_iid)}
    monkeypatch.setenv("FINSAM_DATABASE_URL", database_url)
    monkeypatch.delenv("FINSAM_AUDIT_KEY", raising=False)
    runner = CliRunner()
    # Refused while a membership has not ended: by the operator and on the admin's page.
    refused = runner.invoke(main, ["person", "erase", NAME])
    assert refused.exit_code == 1 and "inte är avslutade" in refused.output
    browser.login("admin")
    page = browser.post(f"/admin/users/{NAME}/erase")
    assert page.status_code == 422 and "Inaktivera personen först" in text(page)
    assert capacities(finsam.db, NAME)
    # Switched off in the förbund: now the admin may erase.
    assert browser.post(f"/admin/users/{NAME}/active", {"active": "0"}).status_code == 302
    erased = browser.post(f"/admin/users/{NAME}/erase")
    assert erased.status_code == 302
    with finsam.db.read() as session:
        assert session.scalar(select(User).where(User.username == NAME)) is None
        person = session.get_one(Person, actor_id)
        assert person.user_id is None and person.erased_at is not None
    assert directory.names(finsam.db, {actor_id, NAME}) == {
        actor_id: directory.ERASED, NAME: directory.ERASED}

    # Every chain verifies: instance histories and ledger, replay, the administrative history.
    for command in (["replay", "--all"], ["audit", "admin"]):
        result = runner.invoke(main, command)
        assert result.exit_code == 0, (command, result.output)
    for instance_id, head in kept.items():
        exported = tmp_path / f"{instance_id}.json"
        assert runner.invoke(main, ["audit", "export", str(instance_id), "--forbund",
                                    "nnv-skane", "-o", str(exported)]).exit_code == 0
        body = exported.read_text(encoding="utf-8")
        assert DISPLAY not in body and EMAIL not in body
        verified = runner.invoke(main, ["audit", "verify", str(exported), "--head",
                                        f"{head.seq}:{head.hash}"])
        assert verified.exit_code == 0, verified.output
    assert admin_history.verify(finsam.db, "nnv-skane").ok
    assert admin_history.events(finsam.db, "nnv-skane")[-1].kind == "person_erased"

    # No page, export or API answer shows the name or the address.
    kansli = Browser(browser.client.application.test_client())
    kansli.login("kansli")
    auditor = Browser(browser.client.application.test_client())
    auditor.login("auditor")
    answers = [
        kansli.get(f"/instances/{iid}"), kansli.get(f"/instances/{old_iid}"),
        kansli.get(f"/api/instances/{iid}/events"), kansli.get("/"),
        auditor.get(f"/audit/instances/{iid}"), auditor.get(f"/audit/instances/{old_iid}"),
        auditor.get("/audit/administration"), browser.get("/admin/users"),
    ]
    for answer in answers:
        assert answer.status_code == 200, answer.request.path
        body = text(answer)
        assert DISPLAY not in body and EMAIL not in body, answer.request.path
    assert "borttagen person" in text(answers[0]) and "borttagen person" in text(answers[1])
    assert "borttagen person" in text(answers[6])
    # Erased is erased: the name no longer signs in, and a second erasure finds nobody.
    assert runner.invoke(main, ["person", "erase", NAME]).exit_code == 1


def test_an_admin_erases_only_a_person_of_the_own_forbund(finsam: Finsam) -> None:
    from workflows.system import bundled_diagrams
    from workflows.tenants import add_forbund

    add_forbund(finsam.engine, "sodra", "Samordningsförbundet Södra",
                ["af:af:Arbetsförmedlingen"], bundled_diagrams(), "test")
    add_user(finsam.db, "s-admin", "sodra", "kansli", "admin", "finsam-demo")
    with pytest.raises(NotFound):  # a person of another förbund does not exist here
        directory.erase(finsam.db, "bastad", "s-admin", forbund="sodra")
    add_user(finsam.db, "tvaforbund", "sodra", "af", "representant", "finsam-demo")
    add_user(finsam.db, "tvaforbund", "nnv-skane", "af", "representant", "finsam-demo")
    with pytest.raises(InvalidData) as refused:
        directory.erase(finsam.db, "tvaforbund", "s-admin", forbund="sodra")
    assert "annat förbund" in refused.value.details["person"]


def test_retention_erases_people_whose_memberships_ended_long_enough_ago(
        finsam: Finsam, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from engine import utc_now
    from workflows import retention
    from workflows.memberships import set_active

    monkeypatch.setenv("FINSAM_DATABASE_URL", database_url)
    runner = CliRunner()
    ended = utc_now() - timedelta(days=400)
    _vendela(finsam, ended - timedelta(days=30))
    actor_id = _actor_id(finsam, NAME)
    set_active(finsam.db, "nnv-skane", NAME, False, by="admin", now=ended)
    # No retention set: the förbund keeps its people.
    assert retention.due(finsam.db) == []
    refused = runner.invoke(main, ["retention", "--forbund", "nnv-skane", "--months", "0"])
    assert refused.exit_code == 1 and "från 1 till 240" in refused.output
    setting = runner.invoke(main, ["retention", "--forbund", "nnv-skane", "--months", "12"])
    assert setting.exit_code == 0, setting.output
    assert admin_history.events(finsam.db, "nnv-skane")[-1].data == {"before": None, "after": 12}
    # Due 12 months after the membership ended, not before; a person at work never.
    assert retention.due(finsam.db, ended + timedelta(days=360)) == []
    [due] = retention.due(finsam.db)
    assert (due.username, due.actor_id, due.forbunds, due.months) == (
        NAME, actor_id, ("nnv-skane",), 12)
    listed = runner.invoke(main, ["retention", "--dry-run"])
    assert listed.exit_code == 0 and f"DUE {NAME} ({actor_id})" in listed.output
    assert capacities(finsam.db, "bastad") and directory.names(finsam.db, {NAME}) == {
        NAME: DISPLAY}
    run = runner.invoke(main, ["retention"])
    assert run.exit_code == 0 and f"ERASED {NAME}" in run.output and "1 erased" in run.output
    assert directory.names(finsam.db, {actor_id}) == {actor_id: directory.ERASED}
    last = admin_history.events(finsam.db, "nnv-skane")[-1]
    assert (last.kind, last.data) == ("person_erased",
                                      {"person": actor_id, "retention_months": 12})
    assert admin_history.verify(finsam.db, "nnv-skane").ok
    assert runner.invoke(main, ["replay", "--all"]).exit_code == 0
    assert runner.invoke(main, ["retention", "--dry-run"]).output.startswith("0 due")


def test_the_privacy_notice_is_linked_from_every_page_and_needs_no_login(client) -> None:  # type: ignore[no-untyped-def]
    login = text(client.get("/login"))
    assert 'href="/integritet"' in login
    page = client.get("/integritet")
    assert page.status_code == 200
    body = text(page)
    for said in ("Om dig som använder finsam-flow", "Inga personuppgifter om deltagare",
                 "borttagen person", "Argon2id", "förbunds administratör"):
        assert said in body
    english = client.get("/integritet?lang=en")
    assert "Privacy and personal data" in text(english)


def test_the_directory_migration_keeps_what_people_hold(finsam: Finsam, database_url: str
                                                        ) -> None:
    """Down to 0013 the task rows hold usernames again; up to 0016 each account gets a new id
    and keeps holding its tasks by it."""
    from workflows.schema import migrate_to, upgrade

    desk = Desk(database_url)
    _need, routes = desk.need(["af", "fk", "bastad"], "finansiell_samordning", user="af")
    task = desk.tasks("fk", routes["finansiell_samordning"].id)[0]
    finsam.claim_task(capacities(finsam.db, "fk")[0], task.id)
    finsam.close()
    db = Finsam(database_url)
    try:
        migrate_to(db.db, "0013", down=True)
        with db.db.read() as session:
            held = session.scalar(select(HumanTask.claimed_by).where(HumanTask.id == task.id))
        assert held == "fk"
        upgrade(db.db)
        fk = capacities(db.db, "fk")[0]
        with db.db.read() as session:
            held = session.scalar(select(HumanTask.claimed_by).where(HumanTask.id == task.id))
            ids = list(session.scalars(select(Person.actor_id)))
        assert held == fk.actor_id and len(set(ids)) == len(ids)
        db.unclaim_task(fk, task.id)  # still theirs
    finally:
        db.close()


def test_the_admin_sets_the_forbunds_retention(finsam: Finsam, browser: Browser) -> None:
    from workflows import retention

    browser.login("admin")
    page = text(browser.get("/admin/users"))
    assert "Hur länge konton sparas" in page and 'action="/admin/retention"' in page
    for wrong, said in (("tolv", "med siffror"), ("0", "från 1 till 240"),
                        ("241", "från 1 till 240")):
        refused = browser.post("/admin/retention", {"months": wrong})
        assert refused.status_code == 422 and said in text(refused), wrong
    assert retention.months_of(finsam.db, "nnv-skane") is None
    assert browser.post("/admin/retention", {"months": "24"}).status_code == 302
    assert retention.months_of(finsam.db, "nnv-skane") == 24
    last = admin_history.events(finsam.db, "nnv-skane")[-1]
    assert (last.kind, last.actor, last.data) == (
        "retention_set", capacities(finsam.db, "admin")[0].actor_id, {"before": None, "after": 24})
    assert 'value="24"' in text(browser.get("/admin/users"))
    assert browser.post("/admin/retention", {"months": ""}).status_code == 302
    assert retention.months_of(finsam.db, "nnv-skane") is None
    kansli = Browser(browser.client.application.test_client())
    kansli.login("kansli")
    assert kansli.post("/admin/retention", {"months": "1"}).status_code == 403
    assert retention.months_of(finsam.db, "nnv-skane") is None
