"""Every route of the URL map against every role: who may see, claim and complete what."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from engine import utc_now
from engine.store.models import Event, HumanTask, Instance, SpecVersion
from workflows import Finsam
from workflows.models import (
    ApiToken,
    CaseDocument,
    CaseNote,
    Membership,
    ModelerDraft,
    StandIn,
    User,
)
from workflows.standins import name_stand_in
from workflows.tokens import new_token, tokens_of
from workflows.users import add_user, capacities, today

from .conftest import Browser
from .test_processes import ESF_PARTIES, IDEA
from .walk import Desk

ROLES = ["anonymous", "bastad", "fk", "af", "kansli", "styrelse", "designer", "auditor", "admin",
         "nationell", "nationaladmin"]
PUBLIC = {"auth.login", "auth.language", "static", "api.openapi", "health.healthz",
          "people.invitation", "people.reset", "people.forgot",  # links by e-mail, no login
          "people.privacy",  # the privacy notice: shows nothing of anyone
          "sso.start", "sso.callback"}
# The operator's route, behind its own token (FINSAM_METRICS_TOKEN; 404 when none is set),
# never a login: a session of any role is refused like no session.
OPERATOR = {"metrics"}
SESSION_ONLY = {"auth.logout", "auth.switch_capacity", "auth.language", "auth.login"}
READ_ONLY_POSTS = {"audit.verify"}  # verifying reads everything and writes nothing
PERSONAL = {"profile.edit", "profile.revoke", "profile.answer", "profile.change_password",
            "people.invitation", "people.reset", "people.forgot"}  # one's own e-mail choice, API
# tokens, invitations and password


@pytest.fixture
def world(finsam: Finsam, database_url: str) -> dict[str, Any]:
    """A need that started both routes; the ESF+ route waiting at each party's mandate."""
    desk = Desk(database_url)
    result, started = desk.need(ESF_PARTIES, "bada")
    esf = started["esf_plus"].id
    desk.act("af", esf, "utforma_projektide", IDEA)
    desk.each_party(esf, "forankra_projektide", {org: {"forankrad": True} for org in ESF_PARTIES})
    tasks = {t.assignee: t.id for t in finsam.engine.open_tasks_of(esf)}
    for user in ("fk", "af"):
        new_token(finsam.db, user)
    api_tokens = {user: tokens_of(finsam.db, user)[0].id for user in ("fk", "af")}
    add_user(finsam.db, "fk2", "nnv-skane", "fk", "representant", "finsam-demo")
    add_user(finsam.db, "nationell", "nnv-skane", "fk", "nationell", "finsam-demo")
    add_user(finsam.db, "nationaladmin", "nnv-skane", "kansli", "nationell_admin", "finsam-demo")
    stand_in = name_stand_in(finsam.db, capacities(finsam.db, "fk")[0],
                             capacities(finsam.db, "fk2")[0].membership_id, today(), today())
    with finsam.db.write() as session:  # a colleague's modeler draft: nobody else's to open
        draft = ModelerDraft(forbund="nnv-skane", username="designer2", process_id="esf_plus",
                             bpmn="<x/>", forms={}, saved_at=utc_now())
        session.add(draft)
        session.flush()
        draft_id = draft.id
    document = finsam.case_files.attach(capacities(finsam.db, "kansli")[0], esf, "Ansökan.pdf",
                                        b"%PDF-1.7\n%%EOF\n")
    return {"need": result.instance.id, "esf": esf, "finsam": started["finansiell_samordning"].id,
            "tasks": tasks, "api_tokens": api_tokens, "stand_in": stand_in.id,
            "draft": draft_id, "document": document.id}


def snapshot(finsam: Finsam) -> tuple[object, ...]:
    with finsam.db.read() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model))
            for model in (Event, HumanTask, Instance, SpecVersion, User, Membership, ApiToken,
                          StandIn, ModelerDraft, CaseNote, CaseDocument)
        ) + (
            tuple(session.execute(select(ModelerDraft.id, ModelerDraft.saved_at)
                                  .order_by(ModelerDraft.id)).all()),
            tuple(session.execute(select(StandIn.id, StandIn.ended_at)
                                  .order_by(StandIn.id)).all()),
            tuple(session.execute(select(ApiToken.id, ApiToken.revoked_at)
                                  .order_by(ApiToken.id)).all()),
            tuple(session.execute(select(HumanTask.id, HumanTask.state, HumanTask.claimed_by)
                                  .order_by(HumanTask.id)).all()),
            tuple(session.execute(select(User.username, User.active).order_by(User.id)).all()),
        )


def url_for_rule(rule: Any, world: dict[str, Any], role: str) -> str:
    """A URL for the rule, pointing at something that is NOT the role's own."""
    foreign = world["tasks"]["fk"] if role != "fk" else world["tasks"]["af"]
    token = world["api_tokens"]["fk" if role != "fk" else "af"]  # another user's API token
    values = {"task_id": foreign, "instance_id": world["esf"], "username": "fk", "token_id": token,
              "filename": "A.1.0.png" if rule.endpoint == "designer.corpus_file" else "app.css",
              "fmt": "json", "process_id": "esf_plus", "version": 1,
              "membership_id": 10**6, "org": "bastad", "token": "not-a-link",
              "stand_in_id": world["stand_in"],  # fk's stand-in (fk2 for fk)
              "draft_id": world["draft"],  # another designer's modeler draft
              "document_id": world["document"],  # on the ESF+ route
              "provider_id": "not-configured",
              "name": "../../pyproject.toml"}  # a server file beside the modeler's assets
    return rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1]


def routes(app: Flask) -> list[tuple[Any, str]]:
    return sorted(
        ((rule, method) for rule in app.url_map.iter_rules()
         for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})),
        key=lambda pair: (pair[0].rule, pair[1]),
    )


def request(browser: Browser, method: str, url: str) -> Any:
    if method == "GET":
        return browser.get(url)
    if url.startswith("/api/"):
        headers = {"X-CSRF-Token": browser.csrf()}
        return browser.client.open(url, method=method, json={}, headers=headers)
    return browser.post(url, {})


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(app: Flask, client, finsam: Finsam, world: dict[str, Any], role: str) -> None:  # type: ignore[no-untyped-def]
    browser = Browser(client)
    if role != "anonymous":
        assert browser.login(role).status_code == 302
    before = snapshot(finsam)
    for rule, method in routes(app):
        if role != "anonymous" and rule.endpoint in SESSION_ONLY:
            continue  # logging out or switching capacity mid-matrix would test the wrong user
        url = url_for_rule(rule, world, role)
        response = request(browser, method, url)
        response.close()
        status = response.status_code
        where = f"{role} {method} {url} -> {status}"
        if role == "anonymous":
            if rule.endpoint in PUBLIC:
                continue
            if rule.endpoint in OPERATOR:
                assert status in (401, 404), where
                continue
            if url.startswith("/api/"):
                assert status == 401, where
            else:
                assert status == 302 and "/login" in response.headers["Location"], where
            continue
        if rule.endpoint in SESSION_ONLY:
            continue
        if "token_id" in rule.arguments:
            assert status == 404, where  # never another user's token
        if "stand_in_id" in rule.arguments and role != "fk":
            assert status in (403, 404), where  # nobody ends another person's stand-in
        if "task_id" in rule.arguments and not (role == "auditor" and method == "GET"):
            # Another organisation's task: never seen, claimed or completed (the auditor reads).
            assert status in (403, 404), where
        designer_own = role == "designer" and rule.endpoint.startswith("designer.")
        if "instance_id" in rule.arguments and role in ("styrelse", "designer", "admin",
                                                        "nationell", "nationaladmin") \
                and not designer_own:
            assert status in (403, 404), where
        writes = method != "GET" and rule.endpoint not in READ_ONLY_POSTS | PERSONAL
        if role in ("auditor", "nationell", "nationaladmin") and writes:
            assert status in (400, 403, 404, 405, 422), where
        assert status < 500, where
        if method == "GET" and role == "anonymous":
            continue
    after = snapshot(finsam)
    if role in ("auditor", "styrelse", "designer", "bastad", "nationell", "nationaladmin"):
        assert after == before, f"{role} changed something"


def test_auditor_reads_everything_of_its_forbund(  # type: ignore[no-untyped-def]
    client, finsam: Finsam, world: dict[str, Any]
) -> None:
    browser = Browser(client)
    browser.login("auditor")
    for instance_id in (world["need"], world["esf"], world["finsam"]):
        assert browser.get(f"/instances/{instance_id}").status_code == 200
        assert browser.get(f"/api/instances/{instance_id}/events").status_code == 200
    task_id = world["tasks"]["fk"]
    page = browser.get(f"/tasks/{task_id}")
    assert page.status_code == 200
    assert "Du kan läsa men inte ändra" in page.get_data(as_text=True)
    before = snapshot(finsam)
    assert browser.post(f"/tasks/{task_id}", {"mandat": "true"}).status_code == 403
    assert browser.post(f"/tasks/{task_id}/claim").status_code == 403
    assert browser.post("/needs/new", {"titel": "x"}).status_code == 403
    assert snapshot(finsam) == before


def test_styrelse_never_sees_esf(client, finsam: Finsam, world: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    browser = Browser(client)
    browser.login("styrelse")
    for instance_id in (world["need"], world["esf"]):
        assert browser.get(f"/instances/{instance_id}").status_code == 404
        assert browser.get(f"/api/instances/{instance_id}").status_code == 404
        assert browser.get(f"/api/instances/{instance_id}/events").status_code == 404
    for task in finsam.engine.open_tasks_of(world["esf"]):
        assert browser.get(f"/tasks/{task.id}").status_code == 404
        assert browser.get(f"/api/tasks/{task.id}").status_code == 404
    listed = browser.get("/api/instances").get_json()
    assert {i["process_id"] for i in listed} == {"finansiell_samordning"}
    assert all(t["process_id"] != "esf_plus" for t in browser.get("/api/tasks").get_json())
    page = browser.get("/instances").get_data(as_text=True)
    assert "ESF+" not in page and f"/instances/{world['esf']}" not in page
    detail = browser.get(f"/api/instances/{world['finsam']}").get_json()
    assert detail["links"] == [] and "behov_id" not in detail["data"]


def test_representative_sees_only_its_own_tasks(  # type: ignore[no-untyped-def]
    client, finsam: Finsam, world: dict[str, Any]
) -> None:
    browser = Browser(client)
    browser.login("af")
    own = world["tasks"]["af"]
    listed = {t["id"] for t in browser.get("/api/tasks").get_json()}
    assert own in listed and world["tasks"]["fk"] not in listed
    assert browser.get(f"/tasks/{own}").status_code == 200
    assert browser.get(f"/tasks/{world['tasks']['fk']}").status_code == 404
    browser.logout()
    browser.login("bastad")  # not a party of the ESF+ route
    assert browser.get(f"/instances/{world['esf']}").status_code == 404
    assert browser.get(f"/instances/{world['need']}").status_code == 200  # beredningsgrupp


def test_unknown_ids_are_404(client, world: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    browser = Browser(client)
    browser.login("fk")
    for url in ("/tasks/999999", "/instances/999999", "/api/tasks/999999",
                "/api/instances/999999", "/api/instances/999999/events"):
        assert browser.get(url).status_code == 404, url
