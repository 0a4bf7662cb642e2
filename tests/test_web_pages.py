"""The pages: task list, task form with errors, claim, instance timeline, admin, language."""

from __future__ import annotations

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from engine.operations import queries
from engine.store.models import Event
from workflows import Finsam
from workflows.users import capacities

from .conftest import Browser
from .test_processes import ESF_PARTIES, IDEA
from .walk import Desk


def events_count(finsam: Finsam) -> int:
    with finsam.db.read() as session:
        return session.scalar(select(func.count()).select_from(Event)) or 0


@pytest.fixture
def esf(finsam: Finsam, database_url: str) -> int:
    desk = Desk(database_url)
    _, started = desk.need(ESF_PARTIES, "esf_plus")
    desk.act("af", started["esf_plus"].id, "utforma_projektide", IDEA)
    return started["esf_plus"].id


def own_task(finsam: Finsam, instance_id: int, org: str) -> int:
    return next(t.id for t in finsam.engine.open_tasks_of(instance_id) if t.assignee == org)


def test_login_failure_and_success(browser: Browser) -> None:
    browser.password = "wrong-password"
    response = browser.login("fk")
    assert response.status_code == 401
    assert "Fel användarnamn eller lösenord" in response.get_data(as_text=True)
    browser.password = "finsam-demo"
    assert browser.login("fk").status_code == 302
    page = browser.get("/").get_data(as_text=True)
    assert "Försäkringskassan" in page and "Samordningsförbundet NNV Skåne" in page


def test_login_is_throttled(browser: Browser) -> None:
    browser.password = "wrong-password"
    statuses = [browser.login("kansli").status_code for _ in range(6)]
    assert statuses[:5] == [401] * 5 and statuses[5] == 429
    browser.password = "finsam-demo"
    response = browser.login("kansli")
    assert response.status_code == 429
    assert "För många misslyckade inloggningar" in response.get_data(as_text=True)


def test_task_list_shows_the_organisations_tasks(
    browser: Browser, finsam: Finsam, esf: int
) -> None:
    browser.login("fk")
    page = browser.get("/").get_data(as_text=True)
    task_id = own_task(finsam, esf, "fk")
    assert f'href="/tasks/{task_id}"' in page
    assert "Parterna förankrar projektidén internt" in page
    assert "Knutpunkt för hemmasittare" in page
    filtered = browser.get("/?process=finansiell_samordning").get_data(as_text=True)
    assert f'href="/tasks/{task_id}"' not in filtered
    browser.post(f"/tasks/{task_id}/claim")
    mine = browser.get("/?mine=1").get_data(as_text=True)
    assert f'href="/tasks/{task_id}"' in mine
    # Who holds it, by name (the task row holds the person's pseudonymous id).
    me = capacities(finsam.db, "fk")[0]
    assert "Tagen av" in mine and f">{me.display_name}<" in mine and me.actor_id not in mine


def test_empty_state_says_what_to_do(browser: Browser) -> None:
    browser.login("styrelse")
    page = browser.get("/").get_data(as_text=True)
    assert "Inget att göra just nu" in page


def test_invalid_form_comes_back_with_errors_and_input(
    browser: Browser, finsam: Finsam, esf: int
) -> None:
    browser.login("fk")
    task_id = own_task(finsam, esf, "fk")
    before = events_count(finsam)
    response = browser.post(f"/tasks/{task_id}", {"kommentar": "Vi återkommer <b>snart</b>"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="f-forankrad-error"' in html and "Obligatoriskt" in html
    assert 'aria-describedby="f-forankrad-help f-forankrad-error"' in html or \
        'aria-describedby="f-forankrad-error"' in html
    assert "Vi återkommer &lt;b&gt;snart&lt;/b&gt;" in html  # kept, and escaped
    assert "autofocus" in html
    assert events_count(finsam) == before


def test_second_completion_is_409(client, browser: Browser, finsam: Finsam, esf: int) -> None:  # type: ignore[no-untyped-def]
    browser.login("fk")
    task_id = own_task(finsam, esf, "fk")
    assert browser.post(f"/tasks/{task_id}", {"forankrad": "true"}).status_code == 302
    again = browser.post(f"/tasks/{task_id}", {"forankrad": "true"})
    assert again.status_code == 409
    api = client.post(f"/api/tasks/{task_id}/complete", json={"forankrad": True},
                      headers={"X-CSRF-Token": browser.csrf()})
    assert api.status_code == 409 and api.get_json()["error"] == "conflict"


def test_api_invalid_data_is_422_with_details(  # type: ignore[no-untyped-def]
    client, browser: Browser, finsam: Finsam, esf: int
) -> None:
    browser.login("fk")
    task_id = own_task(finsam, esf, "fk")
    before = events_count(finsam)
    headers = {"X-CSRF-Token": browser.csrf()}
    response = client.post(f"/api/tasks/{task_id}/complete", json={"forankrad": "kanske"},
                           headers=headers)
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "invalid_data" and "forankrad" in body["details"]
    assert client.post(f"/api/tasks/{task_id}/complete", json=[1, 2],
                       headers=headers).status_code == 400
    response = client.post(f"/api/tasks/{task_id}/complete", json={"forankrad": True})
    assert response.status_code == 400
    assert events_count(finsam) == before


def test_after_completion_the_next_step_is_shown(
    browser: Browser, finsam: Finsam, esf: int
) -> None:
    for org in ESF_PARTIES:
        browser.logout()
        browser.login(org)
        response = browser.post(f"/tasks/{own_task(finsam, esf, org)}", {"forankrad": "true"},
                                follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Nästa steg" in html and "Parterna prövar mandat" in html


def test_instance_page_has_timeline_and_open_tasks(browser: Browser, esf: int) -> None:
    browser.login("af")
    html = browser.get(f"/instances/{esf}").get_data(as_text=True)
    assert "Vägen hittills" in html
    # the person by display name and organisation, not "af som af (representant)" (issue 19)
    assert ("Representant Arbetsförmedlingen (Arbetsförmedlingen) slutförde "
            "»Parterna utformar projektidé«") in html
    assert "Försäkringskassan" in html  # an open task and who must act
    assert "Kopplade ärenden" in html


def test_amounts_and_dates_are_swedish() -> None:
    from webui.amounts import kronor
    from webui.filters import sv_date

    assert kronor(3_500_000).replace("\u00a0", " ") == "3 500 000 kr"
    from datetime import date

    assert sv_date(date(2025, 3, 1)) == "2025-03-01"


def test_language_switch(browser: Browser) -> None:
    browser.login("fk")
    assert "Uppgifter" in browser.get("/").get_data(as_text=True)
    browser.post("/language", {"lang": "en", "next": "/"})
    page = browser.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Tasks" in page and "Log out" in page


def test_admin_adds_and_deactivates_users(browser: Browser, client) -> None:  # type: ignore[no-untyped-def]
    browser.login("admin")
    page = browser.get("/admin/users").get_data(as_text=True)
    assert "angelholm" in page
    response = browser.post("/admin/users", {"username": "ny-fk", "org": "fk",
                                             "role": "representant", "password": "langt-losen"})
    assert response.status_code == 302
    bad = browser.post("/admin/users", {"username": "x", "org": "fk", "role": "representant",
                                        "password": "kort"})
    assert bad.status_code == 422 and "password" in bad.get_data(as_text=True)
    other = Browser(client.application.test_client())
    other.password = "langt-losen"
    assert other.login("ny-fk").status_code == 302
    browser.post("/admin/users/ny-fk/active", {"active": "0"})
    assert other.get("/").status_code == 302  # deactivated: the session no longer works


def test_security_headers_and_cookie_flags(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/login")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in response.get_data(as_text=True)
    app = client.application
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_post_without_csrf_is_refused(client, browser: Browser, finsam: Finsam, esf: int) -> None:  # type: ignore[no-untyped-def]
    browser.login("fk")
    task_id = own_task(finsam, esf, "fk")
    response = client.post(f"/tasks/{task_id}", data={"forankrad": "true"})
    assert response.status_code == 400
    response = client.post(f"/tasks/{task_id}", data={"forankrad": "true", "csrf_token": "x"})
    assert response.status_code == 400
    assert finsam.engine.get_task("nnv-skane", task_id).task.state == "open"


def test_task_list_is_one_query_whatever_the_number_of_instances(
        app, browser: Browser, finsam: Finsam, database_url: str) -> None:  # type: ignore[no-untyped-def]
    desk = Desk(database_url)
    browser.login("fk")

    def statements_for_list() -> int:
        count = 0

        def counter(*_args: object) -> None:
            nonlocal count
            count += 1

        sa_event.listen(finsam.db.sa_engine, "before_cursor_execute", counter)
        try:
            assert browser.get("/").status_code == 200
        finally:
            sa_event.remove(finsam.db.sa_engine, "before_cursor_execute", counter)
        return count

    desk.need(ESF_PARTIES, "esf_plus")
    few = len(finsam.task_list(finsam_capacity(finsam, "fk")))
    small = statements_for_list()
    for _ in range(4):
        desk.need(ESF_PARTIES, "bada")
    assert len(finsam.task_list(finsam_capacity(finsam, "fk"))) > few
    large = statements_for_list()
    assert large == small


def test_tab_counts_stop_at_the_cap(browser: Browser, finsam: Finsam, database_url: str,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    desk = Desk(database_url)
    for _ in range(3):
        _, started = desk.need(ESF_PARTIES, "esf_plus")
        desk.act("af", started["esf_plus"].id, "utforma_projektide", IDEA)
    browser.login("fk")
    exact = browser.get("/").get_data(as_text=True)
    assert 'ESF+ <span class="count">3</span>' in exact
    monkeypatch.setattr(queries, "COUNT_CAP", 2)
    capped = browser.get("/").get_data(as_text=True)
    assert 'ESF+ <span class="count">2+</span>' in capped
    assert '<span class="count">2+</span></a></li>' in capped.split("ESF+")[0]  # the total


def finsam_capacity(finsam: Finsam, username: str):  # type: ignore[no-untyped-def]
    from workflows.users import capacities

    return capacities(finsam.db, username)[0]


def test_a_user_with_several_capacities_switches(browser: Browser, finsam: Finsam) -> None:
    from workflows.users import add_user, capacities

    add_user(finsam.db, "af", "nnv-skane", "styrelse", "styrelse", "finsam-demo")
    options = capacities(finsam.db, "af")
    assert [o.role for o in options] == ["representant", "styrelse"]
    browser.login("af")
    page = browser.get("/").get_data(as_text=True)
    assert 'name="membership_id"' in page and "Agera som" in page
    response = browser.post("/capacity", {"membership_id": str(options[1].membership_id)},
                            follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Du agerar nu för Styrelsen som styrelse" in html
    assert "Styrelsen · styrelse" in html
    other = browser.post("/capacity", {"membership_id": "999999"}, follow_redirects=True)
    assert "Den rollen har du inte" in other.get_data(as_text=True)
