"""Generated from the URL map and the policy: every route × every role × an object the role must
not touch (another party's, another förbund's, ESF+ as the styrelse).

Reads: no field of a hidden object appears in any answer, page, CSV, error or mail the role gets.
Writes: refused, and nothing changed. Each hidden object carries a marker in its data; a role's
markers are those the policy says it must never read, so a new route, role or field is covered
without a new test.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from engine import utc_now
from engine.store.models import Event, HumanTask, Instance, SpecVersion
from workflows import Finsam, notify, policy
from workflows.models import (
    AdminEvent,
    ApiToken,
    CaseDocument,
    CaseNote,
    Forbund,
    Membership,
    ModelerDraft,
    Organisation,
    StandIn,
    User,
    UserLink,
)
from workflows.standins import name_stand_in
from workflows.system import diagrams_dir
from workflows.tenants import add_forbund
from workflows.users import add_user, capacities, new_token, today

from .conftest import Browser
from .test_processes import DESIGN, IDEA
from .walk import Desk

ESF_TITLE = "ESFTITEL-HEMLIS"  # an ESF+-only need and its route: never to the styrelse
ESF_IDEA = "ESFIDE-HEMLIS"  # the ESF+ route's project idea: only its parties (and kansli, auditor)
UTLYSNING = "UTLYS-HEMLIS"  # the target utlysning of a need for both routes: never to the styrelse
NON_PARTY = "ICKEPART-HEMLIS"  # a Finsam insats of af, fk and region-skane: never to bastad
OTHER = "ANNAT-HEMLIS"  # another förbund's case: never to anyone of nnv-skane
STOPPED = "AVBRUTEN-HEMLIS"  # why the parties stopped an ESF+ idea: its parties (and the report's
# readers who see the case), never bastad or the styrelse
CASE_MARKERS = (ESF_TITLE, ESF_IDEA, UTLYSNING, NON_PARTY, OTHER, STOPPED)
HIDDEN = {
    "anonymous": CASE_MARKERS,
    "af": (OTHER,),
    "bastad": (ESF_IDEA, NON_PARTY, OTHER, STOPPED),
    "kansli": (OTHER,),
    "styrelse": (ESF_TITLE, ESF_IDEA, UTLYSNING, OTHER, STOPPED),
    "designer": CASE_MARKERS,
    "auditor": (OTHER,),
    "admin": CASE_MARKERS,
    "bastad2": (ESF_IDEA, NON_PARTY, OTHER, STOPPED),  # stands in for bastad: sees what it does
    # Försäkringskassan nationellt, given in nnv-skane and in the other förbund: figures of
    # both, never a case of either.
    "nationell": CASE_MARKERS,
    # The national administrator (issue 18): creates förbund from the register, sees no case.
    "nationaladmin": CASE_MARKERS,
}
ROLES = list(HIDDEN)
MAIL_HIDDEN = {**HIDDEN, "fk": (OTHER,), "angelholm": (OTHER,)}
SESSION_ONLY = {"auth.logout", "auth.switch_capacity", "auth.language", "auth.login"}
PUBLIC = {"auth.login", "auth.language", "static", "api.openapi", "health.healthz",
          "people.invitation", "people.reset", "people.forgot",  # links by e-mail, no login
          "people.privacy",  # the privacy notice: shows nothing of anyone
          "sso.start", "sso.callback"}
EXTRA_READS = ("/reports/uppfoljning", "/api/reports/uppfoljning",
               "/api/reports/uppfoljning?format=csv", "/?process=esf_plus",
               "/instances?process=esf_plus", "/api/tasks?process_id=esf_plus",
               "/api/instances?process_id=esf_plus")
# Ways each kind of URL argument points at an object; "hidden" ones per role are filled in below.
OTHER_FORBUND = "annat"
PDF = b"%PDF-1.7\n%%EOF\n"


def _other_forbund(finsam: Finsam, database_url: str) -> dict[str, Any]:
    """A second förbund with its own members, users and a need."""
    add_forbund(finsam.engine, OTHER_FORBUND, "Samordningsförbundet Annat",
                ["af:af:Arbetsförmedlingen", "fk:fk:Försäkringskassan",
                 "annan-kommun:kommun:Annans kommun"],
                sorted(diagrams_dir().glob("*.bpmn")), "test")
    for user, org, role in (("annat-kansli", "kansli", "kansli"), ("annat-af", "af",
                                                                    "representant"),
                            ("annat-af2", "af", "representant")):
        add_user(finsam.db, user, OTHER_FORBUND, org, role, "finsam-demo")
    desk = Desk(database_url)
    result, _ = desk.need(["af", "annan-kommun"], "finansiell_samordning", user="annat-af",
                          titel=OTHER, malgrupp=OTHER)
    route = finsam.engine.list_instances(OTHER_FORBUND, parent_id=result.instance.id)[0]
    with finsam.db.read() as session:
        memberships = list(session.scalars(select(Membership.id).join(User).where(
            User.username.in_(["annat-kansli", "annat-af"]))))
    return {"instances": [result.instance.id, route.id],
            "tasks": [t.id for t in finsam.engine.open_tasks_of(route.id)],
            "usernames": ["annat-kansli", "annat-af"], "memberships": memberships,
            "stand_ins": [_stand_in(finsam, "annat-af", "annat-af2")],
            "drafts": [_draft(finsam, OTHER_FORBUND, "designer"),  # same name, other förbund
                       _draft(finsam, "nnv-skane", "designer2")]}  # a colleague's


def _draft(finsam: Finsam, forbund: str, username: str) -> int:
    """A modeler draft of `username` in `forbund`, carrying the marker nobody else may read."""
    with finsam.db.write() as session:
        draft = ModelerDraft(forbund=forbund, username=username, process_id="esf_plus",
                             bpmn=f"<x>{OTHER}</x>", forms={f"forms/{OTHER}.json": OTHER},
                             saved_at=utc_now())
        session.add(draft)
        session.flush()
        return draft.id


def _stand_in(finsam: Finsam, absent: str, deputy: str) -> int:
    """`deputy` stands in for `absent` today; the stand-in's id."""
    deputy_capacity = capacities(finsam.db, deputy)[0]
    return name_stand_in(finsam.db, capacities(finsam.db, absent)[0],
                         deputy_capacity.membership_id, today(), today()).id


@pytest.fixture
def world(finsam: Finsam, database_url: str) -> dict[str, Any]:
    desk = Desk(database_url)
    # Stand-ins: bastad2 for bastad (a role of its own below); fk2 for fk, which no role may end.
    for user, org in (("bastad2", "bastad"), ("fk2", "fk")):
        add_user(finsam.db, user, "nnv-skane", org, "representant", "finsam-demo")
    stand_ins = [_stand_in(finsam, "bastad", "bastad2"), _stand_in(finsam, "fk", "fk2")]
    for user in ("af", "fk", "angelholm", "bastad", "kansli", "styrelse", "designer",
                 "auditor", "admin"):
        notify.set_preferences(finsam.db, user, f"{user}@example.se", "each")
    esf_need, esf_routes = desk.need(["af", "fk", "angelholm"], "esf_plus", titel=ESF_TITLE)
    esf = esf_routes["esf_plus"].id
    desk.act("af", esf, "utforma_projektide", {**IDEA, "projektide": ESF_IDEA})
    both_need, both = desk.need(["af", "fk", "angelholm"], "bada", utlysning=UTLYSNING)
    stopped = both["esf_plus"].id
    desk.act("af", stopped, "utforma_projektide", IDEA)
    desk.each_party(stopped, "forankra_projektide",
                    {org: {"forankrad": True} for org in ("af", "fk", "angelholm")})
    desk.each_party(stopped, "mandat_projektagarskap", {
        org: {"mandat": True, "vill_vara_projektagare": False, "medfinansierar": True}
        for org in ("af", "fk", "angelholm")})
    desk.act("af", stopped, "overenskommelse", {"overenskommelse": "avbryts", "skal": STOPPED})
    party_need, party = desk.need(["af", "fk", "region-skane"], "finansiell_samordning",
                                  user="af")
    insats = party["finansiell_samordning"].id
    desk.act("af", insats, "utforma_insats", {**DESIGN, "syfte": NON_PARTY,
                                              "processagare": "af"})
    other = _other_forbund(finsam, database_url)
    for forbund in ("nnv-skane", OTHER_FORBUND):
        add_user(finsam.db, "nationell", forbund, "fk", "nationell", "finsam-demo")
    add_user(finsam.db, "nationaladmin", "nnv-skane", "kansli", "nationell_admin", "finsam-demo")
    # A case's file: a note (with the ESF+ idea's marker) and a document on the ESF+ route, and
    # a document on the other förbund's route, reached through every instance a role must not see.
    kansli = capacities(finsam.db, "kansli")[0]
    finsam.case_files.add_note(kansli, esf, f"Anteckning om {ESF_IDEA}")
    documents = {esf: finsam.case_files.attach(kansli, esf, f"{ESF_IDEA}.pdf", PDF).id}
    annat = capacities(finsam.db, "annat-kansli")[0]
    documents[other["instances"][1]] = finsam.case_files.attach(
        annat, other["instances"][1], f"{OTHER}.pdf", PDF).id
    tokens = {user: new_token(finsam.db, user) for user in ("af", "kansli", "annat-kansli")}
    with finsam.db.read() as session:
        token_ids = dict(session.execute(
            select(User.username, ApiToken.id).join(ApiToken, ApiToken.user_id == User.id)
            .where(User.username.in_(tokens))).all())

    def tasks(*instance_ids: int) -> list[int]:
        return [t.id for i in instance_ids for t in finsam.engine.open_tasks_of(i)]

    esf_instances = [esf_need.instance.id, esf, both_need.instance.id, both["esf_plus"].id]
    every = [*esf_instances, insats, both["finansiell_samordning"].id, party_need.instance.id,
             *other["instances"]]
    hidden = {
        "anonymous": every, "designer": every, "admin": every, "nationell": every,
        "nationaladmin": every,
        "af": other["instances"],
        "bastad": [esf, insats, *other["instances"]],
        "kansli": other["instances"],
        "styrelse": [*esf_instances, party_need.instance.id, *other["instances"]],
        "auditor": other["instances"],
        "bastad2": [esf, insats, *other["instances"]],
    }
    # Writes: every open task the policy does not let the role act on (all, for those without
    # a capacity to act), whether or not it may read it.
    all_tasks = tasks(*every)
    forbidden: dict[str, list[int]] = {}
    for role in hidden:
        found = capacities(finsam.db, role) if role != "anonymous" else []
        if not found:
            forbidden[role] = all_tasks
            continue
        actor = policy.actor(found[0])
        forbidden[role] = []
        for task_id in all_tasks:
            with finsam.db.read() as session:
                row = session.get_one(HumanTask, task_id)
                data = session.get_one(Instance, row.instance_id).data
                tenant = row.tenant
            if tenant != actor.tenant or not actor.may_act_on(row.assignee, row.process_id,
                                                                data):
                forbidden[role].append(task_id)
    return {"instances": hidden, "read_tasks": {r: tasks(*ids) for r, ids in hidden.items()},
            "write_tasks": forbidden, "usernames": other["usernames"],
            "other_instances": other["instances"], "memberships": other["memberships"],
            "drafts": other["drafts"],
            "stand_ins": {role: [*other["stand_ins"], stand_ins[1]]
                          + ([] if role in ("bastad", "bastad2") else [stand_ins[0]])
                          for role in hidden},
            "tokens": {role: [i for u, i in token_ids.items() if u != role] for role in hidden},
            "documents": {role: [d for i, d in documents.items() if i in ids]
                          for role, ids in hidden.items()}}


def routes(app: Flask) -> list[tuple[Any, str]]:
    return sorted(
        ((rule, method) for rule in app.url_map.iter_rules()
         for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})),
        key=lambda pair: (pair[0].rule, pair[1]),
    )


def urls(rule: Any, method: str, world: dict[str, Any], role: str) -> list[str]:
    """URLs for the rule pointing at every object the role must not touch (or the one URL of a
    rule without objects): to read, objects it may not see; to write, also tasks it may see but
    not act on."""
    own_design = role == "designer" and rule.endpoint.startswith("designer.")
    choices: dict[str, list[Any]] = {
        # A designer moves its own förbund's instances (never reading them): not another's.
        "instance_id": world["other_instances" if own_design else "instances"][role]
        if not own_design else world["other_instances"],
        "task_id": world["read_tasks" if method == "GET" else "write_tasks"][role],
        "username": world["usernames"],
        "token_id": world["tokens"][role],
        "membership_id": world["memberships"],  # another förbund's
        "org": ["annan-kommun"],  # another förbund's member organisation
        "token": ["not-a-link"],  # an invitation's or a reset's link that does not exist
        "stand_in_id": world["stand_ins"][role],
        "draft_id": world["drafts"],  # another förbund's designer's, and a colleague's
        "document_id": world["documents"][role] or [1],
        "provider_id": ["not-configured"],
        "process_id": ["esf_plus", "utlysning"] if role == "styrelse" else ["esf_plus"],
        "version": [1],
        "fmt": ["json", "csv"],
        "filename": ["app.css"],
        "name": ["../../pyproject.toml", "package.json"],  # server files beside the assets
    }
    missing = [a for a in rule.arguments if a not in choices]
    assert not missing, f"add hidden objects for {missing} of {rule.rule} to this test"
    built = [{}]
    for argument in sorted(rule.arguments):
        built = [{**b, argument: v} for b in built for v in choices[argument]]
    return [rule.build(values, append_unknown=False)[1] for values in built]


def snapshot(finsam: Finsam) -> tuple[object, ...]:
    with finsam.db.read() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model))
            for model in (Event, HumanTask, Instance, SpecVersion, User, Membership, ApiToken,
                          AdminEvent, UserLink, Organisation, StandIn, ModelerDraft, CaseNote,
                          CaseDocument, Forbund)
        ) + (
            tuple(session.execute(select(ModelerDraft.id, ModelerDraft.saved_at)
                                  .order_by(ModelerDraft.id)).all()),
            tuple(session.execute(select(StandIn.id, StandIn.ended_at)
                                  .order_by(StandIn.id)).all()),
            tuple(session.execute(select(HumanTask.id, HumanTask.state, HumanTask.claimed_by)
                                  .order_by(HumanTask.id)).all()),
            tuple(session.execute(select(User.username, User.active).order_by(User.id)).all()),
            tuple(session.execute(select(Instance.id, Instance.last_seq)
                                  .order_by(Instance.id)).all()),
        )


def _send(browser: Browser, method: str, url: str) -> Any:
    if method == "GET":
        return browser.get(url)
    if url.startswith("/api/"):
        return browser.client.open(url, method=method, json={"titel": "x"},
                                   headers={"X-CSRF-Token": browser.csrf()})
    return browser.post(url, {"titel": "x", "username": "annat-af", "org": "af",
                              "role": "representant", "password": "x" * 12, "active": "0"})


@pytest.mark.parametrize("role", ROLES)
def test_every_route_hides_and_refuses(app: Flask, client, finsam: Finsam,  # type: ignore[no-untyped-def]
                                       world: dict[str, Any], role: str) -> None:
    browser = Browser(client)
    if role != "anonymous":
        assert browser.login(role).status_code == 302
    markers = HIDDEN[role]
    before = snapshot(finsam)
    for rule, method in routes(app):
        if rule.endpoint in SESSION_ONLY or rule.endpoint == "static":
            continue
        points_at_object = any((a.endswith("_id") and a != "process_id") or a == "username"
                               for a in rule.arguments)
        if method != "GET" and not points_at_object:
            continue  # a write of no object (a new need): test_authorization's matrix
        for url in urls(rule, method, world, role):
            response = _send(browser, method, url)
            body = response.get_data(as_text=True)
            response.close()
            where = f"{role} {method} {url} -> {response.status_code}"
            assert response.status_code < 500, where
            leaked = [m for m in markers if m in body]
            assert not leaked, f"{where} shows {leaked}"
            if points_at_object and rule.endpoint not in PUBLIC:
                if role == "anonymous":
                    assert response.status_code in (302, 401), where
                else:
                    assert response.status_code in (400, 403, 404, 405, 422), where
    for url in EXTRA_READS:
        response = browser.get(url)
        assert response.status_code < 500, url
        leaked = [m for m in markers if m in response.get_data(as_text=True)]
        assert not leaked, f"{role} GET {url} shows {leaked}"
    assert snapshot(finsam) == before, f"{role} changed something"


# A write of no object that creates something outside the caller's förbund: asked of every role
# with a valid form, so only the policy stands between the role and a new förbund.
CREATES = {"national_admin.create": {
    "name": "Samordningsförbundet i Trelleborg", "slug": "trelleborg-finsam",
    "admin_username": "t-admin", "admin_email": "admin@trelleborg.se"}}


@pytest.mark.parametrize("role", ROLES)
def test_creating_routes_ask_the_policy(app: Flask, client, finsam: Finsam,  # type: ignore[no-untyped-def]
                                        world: dict[str, Any], role: str) -> None:
    browser = Browser(client)
    found = capacities(finsam.db, role) if role != "anonymous" else []
    if found:
        assert browser.login(role).status_code == 302
    allowed = bool(found) and policy.may(found[0], policy.FOUND)
    national = [(rule, method) for rule, method in routes(app)
                if rule.endpoint.startswith("national_admin.")]
    assert {rule.endpoint for rule, _ in national} == {"national_admin.forbund", *CREATES}
    for rule, method in national:
        before = snapshot(finsam)
        if method == "GET":
            response = browser.get(rule.rule + "?q=trelleborg")
        else:
            response = browser.post(rule.rule, CREATES[rule.endpoint])
        where = f"{role} {method} {rule.rule} -> {response.status_code}"
        leaked = [m for m in HIDDEN[role] if m in response.get_data(as_text=True)]
        assert not leaked, f"{where} shows {leaked}"
        if allowed:
            assert response.status_code == (200 if method == "GET" else 302), where
            continue
        assert response.status_code == (302 if role == "anonymous" else 403), where
        assert snapshot(finsam) == before, f"{where} changed something"
    assert allowed == (role == "nationaladmin")


def test_mail_reaches_only_those_who_may_act(finsam: Finsam, world: dict[str, Any]) -> None:
    sent: list[EmailMessage] = []
    config = notify.SmtpConfig(host="unused")
    notify.send_outbox(finsam.db, finsam.engine.clock, config, send=sent.extend)
    assert sent
    by_user: dict[str, str] = {}
    for message in sent:
        user = str(message["To"]).split("@")[0]
        by_user[user] = by_user.get(user, "") + str(message["Subject"]) + message.get_content()
    for user, text in by_user.items():
        leaked = [m for m in MAIL_HIDDEN[user] if m in text]
        assert not leaked, f"mail to {user} shows {leaked}"
    assert "styrelse" not in by_user or ESF_TITLE not in by_user["styrelse"]
    assert ESF_TITLE in by_user["af"]  # a party hears of its ESF+ work
