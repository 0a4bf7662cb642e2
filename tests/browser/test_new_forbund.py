"""The acceptance of issue 18 in Chromium: a new förbund taken from the national register on the
national administrator's page, its first admin invited (the link the page gives when mail is
off), who invites the förbund's people; some sign in through the förbund's OpenID Connect
provider (the test provider of tests/oidc/, on loopback), the others with the password they
chose from their link; together they walk both routes (a need to a Finsam insats and to an ESF+
project, tests/test_web_routes.py's walk) to their ends. The demo förbund is untouched: its rows
and its ledger head are the same before and after."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from engine.store.models import Event, HumanTask, Instance, SpecVersion
from workflows import Finsam
from workflows.identities import Provider
from workflows.models import AdminEvent, Forbund, Membership, Organisation
from workflows.users import add_user, capacities

from ..test_sso import SECRET
from ..test_web_routes import Parts, walk_both_routes
from .conftest import UI, _test_name, new_context
from .steps import BrowserDesk
from .test_people import PASSWORD, choose_password, sign_in
from .test_sso import app_with_provider

REGISTER_NAME = "Samordningsförbundet Finsam Falun Borlänge"
SLUG = "falun-borlange"
PARTS = Parts(tenant=SLUG, lead="falun", owner="borlange", region="region-dalarna")
# Who acts for each organisation or body of the new förbund: (username, org, role, e-mail).
PEOPLE = {
    "kansli": ("fb-kansli", "kansli", "kansli", "kansli@finsamfb.example"),
    "styrelse": ("fb-styrelse", "styrelse", "styrelse", "styrelse@finsamfb.example"),
    "af": ("fb-af", "af", "representant", "rep@af.example"),
    "fk": ("fb-fk", "fk", "representant", "rep@fk.example"),
    "falun": ("fb-falun", "falun", "representant", "rep@falun.example"),
    "borlange": ("fb-borlange", "borlange", "representant", "rep@borlange.example"),
    "region-dalarna": ("fb-region", "region-dalarna", "representant", "rep@dalarna.example"),
}
# Those who sign in through the förbund's identity provider (its `sub` vouches for the address
# they were invited at); everyone else chooses a password from the invitation link.
SSO = {"fb-falun": "falun-sub", "fb-fk": "fk-sub"}
ACCOUNTS = {sub: {"email": next(p[3] for p in PEOPLE.values() if p[0] == user),
                  "email_verified": True, "name": user} for user, sub in SSO.items()}
PROVIDER_NAME = "Dalarnas inloggning"


def demo_rows(system: Finsam) -> tuple[object, ...]:
    """What the demo förbund holds: its rows of every kind, and its ledger head."""
    with system.db.read() as session:
        demo = session.scalar(select(Forbund.id).where(Forbund.slug == "nnv-skane"))
        counts = tuple(session.scalar(select(func.count()).select_from(model).where(where))
                       for model, where in (
                           (Instance, Instance.tenant == "nnv-skane"),
                           (Event, Event.tenant == "nnv-skane"),
                           (HumanTask, HumanTask.tenant == "nnv-skane"),
                           (SpecVersion, SpecVersion.tenant == "nnv-skane"),
                           (AdminEvent, AdminEvent.tenant == "nnv-skane"),
                           (Membership, Membership.forbund_id == demo),
                           (Organisation, Organisation.forbund_id == demo)))
        heads = tuple(session.execute(select(Instance.id, Instance.head_hash).where(
            Instance.tenant == "nnv-skane").order_by(Instance.id)).all())
    return (*counts, heads, system.engine.ledger_head("nnv-skane"))


class Server:
    def __init__(self, url: str, system: Finsam) -> None:
        self.url, self.system = url, system


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app on a free loopback port over the demo system, with the new förbund's identity
    provider configured ahead (by its short name): the test provider, which knows the app's
    callback at that port and the people who sign in through it."""
    def configure(_system: Finsam, issuer: str) -> list[Any]:
        return [Provider("dalarna", PROVIDER_NAME, SLUG, issuer, "finsam", SECRET)]

    with app_with_provider(tmp_path_factory.mktemp("forbund"), "/login/sso/dalarna/callback",
                           configure, ACCOUNTS) as (base, system):
        yield Server(base, system)


@pytest.fixture
def ui(chromium: Any, server: Server, request: pytest.FixtureRequest) -> Iterator[UI]:
    context = new_context(chromium)
    try:
        yield UI(context.new_page(), server.url, _test_name(request))
    finally:
        context.close()


def sign_in_by_provider(ui: UI, sub: str) -> None:
    """The login page's button, the provider's own login and consent pages, back home."""
    page = ui.page
    page.context.clear_cookies()  # no session left at the provider from the last person
    ui.visit("/login", "login-with-sso")
    page.get_by_role("link", name=f"Logga in via {PROVIDER_NAME}").click()
    page.wait_for_selector("input[name=login]")
    page.fill("input[name=login]", sub)
    page.fill("input[name=password]", "any")
    page.click("button[type=submit]")
    page.wait_for_selector("input[name=prompt][value=consent]", state="attached")
    with page.expect_navigation(url=ui.url("/")):
        page.click("button[type=submit]")


class NewForbundDesk(BrowserDesk):
    """`BrowserDesk` for the new förbund's people: each organisation or body by its person,
    who signs in by the provider or with a password."""

    def as_user(self, username: str) -> None:
        person = PEOPLE[username][0]
        if self.user == person:
            self.ui.visit("/", f"tasks-{username}")
            return
        if self.user is not None:
            self.ui.logout()
        if person in SSO:
            sign_in_by_provider(self.ui, SSO[person])
        else:
            self.ui.login(person, PASSWORD)
        assert person in self.ui.page.locator(".who-name").inner_text()
        self.user = person
        self.ui.check(f"tasks-{username}")


def found_on_the_national_page(ui: UI) -> str:
    """The national administrator searches the register, chooses the förbund and invites its
    first admin; the invitation link the page gives (mail is off)."""
    page = ui.page
    ui.visit("/login", "login")
    sign_in(ui, "riks")
    assert page.url == ui.url("/national/forbund")
    ui.check("national")
    page.get_by_label("Förbundets, kommunens eller länets namn").fill("Borlänge")
    with page.expect_navigation():
        page.get_by_role("button", name="Sök").click()
    ui.check("national-search")
    with page.expect_navigation():
        page.get_by_role("link", name=f"Välj {REGISTER_NAME}").click()
    ui.check("national-chosen")
    form = page.locator("#create form")
    assert form.get_by_label("Förbund i registret").input_value() == REGISTER_NAME
    assert form.get_by_label("Kortnamn").input_value() == SLUG
    form.get_by_label("Administratörens användarnamn").fill("fb-admin")
    form.get_by_label("Administratörens namn").fill("Frida Admin")
    form.get_by_label("Administratörens e-postadress").fill("admin@finsamfb.example")
    with page.expect_navigation():
        form.get_by_role("button", name="Skapa förbundet och bjud in administratören").click()
    message = ui.flash()
    assert REGISTER_NAME in message, message
    link = re.search(re.escape(ui.base) + r"(/invitation/[A-Za-z0-9_-]+)", message)
    assert link, message
    ui.check("national-created")
    ui.logout()
    return link.group(1)


def invite_everyone(ui: UI) -> dict[str, str]:
    """The förbund's admin invites each person on the admin's page; their links by username."""
    links = {}
    for username, org, role, email in PEOPLE.values():
        ui.visit("/admin/invite", "admin-invite")
        form = ui.page.locator("main form")
        form.get_by_label("Användarnamn", exact=True).fill(username)
        form.get_by_label("E-postadress").fill(email)
        form.get_by_label("Organisation").select_option(org)
        form.get_by_label("Roll").select_option(role)
        with ui.page.expect_navigation():
            form.get_by_role("button", name="Skicka inbjudan").click()
        message = ui.flash()
        link = re.search(re.escape(ui.base) + r"(/invitation/[A-Za-z0-9_-]+)", message)
        assert link, message
        links[username] = link.group(1)
    ui.check("admin-invited")
    return links


def test_a_forbund_from_the_register_runs_both_routes(ui: UI, server: Server) -> None:
    system = server.system
    # The operator's national administrator (its membership sits in the demo förbund).
    add_user(system.db, "riks", "nnv-skane", "kansli", "nationell_admin", PASSWORD)
    before = demo_rows(system)

    admin_link = found_on_the_national_page(ui)
    choose_password(ui, admin_link, "invitation-admin")
    sign_in(ui, "fb-admin")
    ui.visit("/admin/organisations", "admin-organisations")
    members = ui.page.locator("main").inner_text()
    for name in ("Arbetsförmedlingen", "Försäkringskassan", "Region Dalarna", "Falun",
                 "Borlänge"):
        assert name in members
    links = invite_everyone(ui)
    ui.logout()
    for username, link in links.items():
        if username not in SSO:  # the others never choose a password: they have the provider
            choose_password(ui, link, "invitation")

    desk = NewForbundDesk(ui, system, SLUG)
    fs, esf = walk_both_routes(desk, system, PARTS)
    assert system.engine.get_instance(SLUG, fs).outcome == "insats_genomford"
    assert system.engine.get_instance(SLUG, esf).outcome == "projekt_avslutat"
    actors = system.usernames({e.actor for e in system.engine.events(SLUG, esf)})
    assert {"fb-falun", "fb-fk", "fb-borlange", "fb-af", "fb-region"} <= set(actors.values())
    assert "fb-styrelse" in system.usernames(
        {e.actor for e in system.engine.events(SLUG, fs)}).values()
    verified, findings = system.engine.verify(SLUG)
    assert findings == [] and all(v.ok for v in verified), (verified, findings)
    assert [(c.forbund, c.org) for c in capacities(system.db, "fb-falun")] == [(SLUG, "falun")]
    assert demo_rows(system) == before  # the demo förbund is untouched
