"""Accounts are global, memberships belong to a förbund (issue 14, finding 5): only a förbund's
admin manages its memberships, deactivating in one förbund never locks the person out of another,
an admin never sets or silently ignores the password of an account that exists elsewhere (it
invites), and only accepted, active memberships give a capacity: at login, with a token, when
switching capacity and for mail."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import select

from engine import NotFound
from workflows import Finsam
from workflows.memberships import (
    answer_invitation,
    invitations_of,
    lock_account,
    members_of,
    set_active,
)
from workflows.models import Membership, User
from workflows.notify import SmtpConfig, set_preferences
from workflows.system import bundled_diagrams
from workflows.tenants import add_forbund
from workflows.users import add_user, authenticate, capacities, new_token
from workflows.worker import tick

from .conftest import Browser

PASSWORD = "sodra-losen"
CONFIG = SmtpConfig.from_env({"FINSAM_SMTP_HOST": "127.0.0.1", "FINSAM_SMTP_FROM": "n@f.test",
                              "FINSAM_BASE_URL": "https://f.test/"})


@pytest.fixture
def sodra(finsam: Finsam) -> Finsam:
    """A second förbund with its own admin (made by the operator)."""
    add_forbund(finsam.engine, "sodra", "Samordningsförbundet Södra",
                ["af:af:Arbetsförmedlingen", "fk:fk:Försäkringskassan",
                 "trelleborg:kommun:Trelleborgs kommun"], bundled_diagrams(), "test")
    add_user(finsam.db, "s-admin", "sodra", "kansli", "admin", PASSWORD)
    return finsam


def hash_of(finsam: Finsam, username: str) -> str:
    with finsam.db.read() as session:
        return str(session.scalar(select(User.password_hash).where(User.username == username)))


def forbunds_of(finsam: Finsam, username: str) -> list[str]:
    return [c.forbund for c in capacities(finsam.db, username)]


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def test_another_forbunds_admin_invites_and_never_sets_the_password(
        sodra: Finsam, app: Any) -> None:
    before = hash_of(sodra, "fk")
    admin = Browser(app.test_client(), PASSWORD)
    admin.login("s-admin")
    response = admin.post("/admin/users", {"username": "fk", "org": "fk",
                                           "role": "representant", "password": "ett-nytt-losen"},
                          follow_redirects=True)
    page = text(response)
    assert "har fått en inbjudan" in page and "Lösenordet ändrades inte" in page
    assert hash_of(sodra, "fk") == before
    assert not authenticate(sodra.db, "fk", "ett-nytt-losen")
    assert forbunds_of(sodra, "fk") == ["nnv-skane"]  # no capacity before the person accepts
    [row] = [m for m in members_of(sodra.db, "sodra") if m.username == "fk"]
    assert row.capacities == [("fk", "representant", "invited")]
    assert "inbjuden, väntar på svar" in text(admin.get("/admin/users"))


def test_finding_5_another_admin_locked_the_person_out_everywhere(
        sodra: Finsam, app: Any) -> None:
    """As found: B's admin adds A's user (the password typed was ignored, silently) and
    deactivates it; the global flag locked the person out of A too."""
    admin = Browser(app.test_client(), PASSWORD)
    admin.login("s-admin")
    admin.post("/admin/users", {"username": "fk", "org": "fk", "role": "representant",
                                "password": "a-new-password"})
    assert forbunds_of(sodra, "fk") == ["nnv-skane"]
    admin.post("/admin/users/fk/active", {"active": "0"})
    assert authenticate(sodra.db, "fk", "finsam-demo")
    assert forbunds_of(sodra, "fk") == ["nnv-skane"]
    assert Browser(app.test_client()).login("fk").status_code == 302


def test_deactivating_in_one_forbund_never_touches_another(sodra: Finsam, app: Any) -> None:
    add_user(sodra.db, "fk", "sodra", "fk", "representant", "unused-here")  # the operator adds
    assert forbunds_of(sodra, "fk") == ["nnv-skane", "sodra"]
    token = new_token(sodra.db, "fk")
    admin = Browser(app.test_client(), PASSWORD)
    admin.login("s-admin")
    assert admin.post("/admin/users/fk/active", {"active": "0"}).status_code == 302
    assert forbunds_of(sodra, "fk") == ["nnv-skane"]
    person = Browser(app.test_client())
    assert person.login("fk").status_code == 302  # still works in the demo förbund
    api = app.test_client().get("/api/tasks", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200
    # B's admin cannot switch off a user who has no membership in B
    response = admin.post("/admin/users/angelholm/active", {"active": "0"},
                          follow_redirects=True)
    assert "har ingen roll i förbundet" in text(response)
    assert forbunds_of(sodra, "angelholm") == ["nnv-skane"]
    with pytest.raises(NotFound):
        set_active(sodra.db, "sodra", "angelholm", False)
    # A's admin switches A off: the person keeps B (switched on again by B's admin)
    admin.post("/admin/users/fk/active", {"active": "1"})
    set_active(sodra.db, "nnv-skane", "fk", False)
    assert forbunds_of(sodra, "fk") == ["sodra"]
    whoami = app.test_client().get("/api/tasks", headers={"Authorization": f"Bearer {token}"})
    assert whoami.status_code == 200  # the token now acts in B only
    assert Browser(app.test_client()).login("fk").status_code == 302


def test_a_switched_off_capacity_ends_its_session_and_mail(
        sodra: Finsam, app: Any, as_user: Any) -> None:
    add_user(sodra.db, "fk", "sodra", "fk", "representant", "unused-here")
    person = Browser(app.test_client())
    person.login("fk")
    [sodra_membership] = [c.membership_id for c in capacities(sodra.db, "fk")
                          if c.forbund == "sodra"]
    assert person.post("/capacity", {"membership_id": str(sodra_membership)}).status_code == 302
    assert "Samordningsförbundet Södra" in text(person.get("/"))
    set_active(sodra.db, "sodra", "fk", False)
    assert person.get("/").status_code == 302  # the session's capacity is gone: log in again
    person.login("fk")
    assert person.post("/capacity", {"membership_id": str(sodra_membership)},
                       follow_redirects=True).status_code == 200
    assert "Samordningsförbundet Södra" not in text(person.get("/"))

    # mail goes only to active memberships: switched off in A, fk hears only of B's new need
    add_user(sodra.db, "s-kansli", "sodra", "kansli", "kansli", PASSWORD)
    set_active(sodra.db, "sodra", "fk", True)
    set_preferences(sodra.db, "fk", "fk@example.se", "each")
    set_preferences(sodra.db, "af", "af@example.se", "each")
    sent: list[EmailMessage] = []
    tick(sodra, CONFIG, sent.extend)  # older news out of the way
    set_active(sodra.db, "nnv-skane", "fk", False)
    sodra.start_need(as_user("angelholm"), {"titel": "Behov i A"})
    sodra.start_need(capacities(sodra.db, "s-kansli")[0], {"titel": "Behov i B"})
    sent.clear()
    tick(sodra, CONFIG, sent.extend)
    to_fk = [str(m.get_content()) for m in sent if m["To"] == "fk@example.se"]
    assert len(to_fk) == 1 and "Behov i B" in to_fk[0]
    assert any("Behov i A" in str(m.get_content()) for m in sent)  # A's members still hear


def test_the_person_accepts_or_declines_an_invitation(sodra: Finsam, app: Any) -> None:
    admin = Browser(app.test_client(), PASSWORD)
    admin.login("s-admin")
    admin.post("/admin/users", {"username": "fk", "org": "fk", "role": "representant"})
    admin.post("/admin/users", {"username": "af", "org": "af", "role": "representant"})
    person = Browser(app.test_client())
    person.login("fk")
    start = text(person.get("/"))
    assert "Du är inbjuden att agera i ett annat förbund" in start
    profile = text(person.get("/profile"))
    assert "Samordningsförbundet Södra bjuder in dig att agera för Försäkringskassan" in profile
    [invitation] = invitations_of(sodra.db, "fk")
    assert invitation.invited_by == "s-admin"
    # someone else's invitation is not yours to answer
    [af_invitation] = invitations_of(sodra.db, "af")
    response = person.post("/profile/invitations", {"membership_id": str(af_invitation
                                                                         .membership_id),
                                                    "answer": "accept"}, follow_redirects=True)
    assert "Inbjudan finns inte längre" in text(response)
    assert forbunds_of(sodra, "af") == ["nnv-skane"]
    response = person.post("/profile/invitations", {"membership_id": str(invitation
                                                                         .membership_id),
                                                    "answer": "accept"}, follow_redirects=True)
    assert "Du kan nu agera för Försäkringskassan i Samordningsförbundet Södra" in text(response)
    assert forbunds_of(sodra, "fk") == ["nnv-skane", "sodra"]
    assert invitations_of(sodra.db, "fk") == []
    assert "Agera som" in text(person.get("/"))

    declined = answer_invitation(sodra.db, "af", af_invitation.membership_id, accept=False)
    assert declined.forbund == "sodra"
    assert forbunds_of(sodra, "af") == ["nnv-skane"]
    [row] = [m for m in members_of(sodra.db, "sodra") if m.username == "af"]
    assert row.capacities == [("af", "representant", "declined")]
    with pytest.raises(NotFound):  # answered once
        answer_invitation(sodra.db, "af", af_invitation.membership_id, accept=True)
    admin.post("/admin/users", {"username": "af", "org": "af", "role": "representant"})
    assert [i.forbund for i in invitations_of(sodra.db, "af")] == ["sodra"]  # invited again


def test_re_adding_a_user_of_the_same_forbund_says_the_password_was_not_changed(
        finsam: Finsam, browser: Browser) -> None:
    before = hash_of(finsam, "af")
    browser.login("admin")
    response = browser.post("/admin/users", {"username": "af", "org": "styrelse",
                                             "role": "styrelse", "password": "annat-losen-1"},
                            follow_redirects=True)
    page = text(response)
    assert "af kan nu också agera för Styrelsen" in page
    assert "Lösenordet ändrades inte" in page
    assert hash_of(finsam, "af") == before
    assert [c.role for c in capacities(finsam.db, "af")] == ["representant", "styrelse"]
    again = text(browser.post("/admin/users", {"username": "af", "org": "styrelse",
                                               "role": "styrelse"}, follow_redirects=True))
    assert "hade redan den rollen" in again and "Lösenordet" not in again


def test_a_new_account_still_needs_a_password(finsam: Finsam, browser: Browser) -> None:
    browser.login("admin")
    response = browser.post("/admin/users", {"username": "ny", "org": "fk",
                                             "role": "representant", "password": "kort"})
    assert response.status_code == 422 and "minst 8 tecken" in text(response)


def test_the_operators_lock_stops_the_account_everywhere(sodra: Finsam) -> None:
    add_user(sodra.db, "fk", "sodra", "fk", "representant", "unused-here")
    lock_account(sodra.db, "fk", True)
    assert capacities(sodra.db, "fk") == [] and not authenticate(sodra.db, "fk", "finsam-demo")
    lock_account(sodra.db, "fk", False)
    assert forbunds_of(sodra, "fk") == ["nnv-skane", "sodra"]
    with sodra.db.read() as session:
        assert all(m.active for m in session.scalars(select(Membership)))
