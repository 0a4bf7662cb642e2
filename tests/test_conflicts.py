"""Conflicts in Swedish with the user's input kept and a way onward (issue 19): a task done in a
second browser, a task taken by someone else, a task that is gone."""

from __future__ import annotations

from flask.testing import FlaskClient

from workflows import Finsam
from workflows.users import add_user

from .conftest import Browser
from .test_processes import ESF_PARTIES
from .test_web_pages import own_task
from .walk import Desk

KEPT = "Vi förankrade förslaget på ledningsgruppens möte i mars"


def _esf(finsam: Finsam, database_url: str) -> int:
    from .test_processes import IDEA

    desk = Desk(database_url)
    _, started = desk.need(ESF_PARTIES, "esf_plus")
    desk.act("af", started["esf_plus"].id, "utforma_projektide", IDEA)
    return started["esf_plus"].id


def test_a_task_done_in_a_second_browser_keeps_the_input(
    app, client: FlaskClient, finsam: Finsam, database_url: str
) -> None:  # type: ignore[no-untyped-def]
    esf = _esf(finsam, database_url)
    task = own_task(finsam, esf, "fk")
    first, second = Browser(client), Browser(app.test_client())
    first.login("fk")
    second.login("fk")
    assert second.get(f"/tasks/{task}").status_code == 200
    assert first.post(f"/tasks/{task}", {"forankrad": "true"}).status_code == 302
    late = second.post(f"/tasks/{task}", {"forankrad": "false", "kommentar": KEPT})
    page = late.get_data(as_text=True)
    assert late.status_code == 409
    assert "redan slutförd" in page
    assert KEPT in page  # what the user typed is still there to copy
    assert f'href="/instances/{esf}"' in page  # a way onward: the case
    assert "already" not in page and "does not exist" not in page


def test_a_task_taken_by_someone_else_names_them_and_keeps_the_input(
    app, client: FlaskClient, finsam: Finsam, database_url: str
) -> None:  # type: ignore[no-untyped-def]
    esf = _esf(finsam, database_url)
    add_user(finsam.db, "af2", "nnv-skane", "af", "representant", "finsam-demo",
             display_name="Anna Andersson")
    task = own_task(finsam, esf, "af")
    holder, late = Browser(client), Browser(app.test_client())
    holder.login("af2")
    late.login("af")
    assert holder.post(f"/tasks/{task}/claim", {}).status_code == 302
    response = late.post(f"/tasks/{task}", {"forankrad": "true", "kommentar": KEPT})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Anna Andersson har tagit uppgiften" in page
    assert KEPT in page
    assert "claimed by" not in page
    taken = late.post(f"/tasks/{task}/claim", {})
    assert taken.status_code == 409
    assert "En kollega har redan tagit uppgiften" in taken.get_data(as_text=True)


def test_a_task_that_is_gone_is_explained_in_swedish(browser: Browser) -> None:
    browser.login("fk")
    response = browser.get("/tasks/987654")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "does not exist" not in page
    assert "finns inte" in page
    assert 'href="/instances"' in page or 'href="/"' in page
