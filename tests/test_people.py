"""People (issue 18): invitations by e-mail with a one-time link valid 72 hours, a forgotten
password reset by e-mail without telling who has an account, changing one's own password,
passwords checked against a minimum length and a list of common ones (Argon2id hashes), the
admin's edits and removals of memberships and member organisations (never silently while work
is under way), each recorded in the förbund's hash-chained administrative history that the
auditor reads."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update
from werkzeug.security import generate_password_hash

from engine import InvalidData, utc_now
from engine.store.models import HumanTask
from webui.cli import main
from workflows import Finsam, admin_history, passwords
from workflows.links import INVITE, LinkRefused, use_link
from workflows.models import AdminEvent, Membership, User, UserLink
from workflows.notify import SmtpConfig, set_preferences
from workflows.people import invite, remove_organisation
from workflows.system import bundled_diagrams
from workflows.tenants import add_forbund
from workflows.users import add_user, authenticate, capacities
from workflows.worker import tick

from .conftest import Browser
from .walk import Desk

CONFIG = SmtpConfig.from_env({"FINSAM_SMTP_HOST": "127.0.0.1", "FINSAM_SMTP_FROM": "n@f.test",
                              "FINSAM_BASE_URL": "https://f.test"})
NEW_PASSWORD = "tre glada kameler"


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def mailed(finsam: Finsam) -> list[EmailMessage]:
    """Run the worker once and return the messages it sent."""
    sent: list[EmailMessage] = []
    tick(finsam, CONFIG, sent.extend)
    return sent


def link_in(message: EmailMessage) -> str:
    found = re.search(r"https://f\.test(/\S+)", message.get_content())
    assert found, message.get_content()
    return found.group(1)


@pytest.fixture(autouse=True)
def mail_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FINSAM_SMTP_HOST", raising=False)


# -- passwords ---------------------------------------------------------------------------------

def test_password_rules_and_hash() -> None:
    assert passwords.problem("kort") == "minst 8 tecken"
    for common in ("password1", "Qwerty123", "iloveyou"):
        assert "för vanligt" in (passwords.problem(common) or "")
    assert "för vanligt" in (passwords.problem("anna.berg", "anna.berg") or "")
    assert passwords.problem(NEW_PASSWORD) is None
    stored = passwords.hash_password(NEW_PASSWORD)
    assert stored.startswith("$argon2id$")
    assert passwords.verify(stored, NEW_PASSWORD) and not passwords.verify(stored, "fel")
    assert not passwords.verify(passwords.UNUSABLE, "")


def test_an_old_scrypt_hash_still_verifies_and_is_replaced(finsam: Finsam) -> None:
    with finsam.db.write() as session:
        session.execute(update(User).where(User.username == "af").values(
            password_hash=generate_password_hash("finsam-demo", method="scrypt")))
    assert authenticate(finsam.db, "af", "finsam-demo")
    with finsam.db.read() as session:
        stored = session.scalar(select(User.password_hash).where(User.username == "af"))
    assert str(stored).startswith("$argon2id$")
    assert authenticate(finsam.db, "af", "finsam-demo")
    assert not authenticate(finsam.db, "af", "fel-losenord")


def test_admin_cannot_give_a_new_account_a_common_password(finsam: Finsam,
                                                          browser: Browser) -> None:
    browser.login("admin")
    response = browser.post("/admin/users", {"username": "ny", "org": "af",
                                             "role": "representant", "password": "password1"})
    assert response.status_code == 422
    assert "för vanligt" in text(response)
    assert capacities(finsam.db, "ny") == []


# -- invitations -------------------------------------------------------------------------------

def test_invitation_by_email_sets_the_password_once(finsam: Finsam, browser: Browser,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    browser.login("admin")
    response = browser.post("/admin/invite", {
        "username": "eva", "display_name": "Eva Ek", "email": "eva@bastad.se", "org": "bastad",
        "role": "representant"}, follow_redirects=True)
    assert response.status_code == 200
    assert "fått en inbjudan med e-post" not in text(response)  # mail is off here
    assert "Ge eva den här länken själv" in text(response)
    assert not authenticate(finsam.db, "eva", "")  # no password until the link is used
    [message] = mailed(finsam)
    assert message["To"] == "eva@bastad.se"
    link = link_in(message)
    assert link.startswith("/invitation/")
    browser.logout()
    page = browser.get(link)
    assert page.status_code == 200 and "Ditt användarnamn är eva" in text(page)
    common = browser.post(link, {"password": "password1", "repeat": "password1"})
    assert common.status_code == 422 and "för vanligt" in text(common)
    different = browser.post(link, {"password": NEW_PASSWORD, "repeat": "annat"})
    assert different.status_code == 422 and "inte lika" in text(different)
    done = browser.post(link, {"password": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert [c.org for c in capacities(finsam.db, "eva")] == ["bastad"]
    assert Browser(browser.client, NEW_PASSWORD).login("eva").status_code == 302
    browser.logout()
    again = browser.post(link, {"password": "ett helt annat", "repeat": "ett helt annat"})
    assert again.status_code == 410 and "redan använd" in text(again)
    assert authenticate(finsam.db, "eva", NEW_PASSWORD)
    assert browser.get("/invitation/inte-en-riktig-lank").status_code == 410
    token = link.rsplit("/", 1)[1]
    logged = [r.getMessage() for r in caplog.records if r.name == "finsam.requests"]
    assert any("/invitation/[token]" in line for line in logged)
    assert not any(token in line for line in logged)  # the log never holds a working link


def test_an_expired_invitation_is_refused(finsam: Finsam) -> None:
    sent = utc_now() - timedelta(hours=72, seconds=1)
    invited = invite(finsam.db, "nnv-skane", "olle", "olle@bastad.se", "bastad",
                     "representant", None, "admin", now=sent)
    assert invited.created and invited.link
    with pytest.raises(LinkRefused, match="gått ut"):
        use_link(finsam.db, invited.link, INVITE, NEW_PASSWORD)
    again = invite(finsam.db, "nnv-skane", "olle", "olle@bastad.se", "bastad", "representant",
                   None, "admin")  # invited again: a fresh link, the old one still refused
    assert again.created and again.link
    with pytest.raises(LinkRefused, match="redan använd"):
        use_link(finsam.db, invited.link, INVITE, NEW_PASSWORD)
    assert use_link(finsam.db, again.link, INVITE, NEW_PASSWORD) == "olle"
    assert not invite(finsam.db, "nnv-skane", "olle", "olle@bastad.se", "bastad",
                      "representant", None, "admin").created  # it has a password now
    fresh = invite(finsam.db, "nnv-skane", "stina", "stina@bastad.se", "bastad",
                   "representant", None, "admin", now=utc_now() - timedelta(hours=71))
    assert use_link(finsam.db, fresh.link or "", INVITE, NEW_PASSWORD) == "stina"


def test_inviting_an_existing_account_never_touches_its_password(finsam: Finsam,
                                                                 browser: Browser) -> None:
    with finsam.db.read() as session:
        before = session.scalar(select(User.password_hash).where(User.username == "af"))
    browser.login("admin")
    response = browser.post("/admin/invite", {"username": "af", "email": "x@af.se",
                                              "org": "af", "role": "kansli"})
    assert response.status_code == 422  # kansli acts for the kansli, not af
    response = browser.post("/admin/invite", {"username": "af", "email": "x@af.se",
                                              "org": "kansli", "role": "kansli"},
                            follow_redirects=True)
    assert "lösenordet ändrades inte" in text(response)
    with finsam.db.read() as session:
        assert session.scalar(select(User.password_hash).where(User.username == "af")) == before
        assert session.scalar(select(UserLink.id)) is None


def test_readding_an_existing_user_says_the_password_was_kept(finsam: Finsam,
                                                              browser: Browser) -> None:
    browser.login("admin")
    response = browser.post("/admin/users", {"username": "af", "org": "af",
                                             "role": "representant",
                                             "password": "ett nytt losenord"},
                            follow_redirects=True)
    assert "hade redan den rollen" in text(response)
    assert "Lösenordet ändrades inte" in text(response)
    assert authenticate(finsam.db, "af", "finsam-demo")
    assert not authenticate(finsam.db, "af", "ett nytt losenord")


# -- reset -------------------------------------------------------------------------------------

def test_reset_answers_the_same_and_the_link_works_once(finsam: Finsam,
                                                        browser: Browser) -> None:
    set_preferences(finsam.db, "fk", "fk@example.se", "none")
    known = browser.post("/password/forgot", {"email": "FK@example.se"})
    unknown = browser.post("/password/forgot", {"email": "ingen@example.se"})
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    page = browser.get("/login")
    assert "Om adressen hör till ett konto" in text(page)
    [message] = mailed(finsam)
    assert message["To"] == "fk@example.se"
    link = link_in(message)
    assert link.startswith("/password/reset/")
    assert browser.post(link, {"password": NEW_PASSWORD, "repeat": NEW_PASSWORD}
                        ).status_code == 302
    assert authenticate(finsam.db, "fk", NEW_PASSWORD)
    assert not authenticate(finsam.db, "fk", "finsam-demo")
    reused = browser.post(link, {"password": "ett tredje losen", "repeat": "ett tredje losen"})
    assert reused.status_code == 410 and "redan använd" in text(reused)
    assert mailed(finsam) == []  # nothing left in the outbox; its token is gone from the db
    with finsam.db.read() as session:
        assert session.scalars(select(UserLink.pending)).all() == [None]


def test_an_expired_reset_link_is_refused(finsam: Finsam, browser: Browser) -> None:
    set_preferences(finsam.db, "fk", "fk@example.se", "none")
    browser.post("/password/forgot", {"email": "fk@example.se"})
    [message] = mailed(finsam)
    with finsam.db.write() as session:
        session.execute(update(UserLink).values(expires_at=utc_now() - timedelta(seconds=1)))
    response = browser.post(link_in(message), {"password": NEW_PASSWORD,
                                               "repeat": NEW_PASSWORD})
    assert response.status_code == 410 and "gått ut" in text(response)
    assert authenticate(finsam.db, "fk", "finsam-demo")


# -- changing one's own password ----------------------------------------------------------------

def test_change_own_password(finsam: Finsam, app: Any, browser: Browser) -> None:
    other = Browser(app.test_client())
    assert other.login("kansli").status_code == 302
    browser.login("kansli")
    wrong = browser.post("/profile/password", {"current": "fel", "password": NEW_PASSWORD,
                                               "repeat": NEW_PASSWORD})
    assert wrong.status_code == 422 and "stämmer inte" in text(wrong)
    common = browser.post("/profile/password", {"current": "finsam-demo",
                                                "password": "12345678", "repeat": "12345678"})
    assert common.status_code == 422 and "för vanligt" in text(common)
    done = browser.post("/profile/password", {"current": "finsam-demo",
                                              "password": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    assert done.status_code == 302
    assert browser.get("/profile").status_code == 200  # this session goes on
    assert other.get("/profile").status_code == 302  # every other one ended
    assert authenticate(finsam.db, "kansli", NEW_PASSWORD)


# -- the admin's changes, refusals and the history -----------------------------------------------

def membership_id(finsam: Finsam, username: str, org: str, role: str) -> int:
    with finsam.db.read() as session:
        return int(session.scalar(select(Membership.id).join(User).where(
            User.username == username, Membership.org == org, Membership.role == role)) or 0)


def test_admin_changes_and_removes_a_membership_and_the_auditor_sees_it(
        finsam: Finsam, app: Any, browser: Browser) -> None:
    add_user(finsam.db, "per", "nnv-skane", "bastad", "representant", "pers-losenord")
    browser.login("admin")
    per = membership_id(finsam, "per", "bastad", "representant")
    page = text(browser.get("/admin/users/per"))
    assert f'action="/admin/memberships/{per}/remove"' in page
    changed = browser.post(f"/admin/memberships/{per}", {"org": "af", "role": "representant"})
    assert changed.status_code == 302
    assert [(c.org, c.role) for c in capacities(finsam.db, "per")] == [("af", "representant")]
    removed = browser.post(f"/admin/memberships/{per}/remove")
    assert removed.status_code == 302
    assert capacities(finsam.db, "per") == []
    own = membership_id(finsam, "admin", "kansli", "admin")
    refused = browser.post(f"/admin/memberships/{own}/remove")
    assert refused.status_code == 422 and "din egen roll" in text(refused)
    auditor = Browser(app.test_client())
    auditor.login("auditor")
    page = text(auditor.get("/audit/administration"))
    assert "Kedjan stämmer" in page
    assert "Roll ändrad" in page and "Roll borttagen" in page
    assert "before: org=bastad, role=representant" in page
    events = admin_history.events(finsam.db, "nnv-skane")
    admin = capacities(finsam.db, "admin")[0].actor_id  # the history records the admin's id
    assert [(e.actor, e.kind) for e in events[-2:]] == [
        (admin, "membership_changed"), (admin, "membership_removed")]
    assert browser.get("/audit/administration").status_code == 403  # the admin is no auditor


def test_tampering_with_the_administrative_history_is_found(finsam: Finsam,
                                                            browser: Browser) -> None:
    add_user(finsam.db, "per", "nnv-skane", "bastad", "representant", "pers-losenord")
    assert admin_history.verify(finsam.db, "nnv-skane").ok
    with finsam.db.write() as session:
        first = session.scalars(select(AdminEvent).where(AdminEvent.tenant == "nnv-skane")
                                .order_by(AdminEvent.seq)).first()
        assert first is not None
        first.actor = "någon annan"
    check = admin_history.verify(finsam.db, "nnv-skane")
    assert check.problems == ["händelse 1 har ändrats efter att den skrevs"]
    browser.login("auditor")
    assert "har ändrats efter att den skrevs" in text(browser.get("/audit/administration"))


def test_a_member_with_open_tasks_cannot_vanish(finsam: Finsam, database_url: str,
                                                browser: Browser) -> None:
    desk = Desk(database_url)
    _, routes = desk.need(["af", "fk", "region-skane"], "finansiell_samordning", user="af")
    route = routes["finansiell_samordning"].id
    browser.login("admin")
    refused = browser.post("/admin/organisations/af/remove")
    assert refused.status_code == 422
    assert "öppna uppgifter" in text(refused) or "pågående ärenden" in text(refused)
    with pytest.raises(InvalidData) as error:
        remove_organisation(finsam.db, "nnv-skane", "region-skane", "admin")
    assert "pågående ärenden" in error.value.details["member"] \
        or "öppna uppgifter" in error.value.details["member"]
    # A person who has claimed a task is not removed with it: the admin is told to hand it over.
    task = finsam.engine.open_tasks_of(route)[0]
    claimer = "af"
    with finsam.db.write() as session:
        session.execute(update(HumanTask).where(HumanTask.id == task.id)
                        .values(claimed_by=claimer))
    af = membership_id(finsam, claimer, "af", "representant")
    removed = browser.post(f"/admin/memberships/{af}/remove")
    assert removed.status_code == 422 and "påbörjade uppgifter" in text(removed)
    assert capacities(finsam.db, claimer)
    # An organisation without work or people goes, and the history says so.
    added = browser.post("/admin/organisations", {"slug": "ny-kommun", "kind": "kommun",
                                                  "name": "Nya kommunen"})
    assert added.status_code == 302
    assert browser.post("/admin/organisations/ny-kommun/remove").status_code == 302
    kinds = [e.kind for e in admin_history.events(finsam.db, "nnv-skane")]
    assert kinds[-2:] == ["organisation_added", "organisation_removed"]


def test_an_admin_of_another_forbund_touches_nothing_here(finsam: Finsam,
                                                          browser: Browser) -> None:
    add_forbund(finsam.engine, "sodra", "Samordningsförbundet Södra",
                ["af:af:Arbetsförmedlingen", "trelleborg:kommun:Trelleborgs kommun"],
                bundled_diagrams(), "test")
    add_user(finsam.db, "s-admin", "sodra", "kansli", "admin", "finsam-demo")
    before = admin_history.events(finsam.db, "nnv-skane")
    browser.login("s-admin")
    target = membership_id(finsam, "af", "af", "representant")
    assert browser.post(f"/admin/memberships/{target}/remove").status_code == 404
    assert browser.post(f"/admin/memberships/{target}", {"org": "kansli", "role": "kansli"}
                        ).status_code == 404
    assert browser.post("/admin/organisations/bastad/remove").status_code == 404
    assert browser.get("/admin/users/af").status_code == 404
    assert capacities(finsam.db, "af")
    assert len(admin_history.events(finsam.db, "nnv-skane")) == len(before)


# -- a förbund from the register with its first admin --------------------------------------------

def test_forbund_from_register_with_its_first_admin(finsam: Finsam, database_url: str,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    browser: Browser) -> None:
    monkeypatch.setenv("FINSAM_DATABASE_URL", database_url)
    result = CliRunner().invoke(main, [
        "forbund", "add", "trelleborg-finsam", "--from-register",
        "Samordningsförbundet i Trelleborg", "--admin", "t-admin", "--admin-email",
        "admin@trelleborg.se", "--admin-name", "Tea Admin"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    found = re.search(r"valid 72 hours: \S+(/invitation/\S+)", result.output)
    assert found, result.output
    assert not authenticate(finsam.db, "t-admin", "")
    browser.post(found.group(1), {"password": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    assert [(c.forbund, c.role) for c in capacities(finsam.db, "t-admin")] == [
        ("trelleborg-finsam", "admin")]
    admin = Browser(browser.client, NEW_PASSWORD)
    assert admin.login("t-admin").status_code == 302
    assert "t-admin" in text(admin.get("/admin/users"))
    page = text(admin.get("/admin/organisations"))
    for member in ("Arbetsförmedlingen", "Försäkringskassan", "Region Skåne", "Trelleborg"):
        assert member in page
    assert "af@" not in page and "nnv-skane" not in page
    events = admin_history.events(finsam.db, "trelleborg-finsam")
    assert [(e.actor, e.kind) for e in events] == [("system (operatör)", "forbund_created"),
                                                   ("system (operatör)", "invited")]
    # The demo förbund is untouched.
    assert [c.forbund for c in capacities(finsam.db, "admin")] == ["nnv-skane"]


def test_the_answer_to_an_invitation_is_in_the_history(finsam: Finsam) -> None:
    add_forbund(finsam.engine, "sodra", "Samordningsförbundet Södra",
                ["af:af:Arbetsförmedlingen"], bundled_diagrams(), "test")
    add_user(finsam.db, "s-admin", "sodra", "kansli", "admin", "finsam-demo")
    invite(finsam.db, "sodra", "af", "af@af.se", "af", "representant", None, "s-admin")
    from workflows.memberships import answer_invitation, invitations_of

    [waiting] = invitations_of(finsam.db, "af")
    answer_invitation(finsam.db, "af", waiting.membership_id, accept=True)
    events = admin_history.events(finsam.db, "sodra")
    assert [(e.actor, e.kind) for e in events[-2:]] == [
        (capacities(finsam.db, "s-admin")[0].actor_id, "membership_invited"),
        (capacities(finsam.db, "af")[0].actor_id, "invitation_accepted")]
    assert admin_history.verify(finsam.db, "sodra").ok


def test_finsam_audit_admin_verifies_and_prints_the_head(finsam: Finsam, database_url: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINSAM_DATABASE_URL", database_url)
    monkeypatch.delenv("FINSAM_AUDIT_KEY", raising=False)
    add_user(finsam.db, "per", "nnv-skane", "bastad", "representant", "pers-losenord")
    check = admin_history.verify(finsam.db, "nnv-skane")
    result = CliRunner().invoke(main, ["audit", "admin", "--forbund", "nnv-skane"])
    assert result.exit_code == 0, result.output
    assert f"administrative events verifies; head nnv-skane/admin:{check.head}" in result.output
    with finsam.db.write() as session:
        session.execute(update(AdminEvent).where(AdminEvent.seq == 2).values(kind="x"))
    broken = CliRunner().invoke(main, ["audit", "admin"])
    assert broken.exit_code == 1
    assert "nnv-skane: händelse 2 har ändrats efter att den skrevs" in broken.output
