"""The overview in SQL (issue 19): full-text search over titles and notes on SQLite (FTS5) and
PostgreSQL, the period filter and sorting, and the SQL reading of who sees a case equal to the
policy's for every role."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select, text, update

from engine import Instance
from workflows import Finsam, policy
from workflows.case_search import TERMS_PER_WORD, searched
from workflows.overview_query import visible
from workflows.users import capacities

from .conftest import Browser
from .test_case_overview import _groups
from .test_plain_swedish import visible_text
from .test_processes import ESF_PARTIES, FINSAM_PARTIES
from .walk import Desk


def test_search_finds_titles_and_notes(browser: Browser, finsam: Finsam,
                                       database_url: str) -> None:
    desk = Desk(database_url)
    _, routes = desk.need(FINSAM_PARTIES, "finansiell_samordning", titel="Unga vuxna i Höganäs")
    desk.need(FINSAM_PARTIES, "finansiell_samordning", titel="Sysselsättning för äldre")
    kansli = capacities(finsam.db, "kansli")[0]
    finsam.case_files.add_note(kansli, routes["finansiell_samordning"].id,
                               "Lokalbokningen klar i Höganäs bibliotek.")
    browser.login("kansli")
    by_note = browser.get("/instances?q=lokalbokning").get_data(as_text=True)
    assert len(_groups(by_note)) == 1 and "Unga vuxna i Höganäs" in by_note
    by_words = browser.get("/instances?q=SYSSELS%C3%84TTNING+%C3%A4ldre").get_data(as_text=True)
    assert len(_groups(by_words)) == 1 and "Sysselsättning för äldre" in by_words
    assert len(_groups(browser.get("/instances?q=unga+äldre").get_data(as_text=True))) == 0
    # Query syntax of FTS5 or to_tsquery is never the user's: these are words, nothing more.
    for odd in ('"', "unga OR", "NEAR(", "a:*", "!!", "'", "*"):
        assert browser.get(f"/instances?q={odd}").status_code == 200


def test_period_and_sorting(browser: Browser, finsam: Finsam, database_url: str) -> None:
    desk = Desk(database_url)
    for title in ("Bb andra", "Aa första", "Cc tredje"):  # a need keeps the title it began with
        desk.start_need("angelholm", {"titel": title})
    today = finsam.engine.clock().date()
    browser.login("kansli")

    def titles(url: str) -> list[str]:
        page = browser.get(url).get_data(as_text=True)
        return [re.search(r"(Aa första|Bb andra|Cc tredje)", visible_text(g)).group(1)  # type: ignore[union-attr]
                for g in _groups(page)]

    assert titles("/instances") == ["Cc tredje", "Aa första", "Bb andra"]  # newest first
    assert titles("/instances?sort=old") == ["Bb andra", "Aa första", "Cc tredje"]
    assert titles("/instances?sort=title") == ["Aa första", "Bb andra", "Cc tredje"]
    assert len(titles(f"/instances?from={today}&to={today}")) == 3
    assert titles(f"/instances?from={today + timedelta(days=1)}") == []
    assert titles(f"/instances?to={today - timedelta(days=1)}") == []
    bad = browser.get("/instances?from=1.2.2026")
    assert bad.status_code == 400 and "ÅÅÅÅ-MM-DD" in bad.get_data(as_text=True)


def test_the_sql_reading_of_who_sees_a_case_is_the_policy(finsam: Finsam,
                                                          database_url: str) -> None:
    desk = Desk(database_url)
    desk.need(ESF_PARTIES, "esf_plus")
    desk.need(FINSAM_PARTIES, "finansiell_samordning")
    desk.need(sorted(set(FINSAM_PARTIES) | set(ESF_PARTIES)), "bada")
    for user in ("af", "fk", "bastad", "klippan", "kansli", "styrelse", "auditor", "designer",
                 "admin"):
        capacity = capacities(finsam.db, user)[0]
        everything = finsam.engine.list_instances("nnv-skane", limit=10_000)
        expected = {i.id for i in everything if policy.sees_instance(capacity, i)}
        with finsam.db.read() as session:
            found = set(session.scalars(select(Instance.id).where(visible(capacity))))
        assert found == expected, user


def test_a_word_is_sought_as_the_terms_it_starts_on_sqlite(finsam: Finsam,
                                                         database_url: str) -> None:
    """FTS5 merges the rows of every term a prefix query starts before it can seek one case
    (2.3 ms a case for a word of every title at 100 000; the overview's walk asks case by case):
    a word is sent as the index's terms that start with it, and finds what its prefix query
    finds, also the words kept as prefixes (more than TERMS_PER_WORD terms; not ASCII or
    Latin-1; split by the tokenizer)."""
    if not finsam.db.is_sqlite:
        pytest.skip("FTS5's prefix queries")
    desk = Desk(database_url)
    for n in range(2):
        desk.need(FINSAM_PARTIES, "finansiell_samordning", titel=f"Knutpunkt {n}")
    many = " ".join(f"ord{n}" for n in range(TERMS_PER_WORD + 1))
    titles = ["Knutpunkt Höganäs", "Knutpunkten i Åstorp", f"Knut_hus 2024 {many}",
              "Σύνδεσμος ÿ"]
    with finsam.db.write() as session:
        ids = list(session.scalars(select(Instance.id).order_by(Instance.id)))
        for instance_id, title in zip(ids, titles, strict=False):
            session.execute(update(Instance).where(Instance.id == instance_id)
                            .values(title=title))
    kansli = capacities(finsam.db, "kansli")[0]
    finsam.case_files.add_note(kansli, ids[-1], "Lokalbokningen klar, knutarna lösta.")
    sent: list[str] = []

    def record(_conn, _cursor, statement, parameters, *_):  # type: ignore[no-untyped-def]
        sent.extend(p for p in parameters if isinstance(p, str) and p.startswith(('"', '(')))

    for query in ("knut", "knutpunkt hög", "knutpunkten", "åstorp", "2024", "ord", "ord1",
                  "knut_hus", "σύνδεσμος", "ÿ", "lokal knut", "finnsinte", "knutpunkt åst"):
        match = " ".join(f'"{w}"*' for w in query.split())
        with finsam.db.read() as session:
            expected = set(session.scalars(text(
                "SELECT rowid FROM instance_title_fts WHERE instance_title_fts MATCH :q UNION "
                "SELECT instance_id FROM case_note WHERE id IN (SELECT rowid FROM case_note_fts "
                "WHERE case_note_fts MATCH :q)"), {"q": match}))
        event.listen(finsam.db.sa_engine, "before_cursor_execute", record)
        try:
            ids_read, condition = searched(finsam.db, query)  # type: ignore[misc]
            with finsam.db.read() as session:
                assert set(session.scalars(ids_read)) == expected, query
                assert set(session.scalars(select(Instance.id).where(condition))) == expected
        finally:
            event.remove(finsam.db.sa_engine, "before_cursor_execute", record)
    assert sent[:2] == ['("knut" OR "knutpunkt" OR "knutpunkten")', '"knutarna"']
    assert '"ord"*' in sent and "\"finnsinte\"" in sent and '"åstorp"' in sent
