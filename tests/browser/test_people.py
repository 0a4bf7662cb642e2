"""A new förbund taken from the register in a real browser (issue 18): its first admin opens
the invitation link the operator was given, chooses a password and signs in, sees the members,
invites a person by e-mail, and that person chooses a password from the link and signs in; the
demo förbund is untouched. Every page is checked by axe at both widths."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from webui.cli import main
from workflows.users import capacities

from .conftest import UI, LiveServer

PASSWORD = "tre glada kameler"


def choose_password(ui: UI, link: str, name: str) -> None:
    ui.visit(link, name)
    ui.page.get_by_label("Nytt lösenord").fill(PASSWORD)
    ui.page.get_by_label("Samma lösenord en gång till").fill(PASSWORD)
    with ui.page.expect_navigation():
        ui.page.get_by_role("button", name="Spara lösenordet").click()
    assert ui.page.url.endswith("/login")
    assert "Ditt lösenord är sparat" in ui.flash()


def sign_in(ui: UI, username: str) -> None:
    ui.page.get_by_label("Användarnamn", exact=True).fill(username)
    ui.page.get_by_label("Lösenord", exact=True).fill(PASSWORD)
    with ui.page.expect_navigation():
        ui.page.get_by_role("button", name="Logga in").click()
    assert not ui.page.url.endswith("/login"), ui.page.url


def test_a_forbund_from_the_register_invites_its_people(
        ui: UI, live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINSAM_DATABASE_URL", live_server.database_url)
    monkeypatch.delenv("FINSAM_SMTP_HOST", raising=False)
    monkeypatch.setenv("FINSAM_BASE_URL", live_server.url)
    demo_before = [(c.forbund, c.role) for c in capacities(live_server.system.db, "admin")]
    made = CliRunner().invoke(main, [
        "forbund", "add", "nils", "--from-register", "Samordningsförbundet Nils", "--admin",
        "nils-admin", "--admin-email", "admin@svedala.se"], catch_exceptions=False)
    assert made.exit_code == 0, made.output
    found = re.search(re.escape(live_server.url) + r"(/invitation/\S+)", made.output)
    assert found, made.output

    choose_password(ui, found.group(1), "invitation")
    sign_in(ui, "nils-admin")
    ui.visit("/admin/users", "admin-users")
    assert "nils-admin" in ui.page.locator("main").inner_text()
    ui.visit("/admin/organisations", "admin-organisations")
    main_text = ui.page.locator("main").inner_text()
    for member in ("Arbetsförmedlingen", "Försäkringskassan", "Region Skåne", "Svedala",
                   "Skurup"):
        assert member in main_text
    assert "Ängelholm" not in main_text  # the demo förbund's members are not here

    ui.visit("/admin/invite", "admin-invite")
    invite = ui.page.locator("main form")
    invite.get_by_label("Användarnamn", exact=True).fill("eva")
    invite.get_by_label("Namn", exact=True).fill("Eva Ek")
    invite.get_by_label("E-postadress").fill("eva@skurup.se")
    invite.get_by_label("Organisation").select_option("skurup")
    invite.get_by_label("Roll").select_option("representant")
    with ui.page.expect_navigation():
        invite.get_by_role("button", name="Skicka inbjudan").click()
    message = ui.flash()
    link = re.search(re.escape(live_server.url) + r"(/invitation/\S+?):?$", message.strip())
    assert link, message
    ui.check("admin-invited")
    ui.visit("/admin/users/eva", "admin-person")
    assert "Skurup" in ui.page.locator("main h3").inner_text()
    with ui.page.expect_navigation():
        ui.page.get_by_role("button", name="Logga ut").click()

    choose_password(ui, link.group(1), "invitation-eva")
    sign_in(ui, "eva")
    assert [(c.forbund, c.org, c.role) for c in capacities(live_server.system.db, "eva")] == [
        ("nils", "skurup", "representant")]
    with ui.page.expect_navigation():
        ui.page.get_by_role("button", name="Logga ut").click()
    ui.visit(link.group(1), "invitation-used", status=410)
    ui.visit("/password/forgot", "forgot")
    assert [(c.forbund, c.role) for c in capacities(live_server.system.db, "admin")] == \
        demo_before


def test_the_auditor_reads_the_administrative_history(ui: UI) -> None:
    ui.login("auditor")
    ui.visit("/audit/administration", "administration")
    assert "Kedjan stämmer" in ui.page.locator("main").inner_text()
