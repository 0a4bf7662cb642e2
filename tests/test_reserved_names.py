"""The names the system records as who acted (the worker's `system`, a fired timer's `timer`, a
command-line deploy's `cli`) are never a user's: refused in add_user, on the admin page and on
the command line, in any case or width, with a Swedish message."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from engine import InvalidData
from engine.base.types import RESERVED_ACTORS
from engine.store.models import Event
from webui.cli import main
from workflows import Finsam
from workflows.models import Person, User
from workflows.users import add_user, capacities
from workflows.worker import tick

from .conftest import Browser
from .test_timers import Clock, ClockDesk
from .test_utlysningsplan import CHECKED, TASK, bevakningar

LOOKALIKES = ["system", "timer", "cli", "System", "TIMER", "Cli", "ｓｙｓｔｅｍ", "ＴＩＭＥＲ"]


def users(finsam: Finsam) -> int:
    with finsam.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(User)) or 0)


@pytest.mark.parametrize("name", LOOKALIKES)
def test_add_user_refuses_a_reserved_name(finsam: Finsam, name: str) -> None:
    before = users(finsam)
    with pytest.raises(InvalidData) as refused:
        add_user(finsam.db, name, "nnv-skane", "fk", "representant", "hemligt-losen")
    assert "reserverat" in refused.value.details["username"]
    assert "Välj ett annat användarnamn" in refused.value.details["username"]
    assert users(finsam) == before


def test_names_that_only_contain_a_reserved_word_are_fine(finsam: Finsam) -> None:
    for name in ("systemet", "timer2", "cli-user"):
        add_user(finsam.db, name, "nnv-skane", "fk", "representant", "hemligt-losen")
        assert capacities(finsam.db, name)


@pytest.mark.parametrize("name", ["system", "Timer", "CLI"])
def test_the_admin_page_refuses_a_reserved_name(browser: Browser, finsam: Finsam,
                                                name: str) -> None:
    browser.login("admin")
    before = users(finsam)
    page = browser.post("/admin/users", {"username": name, "org": "fk", "role": "representant",
                                         "password": "hemligt-losen"})
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "är reserverat" in text and "Välj ett annat användarnamn" in text
    assert users(finsam) == before


@pytest.mark.parametrize("name", ["system", "SYSTEM", "timer"])
def test_the_command_line_refuses_a_reserved_name(finsam: Finsam, database_url: str, name: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINSAM_DATABASE_URL", database_url)
    before = users(finsam)
    result = CliRunner().invoke(main, ["user", "add", name, "--forbund", "nnv-skane", "--org",
                                       "fk", "--role", "representant", "--password-stdin"],
                                input="hemligt-losen\n", catch_exceptions=False)
    assert result.exit_code == 1
    assert "reserverat" in result.output and "Traceback" not in result.output
    assert users(finsam) == before


def test_every_name_the_worker_records_is_reserved(finsam: Finsam, database_url: str) -> None:
    """Run what acts without a user (the worker starting a bevakning, a timer firing), then
    every actor in the history is either a user or reserved."""
    clock = Clock()
    desk = ClockDesk(database_url, clock)
    system = desk.system()
    try:
        tick(system, None, None)
        iid = bevakningar(finsam)[0].id
        desk.act("af", iid, TASK, CHECKED)
        clock.advance(weeks=14)
        assert tick(system, None, None).fired == 1
    finally:
        system.close()
    with finsam.db.read() as session:
        actors = set(session.scalars(select(Event.actor).distinct()))
        # A person is recorded by the directory's pseudonymous id (older events: the username).
        names = set(session.scalars(select(User.username))) | set(
            session.scalars(select(Person.actor_id)))
    assert {"system", "timer"} <= actors
    assert actors - names <= RESERVED_ACTORS
