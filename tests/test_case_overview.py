"""The case overview on /instances (issue 19): each need with its routes as one group, where
each stands and whom it waits for, filters and a search over titles, within the policy."""

from __future__ import annotations

import re

from workflows import Finsam

from .conftest import Browser
from .test_plain_swedish import visible_text
from .test_processes import ESF_PARTIES, FINSAM_PARTIES
from .walk import Desk


def _groups(page: str) -> list[str]:
    return re.findall(r'(?s)<tbody class="case-group">(.*?)</tbody>', page)


def test_a_need_and_its_routes_are_one_group_with_where_they_stand(
    browser: Browser, finsam: Finsam, database_url: str
) -> None:
    desk = Desk(database_url)
    parties = sorted(set(FINSAM_PARTIES) | set(ESF_PARTIES))
    need, routes = desk.need(parties, "bada", titel="Knutpunkt för hemmasittare")
    desk.need(FINSAM_PARTIES, "finansiell_samordning", titel="Sysselsättning för unga")
    browser.login("kansli")
    page = browser.get("/instances").get_data(as_text=True)
    groups = _groups(page)
    assert len(groups) == 2
    both = next(g for g in groups if f"/instances/{need.instance.id}\"" in g)
    for route in routes.values():
        assert f'/instances/{route.id}"' in both  # the routes in the need's group
    text = visible_text(both)
    assert "Parterna utformar insats" in text and "Parterna utformar projektidé" in text
    assert "Parternas företrädare" in text  # whom the steps wait for
    assert "0 dagar" in text  # days waiting

    searched = browser.get("/instances?q=sysselsättning").get_data(as_text=True)
    assert len(_groups(searched)) == 1 and "Sysselsättning" in searched
    none = browser.get("/instances?q=finnsinte").get_data(as_text=True)
    assert not _groups(none) and "Visa alla ärenden" in none  # a way onward

    fk = browser.get("/instances?party=fk").get_data(as_text=True)
    assert len(_groups(fk)) == 1  # only the need for both routes has Försäkringskassan
    assert len(_groups(browser.get("/instances?mine=1").get_data(as_text=True))) == 0
    assert len(_groups(browser.get("/instances?overdue=1").get_data(as_text=True))) == 0


def test_waiting_on_us_and_the_policy(browser: Browser, finsam: Finsam, database_url: str) -> None:
    desk = Desk(database_url)
    desk.need(ESF_PARTIES, "esf_plus", titel="Bara ESF")
    browser.login("fk")
    assert len(_groups(browser.get("/instances?mine=1").get_data(as_text=True))) == 1
    browser.logout()
    browser.login("styrelse")  # the board never sees an ESF+-only need or route
    page = browser.get("/instances").get_data(as_text=True)
    assert "Bara ESF" not in page
    assert browser.get("/instances?page=abc").status_code == 400


def test_a_step_each_party_does_is_named_once_with_the_longest_wait(
    browser: Browser, finsam: Finsam, database_url: str
) -> None:
    from .test_processes import DESIGN, finsam_route

    desk = Desk(database_url)
    iid = finsam_route(desk)
    desk.act("klippan", iid, "utforma_insats", DESIGN)  # now each party anchors: one task each
    browser.login("kansli")
    page = browser.get("/instances").get_data(as_text=True)
    row = re.search(rf'(?s)<tr[^>]*>\s*<td[^>]*>\s*<a href="/instances/{iid}".*?</tr>', page)
    assert row is not None
    text = visible_text(row.group(0))
    assert text.count("Parterna förankrar") == 1, text
    assert text.count("dagar") == 1, text  # one wait: the longest
