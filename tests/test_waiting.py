"""Where cases wait (issue 19): per step of a process, the running cases standing there and their
median wait, for a period; drawn on the diagram as heat and given as a table; for the kansli and
the designer only, never a case's data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from engine import Forbidden, NotFound
from workflows import Finsam, waiting
from workflows.users import capacities

from .test_timers import T0, Clock, ClockDesk, at_agreement

STEP = "overenskommelse"
STEP_NAME = "Parterna kommer överens om projektägare och medfinansiärer"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def desk(finsam: Finsam, database_url: str, clock: Clock) -> ClockDesk:
    return ClockDesk(database_url, clock)


def _two_cases(desk: ClockDesk, clock: Clock) -> tuple[int, int]:
    first = at_agreement(desk)  # waits at the agreement from T0
    clock.advance(days=10)
    second = at_agreement(desk)  # from T0 + 10 days
    clock.advance(days=10)  # now T0 + 20 days: 20 and 10 days, median 15
    return first, second


def test_cases_per_step_with_their_median_wait(desk: ClockDesk, clock: Clock) -> None:
    _two_cases(desk, clock)
    system = desk.system()
    try:
        kansli = capacities(system.db, "kansli")[0]
        figures = waiting.where_cases_wait(system, kansli, "esf_plus", started_from=T0.date())
        [spot] = [s for s in figures.spots if s.bpmn_id == STEP]
        assert (spot.name, spot.cases, spot.median_days, spot.heat) == (STEP_NAME, 2, 15.0, 2)
        assert spot.drawn and figures.cases == 2  # nothing else of these two is open
        later = waiting.where_cases_wait(system, kansli, "esf_plus",
                                         started_from=T0.date() + timedelta(days=5))
        assert [(s.bpmn_id, s.cases, s.median_days) for s in later.spots] == [(STEP, 1, 10.0)]
        none = waiting.where_cases_wait(system, kansli, "esf_plus", started_from=date(2030, 1, 1))
        assert none.spots == []
        svg = waiting.heatmap_svg(system, kansli, figures)
        at = svg.index(f'data-element-id="{STEP}"')
        group = svg[at - 200:at]
        assert "heat-2" in group
    finally:
        system.close()


def test_heat_by_median_days() -> None:
    assert [waiting.heat(d) for d in (0, 6.9, 7, 29, 30, 89, 90, 400)] == [1, 1, 2, 2, 3, 3, 4, 4]


@pytest.mark.parametrize("user", ["styrelse", "af", "auditor", "admin"])
def test_only_the_kansli_and_the_designer(desk: ClockDesk, clock: Clock, user: str) -> None:
    _two_cases(desk, clock)
    system = desk.system()
    try:
        for capacity in capacities(system.db, user):
            with pytest.raises(Forbidden):
                waiting.where_cases_wait(system, capacity, "esf_plus")
        designer = capacities(system.db, "designer")[0]
        assert waiting.where_cases_wait(system, designer, "esf_plus").cases >= 2
        with pytest.raises(NotFound):
            waiting.where_cases_wait(system, designer, "no_such_process")
    finally:
        system.close()


def test_the_page_and_the_image(browser, desk: ClockDesk, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    _two_cases(desk, clock)
    browser.login("kansli")
    page = browser.get(f"/waiting/?process=esf_plus&from={T0.date().isoformat()}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Var ärenden väntar" in html
    assert STEP_NAME in html and "Median väntetid (dagar)" in html
    assert STEP not in html.replace("/waiting/esf_plus.svg", "")  # names, not ids
    image = browser.get(f"/waiting/esf_plus.svg?from={T0.date().isoformat()}")
    assert image.status_code == 200 and image.mimetype == "image/svg+xml"
    assert "script" not in image.get_data(as_text=True)
    assert "default-src 'none'" in image.headers["Content-Security-Policy"]
    assert browser.get("/waiting/no_such_process.svg").status_code == 404
    assert browser.get("/waiting/?process=x&from=not-a-date").status_code == 200


@pytest.mark.parametrize("user", ["styrelse", "af"])
def test_the_page_refuses_others(browser, user: str) -> None:  # type: ignore[no-untyped-def]
    browser.login(user)
    assert browser.get("/waiting/").status_code == 403
    assert browser.get("/waiting/esf_plus.svg").status_code == 403
    assert "/waiting/" not in browser.get("/").get_data(as_text=True)
