"""The national administrator's page (issue 18): a förbund from the national register with its
first admin invited, through the same path as `finsam forbund add --from-register`; asked
through the policy (`policy.FOUND`), refused to every other role; the role given only by the
operator, never by a förbund's admin."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from workflows import Finsam, admin_history, policy
from workflows.founding import suggested_slug
from workflows.models import Forbund, Membership, Organisation, User, UserLink
from workflows.parties import ROLES
from workflows.people import invite
from workflows.users import add_user, capacities

from .conftest import Browser

TRELLEBORG = "Samordningsförbundet i Trelleborg"
NEW = {"name": TRELLEBORG, "slug": "trelleborg-finsam", "admin_username": "t-admin",
       "admin_name": "Tea Admin", "admin_email": "admin@trelleborg.se"}


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


@pytest.fixture(autouse=True)
def mail_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FINSAM_SMTP_HOST", raising=False)


@pytest.fixture
def national(finsam: Finsam) -> Browser:
    """The operator's national administrator, whose membership sits in the demo förbund."""
    add_user(finsam.db, "riks", "nnv-skane", "kansli", "nationell_admin", "finsam-demo")
    return Browser


def counts(finsam: Finsam) -> tuple[int, ...]:
    with finsam.db.read() as session:
        return tuple(session.scalar(select(func.count()).select_from(model)) or 0
                     for model in (Forbund, Organisation, User, Membership, UserLink))


def test_suggested_slug_drops_the_generic_words() -> None:
    assert suggested_slug("Norra Dalarnas samordningsförbund") == "norra-dalarnas"
    assert suggested_slug(TRELLEBORG) == "trelleborg-finsam"  # Trelleborg is its kommun
    assert suggested_slug("Samordningsförbundet Finsam Gotland") == "gotland-finsam"


def test_national_admin_searches_the_register_and_founds_a_forbund(
        finsam: Finsam, client: Any, national: type[Browser]) -> None:
    browser = national(client)
    assert browser.login("riks").headers["Location"].endswith("/national/forbund")
    found = text(browser.get("/national/forbund?q=trelleborg"))
    assert TRELLEBORG in found and "?name=Samordningsf" in found
    assert 'list="register-names"' in found and "<option value=\"Finsam i Västerdalarna\">" in found
    chosen = text(browser.get("/national/forbund", query_string={"name": TRELLEBORG}))
    assert 'value="trelleborg-finsam"' in chosen and "Region Skåne" in chosen
    response = browser.post("/national/forbund", NEW, follow_redirects=True)
    assert response.status_code == 200, text(response)
    page = text(response)
    link = re.search(r"(/invitation/[A-Za-z0-9_-]+)", page)
    assert link and "Ge t-admin den här länken själv" in page
    with finsam.db.read() as session:
        members = set(session.scalars(select(Organisation.kind).join(Forbund).where(
            Forbund.slug == "trelleborg-finsam")))
    assert members == {"af", "fk", "region", "kommun"}
    assert {s.process_id for s in finsam.engine.spec_versions("trelleborg-finsam")} >= {
        "behovsanalys", "finansiell_samordning", "esf_plus"}
    riks = capacities(finsam.db, "riks")[0].actor_id
    assert [(e.actor, e.kind) for e in admin_history.events(finsam.db, "trelleborg-finsam")] == [
        (riks, "forbund_created"), (riks, "invited")]
    with finsam.db.read() as session:
        invited = session.execute(select(Membership.role, Membership.org).join(User).where(
            User.username == "t-admin")).all()
    assert [tuple(r) for r in invited] == [("admin", "kansli")]
    # The same förbund again is refused by name, and nothing is written.
    before = counts(finsam)
    again = browser.post("/national/forbund", {**NEW, "admin_username": "t-admin2"})
    assert again.status_code == 422 and "finns redan" in text(again)
    assert counts(finsam) == before


@pytest.mark.parametrize("change, field", [
    ({"admin_email": "inte en adress"}, "e-postadress"),
    ({"admin_username": "System"}, "reserverat"),
    ({"slug": "Fel Slug"}, "kortnamn"),
    ({"slug": "kansli"}, "kortnamn"),
    ({"name": "Samordningsförbundet Atlantis"}, "finns inte i registret"),
    ({"name": ""}, "Välj ett förbund"),
])
def test_a_wrong_field_is_named_and_nothing_is_written(
        finsam: Finsam, client: Any, national: type[Browser], change: dict[str, str],
        field: str) -> None:
    browser = national(client)
    browser.login("riks")
    before = counts(finsam)
    response = browser.post("/national/forbund", {**NEW, **change})
    assert response.status_code == 422 and field in text(response), text(response)
    assert counts(finsam) == before


@pytest.mark.parametrize("role", [r for r in ROLES if r != "nationell_admin"])
def test_every_other_role_is_refused(finsam: Finsam, client: Any, role: str) -> None:
    """Generated from the policy: each role without `FOUND` gets 403 and writes nothing."""
    org = {"representant": "bastad", "nationell": "fk"}.get(role, "kansli")
    org = "styrelse" if role == "styrelse" else org
    add_user(finsam.db, f"x-{role}", "nnv-skane", org, role, "finsam-demo")
    assert not policy.may(capacities(finsam.db, f"x-{role}")[0], policy.FOUND)
    browser = Browser(client)
    assert browser.login(f"x-{role}").status_code == 302
    before = counts(finsam)
    assert browser.get("/national/forbund?q=trelleborg").status_code == 403
    assert browser.post("/national/forbund", NEW).status_code == 403
    assert counts(finsam) == before


def test_anonymous_is_sent_to_login(finsam: Finsam, client: Any) -> None:
    assert client.get("/national/forbund").status_code == 302
    before = counts(finsam)
    assert Browser(client).post("/national/forbund", NEW).status_code in (302, 400)
    assert counts(finsam) == before


def test_only_the_operator_gives_the_national_role(finsam: Finsam, browser: Browser) -> None:
    browser.login("admin")
    before = counts(finsam)
    refused = browser.post("/admin/invite", {
        "username": "eva", "email": "eva@bastad.se", "org": "kansli",
        "role": "nationell_admin"})
    assert refused.status_code == 422 and "ges bara av driften" in text(refused)
    added = browser.post("/admin/users", {"username": "eva", "org": "kansli",
                                          "role": "nationell_admin", "password": "x" * 16})
    assert added.status_code == 422
    assert "nationell_admin" not in text(browser.get("/admin/invite"))
    assert counts(finsam) == before
    invited = invite(finsam.db, "nnv-skane", "eva", "eva@bastad.se", "kansli",
                     "nationell_admin", None, "system (operatör)")
    assert invited.created


def test_a_forbund_founded_by_someone_else_meanwhile_gets_no_second_admin(
        finsam: Finsam, client: Any, national: type[Browser],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The page checks that the kortnamn is free, then creates the förbund. If another national
    # administrator (or the CLI) creates it between the two, the page refuses: the förbund
    # keeps the other's first admin and gets no second one.
    from workflows import founding

    create = founding.add_forbund

    def someone_else_first(engine: Any, slug: str, *args: Any, **kwargs: Any) -> Any:
        create(engine, slug, *args, **kwargs)  # the other's creation, after the page's check
        return create(engine, slug, *args, **kwargs)

    monkeypatch.setattr(founding, "add_forbund", someone_else_first)
    browser = national(client)
    browser.login("riks")
    response = browser.post("/national/forbund", NEW)
    assert response.status_code == 422 and "finns redan" in text(response), text(response)
    assert 'value="t-admin"' in text(response)  # what was typed is kept
    with finsam.db.read() as session:
        assert session.scalar(select(Forbund.id).where(
            Forbund.slug == "trelleborg-finsam")) is not None
        assert session.scalar(select(func.count()).select_from(User).where(
            User.username == "t-admin")) == 0
    assert [e.kind for e in admin_history.events(finsam.db, "trelleborg-finsam")] == []
