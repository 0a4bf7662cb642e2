"""Tenants apart (issue 14, finding 4a): each förbund deploys and runs its own process versions; a
second förbund made with `finsam forbund add` runs both routes beside the demo förbund without
touching it; a version moves between förbund only when one publishes and the other adopts it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from engine import NotFound
from engine.store.models import Event, Instance, LedgerHead, SpecVersion
from webui.cli import main
from workflows import Finsam
from workflows.designing import adopt, lint_upload, published_elsewhere
from workflows.models import Forbund, Membership, Organisation, User
from workflows.system import diagrams_dir
from workflows.users import add_user, capacities
from workflows.worker import tick

from .conftest import Browser
from .test_processes import DESIGN, GRANTED, IDEA, agree, position
from .walk import NEED, Desk, report_every_year

SODRA = ("sodra", "Samordningsförbundet Södra")
SODRA_MEMBERS = ("af:af:Arbetsförmedlingen", "fk:fk:Försäkringskassan",
                 "trelleborg:kommun:Trelleborgs kommun", "vellinge:kommun:Vellinge kommun")
PARTIES = ["af", "fk", "trelleborg"]
PASSWORD = "sodra-losen"


def cli(database_url: str, *args: str, stdin: str | None = None) -> Any:
    """Run `finsam ...` against the test database."""
    return CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False,
                              env={"FINSAM_DATABASE_URL": database_url})


def make_sodra(database_url: str, client: Any) -> None:
    """The second förbund as an operator makes it: `finsam forbund add`, its admin and designer
    with `finsam user add`; the admin then adds the representatives, kansli and styrelse."""
    made = cli(database_url, "forbund", "add", SODRA[0], "--name", SODRA[1],
               *[arg for member in SODRA_MEMBERS for arg in ("--member", member)])
    assert made.exit_code == 0, made.output
    assert "sodra: created" in made.output and "behovsanalys version 1 (deployed)" in made.output
    for user, role in (("s-admin", "admin"), ("s-designer", "designer")):
        added = cli(database_url, "user", "add", user, "--forbund", "sodra", "--org", "kansli",
                    "--role", role, "--password-stdin", stdin=PASSWORD + "\n")
        assert added.exit_code == 0, added.output
    admin = Browser(client, PASSWORD)
    assert admin.login("s-admin").status_code == 302
    people = [(f"s-{org}", org, "representant") for org in PARTIES]
    people += [("s-kansli", "kansli", "kansli"), ("s-styrelse", "styrelse", "styrelse")]
    for username, org, role in people:
        response = admin.post("/admin/users", {"username": username, "org": org, "role": role,
                                               "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
    admin.logout()


def each_party(desk: Desk, iid: int, bpmn_id: str, answers: dict[str, dict[str, Any]]) -> None:
    """Every party of the second förbund completes its own instance of a multi-instance task."""
    for org, data in answers.items():
        desk.act(f"s-{org}", iid, bpmn_id, data, item=org)


def demo_state(finsam: Finsam) -> tuple[Any, ...]:
    """Everything of the demo förbund another förbund must never change."""
    with finsam.db.read() as session:
        return (
            tuple(session.execute(select(SpecVersion.id, SpecVersion.process_id,
                                         SpecVersion.version, SpecVersion.content_hash)
                                  .where(SpecVersion.tenant == "nnv-skane")
                                  .order_by(SpecVersion.id)).all()),
            tuple(session.execute(select(Instance.id, Instance.spec_version_id, Instance.status,
                                         Instance.last_seq, Instance.head_hash)
                                  .where(Instance.tenant == "nnv-skane")
                                  .order_by(Instance.id)).all()),
            tuple(session.execute(select(Event.id, Event.hash).where(Event.tenant == "nnv-skane")
                                  .order_by(Event.id)).all()),
            tuple(session.execute(select(LedgerHead.last_seq, LedgerHead.head_hash)
                                  .where(LedgerHead.tenant == "nnv-skane")).all()),
            tuple(session.execute(
                select(User.username, User.active, User.password_hash, Membership.org,
                       Membership.role, Membership.active, Membership.status)
                .join(Membership, Membership.user_id == User.id)
                .join(Forbund, Forbund.id == Membership.forbund_id)
                .where(Forbund.slug == "nnv-skane").order_by(Membership.id)).all()),
            tuple(session.execute(select(Organisation.slug, Organisation.kind, Organisation.name)
                                  .join(Forbund, Forbund.id == Organisation.forbund_id)
                                  .where(Forbund.slug == "nnv-skane")
                                  .order_by(Organisation.id)).all()),
        )


def changed_need(old: str, new: str) -> bytes:
    content = (diagrams_dir() / "behovsanalys.bpmn").read_bytes()
    changed = content.replace(old.encode(), new.encode(), 1)
    assert changed != content
    return changed


def test_finding_4a_a_designer_of_another_forbund_changed_this_forbunds_process(
        finsam: Finsam, as_user: Any) -> None:
    """As found: a förbund made by hand, the bundled diagrams deployed with `deploy_files`, its
    designer deploys a changed need; the demo förbund's next need ran on that version."""
    with finsam.db.write() as session:
        forbund = Forbund(slug="sodra", name=SODRA[1])
        session.add(forbund)
        session.flush()
        session.add(Organisation(forbund_id=forbund.id, slug="fk", name="FK", kind="fk"))
    add_user(finsam.db, "s-designer", "sodra", "kansli", "designer", PASSWORD)
    finsam.deploy_files(sorted(diagrams_dir().glob("*.bpmn")), "operator")
    result = lint_upload(finsam, capacities(finsam.db, "s-designer")[0], "behovsanalys.bpmn",
                         changed_need('name="Behov anmält"', 'name="Behov anmält i Södra"'), {},
                         deploy=True)
    assert result.ok, result.problems
    assert finsam.start_need(as_user("angelholm"), {"titel": "A"}).instance.version == 1


def test_a_second_forbund_runs_both_routes_beside_the_demo(
        finsam: Finsam, database_url: str, client: Any) -> None:
    demo = Desk(database_url)
    _, running = demo.need(["af", "fk", "angelholm"], "bada")  # the demo förbund is busy too
    make_sodra(database_url, client)
    before = demo_state(finsam)

    desk = Desk(database_url)
    start = desk.start_need("s-kansli", {"titel": NEED["titel"]})
    assert start.instance.tenant == "sodra" and start.instance.version == 1
    result = desk.act("s-kansli", start.instance.id, "identifiera_behov",
                      {**NEED, "parter": PARTIES, "finansieringsform": "bada"})
    routes = {i.process_id: i.id for i in result.started}
    assert set(routes) == {"esf_plus", "finansiell_samordning"}

    fs = routes["finansiell_samordning"]
    desk.act("s-trelleborg", fs, "utforma_insats", {**DESIGN, "processagare": "trelleborg"})
    each_party(desk, fs, "forankra_insats", {o: {"forankrad": True} for o in PARTIES})
    desk.act("s-trelleborg", fs, "ansvarsfordelning", {"ansvarsfordelning": "Trelleborg leder"})
    desk.act("s-kansli", fs, "bereda_arende", {"tjansteutlatande": "x", "forslag_till_beslut": "y"})
    desk.act("s-styrelse", fs, "styrelsebeslut", GRANTED)
    each_party(desk, fs, "genomfora_insatsdel", {o: {"genomfort": "x"} for o in PARTIES})
    done = desk.act("s-trelleborg", fs, "genomfora_insats", {
        "deltagare_kvinnor": 3, "deltagare_man": 4, "genomford_datum": "2026-02-28"})
    assert (done.instance.status, done.instance.outcome) == ("running", None)  # the years remain
    done = report_every_year(desk, finsam, fs, 2025, [{"arets_kvinnor": 2, "arets_man": 3},
                                                      {"arets_kvinnor": 1, "arets_man": 1}],
                             user="s-trelleborg")
    assert (done.instance.status, done.instance.outcome) == ("completed", "insats_genomford")

    esf = routes["esf_plus"]
    desk.act("s-af", esf, "utforma_projektide", IDEA)
    each_party(desk, esf, "forankra_projektide", {o: {"forankrad": True} for o in PARTIES})
    each_party(desk, esf, "mandat_projektagarskap",
               {"af": position(), "fk": position(), "trelleborg": position(True)})
    desk.act("s-af", esf, "overenskommelse", agree("trelleborg", ["af", "fk"]))
    each_party(desk, esf, "medverka_ansokan", {o: {"atagande": "x"} for o in ["af", "fk"]})
    desk.act("s-trelleborg", esf, "formulera_ansokan",
             {"ansokan_sammanfattning": "x", "sokt_belopp": 9_000_000})
    each_party(desk, esf, "beslut_projektansokan",
               {o: {"beslut": "ja", "beslut_referens": "r"} for o in PARTIES})
    desk.act("s-trelleborg", esf, "skicka_ansokan", {"inskickad_datum": "2025-10-01"})
    desk.act("s-trelleborg", esf, "registrera_esf_beslut", {
        "esf_beslut": "beviljad", "esf_diarienummer": "S-1", "beslut_datum": "2025-12-15",
        "beviljat_belopp": 900_000, "projektperiod_start": "2026-02-01",
        "projektperiod_slut": "2027-01-31"})
    desk.act("s-trelleborg", esf, "bilda_projektorganisation", {"projektorganisation": "x"})
    each_party(desk, esf, "genomfora_projektdel", {o: {"genomfort": "x"} for o in PARTIES})
    desk.act("s-trelleborg", esf, "genomfora_projekt", {"genomford_datum": "2027-01-31"})
    done = desk.act("s-trelleborg", esf, "slutrapportera", {"slutrapport_datum": "2027-03-31"})
    assert (done.instance.status, done.instance.outcome) == ("completed", "projekt_avslutat")

    assert demo_state(finsam) == before
    for forbund in ("sodra", "nnv-skane"):
        results, findings = finsam.verify(forbund)
        assert findings == [] and all(r.ok for r in results), forbund
    assert {r.instance_id for r in finsam.verify("sodra")[0]} == {start.instance.id, fs, esf}
    # the demo förbund's need still runs on, untouched
    demo.act("af", running["esf_plus"].id, "utforma_projektide", IDEA)


def test_a_deploy_in_one_forbund_leaves_the_other_on_its_version(
        finsam: Finsam, database_url: str, client: Any, as_user: Any) -> None:
    make_sodra(database_url, client)
    designer_b = capacities(finsam.db, "s-designer")[0]
    result = lint_upload(finsam, designer_b, "behovsanalys.bpmn",
                         changed_need('name="Behov anmält"', 'name="Behov anmält i Södra"'), {},
                         deploy=True)
    assert result.ok, result.problems
    assert result.deployed is not None and result.deployed.version == 2
    a = finsam.start_need(as_user("angelholm"), {"titel": "A"})
    b = finsam.start_need(capacities(finsam.db, "s-kansli")[0], {"titel": "B"})
    assert (a.instance.version, b.instance.version) == (1, 2)
    designer_a = as_user("designer")
    assert [v.version for v in finsam.engine.spec_versions("nnv-skane", "behovsanalys")] == [1]
    assert [v.version for v in finsam.engine.spec_versions("sodra", "behovsanalys")] == [2, 1]

    # every read of versions is the förbund's own: pages, the API, diagrams, diffs, pre-checks
    browser = Browser(client)
    browser.login("designer")
    listed = browser.get("/api/specs").get_json()
    assert {(v["process_id"], v["version"]) for v in listed if v["process_id"] == "behovsanalys"
            } == {("behovsanalys", 1)}
    assert browser.get("/designer/processes/behovsanalys/versions/2").status_code == 404
    assert browser.get("/designer/processes/behovsanalys/diff?a=1&b=2").status_code == 404
    page = browser.get("/designer/processes/behovsanalys/instances").get_data(as_text=True)
    assert f"#{a.instance.id}" in page and f"#{b.instance.id}" not in page
    check = finsam.engine.check_migration("nnv-skane", a.instance.id)
    assert (check.from_version, check.to_version) == (1, 1)
    with pytest.raises(NotFound):
        finsam.engine.check_migration("nnv-skane", b.instance.id)
    assert finsam.engine.check_migration("sodra", b.instance.id).to_version == 2
    assert finsam.end_event_names(a.instance) == finsam.end_event_names(b.instance)
    assert designer_a.forbund == "nnv-skane"


def test_an_upload_takes_missing_forms_from_its_own_forbund(
        finsam: Finsam, database_url: str, client: Any, as_user: Any) -> None:
    make_sodra(database_url, client)
    form_path = diagrams_dir() / "forms" / "behov_start.schema.json"
    assert form_path.is_file()
    form = form_path.read_bytes().replace(b'"title": "', b'"title": "S\xc3\xb6dra: ', 1)
    designer_b = capacities(finsam.db, "s-designer")[0]
    bpmn = (diagrams_dir() / "behovsanalys.bpmn").read_bytes()
    changed = lint_upload(finsam, designer_b, "behovsanalys.bpmn", bpmn,
                          {"behov_start.schema.json": form}, deploy=True)
    assert changed.ok and changed.deployed is not None and changed.deployed.created
    sodra_form = finsam.need_form(capacities(finsam.db, "s-kansli")[0])
    demo_form = finsam.need_form(as_user("kansli"))
    assert str(sodra_form.get("title", "")).startswith("Södra: ")
    assert not str(demo_form.get("title", "")).startswith("Södra: ")
    # A's designer uploads the diagram alone: the form comes from A's deployed version, so the
    # content is A's own version 1, unchanged, never B's form.
    again = lint_upload(finsam, as_user("designer"), "behovsanalys.bpmn", bpmn, {}, deploy=True)
    assert again.deployed is not None and (again.deployed.version, again.deployed.created) == (
        1, False)


def test_adopting_a_published_version_is_explicit(
        finsam: Finsam, database_url: str, app: Any, as_user: Any) -> None:
    client = app.test_client()
    make_sodra(database_url, client)
    designer_b = capacities(finsam.db, "s-designer")[0]
    designer_a = as_user("designer")
    lint_upload(finsam, designer_b, "behovsanalys.bpmn",
                changed_need('name="Behov anmält"', 'name="Behov anmält i Södra"'), {},
                deploy=True)
    assert published_elsewhere(finsam, designer_a) == []
    with pytest.raises(NotFound):  # not published: nothing to adopt
        adopt(finsam, designer_a, "sodra", "behovsanalys", 2)

    b = Browser(client, PASSWORD)
    b.login("s-designer")
    response = b.post("/designer/processes/behovsanalys/versions/2/publish", {"published": "1"})
    assert response.status_code == 302
    assert "ingen ny version" not in b.get("/designer/").get_data(as_text=True)
    [offer] = published_elsewhere(finsam, designer_a)
    assert (offer.forbund, offer.forbund_name, offer.version.version) == ("sodra", SODRA[1], 2)
    assert finsam.start_need(as_user("angelholm"), {"titel": "still 1"}).instance.version == 1

    a = Browser(app.test_client())  # a browser of its own: two people at once
    a.login("designer")
    page = a.get("/designer/").get_data(as_text=True)
    assert "Versioner som andra förbund har publicerat" in page and SODRA[1] in page
    assert a.get("/designer/published?forbund=sodra&process_id=behovsanalys&version=2"
                 ).status_code == 200
    assert a.get("/designer/published?forbund=sodra&process_id=behovsanalys&version=1"
                 ).status_code == 404  # not published
    adopted = a.post("/designer/adopt", {"forbund": "sodra", "process_id": "behovsanalys",
                                         "version": "2"})
    assert adopted.status_code == 302
    assert "Intagen från Samordningsförbundet Södra" in a.get("/designer/").get_data(as_text=True)
    [newest, _] = finsam.engine.spec_versions("nnv-skane", "behovsanalys")
    assert (newest.version, newest.adopted_from_tenant, newest.adopted_from_version,
            newest.deployed_by) == (2, "sodra", 2, "designer")
    with finsam.db.read() as session:
        ids = set(session.scalars(select(SpecVersion.id).where(
            SpecVersion.process_id == "behovsanalys", SpecVersion.version == 2)))
    assert len(ids) == 2  # a copy of A's own, not B's row
    assert finsam.start_need(as_user("angelholm"), {"titel": "now 2"}).instance.version == 2

    # the API: the same content again is no new version; one's own version is not adoptable
    token_headers = {"X-CSRF-Token": a.csrf()}
    again = a.client.post("/api/specs/adopt", json={"forbund": "sodra",
                          "process_id": "behovsanalys", "version": 2}, headers=token_headers)
    assert (again.status_code, again.get_json()["created"]) == (200, False)
    own = a.client.post("/api/specs/adopt", json={"forbund": "nnv-skane",
                        "process_id": "behovsanalys", "version": 1}, headers=token_headers)
    assert own.status_code == 409
    listed = {(v["version"], bool(v["adopted_from"])) for v in a.get("/api/specs").get_json()
              if v["process_id"] == "behovsanalys"}
    assert listed == {(1, False), (2, True)}
    published = b.get("/api/specs/published").get_json()
    assert published == []  # nothing of A's is published
    withdrawn = b.client.post("/api/specs/behovsanalys/2/publish", json={"published": False},
                              headers={"X-CSRF-Token": b.csrf()})
    assert withdrawn.status_code == 200 and withdrawn.get_json()["published"] is False
    assert published_elsewhere(finsam, designer_a) == []
    # A keeps its adopted copy
    assert [v.version for v in finsam.engine.spec_versions("nnv-skane", "behovsanalys")] == [2, 1]


def test_only_designers_publish_and_adopt(finsam: Finsam, client: Any, tmp_path: Path) -> None:
    browser = Browser(client)
    browser.login("kansli")
    assert browser.post("/designer/processes/behovsanalys/versions/1/publish",
                        {"published": "1"}).status_code == 403
    assert browser.post("/designer/adopt", {"forbund": "x", "process_id": "behovsanalys",
                                            "version": "1"}).status_code == 403
    headers = {"X-CSRF-Token": browser.csrf()}
    assert browser.client.post("/api/specs/behovsanalys/1/publish", json={},
                               headers=headers).status_code == 403
    assert browser.client.post("/api/specs/adopt", json={"forbund": "x", "process_id": "p",
                               "version": 1}, headers=headers).status_code == 403
    assert all(v.published_at is None
               for v in finsam.engine.spec_versions("nnv-skane"))


def test_a_forbund_without_a_process_does_not_stop_the_others(finsam: Finsam) -> None:
    """The worker starts each förbund's bevakning from that förbund's own versions: one that has
    not deployed the process is skipped, the others still get theirs."""
    with finsam.db.write() as session:
        session.add(Forbund(slug="aaa-tom", name="Ett förbund utan processer"))
    assert finsam.forbunds()[0] == "aaa-tom"  # asked first
    assert tick(finsam, None).started == 1
    assert [i.tenant for i in finsam.engine.list_instances("nnv-skane", "utlysningsplan")] == [
        "nnv-skane"]
