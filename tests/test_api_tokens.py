"""API tokens expire, are listed without their secret, and are revoked one by one or all at once:
from the command line and on the profile page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select

from engine import InvalidData, NotFound, utc_now
from webui.cli import main
from workflows import Finsam
from workflows.models import ApiToken
from workflows.tokens import DEFAULT_DAYS, new_token, revoke_token, tokens_of

from .conftest import Browser


def status(app: Flask, token: str) -> int:
    response = app.test_client().get("/api/tasks", headers={"Authorization": f"Bearer {token}"})
    return int(response.status_code)


def test_a_token_lasts_its_days_then_is_refused(app: Flask, finsam: Finsam) -> None:
    fresh = new_token(finsam.db, "fk")
    [row] = tokens_of(finsam.db, "fk")
    assert row.expires_at - row.created_at == timedelta(days=DEFAULT_DAYS)
    assert status(app, fresh) == 200
    old = new_token(finsam.db, "fk", days=30, now=utc_now() - timedelta(days=31))
    assert status(app, old) == 401
    nearly = new_token(finsam.db, "fk", days=30, now=utc_now() - timedelta(days=29))
    assert status(app, nearly) == 200


def test_expiry_is_checked_against_the_time_of_use(app: Flask, finsam: Finsam) -> None:
    token = new_token(finsam.db, "fk", days=1)
    with finsam.db.write() as session:
        row = session.scalar(select(ApiToken))
        assert row is not None
        row.expires_at = utc_now() - timedelta(seconds=1)
    assert status(app, token) == 401


@pytest.mark.parametrize(("days", "label"), [(0, ""), (-1, ""), (367, ""), (10, "x" * 101),
                                             (10, "rad\nbrytning\x00")])
def test_a_bad_lifetime_or_label_is_refused(finsam: Finsam, days: int, label: str) -> None:
    with pytest.raises(InvalidData):
        new_token(finsam.db, "fk", days=days, label=label)
    assert tokens_of(finsam.db, "fk") == []


def test_the_listing_shows_when_a_token_was_used_never_the_token(app: Flask,
                                                                finsam: Finsam) -> None:
    token = new_token(finsam.db, "fk", label="Ärendesystemet")
    [row] = tokens_of(finsam.db, "fk")
    assert row.label == "Ärendesystemet" and row.last_used_at is None
    assert row.state(utc_now()) == "active"
    assert status(app, token) == 200
    [used] = tokens_of(finsam.db, "fk")
    assert used.last_used_at is not None
    assert token not in repr(used)


def test_revoking_one_token_leaves_the_others(app: Flask, finsam: Finsam) -> None:
    first, second = new_token(finsam.db, "fk"), new_token(finsam.db, "fk")
    ids = [row.id for row in tokens_of(finsam.db, "fk")]
    revoke_token(finsam.db, "fk", max(ids))
    assert status(app, second) == 401 and status(app, first) == 200
    with pytest.raises(NotFound):
        revoke_token(finsam.db, "af", min(ids))  # not af's
    assert status(app, first) == 200


@pytest.fixture
def run(database_url: str, finsam: Finsam, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("FINSAM_DATABASE_URL", database_url)

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    return invoke


def test_the_command_line_issues_lists_and_revokes(run, app: Flask) -> None:  # type: ignore[no-untyped-def]
    issued = run("user", "token", "fk", "--days", "7", "--label", "Integration A")
    assert issued.exit_code == 0, issued.output
    token = issued.output.strip()
    assert token.startswith("ff_") and "\n" not in token  # printed alone, as before
    other = run("user", "token", "fk").output.strip()
    listed = run("user", "token", "fk", "--list")
    assert listed.exit_code == 0, listed.output
    assert "Integration A" in listed.output and token not in listed.output
    assert other not in listed.output and "active" in listed.output
    first_id = re.search(r"^\s*(\d+)\s+Integration A", listed.output, re.M)
    assert first_id is not None, listed.output
    revoked = run("user", "token", "fk", "--revoke", first_id.group(1))
    assert revoked.exit_code == 0, revoked.output
    assert status(app, token) == 401 and status(app, other) == 200
    assert "revoked" in run("user", "token", "fk", "--list").output
    everything = run("user", "token", "fk", "--revoke-all")
    assert everything.exit_code == 0 and "1 token(s) revoked" in everything.output
    assert status(app, other) == 401


@pytest.mark.parametrize("args", [("--revoke", "999999"), ("--days", "0"), ("--days", "400"),
                                  ("--revoke", "1", "--revoke-all"), ("--list", "--revoke-all")])
def test_the_command_line_refuses_with_one_line(run, args: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    result = run("user", "token", "fk", *args)
    assert result.exit_code != 0
    assert "Traceback" not in result.output


def test_the_profile_page_lists_and_revokes_own_tokens(app: Flask, client, finsam: Finsam) -> None:  # type: ignore[no-untyped-def]
    mine = new_token(finsam.db, "fk", label="Mitt skript")
    theirs = new_token(finsam.db, "af", label="Deras skript")
    browser = Browser(client)
    browser.login("fk")
    page = browser.get("/profile").get_data(as_text=True)
    assert "Mitt skript" in page and "Deras skript" not in page and mine not in page
    [own] = tokens_of(finsam.db, "fk")
    [foreign] = tokens_of(finsam.db, "af")
    no_csrf = client.post(f"/profile/tokens/{own.id}/revoke")
    assert no_csrf.status_code == 400 and status(app, mine) == 200
    assert browser.post(f"/profile/tokens/{foreign.id}/revoke").status_code == 404
    assert status(app, theirs) == 200
    done = browser.post(f"/profile/tokens/{own.id}/revoke")
    assert done.status_code == 302
    assert status(app, mine) == 401
    after = browser.get("/profile").get_data(as_text=True)
    assert "Återkallad" in after and "Nyckeln är återkallad" in after


def test_a_token_cannot_revoke_tokens(app: Flask, finsam: Finsam) -> None:
    token = new_token(finsam.db, "fk")
    [row] = tokens_of(finsam.db, "fk")
    response = app.test_client().post(f"/profile/tokens/{row.id}/revoke",
                                      headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403  # only a logged-in session revokes
    assert status(app, token) == 200
